"""Schedule arithmetic: exact money inputs, equal splits, allowed intervals, dates as said.

Shared by the offer builders (plans.py) and the independent check
(checks.py); nothing here decides what to offer, and nothing here words
anything for the borrower (bot/dialogue/wording.py does).
"""
from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from .limits import Limits
from .money import fmt, minor_units, quantize, unit
from .terms import ZERO, Instalment, Request


def exact(amount: Decimal, currency: str, name: str) -> Decimal:
    """Amounts from records must already be in minor units; rounding them here would
    make the schedule sum to something other than what the borrower owes."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"{name} must be a Decimal, got {type(amount).__name__}")
    if not amount.is_finite() or amount != quantize(amount, currency):
        raise ValueError(f"{name} {amount} is not a whole number of {currency} minor units")
    return quantize(amount, currency)


def money_inputs(balance: Decimal, fees: Decimal, currency: str) -> tuple[Decimal, Decimal]:
    balance = exact(balance, currency, "balance")
    fees = exact(fees, currency, "fees_and_interest")
    if balance <= 0:
        raise ValueError(f"balance must be positive, got {balance}")
    if not ZERO <= fees <= balance:
        raise ValueError(f"fees_and_interest must be between 0 and the balance, got {fees}")
    return balance, fees


MONTHLY = 30  # the limits' 30-day interval is "monthly" (config/products.yml)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or that month's last day (31 January -> 28 February)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def on_same_day(dues: Sequence[date]) -> bool:
    """Whether the dates fall on the first one's day of each following month (15 Dec, 15 Jan, 15 Feb)."""
    return len(dues) > 1 and all(d == add_months(dues[0], i) for i, d in enumerate(dues))


def gaps(dues: Sequence[date]) -> set[int]:
    """The intervals between due dates in days; a schedule on one day of each month counts as monthly,
    whatever the months' lengths: a payday on the 15th is 31 days after the last one in January."""
    if on_same_day(dues):
        return {MONTHLY}
    return {(b - a).days for a, b in zip(dues, dues[1:])}


def every_days(dues: Sequence[date]) -> int | None:
    """A plan's interval (monthly for one day of each month); None for a single payment."""
    found = gaps(dues)
    return min(found) if found else None


def split(balance: Decimal, count: int, first_due: date, every_days: int,
          currency: str, monthly_on_day: bool = False) -> tuple[Instalment, ...]:
    """`count` equal instalments `every_days` apart; the remainder on the last one.

    KES 3,500.00 in 3 -> 1,166.66 + 1,166.66 + 1,166.68: the sum is exactly the
    balance and the last instalment is the largest. `monthly_on_day`: a monthly
    plan falls on `first_due`'s day of each month (the borrower's payday), not
    every 30 days.
    """
    total = exact(balance, currency, "balance")
    if count < 1 or (count > 1 and every_days < 1):
        raise ValueError(f"need count >= 1 and every_days >= 1, got {count}, {every_days}")
    exp = minor_units(currency)
    minor = int(total.scaleb(exp))
    base = minor // count
    if total <= 0 or base == 0:
        raise ValueError(f"cannot split {fmt(total, currency)} into {count} instalments")
    amounts = [base] * (count - 1) + [minor - base * (count - 1)]
    calendar_months = monthly_on_day and every_days == MONTHLY
    return tuple(
        Instalment(add_months(first_due, i) if calendar_months else first_due + timedelta(days=i * every_days),
                   quantize(Decimal(a).scaleb(-exp), currency))
        for i, a in enumerate(amounts)
    )


def max_count(payable: Decimal, currency: str, limits: Limits) -> int:
    """Most equal instalments whose smallest one still meets every floor."""
    floor = max(limits.min_instalment(payable, currency), limits.min_down_payment(payable, currency),
                unit(currency))
    return min(int(payable // floor), limits.max_instalments)


def nearest_frequency(days: int, limits: Limits) -> int:
    """Closest allowed interval; on a tie the longer one (kinder to the borrower)."""
    return min(limits.frequencies_days, key=lambda f: (abs(f - days), -f))


def target(request: Request, today: date) -> date | None:
    if request.date is not None:
        return request.date
    if request.days is not None:
        return today + timedelta(days=request.days)
    return None
