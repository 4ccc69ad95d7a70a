"""State changes, each audited in the caller's transaction.

Every function takes the caller's Session and flushes but never commits, so
the change and its audit entry commit (or roll back) together. Loan rows are
locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite transactions already hold
the write lock) before they are read-modified-written, always before the audit
lock, so concurrent writers neither lose updates nor deadlock.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit, payments
from .errors import NotFound, RecordError
from .models import (
    ARRANGEMENT_KINDS, ARRANGEMENT_STATUSES, HANDOFF_STATUSES, LOAN_STATUSES,
    Arrangement, Borrower, ContactEvent, Handoff, Loan, Payment, ScheduledPayment,
)
from .queries import active_arrangement, balance, find_borrower, find_loan, loan_key
from .types import MONEY_SCALE, utcnow

ACTOR_RE = re.compile(r"^(bot|system|import|payments|campaigns|agent:[\w.@\- ]{1,80})$")
CHANNEL_RE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")


def _check_actor(actor: str) -> str:
    if not isinstance(actor, str) or not ACTOR_RE.match(actor):
        raise RecordError(f"actor must be bot, system, import, payments, campaigns or agent:<name>, got {actor!r}")
    return actor


def _check_money(value, what: str) -> Decimal:
    if not isinstance(value, Decimal) or isinstance(value, bool):
        raise RecordError(f"{what} must be a Decimal, got {type(value).__name__}")
    if not value.is_finite() or value <= 0:
        raise RecordError(f"{what} must be a positive amount, got {value}")
    if value.as_tuple().exponent < -MONEY_SCALE:
        raise RecordError(f"{what} has more than {MONEY_SCALE} decimal places")
    return value


def _locked_loan(session: Session, loan_id: str) -> Loan:
    key = loan_key(loan_id)
    loan = session.execute(
        select(Loan).where(Loan.loan_key == key).with_for_update()
    ).scalar_one_or_none() if key else None
    if loan is None:
        raise NotFound(f"no loan {loan_id!r}")
    return loan


def _change_status(session: Session, loan: Loan, status: str, *, actor: str, reason: str) -> bool:
    if status not in LOAN_STATUSES:
        raise RecordError(f"unknown loan status {status!r}")
    if loan.status == status:
        return False
    old, loan.status = loan.status, status
    loan.planned_on = None  # the campaign job looks at this loan again today
    audit.append(
        session, actor=actor, kind="record_change", loan_id=loan.loan_id,
        borrower_id=loan.borrower.borrower_id,
        payload={"change": "loan_status", "from": old, "to": status, "reason": reason},
    )
    return True


def set_loan_status(session: Session, loan_id: str, status: str, *, actor: str, reason: str) -> Loan:
    """Set a loan's status; audited only when it actually changes."""
    _check_actor(actor)
    loan = _locked_loan(session, loan_id)
    _change_status(session, loan, status, actor=actor, reason=reason)
    session.flush()
    return loan


def _check_schedule(schedule) -> list[tuple[date, Decimal]]:
    checked, previous = [], None
    for i, item in enumerate(schedule, 1):
        try:
            due, amount = item
        except (TypeError, ValueError):
            raise RecordError(f"schedule item {i} must be (date, Decimal)") from None
        if not isinstance(due, date) or isinstance(due, datetime):
            raise RecordError(f"schedule item {i}: due date must be a date")
        _check_money(amount, f"schedule item {i} amount")
        if previous and due < previous:
            raise RecordError(f"schedule item {i}: dates must not go backwards")
        previous = due
        checked.append((due, amount))
    return checked


def record_arrangement(
    session: Session, *, loan_id: str, kind: str, schedule: list[tuple[date, Decimal]],
    terms: dict, actor: str, idempotency_key: str, hardship_reason: str | None = None,
) -> Arrangement:
    """Record an agreed arrangement once per idempotency key.

    A retry with the same key returns the arrangement already recorded (no
    duplicate, no second audit entry). A new one supersedes the loan's active
    arrangement and moves the loan to promise_pending / in_arrangement.
    """
    _check_actor(actor)
    if kind not in ARRANGEMENT_KINDS:
        raise RecordError(f"unknown arrangement kind {kind!r}")
    if not idempotency_key or len(idempotency_key) > 128:
        raise RecordError("idempotency_key must be 1-128 characters")
    if not isinstance(terms, dict):
        raise RecordError("terms must be a dict")
    clean_terms = audit.json_safe(terms)
    checked = _check_schedule(schedule)
    if kind != "fee_waiver" and not checked:
        raise RecordError(f"a {kind} needs at least one scheduled payment")

    loan = _locked_loan(session, loan_id)  # serialises retries of the same key
    existing = session.execute(
        select(Arrangement).where(Arrangement.idempotency_key == idempotency_key)
    ).scalar_one_or_none()
    if existing is not None:
        if existing.loan_pk != loan.id or existing.kind != kind:
            raise RecordError(f"idempotency key {idempotency_key!r} already used for another arrangement")
        return existing

    superseded = []
    for previous in loan.arrangements:
        if previous.status == "active":
            previous.status = "superseded"
            superseded.append(previous.id)
    arrangement = Arrangement(
        loan=loan, kind=kind, status="active", terms=clean_terms, actor=actor,
        idempotency_key=idempotency_key, hardship_reason=hardship_reason,
        schedule=[ScheduledPayment(seq=i, due_date=d, amount=a) for i, (d, a) in enumerate(checked, 1)],
    )
    session.add(arrangement)
    session.flush()
    old_status = loan.status
    loan.status = "promise_pending" if kind == "promise_to_pay" else "in_arrangement"
    audit.append(
        session, actor=actor, kind="record_change", loan_id=loan.loan_id,
        borrower_id=loan.borrower.borrower_id,
        payload={
            "change": "arrangement_recorded", "arrangement_id": arrangement.id, "kind": kind,
            "terms": clean_terms, "schedule": [[d, a] for d, a in checked],
            "hardship_reason": hardship_reason, "superseded": superseded,
            "idempotency_key": idempotency_key,
            "loan_status": {"from": old_status, "to": loan.status},
        },
    )
    session.flush()
    return arrangement


def set_arrangement_status(session: Session, arrangement_id: int, status: str, *, actor: str, reason: str) -> Arrangement:
    """Mark an arrangement kept / broken / cancelled (audited)."""
    _check_actor(actor)
    if status not in ARRANGEMENT_STATUSES:
        raise RecordError(f"unknown arrangement status {status!r}")
    arrangement = session.get(Arrangement, arrangement_id)
    if arrangement is None:
        raise NotFound(f"no arrangement {arrangement_id}")
    loan = _locked_loan(session, arrangement.loan.loan_id)
    if arrangement.status != status:
        old, arrangement.status = arrangement.status, status
        audit.append(
            session, actor=actor, kind="record_change", loan_id=loan.loan_id,
            borrower_id=loan.borrower.borrower_id,
            payload={"change": "arrangement_status", "arrangement_id": arrangement.id,
                     "from": old, "to": status, "reason": reason},
        )
        session.flush()
    return arrangement


def record_payment(
    session: Session, *, reference: str, loan_id: str, amount: Decimal, currency: str,
    paid_at: datetime, reverses: str | None = None,
) -> tuple[Payment, bool]:
    """Record a provider's payment once per reference; (payment, created).

    A loan whose balance reaches zero becomes paid and its active
    arrangement kept. With `reverses`, it is the charge-back of that payment
    (bot/records/payments.py).
    """
    if not isinstance(reference, str) or not reference.strip() or len(reference) > 128:
        raise RecordError("payment reference must be 1-128 characters")
    _check_money(amount, "amount")
    if not isinstance(paid_at, datetime) or paid_at.tzinfo is None:
        raise RecordError("paid_at must be a datetime with a time zone")
    loan = _locked_loan(session, loan_id)
    if reverses is not None:
        return payments.record_reversal(session, loan, reference=reference, reverses=reverses, amount=amount,
                                        currency=currency, paid_at=paid_at)
    existing = session.execute(
        select(Payment).where(Payment.reference == reference)
    ).scalar_one_or_none()
    if existing is not None:
        if existing.loan_pk != loan.id or existing.amount != amount or existing.currency != currency \
                or existing.reverses is not None:
            raise RecordError(f"payment reference {reference!r} already recorded with other details")
        return existing, False
    if currency != loan.currency:
        raise RecordError(f"currency {currency!r} does not match the loan's {loan.currency}")
    payment = Payment(
        reference=reference, loan=loan, amount=amount, currency=currency,
        paid_at=paid_at.astimezone(timezone.utc),
    )
    session.add(payment)
    loan.planned_on = None  # kept instalments and thank-yous are planned the same day
    session.flush()
    session.expire(loan, ["payments"])
    audit.append(
        session, actor="payments", kind="record_change", loan_id=loan.loan_id,
        borrower_id=loan.borrower.borrower_id,
        payload={"change": "payment_recorded", "reference": reference, "amount": amount,
                 "currency": currency, "paid_at": payment.paid_at, "balance_after": balance(loan)},
    )
    if balance(loan) == 0:
        active = active_arrangement(loan)
        if active is not None:
            set_arrangement_status(session, active.id, "kept", actor="payments", reason="balance paid")
        _change_status(session, loan, "paid", actor="payments", reason=f"payment {reference}")
    session.flush()
    return payment, True


def _borrower_or_fail(session: Session, borrower_id: str) -> Borrower:
    borrower = find_borrower(session, borrower_id)
    if borrower is None:
        raise NotFound(f"no borrower {borrower_id!r}")
    return borrower


def record_contact(
    session: Session, *, borrower_id: str, loan_id: str | None, channel: str, direction: str,
    kind: str, at: datetime | None = None,
) -> ContactEvent:
    """Count a contact (for frequency caps). Message text goes to the audit, not here."""
    borrower = _borrower_or_fail(session, borrower_id)
    if direction not in ("in", "out"):
        raise RecordError("direction must be 'in' or 'out'")
    if not CHANNEL_RE.match(channel or ""):
        raise RecordError(f"bad channel name {channel!r}")
    loan = find_loan(session, loan_id) if loan_id else None
    if loan_id and loan is None:
        raise NotFound(f"no loan {loan_id!r}")
    event = ContactEvent(
        borrower_pk=borrower.id, loan_pk=loan.id if loan else None, channel=channel,
        direction=direction, kind=kind, at=(at or utcnow()).astimezone(timezone.utc),
    )
    session.add(event)
    session.flush()
    return event


def open_handoff(
    session: Session, *, loan_id: str | None, borrower_id: str | None, conversation_id: str,
    reason: str, summary: dict, priority: int = 0,
) -> Handoff:
    """Queue a conversation for a person (loan/borrower may be unknown yet).

    One unfinished case per conversation: while one is open or taken, asking
    again (after /restart, say) returns it instead of queueing another, so an
    anonymous sender cannot flood the agents' queue from one conversation.
    `priority`: bot/records/handoffs.py's PRIORITY_* (self-harm risk at the top).
    """
    if not conversation_id or not reason:
        raise RecordError("a handoff needs a conversation_id and a reason")
    existing = session.execute(
        select(Handoff).where(Handoff.conversation_id == conversation_id, Handoff.status != "closed")
        .order_by(Handoff.id).limit(1)
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    loan = find_loan(session, loan_id) if loan_id else None
    borrower = _borrower_or_fail(session, borrower_id) if borrower_id else (loan.borrower if loan else None)
    clean = audit.json_safe(summary or {})
    handoff = Handoff(
        loan_pk=loan.id if loan else None, borrower_pk=borrower.id if borrower else None,
        conversation_id=conversation_id, reason=reason[:200], status="open", summary=clean,
        priority=priority, messages=[],
    )
    session.add(handoff)
    session.flush()
    audit.append(
        session, actor="bot", kind="handoff", conversation_id=conversation_id,
        loan_id=loan.loan_id if loan else None,
        borrower_id=borrower.borrower_id if borrower else None,
        payload={"change": "handoff_opened", "handoff_id": handoff.id, "reason": reason, "priority": priority,
                 "summary": clean},
    )
    return handoff


def set_handoff_status(session: Session, handoff_id: int, status: str, *, actor: str) -> Handoff:
    """An agent takes or closes a queued conversation (audited)."""
    _check_actor(actor)
    if status not in HANDOFF_STATUSES:
        raise RecordError(f"unknown handoff status {status!r}")
    handoff = session.get(Handoff, handoff_id, with_for_update=True)
    if handoff is None:
        raise NotFound(f"no handoff {handoff_id}")
    if handoff.status != status:
        old, handoff.status = handoff.status, status
        if status == "taken":
            handoff.taken_by, handoff.taken_at = actor, utcnow()
        elif status == "closed":
            handoff.closed_at = utcnow()
        audit.append(
            session, actor=actor, kind="handoff", conversation_id=handoff.conversation_id,
            loan_id=handoff.loan.loan_id if handoff.loan else None,
            borrower_id=handoff.borrower.borrower_id if handoff.borrower else None,
            payload={"change": "handoff_status", "handoff_id": handoff.id, "from": old, "to": status},
        )
        session.flush()
    return handoff


def set_contact_preferences(
    session: Session, *, borrower_id: str, actor: str, reason: str,
    opt_out: list[str] | tuple[str, ...] = (), opt_in: list[str] | tuple[str, ...] = (),
    cease_contact: bool | None = None, loan_id: str | None = None,
    conversation_id: str | None = None,
) -> Borrower:
    """Opt a borrower out of (or back into) channels, or set cease-contact.

    Audited only when something changes, with the reason (e.g. the
    borrower's STOP message) so a regulator can see why contact stopped.
    """
    _check_actor(actor)
    for channel in [*opt_out, *opt_in]:
        if not CHANNEL_RE.match(channel or ""):
            raise RecordError(f"bad channel name {channel!r}")
    borrower = _borrower_or_fail(session, borrower_id)
    before = {"opted_out_channels": sorted(borrower.opted_out_channels or []),
              "cease_contact": bool(borrower.cease_contact)}
    channels = (set(before["opted_out_channels"]) | set(opt_out)) - set(opt_in)
    after = {"opted_out_channels": sorted(channels),
             "cease_contact": before["cease_contact"] if cease_contact is None else bool(cease_contact)}
    if after != before:
        borrower.opted_out_channels = after["opted_out_channels"]
        borrower.cease_contact = after["cease_contact"]
        audit.append(
            session, actor=actor, kind="record_change", borrower_id=borrower.borrower_id,
            loan_id=loan_id, conversation_id=conversation_id,
            payload={"change": "contact_preferences", "from": before, "to": after, "reason": reason},
        )
        session.flush()
    return borrower
