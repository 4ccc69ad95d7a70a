"""The independent check: every rule an offer breaks, named by its limit.

Every offer the bot makes, every acceptance and every arrangement an agent
records goes through `validate`, which shares no decision with the builders
in plans.py (the property tests hold `propose` to it).
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from .kinds import PLAN_KINDS, SINGLE_KINDS, OfferKind
from .limits import Limits
from .money import fmt, quantize
from .schedule import gaps, money_inputs
from .terms import Offer


def _floor_errors(i: int, amount: Decimal, payable: Decimal, currency: str, limits: Limits) -> list[str]:
    errors = []
    absolute = min(limits.min_instalment_amount(currency), payable)
    if amount < absolute:
        errors.append(f"min_instalment_amount: instalment {i} is {fmt(amount, currency)}, "
                      f"below {fmt(absolute, currency)}")
    pct = limits.min_instalment(payable, currency)
    if absolute <= amount < pct:
        errors.append(f"min_instalment_percent: instalment {i} is {fmt(amount, currency)}, "
                      f"below {limits.min_instalment_percent.normalize():f}% ({fmt(pct, currency)})")
    return errors


def validate(offer: Offer, *, balance: Decimal, fees_and_interest: Decimal, currency: str,
             limits: Limits, today: date, arrangements_so_far: int = 0) -> list[str]:
    """Every rule the offer breaks, each starting with the limit's name; [] = allowed."""
    balance, fees = money_inputs(balance, fees_and_interest, currency)
    errors: list[str] = []
    sched = offer.schedule
    if offer.kind != OfferKind.PAY_IN_FULL and arrangements_so_far >= limits.max_arrangements:
        errors.append(f"max_arrangements: this loan already had {arrangements_so_far}")
    if offer.kind == OfferKind.HARDSHIP_PLAN and not offer.hardship:
        errors.append("hardship: a hardship plan needs a documented hardship")
    waiver = offer.waiver
    if waiver != quantize(waiver, currency) or waiver < 0:
        errors.append(f"waiver: {waiver} is not a non-negative {currency} amount")
    elif waiver > fees * limits.max_waiver_percent / 100:
        errors.append(f"max_waiver_percent: waiver {fmt(waiver, currency)} is more than "
                      f"{limits.max_waiver_percent.normalize():f}% of {fmt(fees, currency)}")
    payable = balance - waiver
    if not sched:
        return errors + ["schedule: no instalments"]
    for n, inst in enumerate(sched, 1):
        if inst.amount <= 0 or inst.amount != quantize(inst.amount, currency):
            errors.append(f"amount: instalment {n} ({inst.amount}) is not a positive {currency} amount")
    if offer.total != payable:
        errors.append(f"sum: instalments total {offer.total}, expected {payable} (balance - waiver)")
    dues = [i.due for i in sched]
    if any(b <= a for a, b in zip(dues, dues[1:])):
        errors.append("dates: due dates must be strictly increasing")
    if dues[0] < today:
        errors.append(f"first_due: {dues[0]} is before today {today}")
    window = today + timedelta(days=limits.promise_window_days)
    if offer.kind in SINGLE_KINDS and len(sched) != 1:
        errors.append(f"schedule: a {offer.kind} is a single payment")
    if offer.kind in (OfferKind.PAY_IN_FULL, OfferKind.PROMISE_TO_PAY) and dues[-1] > window:
        errors.append(f"promise_window_days: due {dues[-1]} is more than "
                      f"{limits.promise_window_days} days away")
    if offer.kind == OfferKind.DEFERRAL and dues[-1] > today + timedelta(days=limits.max_deferral_days):
        errors.append(f"max_deferral_days: due {dues[-1]} is more than "
                      f"{limits.max_deferral_days} days away")
    if offer.kind == OfferKind.PART_PAYMENT:
        if len(sched) != 2:
            errors.append("schedule: a part payment is the part now and the rest later")
        if dues[-1] > window:
            errors.append(f"promise_window_days: the rest is due more than "
                          f"{limits.promise_window_days} days away")
    if offer.kind in PLAN_KINDS:
        if len(sched) < 2:
            errors.append("schedule: a plan needs at least 2 instalments")
        if len(sched) > limits.max_instalments:
            errors.append(f"max_instalments: {len(sched)} is more than {limits.max_instalments}")
        if dues[0] > window:
            errors.append(f"promise_window_days: the first instalment is more than "
                          f"{limits.promise_window_days} days away")
        if dues[-1] > today + timedelta(days=limits.max_plan_days):
            errors.append(f"max_plan_days: the last instalment is more than "
                          f"{limits.max_plan_days} days away")
        intervals = gaps(dues)  # one day of each month is the monthly interval
        days = {(b - a).days for a, b in zip(dues, dues[1:])}  # ... and 1 Jan -> 1 Feb is also 31 days
        allowed = lambda found: len(found) <= 1 and found <= set(limits.frequencies_days)  # noqa: E731
        if not (allowed(intervals) or allowed(days)):
            errors.append(f"frequencies_days: intervals {sorted(intervals)} are not one of "
                          f"{list(limits.frequencies_days)}")
    if offer.kind in (*PLAN_KINDS, OfferKind.PART_PAYMENT):
        down = limits.min_down_payment(payable, currency)
        if sched[0].amount < down:
            errors.append(f"min_down_payment_percent: the first payment {fmt(sched[0].amount, currency)} "
                          f"is below {fmt(down, currency)}")
        checked = sched if offer.kind in PLAN_KINDS else sched[:1]  # a part payment's rest is free
        for n, inst in enumerate(checked, 1):
            errors.extend(_floor_errors(n, inst.amount, payable, currency, limits))
    return errors
