"""Read helpers the dialogue uses: find and verify a loan, compute balances."""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Mapping, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import clock

from .models import Arrangement, Borrower, ContactEvent, Loan, Payment
from .types import tidy_money

_SEPARATORS = re.compile(r"[\s\-_./#]+")
_PREFIX_DIGITS = re.compile(r"^([A-Z]+)(\d+)$")
_EDGE_JUNK = re.compile(r"^[^0-9A-Za-z]+|[^0-9A-Za-z]+$")


def loan_key(text: str) -> str:
    """Matching key: upper case, no spaces/dashes/dots/underscores.

    Borrowers type 'ln 20931', 'LN20931' or 'ln-20931'; lenders' ids are
    arbitrary strings, so both sides are reduced to this key (stored in
    loans.loan_key, unique) rather than guessing a format.
    """
    return _SEPARATORS.sub("", _EDGE_JUNK.sub("", text or "")).upper()


def normalise_loan_reference(text: str) -> str:
    """Canonical display form: letters-digits become 'LN-20931', else the key."""
    key = loan_key(text)
    match = _PREFIX_DIGITS.match(key)
    return f"{match.group(1)}-{match.group(2)}" if match else key


def find_loan(session: Session, loan_id: str) -> Loan | None:
    """The loan whose id matches tolerantly (case, spaces, dashes ignored)."""
    key = loan_key(loan_id)
    if not key:
        return None
    return session.execute(select(Loan).where(Loan.loan_key == key)).scalar_one_or_none()


def find_borrower(session: Session, borrower_id: str) -> Borrower | None:
    return session.execute(
        select(Borrower).where(Borrower.borrower_id == borrower_id)
    ).scalar_one_or_none()


def find_borrower_by_telegram(session: Session, telegram_user_id: int) -> Borrower | None:
    return session.execute(
        select(Borrower).where(Borrower.telegram_user_id == int(telegram_user_id))
    ).scalar_one_or_none()


def find_borrower_by_phone(session: Session, phone: str) -> Borrower | None:
    """The borrower with this E.164 number; None when unknown or shared by several."""
    found = session.execute(select(Borrower).where(Borrower.phone == phone)).scalars().all()
    return found[0] if len(found) == 1 else None


def dob_matches(borrower: Borrower, date_of_birth: date, readings: Mapping[str, date] | None = None,
                date_orders: Mapping[str, Sequence[str]] | None = None) -> bool:
    """The typed date of birth is the holder's.

    `readings` are the field orders a numeric date reads as ({"DMY": 3 April,
    "MDY": 4 March} for "03/04/1990", bot/nlu/normalise/birthdates.py); the one
    compared is the reading of the holder's jurisdiction (`date_orders`, from
    config/compliance.yml `date_order`), so a guess there is still one guess.
    Only when the jurisdiction names no order, or none of its orders reads the
    text, is every reading compared: a date of birth is about 1 in 25,000, so
    such a guess is at most 2 (3 for a two-digit year) in 25,000, and it counts
    as one failure towards the lockout (bot/records/verification.py). Safe
    enough for a borrower who writes the other way; not a second guess for free.
    """
    if not readings:
        return borrower.date_of_birth == date_of_birth
    orders = (date_orders or {}).get(borrower.jurisdiction) or ()
    chosen = [readings[o] for o in orders if o in readings]
    return borrower.date_of_birth in (chosen or list(readings.values()))


def verify_borrower_by_dob(session: Session, borrower_id: str, date_of_birth: date, *,
                           readings: Mapping[str, date] | None = None,
                           date_orders: Mapping[str, Sequence[str]] | None = None) -> Loan | None:
    """The borrower's most overdue open loan when the date of birth matches (see dob_matches).

    For channels that already name the borrower (a linked Telegram account, a
    shared phone number): the date of birth is then the second factor.
    """
    borrower = find_borrower(session, borrower_id)
    if borrower is None or borrower.purged_at is not None \
            or not dob_matches(borrower, date_of_birth, readings, date_orders):
        return None
    return open_loan_of(session, borrower_id)


def open_loan_of(session: Session, borrower_id: str) -> Loan | None:
    """The borrower's most overdue loan that is not paid (their only loan otherwise)."""
    borrower = find_borrower(session, borrower_id)
    if borrower is None or borrower.purged_at is not None:
        return None
    open_loans = [l for l in borrower.loans if l.status != "paid"] or list(borrower.loans)
    return min(open_loans, key=lambda l: l.due_date) if open_loans else None


def verify_borrower(session: Session, loan_reference: str, date_of_birth: date, *,
                    readings: Mapping[str, date] | None = None,
                    date_orders: Mapping[str, Sequence[str]] | None = None) -> Loan | None:
    """The loan when the reference and the holder's date of birth both match (see dob_matches).

    Returns None for 'no such loan' and 'wrong date' alike so a caller
    cannot probe which loan references exist.
    """
    loan = find_loan(session, loan_reference)
    if loan is None or loan.borrower.purged_at is not None \
            or not dob_matches(loan.borrower, date_of_birth, readings, date_orders):
        return None
    return loan


def loans_of_borrower(session: Session, borrower_pk: int) -> list[Loan]:
    return list(session.execute(
        select(Loan).where(Loan.borrower_pk == borrower_pk).order_by(Loan.loan_id)
    ).scalars())


def payments_since_import(loan: Loan) -> Decimal:
    """Payments the lender's last imported figures cannot yet include."""
    return sum(
        (-p.amount if p.reverses else p.amount for p in loan.payments if p.paid_at > loan.balances_as_of),
        Decimal("0"),
    )


def balance(loan: Loan) -> Decimal:
    """What is owed now, never below zero.

    The lender's figures (outstanding_principal + accrued_interest +
    late_fees) are a snapshot taken at import (loan.balances_as_of); payments
    with paid_at after that snapshot are subtracted. A later import whose
    figures change moves balances_as_of forward, so payments the lender has
    already booked are not subtracted twice.
    """
    gross = loan.outstanding_principal + loan.accrued_interest + loan.late_fees
    return tidy_money(max(gross - payments_since_import(loan), Decimal("0")))


def active_arrangement(loan: Loan) -> Arrangement | None:
    active = [a for a in loan.arrangements if a.status == "active"]
    return active[-1] if active else None


def local_today(timezone_name: str) -> date:
    """The borrower's date now, from the one clock (bot.clock: BOT_NOW in tests and simulations)."""
    return clock.local_today(timezone_name)


def days_overdue(loan: Loan, today: date) -> int:
    return max((today - loan.due_date).days, 0)


def arrangement_dict(arr: Arrangement) -> dict:
    return {
        "id": arr.id,
        "kind": arr.kind,
        "status": arr.status,
        "terms": arr.terms,
        "schedule": [
            {"seq": s.seq, "due_date": s.due_date.isoformat(), "amount": str(s.amount)}
            for s in arr.schedule
        ],
        "hardship_reason": arr.hardship_reason,
        "actor": arr.actor,
        "created_at": arr.created_at.isoformat(),
    }


def loan_state(session: Session, loan_id: str, today: date | None = None) -> dict | None:
    """Everything the dialogue needs about one loan, JSON-safe.

    `today` defaults to the borrower's local date (their time zone), which is
    what 'days overdue' means to them.
    """
    loan = find_loan(session, loan_id)
    if loan is None:
        return None
    borrower = loan.borrower
    today = today or local_today(borrower.timezone)
    active = active_arrangement(loan)
    return {
        "loan_id": loan.loan_id,
        "borrower_id": borrower.borrower_id,
        "full_name": borrower.full_name,
        "currency": loan.currency,
        "principal": str(loan.principal),
        "outstanding_principal": str(loan.outstanding_principal),
        "accrued_interest": str(loan.accrued_interest),
        "late_fees": str(loan.late_fees),
        "payments_since_import": str(tidy_money(payments_since_import(loan))),
        "total": str(balance(loan)),
        "due_date": loan.due_date.isoformat(),
        "days_overdue": days_overdue(loan, today),
        "product_code": loan.product_code,
        "status": loan.status,
        "jurisdiction": borrower.jurisdiction,
        "timezone": borrower.timezone,
        "language": borrower.language,
        "cease_contact": borrower.cease_contact,
        "opted_out_channels": list(borrower.opted_out_channels or []),
        "arrangements_count": len(loan.arrangements),
        "active_arrangement": arrangement_dict(active) if active else None,
        "other_loan_ids": [l.loan_id for l in borrower.loans if l.id != loan.id],
    }


def contact_count(
    session: Session, borrower_pk: int, *, since: datetime, direction: str = "out",
    channel: str | None = None,
) -> int:
    """Contacts since a moment: what frequency caps in compliance rules count."""
    query = select(func.count(ContactEvent.id)).where(
        ContactEvent.borrower_pk == borrower_pk, ContactEvent.at >= since,
        ContactEvent.direction == direction,
    )
    if channel:
        query = query.where(ContactEvent.channel == channel)
    return int(session.execute(query).scalar_one())


def payment_by_reference(session: Session, reference: str) -> Payment | None:
    return session.execute(
        select(Payment).where(Payment.reference == reference)
    ).scalar_one_or_none()
