"""ORM models of the loan records.

External ids (loan_id, borrower_id) are what lenders, borrowers and operators
use; integer primary keys stay internal. Audit entries store the external ids
as plain strings so the trail stays readable on its own.
"""
from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import declarative_base, relationship

from .types import Money, UTCDateTime, utcnow

Base = declarative_base()

LOAN_STATUSES = (
    "overdue", "promise_pending", "in_arrangement", "paid", "disputed", "paused", "escalated",
)
ARRANGEMENT_KINDS = ("deferral", "instalment_plan", "promise_to_pay", "fee_waiver", "part_payment")
ARRANGEMENT_STATUSES = ("active", "kept", "broken", "cancelled", "superseded")
HANDOFF_STATUSES = ("open", "taken", "closed")
HANDOFF_OUTCOMES = ("closed", "handed_back")
AGENT_ROLES = ("agent", "supervisor")
DIRECTIONS = ("in", "out")
# Where the loan stands in the lender's process (issue 14, bot/records/lifecycle.py).
LOAN_STAGES = ("reminder", "contact", "negotiation", "legal_review", "follow_up", "closed")
# An outbound campaign send: planned (waiting for its time), sending (claimed by a worker),
# sent / delivered / read / failed (what the provider said), dropped (a rule forbids it: not sent).
SEND_STATUSES = ("planned", "sending", "sent", "delivered", "read", "failed", "dropped", "unknown")


def _one_of(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name)


class Borrower(Base):
    __tablename__ = "borrowers"

    id = Column(Integer, primary_key=True)
    borrower_id = Column(String(64), nullable=False, unique=True)
    full_name = Column(String(200), nullable=False)
    phone = Column(String(16), nullable=False)
    date_of_birth = Column(Date, nullable=False)
    timezone = Column(String(64), nullable=False)
    jurisdiction = Column(String(16), nullable=False)
    email = Column(String(254))
    telegram_user_id = Column(BigInteger, unique=True)
    language = Column(String(16), nullable=False, default="en")
    cease_contact = Column(Boolean, nullable=False, default=False)
    opted_out_channels = Column(JSON, nullable=False, default=list)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    # Set by the retention purge (retention.py), which also replaces the
    # personal data with a tombstone; the row stays so ids keep resolving.
    purged_at = Column(UTCDateTime)

    loans = relationship("Loan", back_populates="borrower", order_by="Loan.loan_id")


class Loan(Base):
    __tablename__ = "loans"
    __table_args__ = (
        _one_of("status", LOAN_STATUSES, "ck_loans_status"),
        _one_of("stage", LOAN_STAGES, "ck_loans_stage"),
    )

    id = Column(Integer, primary_key=True)
    loan_id = Column(String(64), nullable=False, unique=True)
    # loan_id upper-cased without spaces/dashes: how borrowers type references.
    loan_key = Column(String(64), nullable=False, unique=True)
    borrower_pk = Column(Integer, ForeignKey("borrowers.id"), nullable=False, index=True)
    currency = Column(String(3), nullable=False)
    principal = Column(Money, nullable=False)
    outstanding_principal = Column(Money, nullable=False)
    accrued_interest = Column(Money, nullable=False)
    late_fees = Column(Money, nullable=False)
    due_date = Column(Date, nullable=False)
    product_code = Column(String(32), nullable=False)
    status = Column(String(20), nullable=False, default="overdue")
    stage = Column(String(16), nullable=False, default="contact", server_default="contact")
    # The borrower's local date the campaign job last did this loan's bookkeeping and plan for;
    # cleared by a payment or a status change so the job looks again the same day (campaigns/run.py).
    planned_on = Column(Date)
    # When the lender's balance figures were last imported; payments after it
    # are subtracted from the balance (see queries.balance).
    balances_as_of = Column(UTCDateTime, nullable=False, default=utcnow)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    borrower = relationship("Borrower", back_populates="loans")
    arrangements = relationship(
        "Arrangement", back_populates="loan", order_by="Arrangement.id"
    )
    payments = relationship("Payment", back_populates="loan", order_by="Payment.paid_at")


class Arrangement(Base):
    __tablename__ = "arrangements"
    __table_args__ = (
        _one_of("kind", ARRANGEMENT_KINDS, "ck_arrangements_kind"),
        _one_of("status", ARRANGEMENT_STATUSES, "ck_arrangements_status"),
    )

    id = Column(Integer, primary_key=True)
    loan_pk = Column(Integer, ForeignKey("loans.id"), nullable=False, index=True)
    kind = Column(String(20), nullable=False)
    status = Column(String(12), nullable=False, default="active")
    terms = Column(JSON, nullable=False, default=dict)
    hardship_reason = Column(Text)
    actor = Column(String(100), nullable=False)
    idempotency_key = Column(String(128), nullable=False, unique=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    loan = relationship("Loan", back_populates="arrangements")
    schedule = relationship(
        "ScheduledPayment", back_populates="arrangement", order_by="ScheduledPayment.seq",
        cascade="all, delete-orphan",
    )


class ScheduledPayment(Base):
    __tablename__ = "scheduled_payments"
    __table_args__ = (UniqueConstraint("arrangement_id", "seq", name="uq_scheduled_payments_seq"),)

    id = Column(Integer, primary_key=True)
    arrangement_id = Column(Integer, ForeignKey("arrangements.id"), nullable=False, index=True)
    seq = Column(Integer, nullable=False)
    due_date = Column(Date, nullable=False)
    amount = Column(Money, nullable=False)

    arrangement = relationship("Arrangement", back_populates="schedule")


class Payment(Base):
    __tablename__ = "payments"

    id = Column(Integer, primary_key=True)
    reference = Column(String(128), nullable=False, unique=True)
    loan_pk = Column(Integer, ForeignKey("loans.id"), nullable=False, index=True)
    amount = Column(Money, nullable=False)
    currency = Column(String(3), nullable=False)
    paid_at = Column(UTCDateTime, nullable=False)
    recorded_at = Column(UTCDateTime, nullable=False, default=utcnow)
    # A charge-back: the reference of the payment it takes back (same amount); see allocation.py.
    reverses = Column(String(128), unique=True)

    loan = relationship("Loan", back_populates="payments")


class OutboundSend(Base):
    """One campaign message, planned or sent; `key` (loan:step:local date) is unique, so a
    restart, a retry or a second worker plans and sends it once (bot/records/sends.py)."""

    __tablename__ = "outbound_sends"
    __table_args__ = (_one_of("status", SEND_STATUSES, "ck_outbound_sends_status"),)

    id = Column(Integer, primary_key=True)
    key = Column(String(200), nullable=False, unique=True)
    loan_pk = Column(Integer, ForeignKey("loans.id"), nullable=False, index=True)
    stage = Column(String(16), nullable=False)
    step = Column(String(64), nullable=False)
    message = Column(String(64), nullable=False)
    channel = Column(String(16))
    local_date = Column(Date, nullable=False)
    send_at = Column(UTCDateTime, nullable=False, index=True)  # when it may go out (moved by the guard)
    status = Column(String(12), nullable=False, default="planned", index=True)
    rule = Column(String(64))      # the guard's rule that moved or dropped it
    reason = Column(Text)
    attempts = Column(Integer, nullable=False, default=0)
    provider = Column(String(32))
    provider_id = Column(String(128), index=True)
    sent_at = Column(UTCDateTime)
    delivered_at = Column(UTCDateTime)
    replied_at = Column(UTCDateTime)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    loan = relationship("Loan")


class ContactEvent(Base):
    __tablename__ = "contact_events"
    __table_args__ = (_one_of("direction", DIRECTIONS, "ck_contact_events_direction"),)

    id = Column(Integer, primary_key=True)
    borrower_pk = Column(Integer, ForeignKey("borrowers.id"), nullable=False, index=True)
    loan_pk = Column(Integer, ForeignKey("loans.id"))
    channel = Column(String(32), nullable=False)
    direction = Column(String(3), nullable=False)
    kind = Column(String(40), nullable=False)
    at = Column(UTCDateTime, nullable=False, default=utcnow, index=True)


class Handoff(Base):
    __tablename__ = "handoffs"
    __table_args__ = (_one_of("status", HANDOFF_STATUSES, "ck_handoffs_status"),)

    id = Column(Integer, primary_key=True)
    loan_pk = Column(Integer, ForeignKey("loans.id"), index=True)
    borrower_pk = Column(Integer, ForeignKey("borrowers.id"), index=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    reason = Column(String(200), nullable=False)
    status = Column(String(8), nullable=False, default="open", index=True)
    summary = Column(JSON, nullable=False, default=dict)
    taken_by = Column(String(100))
    # Rasa's input channel of the conversation (socketio, telegram, rest), set when taken.
    channel = Column(String(32))
    taken_at = Column(UTCDateTime)
    closed_at = Column(UTCDateTime)
    # How a closed case ended: closed by the agent, or handed back to the bot.
    outcome = Column(String(12))
    # How urgent (bot/records/handoffs.py): 0 normal, 1 nobody took it in time, 2 self-harm risk.
    priority = Column(Integer, nullable=False, default=0, server_default="0")
    escalated_at = Column(UTCDateTime)  # when the take-within time ran out (once per case)
    # What the borrower wrote while waiting, as the bot's thin layer read it: [{at, text, intent}].
    messages = Column(JSON, nullable=False, default=list, server_default=text("'[]'"))
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    loan = relationship("Loan")
    borrower = relationship("Borrower")


class Agent(Base):
    """A person who works the hand-off console (see agents.py)."""

    __tablename__ = "agents"
    __table_args__ = (_one_of("role", AGENT_ROLES, "ck_agents_role"),)

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True)
    password_hash = Column(String(100), nullable=False)
    role = Column(String(12), nullable=False, default="agent")
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)


class AgentSession(Base):
    """A console login; only the SHA-256 of the cookie's token is stored."""

    __tablename__ = "agent_sessions"

    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    agent_pk = Column(Integer, ForeignKey("agents.id"), nullable=False, index=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = Column(UTCDateTime, nullable=False, index=True)

    agent = relationship("Agent")


class AuditEntry(Base):
    """One link of the hash chain. Never updated or deleted (see audit.py)."""

    __tablename__ = "audit_entries"

    seq = Column(BigInteger, primary_key=True, autoincrement=False)
    at = Column(UTCDateTime, nullable=False)
    actor = Column(String(100), nullable=False)
    kind = Column(String(40), nullable=False, index=True)
    loan_id = Column(String(64), index=True)
    borrower_id = Column(String(64), index=True)
    conversation_id = Column(String(128), index=True)
    payload = Column(JSON, nullable=False)
    prev_hash = Column(String(64), nullable=False)
    hash = Column(String(64), nullable=False, unique=True)
    # Seq of the retention_purge entry that replaced this entry's payload by
    # its ids; that entry lists a digest of the redacted row (see audit.py).
    redacted_by = Column(BigInteger)


class AuditCheckpoint(Base):
    """Where the audit chain now starts: the last entry the retention purge
    pruned. Append-only (database triggers); see retention.py."""

    __tablename__ = "audit_checkpoints"

    id = Column(Integer, primary_key=True)
    seq = Column(BigInteger, nullable=False, unique=True)
    hash = Column(String(64), nullable=False)
    pruned_count = Column(Integer, nullable=False)
    purge_seq = Column(BigInteger, nullable=False)
    at = Column(UTCDateTime, nullable=False)
    actor = Column(String(100), nullable=False)


class ActionRun(Base):
    """One executed bot action, by idempotency key (conversation, message, action).

    Rasa retries an action call when the answer is slow or lost; the retry
    must neither write twice nor say something different, so the first run's
    result is kept and replayed.
    """

    __tablename__ = "action_runs"

    id = Column(Integer, primary_key=True)
    key = Column(String(300), nullable=False, unique=True)
    conversation_id = Column(String(200), nullable=False, index=True)
    action = Column(String(100), nullable=False)
    result = Column(JSON, nullable=False)
    at = Column(UTCDateTime, nullable=False, default=utcnow)


# --- payment callback signatures (issue 11: replayed provider callbacks) ---

class CallbackSignature(Base):
    """A payment callback signature already accepted (see callbacks.py).

    Kept in the records, not in memory, so every web server behind a load
    balancer refuses a replay another one accepted. Only a digest of the
    signature is stored; rows are useless once `expires_at` (the end of the
    timestamp window) has passed and are pruned then.
    """

    __tablename__ = "callback_signatures"

    id = Column(Integer, primary_key=True)
    digest = Column(String(64), nullable=False, unique=True)
    received_at = Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = Column(UTCDateTime, nullable=False, index=True)


# --- verification lockout (issue 11: date-of-birth guessing, see verification.py) ---

VERIFICATION_SCOPES = ("loan", "sender")


class VerificationFailure(Base):
    """One failed date-of-birth check. Counted per loan and per sender (the
    conversation id) so that neither a new conversation nor /restart resets it."""

    __tablename__ = "verification_failures"

    id = Column(Integer, primary_key=True)
    at = Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    loan_id = Column(String(64), index=True)  # None: the reference named no loan
    conversation_id = Column(String(128), nullable=False, index=True)


class VerificationLock(Base):
    """Self-service verification of a loan, or from a sender, refused until
    `locked_until` unless an agent lifts it first (`lifted_at`)."""

    __tablename__ = "verification_locks"
    __table_args__ = (_one_of("scope", VERIFICATION_SCOPES, "ck_verification_locks_scope"),)

    id = Column(Integer, primary_key=True)
    scope = Column(String(8), nullable=False)
    subject = Column(String(128), nullable=False, index=True)  # loan_id or conversation id
    failures = Column(Integer, nullable=False)
    locked_at = Column(UTCDateTime, nullable=False)
    locked_until = Column(UTCDateTime, nullable=False)
    lifted_at = Column(UTCDateTime)
    lifted_by = Column(String(100))
