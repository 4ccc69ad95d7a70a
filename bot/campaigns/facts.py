"""What the planner needs to know about one loan, read from the records in bulk.

The instalment states come from bot/records/allocation.py at the borrower's
local date, so a plan, the loan view and the run job all agree on what is paid,
part-paid or missed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.clock import local_today
from bot.records.allocation import InstalmentState
from bot.records.payments import instalments
from bot.records.models import Arrangement, Borrower, ContactEvent, Handoff, Loan
from bot.records.queries import balance

PROMISE_KINDS = ("promise_to_pay", "part_payment")
CAP_LOOKBACK = timedelta(days=31)  # longer than any profile's frequency-cap window


@dataclass
class LoanFacts:
    loan_pk: int
    loan_id: str
    borrower_pk: int
    product_code: str
    jurisdiction: str
    timezone: str
    language: str
    status: str
    stage: str
    due_date: date
    phone: str | None = None
    email: str | None = None
    telegram_user_id: int | None = None
    cease_contact: bool = False
    opted_out_channels: tuple[str, ...] = ()
    paused: bool = False
    recent_attempts: list[datetime] = field(default_factory=list)
    last_conversation_at: datetime | None = None
    arrangement_kind: str | None = None       # the latest arrangement's (active, kept or broken)
    arrangement_status: str | None = None
    instalments: list[InstalmentState] = field(default_factory=list)
    paid_off_on: date | None = None            # local date the balance reached zero

    @property
    def disputed(self) -> bool:
        return self.status == "disputed"

    def anchors(self, anchor: str, grace_days: int) -> list[date]:
        """The dates a step's `anchor` names for this loan (none when it does not apply now)."""
        if anchor == "due_date":
            return [self.due_date] if self.status == "overdue" else []
        if anchor == "closed":
            return [self.paid_off_on] if self.status == "paid" and self.paid_off_on else []
        if anchor == "missed":
            return [s.due + timedelta(days=grace_days + 1) for s in self.instalments
                    if s.paid_in_full_on is None or s.paid_in_full_on > s.due + timedelta(days=grace_days)]
        if anchor == "late":  # still unpaid, within grace (a missed one is the `missed` steps' business)
            return [s.due for s in self.instalments if s.state in ("due", "part_paid")] \
                if self.arrangement_status == "active" else []
        if anchor == "paid":
            return [s.paid_in_full_on for s in self.instalments if s.paid_in_full_on is not None]
        kinds_match = (self.arrangement_kind in PROMISE_KINDS) == (anchor == "promise_date")
        if self.arrangement_status != "active" or not kinds_match:
            return []
        return [s.due for s in self.instalments if s.state != "paid"]



def latest_arrangement(loan: Loan) -> Arrangement | None:
    counted = [a for a in loan.arrangements if a.status in ("active", "kept", "broken")]
    return counted[-1] if counted else None


def paid_off_on(loan: Loan, tz: str) -> date | None:
    payments = [p for p in loan.payments if p.reverses is None]
    return local_today(tz, max(p.paid_at for p in payments)) if payments and balance(loan) == 0 else None


def loan_facts(loan: Loan, today: date, grace_days: int, *, attempts: Iterable[datetime] = (),
               last_in: datetime | None = None, open_case: bool = False) -> LoanFacts:
    b = loan.borrower
    latest = latest_arrangement(loan)
    return LoanFacts(
        loan_pk=loan.id, loan_id=loan.loan_id, borrower_pk=b.id, product_code=loan.product_code,
        jurisdiction=b.jurisdiction, timezone=b.timezone, language=b.language or "en", status=loan.status,
        stage=loan.stage, due_date=loan.due_date, phone=b.phone, email=b.email,
        telegram_user_id=b.telegram_user_id, cease_contact=bool(b.cease_contact),
        opted_out_channels=tuple(b.opted_out_channels or ()), paused=loan.status == "paused" or open_case,
        recent_attempts=list(attempts), last_conversation_at=last_in,
        arrangement_kind=latest.kind if latest else None, arrangement_status=latest.status if latest else None,
        instalments=instalments(latest, today, grace_days) if latest else [],
        paid_off_on=paid_off_on(loan, b.timezone))


def load_loans(session: Session, loan_ids: Iterable[str] | None = None,
               pks: Iterable[int] | None = None) -> list[Loan]:
    """Every loan whose borrower was not purged (or those named), with what planning reads."""
    query = (select(Loan).join(Borrower).where(Borrower.purged_at.is_(None))
             .options(selectinload(Loan.borrower), selectinload(Loan.payments),
                      selectinload(Loan.arrangements).selectinload(Arrangement.schedule))
             .order_by(Loan.id))
    if loan_ids is not None:
        query = query.where(Loan.loan_id.in_(list(loan_ids)))
    if pks is not None:
        query = query.where(Loan.id.in_(list(pks)))
    return list(session.execute(query).scalars())


def unplanned(session: Session, now: datetime, loan_ids: Iterable[str] | None = None) -> list[int]:
    """Loans not yet planned for their borrower's date at `now` (one query per time zone in use)."""
    out: list[int] = []
    zones = session.execute(select(Borrower.timezone).distinct()).scalars().all()
    for tz in zones:
        today = local_today(tz, now)
        query = (select(Loan.id).join(Borrower).where(
            Borrower.timezone == tz, Borrower.purged_at.is_(None),
            (Loan.planned_on.is_(None)) | (Loan.planned_on < today)))
        if loan_ids is not None:
            query = query.where(Loan.loan_id.in_(list(loan_ids)))
        out.extend(session.execute(query).scalars())
    return sorted(out)


def contact_facts(session: Session, now: datetime,
                  borrower_pks: Iterable[int] | None = None) -> tuple[dict, dict, set]:
    """Per borrower: outbound attempts in the cap window, the last inbound message; open cases."""
    attempts: dict[int, list[datetime]] = {}
    last_in: dict[int, datetime] = {}
    query = (select(ContactEvent.borrower_pk, ContactEvent.direction, ContactEvent.at)
             .where(ContactEvent.at > now - CAP_LOOKBACK))
    if borrower_pks is not None:
        query = query.where(ContactEvent.borrower_pk.in_(list(borrower_pks)))
    rows = session.execute(query)
    for borrower_pk, direction, at in rows:
        if direction == "out":
            attempts.setdefault(borrower_pk, []).append(at)
        elif at > last_in.get(borrower_pk, at - timedelta(seconds=1)):
            last_in[borrower_pk] = at
    open_cases = set(session.execute(select(Handoff.borrower_pk).where(
        Handoff.status != "closed", Handoff.borrower_pk.is_not(None))).scalars())
    return attempts, last_in, open_cases
