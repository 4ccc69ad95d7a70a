"""Campaign sends in the records: planned once, claimed once, sent once.

A send's key is (loan, step, the borrower's local date). Planning inserts the
key if it is absent, so re-planning after a restart, a retry or on a second
worker changes nothing. A worker claims a due send by moving it from
`planned` to `sending` in one conditional UPDATE: only one worker can win.
A worker that dies after claiming leaves the send in `sending`; it is never
sent again automatically (a second text is worse than none), and
`expire_stuck` marks it `unknown` for the delivery receipt or a person to
settle.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from . import audit
from .audit import format_at
from .models import Borrower, ContactEvent, Loan, OutboundSend
from .types import utcnow

SETTLED = ("sent", "delivered", "read", "failed", "dropped", "unknown")


@dataclass(frozen=True)
class Planned:
    """One planner line, as stored: `status` planned or dropped; `rule`/`reason` when the guard moved or dropped it."""

    loan_pk: int
    stage: str
    step: str
    message: str
    channel: str | None
    local_date: date
    send_at: datetime
    status: str = "planned"
    rule: str | None = None
    reason: str | None = None

    @property
    def key(self) -> str:
        return f"{self.loan_pk}:{self.step}:{self.local_date.isoformat()}"


def plan_many(session: Session, lines: list[Planned]) -> set[str]:
    """Store every line whose key is new, in one INSERT … ON CONFLICT DO NOTHING (a line another
    worker stored meanwhile is skipped, not an error); the keys this call stored."""
    if not lines:
        return set()
    existing = set(session.execute(select(OutboundSend.key).where(
        OutboundSend.key.in_([line.key for line in lines]))).scalars())
    new = {line.key: line for line in lines if line.key not in existing}
    if not new:
        return set()
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert
    now = utcnow()
    rows = [dict(key=key, loan_pk=line.loan_pk, stage=line.stage, step=line.step, message=line.message,
                 channel=line.channel, local_date=line.local_date, send_at=line.send_at, status=line.status,
                 rule=line.rule, reason=line.reason, attempts=0, created_at=now, updated_at=now)
            for key, line in new.items()]
    session.execute(insert(OutboundSend).values(rows).on_conflict_do_nothing(index_elements=["key"]))
    return set(new)


def replied_loans(session: Session, loan_pks) -> set[int]:
    """Of these loans, those whose borrower answered a campaign message (the stage is negotiation)."""
    return set(session.execute(select(OutboundSend.loan_pk).where(
        OutboundSend.loan_pk.in_(list(loan_pks)), OutboundSend.replied_at.is_not(None))).scalars())


def due(session: Session, now: datetime, limit: int = 500, loan_ids: list[str] | None = None) -> list[int]:
    """Ids of planned sends whose time has come, oldest first (of these loans only, when named)."""
    query = select(OutboundSend.id).where(OutboundSend.status == "planned", OutboundSend.send_at <= now)
    if loan_ids is not None:
        query = query.join(Loan, OutboundSend.loan_pk == Loan.id).where(Loan.loan_id.in_(list(loan_ids)))
    return list(session.execute(query.order_by(OutboundSend.send_at, OutboundSend.id).limit(limit)).scalars())


def claim(session: Session, send_id: int) -> bool:
    """planned → sending, atomically; False when another worker already has it."""
    result = session.execute(
        update(OutboundSend).where(OutboundSend.id == send_id, OutboundSend.status == "planned")
        .values(status="sending", attempts=OutboundSend.attempts + 1, updated_at=utcnow()))
    return result.rowcount == 1


def settle(session: Session, send_id: int, *, status: str, at: datetime, channel: str | None = None,
           provider: str | None = None, provider_id: str | None = None, rule: str | None = None,
           reason: str | None = None, send_at: datetime | None = None) -> OutboundSend:
    """Write what happened to a claimed send (sent, failed, dropped, or back to planned when moved)."""
    row = session.get(OutboundSend, send_id, with_for_update=True)
    row.status = status
    if channel is not None:
        row.channel = channel
    if provider is not None:
        row.provider, row.provider_id = provider, provider_id
    if rule is not None or reason is not None:
        row.rule, row.reason = rule, reason
    if send_at is not None:
        row.send_at = send_at
    if status == "sent":
        row.sent_at = at
    session.flush()
    return row


def record_delivery(session: Session, *, provider: str, provider_id: str, status: str,
                    at: datetime | None = None) -> OutboundSend | None:
    """A provider's delivery receipt; None when no send has that id. A receipt never moves a
    send backwards (a late 'sent' after 'delivered' is ignored) and is audited once per change."""
    row = session.execute(select(OutboundSend).where(
        OutboundSend.provider == provider, OutboundSend.provider_id == provider_id).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        return None
    order = ("sending", "unknown", "sent", "failed", "delivered", "read")
    if status not in order or order.index(status) <= order.index(row.status if row.status in order else "sending"):
        return row
    before, row.status = row.status, status
    if status in ("delivered", "read"):
        row.delivered_at = row.delivered_at or (at or utcnow())
    loan = session.get(Loan, row.loan_pk)
    audit.append(session, actor=provider, kind="delivery_receipt", loan_id=loan.loan_id,
                 borrower_id=loan.borrower.borrower_id,
                 payload={"send": row.key, "provider_id": provider_id, "from": before, "to": status})
    session.flush()
    return row


def mark_replied(session: Session, loan_pk: int, at: datetime, within: timedelta = timedelta(days=7)) -> int:
    """The borrower wrote back: the latest sends of the last `within` count as replied to."""
    rows = session.execute(select(OutboundSend).where(
        OutboundSend.loan_pk == loan_pk, OutboundSend.sent_at >= at - within,
        OutboundSend.replied_at.is_(None))).scalars().all()
    for row in rows:
        row.replied_at = at
    return len(rows)


def expire_stuck(session: Session, now: datetime, after: timedelta = timedelta(minutes=30)) -> int:
    """Sends claimed but never settled (the worker died mid-send) become `unknown`, never resent."""
    result = session.execute(
        update(OutboundSend).where(OutboundSend.status == "sending", OutboundSend.updated_at < now - after)
        .values(status="unknown", reason="the worker stopped while sending; not resent to avoid a double",
                updated_at=now))
    return result.rowcount


def attempts_since(session: Session, borrower_pk: int, since: datetime) -> list[datetime]:
    """Outbound contacts to this borrower since `since`, for the frequency caps (all channels)."""
    return list(session.execute(select(ContactEvent.at).where(
        ContactEvent.borrower_pk == borrower_pk, ContactEvent.direction == "out", ContactEvent.at > since)
    ).scalars())


def history(session: Session, loan_pk: int) -> list[dict]:
    """GET /api/loans/{id} `contact_history`: every planned, sent, delivered, dropped or replied send."""
    rows = session.execute(select(OutboundSend).where(OutboundSend.loan_pk == loan_pk)
                           .order_by(OutboundSend.send_at, OutboundSend.id)).scalars()
    return [{"step": r.step, "stage": r.stage, "message": r.message, "channel": r.channel,
             "local_date": r.local_date.isoformat(), "send_at": format_at(r.send_at), "status": r.status,
             "rule": r.rule, "reason": r.reason, "sent_at": format_at(r.sent_at) if r.sent_at else None,
             "delivered_at": format_at(r.delivered_at) if r.delivered_at else None,
             "replied_at": format_at(r.replied_at) if r.replied_at else None} for r in rows]


FEEDBACK_MESSAGE = "campaign_satisfaction"


def record_feedback(session: Session, *, phone: str, text: str, at: datetime,
                    within: timedelta = timedelta(days=7)) -> bool:
    """The borrower's answer to the satisfaction question sent to this phone in the last week
    (not answered yet): recorded in the audit trail, the send marked replied. False: no such question."""
    row = session.execute(
        select(OutboundSend).join(Loan, OutboundSend.loan_pk == Loan.id).join(Borrower)
        .where(Borrower.phone == phone, Borrower.purged_at.is_(None), OutboundSend.message == FEEDBACK_MESSAGE,
               OutboundSend.status.in_(("sent", "delivered", "read")), OutboundSend.sent_at >= at - within,
               OutboundSend.replied_at.is_(None))
        .order_by(OutboundSend.sent_at.desc()).limit(1).with_for_update()).scalar_one_or_none()
    if row is None:
        return False
    row.replied_at = at
    audit.append(session, actor="bot", kind="satisfaction_answer", loan_id=row.loan.loan_id,
                 borrower_id=row.loan.borrower.borrower_id, payload={"send": row.key, "answer": text[:1000]})
    return True
