"""Charge-backs, and what a loan's payments have paid of its arrangement.

A reversal is a payment row of its own that names the payment it takes back,
so the trail keeps both and the balance and the instalment states
(allocation.py, recomputed from all rows) return exactly to where they were
before the reversed payment.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit
from .allocation import Instalment, InstalmentState, Paid, allocate
from .errors import NotFound, RecordError
from .models import Arrangement, Loan, Payment
from .queries import active_arrangement, balance


def as_paid(payments, tz: str, since: datetime | None = None) -> list[Paid]:
    """Payment rows as allocation inputs, on the borrower's local dates."""
    return [Paid(p.reference, p.amount, p.paid_at.astimezone(ZoneInfo(tz)).date(), p.reverses)
            for p in payments if since is None or p.paid_at >= since]


def instalments(arrangement: Arrangement, today: date, grace_days: int) -> list[InstalmentState]:
    """The arrangement's schedule with what the payments since it was agreed have paid of it."""
    loan = arrangement.loan
    paid = as_paid(loan.payments, loan.borrower.timezone, since=arrangement.created_at)
    # A reversal of a payment made before the arrangement does not concern it.
    refs = {p.reference for p in paid}
    paid = [p for p in paid if p.reverses is None or p.reverses in refs]
    schedule = [Instalment(s.seq, s.due_date, s.amount) for s in arrangement.schedule]
    return allocate(schedule, paid, today, grace_days) if schedule else []


def state_dicts(states: list[InstalmentState]) -> list[dict]:
    return [{"seq": s.seq, "due_date": s.due.isoformat(), "amount": str(s.amount), "paid": str(s.paid),
             "paid_in_full_on": s.paid_in_full_on.isoformat() if s.paid_in_full_on else None, "state": s.state}
            for s in states]


def record_reversal(session: Session, loan: Loan, *, reference: str, reverses: str, amount: Decimal,
                    currency: str, paid_at: datetime) -> tuple[Payment, bool]:
    """Take back payment `reverses` (same loan, amount and currency); idempotent on `reference`.

    A loan the reversed payment had paid off is open again: the arrangement it
    kept is active again and the loan back in it (or overdue without one)."""
    existing = session.execute(select(Payment).where(Payment.reference == reference)).scalar_one_or_none()
    if existing is not None:
        if existing.reverses != reverses or existing.loan_pk != loan.id or existing.amount != amount:
            raise RecordError(f"payment reference {reference!r} already recorded with other details")
        return existing, False
    original = session.execute(select(Payment).where(Payment.reference == reverses)).scalar_one_or_none()
    if original is None or original.loan_pk != loan.id:
        raise NotFound(f"no payment {reverses!r} on loan {loan.loan_id!r} to reverse")
    if original.reverses is not None:
        raise RecordError(f"{reverses!r} is itself a reversal; it cannot be reversed")
    if original.amount != amount or original.currency != currency:
        raise RecordError(f"a reversal must take back the whole payment: {original.amount} {original.currency}")
    if session.execute(select(Payment.id).where(Payment.reverses == reverses)).first() is not None:
        raise RecordError(f"payment {reverses!r} was already reversed")
    was_paid = loan.status == "paid"
    row = Payment(reference=reference, loan=loan, amount=amount, currency=currency,
                  paid_at=paid_at.astimezone(timezone.utc), reverses=reverses)
    session.add(row)
    loan.planned_on = None
    session.flush()
    session.expire(loan, ["payments"])
    audit.append(session, actor="payments", kind="record_change", loan_id=loan.loan_id,
                 borrower_id=loan.borrower.borrower_id,
                 payload={"change": "payment_reversed", "reference": reference, "reverses": reverses,
                          "amount": amount, "currency": currency, "balance_after": balance(loan)})
    if was_paid and balance(loan) > 0:
        _reopen(session, loan, reference)
    return row, True


def _reopen(session: Session, loan: Loan, reference: str) -> None:
    from .writes import _change_status, set_arrangement_status
    kept = [a for a in loan.arrangements if a.status == "kept"]
    if kept and active_arrangement(loan) is None:
        set_arrangement_status(session, kept[-1].id, "active", actor="payments",
                               reason=f"payment reversed ({reference})")
    status = "in_arrangement" if active_arrangement(loan) is not None else "overdue"
    _change_status(session, loan, status, actor="payments", reason=f"payment reversed ({reference})")
