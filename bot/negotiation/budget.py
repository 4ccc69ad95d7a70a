"""The borrower's budget ("I can pay 1,000 a week") and the plans that stay within it.

Why this exists: a plan above what the borrower said they can afford is a
broken arrangement waiting to happen (issue 13: a job-loss borrower who can
pay 1,000 a week was recorded on 2,733 a week, while a monthly plan within the
same limits fitted). So `search` tries every allowed interval and count, the
borrower's own period first, and `fits` is the check the dialogue applies
before it puts an affordability offer to the borrower at all.

Decisions (docs/negotiation.md):
- A budget said per one period is the same money per day over another
  interval: 1,000 a week is at most 4,285.71 every 30 days (1,000 x 30 / 7,
  rounded DOWN to the minor unit, so never more per day than they said).
- Every instalment counts, the last one (which carries the split's remainder)
  included: "within budget" has no slack.
- Among plans within budget the borrower's own interval (the allowed one
  nearest to what they said) comes first, then the others nearest to it; for
  an interval, the fewest instalments (the debt is cleared soonest). A plan
  that leaves room for the first instalment after today (or on the borrower's
  own first date) beats one that would have to start today.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from .kinds import PLAN_KINDS, OfferKind
from .limits import Limits
from .money import minor_units, quantize, quantize_down
from .notes import Note, NoteCode
from .schedule import every_days, max_count, nearest_frequency
from .terms import Offer


@dataclass(frozen=True)
class Budget:
    """What the borrower said they can pay: `amount` every `period_days`."""

    amount: Decimal
    period_days: int

    def per(self, days: int, currency: str) -> Decimal:
        """The same budget over `days` (rounded down: never more per day than they said)."""
        return quantize_down(self.amount * days / self.period_days, currency)


def intervals(budget: Budget, limits: Limits) -> list[int]:
    """The allowed intervals in the order they are tried: the borrower's own first, then the nearest."""
    own = nearest_frequency(budget.period_days, limits)
    rest = sorted((g for g in limits.frequencies_days if g != own), key=lambda g: (abs(g - budget.period_days), -g))
    return [own, *rest]


def largest(payable: Decimal, count: int, currency: str) -> Decimal:
    """The largest instalment of `split(payable, count)`: the last one, which carries the remainder."""
    exp = minor_units(currency)
    minor = int(payable.scaleb(exp))
    return Decimal(minor - (minor // count) * (count - 1)).scaleb(-exp)


def _longest(limits: Limits, every: int, lead: int) -> int:
    """Most instalments every `every` days when the first is `lead` days from today."""
    return (limits.max_plan_days - lead) // every + 1 if limits.max_plan_days >= lead else 0


def search(budget: Budget, payable: Decimal, currency: str, limits: Limits, lead_days: int | None = None,
           ) -> tuple[int, int] | None:
    """(count, every_days) of the plan within the budget and the limits, or None if none is.

    `lead_days`: days from today to the first instalment on the date the
    borrower gave; only plans starting then are searched (their date is kept).
    None (no date given): plans whose first instalment can fall after today
    first, then plans that would have to start today (the dialogue asks first).
    """
    most = max_count(payable, currency, limits)
    for lead in ((1, 0) if lead_days is None else (max(lead_days, 0),)):
        for every in intervals(budget, limits):
            cap = budget.per(every, currency)
            for count in range(2, min(most, _longest(limits, every, lead)) + 1):
                if largest(payable, count, currency) <= cap:
                    return count, every
    return None


def fits(offer: Offer, budget: Budget, today: date, currency: str) -> bool:
    """Whether every payment of `offer` is within what the borrower said they can pay.

    A plan: each instalment within the budget over the plan's interval. A single
    payment: within the budget over the days until it is due (at least one of
    their periods). A part payment: the part within one period's budget, the
    rest within the budget over the days between the two.
    """
    sched = offer.schedule
    if offer.kind in PLAN_KINDS:
        every = every_days([i.due for i in sched]) or budget.period_days
        return all(i.amount <= budget.per(every, currency) for i in sched)
    first = max((sched[0].due - today).days, budget.period_days)
    if sched[0].amount > budget.per(first, currency):
        return False
    if offer.kind == OfferKind.PART_PAYMENT:
        gap = max((sched[1].due - sched[0].due).days, budget.period_days)
        return sched[1].amount <= budget.per(gap, currency)
    return True


def shortfall(budget: Budget, payable: Decimal, currency: str, limits: Limits, today: date,
              first_due: date | None = None) -> Note:
    """What the limits allow at best when nothing fits the budget: the note that says so plainly.

    The smallest plan (first instalment on the borrower's date, if they gave
    one) is the one whose instalments, counted per the borrower's own period,
    are the smallest; with no plan possible, the whole amount at the latest
    single-payment date.
    """
    most = max_count(payable, currency, limits)
    lead = 0 if first_due is None else max((first_due - today).days, 0)
    best: tuple[Decimal, Decimal, int] | None = None  # (per their period, instalment, every)
    for every in limits.frequencies_days:
        count = min(most, _longest(limits, every, lead))
        if count >= 2:
            each = largest(payable, count, currency)
            scaled = each * budget.period_days / every
            if best is None or scaled < best[0]:
                best = (scaled, each, every)
    amount, period = quantize(budget.amount, currency), budget.period_days
    if best is not None:
        return Note.of(NoteCode.OVER_BUDGET, amount=amount, period=period, smallest=best[1], every=best[2])
    latest = today + timedelta(days=max(limits.max_deferral_days, limits.promise_window_days))
    return Note.of(NoteCode.OVER_BUDGET_SINGLE, amount=amount, period=period, smallest=payable, latest=latest)
