"""Offers and schedules: what the bot may propose, built only inside the limits.

`propose` never says a bare "no": a request outside the limits comes back as the
nearest allowed offer with `adjusted=True` and a short `reason` the bot can say.
`validate` is the independent check every offer, acceptance and recorded
arrangement goes through; the property tests hold `propose` to it.

Rules that are decisions, not arithmetic (see docs/negotiation.md):
- Instalments are equal in minor units; the remainder goes on the LAST one,
  so the last is never smaller than the others and every instalment meets the
  minimum (no exception for a small final payment).
- Percent limits apply to the amount to pay, i.e. balance minus waiver.
- Days are counted from `today`: a promise (and a plan's first instalment) is
  due within `promise_window_days`, a deferral within `max_deferral_days`, the
  last instalment of a plan within `max_plan_days`.
- A part payment is two payments: the part today (at least the down payment
  and the minimum instalment) and the rest within the promise window.
- Paying in full is not an arrangement, so it ignores `max_arrangements`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

from .limits import Limits
from .money import fmt, minor_units, quantize, quantize_down, unit

OFFER_KINDS = ("pay_in_full", "promise_to_pay", "part_payment", "deferral", "instalment_plan",
               "hardship_plan")
REQUEST_KINDS = ("promise_to_pay", "deferral", "instalment_plan", "part_payment", "fee_waiver")
PLAN_KINDS = ("instalment_plan", "hardship_plan")
SINGLE_KINDS = ("pay_in_full", "promise_to_pay", "deferral")
ZERO = Decimal(0)


@dataclass(frozen=True)
class Instalment:
    due: date
    amount: Decimal


@dataclass(frozen=True)
class Offer:
    """An arrangement the bot puts to the borrower (or records once accepted)."""

    kind: str  # one of OFFER_KINDS
    schedule: tuple[Instalment, ...]
    waiver: Decimal = ZERO  # amount of fees/interest waived; schedule sums to balance - waiver
    hardship: bool = False  # built under the hardship limits
    adjusted: bool = False  # differs from what the borrower asked
    reason: str = ""  # why adjusted, phrased for the borrower

    def __post_init__(self) -> None:
        if self.kind not in OFFER_KINDS:
            raise ValueError(f"unknown offer kind {self.kind!r}; expected one of {OFFER_KINDS}")

    @property
    def total(self) -> Decimal:
        return sum((i.amount for i in self.schedule), ZERO)


@dataclass(frozen=True)
class Request:
    """What the borrower asked for, from the NLU entities.

    amount: per-instalment amount they can afford (instalment_plan) or the part
    they pay now (part_payment). date: the promised date, the deferred date,
    the rest of a part payment, or a plan's first instalment. days: the same
    as a date counted from today (a plan: how long it may run at most).
    """

    kind: str
    amount: Decimal | None = None
    date: dt.date | None = None  # (dt. because the field name shadows the type)
    days: int | None = None
    count: int | None = None
    frequency_days: int | None = None
    waiver_percent: Decimal | None = None

    def __post_init__(self) -> None:
        if self.kind not in REQUEST_KINDS:
            raise ValueError(f"unknown request kind {self.kind!r}; expected one of {REQUEST_KINDS}")
        if self.amount is not None and (not isinstance(self.amount, Decimal) or self.amount <= 0):
            raise ValueError(f"request amount must be a positive Decimal, got {self.amount!r}")
        for name, smallest in (("days", 0), ("count", 1), ("frequency_days", 1)):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or value < smallest):
                raise ValueError(f"request {name} must be a whole number >= {smallest}, got {value!r}")
        pct = self.waiver_percent
        if pct is not None and (not isinstance(pct, Decimal) or not ZERO <= pct <= 100):
            raise ValueError(f"request waiver_percent must be a Decimal 0-100, got {pct!r}")


# --- arithmetic ----------------------------------------------------------------

def _exact(amount: Decimal, currency: str, name: str) -> Decimal:
    """Amounts from records must already be in minor units; rounding them here would
    make the schedule sum to something other than what the borrower owes."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"{name} must be a Decimal, got {type(amount).__name__}")
    if not amount.is_finite() or amount != quantize(amount, currency):
        raise ValueError(f"{name} {amount} is not a whole number of {currency} minor units")
    return quantize(amount, currency)


def split(balance: Decimal, count: int, first_due: date, every_days: int,
          currency: str) -> tuple[Instalment, ...]:
    """`count` equal instalments `every_days` apart; the remainder on the last one.

    KES 3,500.00 in 3 -> 1,166.66 + 1,166.66 + 1,166.68: the sum is exactly the
    balance and the last instalment is the largest.
    """
    total = _exact(balance, currency, "balance")
    if count < 1 or (count > 1 and every_days < 1):
        raise ValueError(f"need count >= 1 and every_days >= 1, got {count}, {every_days}")
    exp = minor_units(currency)
    minor = int(total.scaleb(exp))
    base = minor // count
    if total <= 0 or base == 0:
        raise ValueError(f"cannot split {fmt(total, currency)} into {count} instalments")
    amounts = [base] * (count - 1) + [minor - base * (count - 1)]
    return tuple(
        Instalment(first_due + timedelta(days=i * every_days), quantize(Decimal(a).scaleb(-exp), currency))
        for i, a in enumerate(amounts)
    )


def _max_count(payable: Decimal, currency: str, limits: Limits) -> int:
    """Most equal instalments whose smallest one still meets every floor."""
    floor = max(limits.min_instalment(payable, currency), limits.min_down_payment(payable, currency),
                unit(currency))
    return min(int(payable // floor), limits.max_instalments)


def _nearest_frequency(days: int, limits: Limits) -> int:
    """Closest allowed interval; on a tie the longer one (kinder to the borrower)."""
    return min(limits.frequencies_days, key=lambda f: (abs(f - days), -f))


def _days_list(limits: Limits) -> str:
    days = [str(f) for f in limits.frequencies_days]
    return days[0] if len(days) == 1 else ", ".join(days[:-1]) + " or " + days[-1]


def _target(request: Request, today: date) -> date | None:
    if request.date is not None:
        return request.date
    if request.days is not None:
        return today + timedelta(days=request.days)
    return None


def _long(d: date) -> str:
    return f"{_DAYS[d.weekday()]} {d.day} {_MONTHS[d.month - 1]} {d.year}"


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# --- building offers ------------------------------------------------------------

def _waiver(request: Request, fees: Decimal, balance: Decimal, currency: str, limits: Limits,
            notes: list[str]) -> Decimal:
    asked = request.waiver_percent
    if asked is None and request.kind == "fee_waiver":
        asked = Decimal(100)  # "waive the fees" with no number: as much as allowed
    if asked is None or asked == 0:
        return ZERO
    if fees == 0:
        notes.append("there are no fees or interest to waive on this loan")
        return ZERO
    if limits.max_waiver_percent == 0:
        notes.append("I can't waive fees or interest on this loan")
        return ZERO
    pct = min(asked, limits.max_waiver_percent)
    waiver = min(quantize_down(fees * pct / 100, currency), balance - unit(currency))
    if pct < asked:
        notes.append(f"the most I can waive is {limits.max_waiver_percent.normalize():f}% of the fees "
                     f"and interest ({fmt(waiver, currency)})")
    return waiver


def _single(kind: str, due: date, payable: Decimal) -> tuple[str, tuple[Instalment, ...]]:
    return kind, (Instalment(due, payable),)


def _promise(target: date | None, payable: Decimal, today: date, limits: Limits,
             notes: list[str]) -> tuple[str, tuple[Instalment, ...]]:
    edge = today + timedelta(days=limits.promise_window_days)
    due = edge if target is None else target
    if due < today:
        notes.append("that date has passed, so I've put today")
        due = today
    elif due > edge:
        notes.append(f"a promise to pay has to be within {limits.promise_window_days} days, "
                     f"so the latest date is {_long(edge)}")
        due = edge
    return _single("promise_to_pay", due, payable)


def _latest_single(payable: Decimal, today: date, limits: Limits) -> tuple[str, tuple[Instalment, ...]]:
    """The whole amount at the latest date any single-payment offer allows."""
    if limits.max_deferral_days > limits.promise_window_days:
        return _single("deferral", today + timedelta(days=limits.max_deferral_days), payable)
    return _single("promise_to_pay", today + timedelta(days=limits.promise_window_days), payable)


def _deferral(target: date | None, payable: Decimal, today: date, limits: Limits,
              notes: list[str]) -> tuple[str, tuple[Instalment, ...]]:
    if limits.max_deferral_days == 0:
        notes.append("I can't move the due date on this loan, but you can promise a date")
        return _promise(None, payable, today, limits, [])
    edge = today + timedelta(days=limits.max_deferral_days)
    due = edge if target is None else target
    if due <= today:
        notes.append("a deferral needs a date after today")
        due = today + timedelta(days=1)
    elif due > edge:
        notes.append(f"the longest deferral I can offer is {limits.max_deferral_days} days, "
                     f"to {_long(edge)}")
        due = edge
    return _single("deferral", due, payable)


def _part(request: Request, payable: Decimal, currency: str, today: date, limits: Limits,
          notes: list[str]) -> tuple[str, tuple[Instalment, ...]]:
    floor = max(limits.min_down_payment(payable, currency), limits.min_instalment(payable, currency),
                unit(currency))
    if request.amount is not None and quantize(request.amount, currency) >= payable:
        notes.append("that covers the whole balance")
        return _single("pay_in_full", today, payable)
    if floor >= payable:
        notes.append("this balance is too small to pay in parts")
        return _promise(_target(request, today), payable, today, limits, notes)
    amount = floor if request.amount is None else quantize(request.amount, currency)
    if amount < floor:
        notes.append(f"the payment now has to be at least {fmt(floor, currency)}")
        amount = floor
    edge = today + timedelta(days=limits.promise_window_days)
    rest_due = _target(request, today) or edge
    if rest_due <= today:
        notes.append("the rest needs a date after today")
        rest_due = today + timedelta(days=1)
    elif rest_due > edge:
        notes.append(f"the rest has to be paid within {limits.promise_window_days} days, "
                     f"by {_long(edge)}")
        rest_due = edge
    return "part_payment", (Instalment(today, amount), Instalment(rest_due, payable - amount))


def _plan(request: Request, payable: Decimal, currency: str, today: date, limits: Limits,
          notes: list[str]) -> tuple[int, int, date] | None:
    """(count, every_days, first_due) for an equal plan, or None if no plan fits."""
    n_cap = _max_count(payable, currency, limits)
    if n_cap < 2:
        return None
    span = limits.max_plan_days
    if request.days is not None and request.days > span:
        notes.append(f"the longest plan I can offer is {span} days")
    elif request.days is not None and request.days >= min(limits.frequencies_days):
        span = request.days  # "over two months": the borrower's own upper bound
    n = n_cap if request.count is None else max(request.count, 2)
    if request.count is not None and request.count < 2:
        notes.append("a plan needs at least 2 instalments")
    if n > n_cap:
        if n_cap == limits.max_instalments:
            notes.append(f"the most instalments I can offer is {limits.max_instalments}")
        else:
            floor = max(limits.min_instalment(payable, currency), limits.min_down_payment(payable, currency))
            notes.append(f"each instalment has to be at least {fmt(floor, currency)}, "
                         f"so the most is {n_cap}")
        n = n_cap
    freqs = sorted(limits.frequencies_days, reverse=True)
    if request.frequency_days is not None:
        f = _nearest_frequency(request.frequency_days, limits)
        if f != request.frequency_days:
            notes.append(f"instalments can be every {_days_list(limits)} days, so I've used every {f} days")
        fitting = [g for g in freqs if g <= f and (n - 1) * g <= span]
    else:
        f = freqs[0]
        fitting = [g for g in freqs if (n - 1) * g <= span]
    if fitting:
        if fitting[0] != f and request.frequency_days is not None:
            notes.append(f"to finish within {span} days the instalments are every {fitting[0]} days")
        f = fitting[0]
    else:
        f = freqs[-1]
        n = span // f + 1
        if n < 2:
            return None
        limit = "the longest plan I can offer is" if span == limits.max_plan_days else "to finish within"
        notes.append(f"{limit} {span} days, so {n} instalments every {f} days")
    window_edge = today + timedelta(days=limits.promise_window_days)
    first = today + timedelta(days=min(f, limits.promise_window_days))
    if request.date is not None:
        first = request.date
        if first < today:
            notes.append("that date has passed, so the first instalment is today")
            first = today
        elif first > window_edge:
            notes.append(f"the first instalment has to be within {limits.promise_window_days} days, "
                         f"by {_long(window_edge)}")
            first = window_edge
    latest_first = today + timedelta(days=span - (n - 1) * f)
    if first > latest_first:
        if request.date is not None:
            notes.append(f"to finish within {span} days the first instalment is on {_long(latest_first)}")
        first = latest_first
    return n, f, first


def _plan_kind(hardship: bool) -> str:
    return "hardship_plan" if hardship else "instalment_plan"


def _money_inputs(balance: Decimal, fees: Decimal, currency: str) -> tuple[Decimal, Decimal]:
    balance = _exact(balance, currency, "balance")
    fees = _exact(fees, currency, "fees_and_interest")
    if balance <= 0:
        raise ValueError(f"balance must be positive, got {balance}")
    if not ZERO <= fees <= balance:
        raise ValueError(f"fees_and_interest must be between 0 and the balance, got {fees}")
    return balance, fees


def _afford(amount: Decimal, period_days: int, first_due: date | None, payable: Decimal,
            currency: str, today: date, limits: Limits, hardship: bool,
            notes: list[str]) -> tuple[str, tuple[Instalment, ...]]:
    f = _nearest_frequency(period_days, limits)
    per = max(quantize_down(amount * f / period_days, currency), unit(currency))
    if f != period_days:
        notes.append(f"instalments can be every {_days_list(limits)} days, so I've counted "
                     f"{fmt(per, currency)} every {f} days")
    needed = int((payable / per).to_integral_value(rounding=ROUND_CEILING))
    if needed <= 1:  # they can pay it all within one period
        default = today + timedelta(days=min(f, limits.promise_window_days))
        return _promise(first_due or default, payable, today, limits, notes)
    n_cap = min(_max_count(payable, currency, limits), limits.max_plan_days // f + 1)
    if n_cap < 2:
        notes.append("I can't split this balance into instalments")
        return _latest_single(payable, today, limits)
    n = needed
    if needed > n_cap:
        n = n_cap
        floor = max(limits.min_instalment(payable, currency), limits.min_down_payment(payable, currency))
        why = (f"each instalment has to be at least {fmt(floor, currency)}" if per < floor
               else f"the most I can offer is {n} instalments every {f} days")
        notes.append(f"paying {fmt(per, currency)} every {f} days would take {needed} instalments, "
                     f"but {why}, so each is about {fmt(payable / n, currency)}")
    shape = _plan(Request("instalment_plan", date=first_due, count=n, frequency_days=f),
                  payable, currency, today, limits, notes)
    if shape is None or shape[:2] != (n, f):  # n fits both caps, so this cannot happen
        raise AssertionError(f"plan shape {shape} does not match count {n} every {f} days")
    return _plan_kind(hardship), split(payable, n, shape[2], f, currency)


def propose(request: Request, *, balance: Decimal, fees_and_interest: Decimal, currency: str,
            limits: Limits, today: date, arrangements_so_far: int, hardship: bool) -> Offer | None:
    """The borrower's request if it fits `limits`, else the nearest offer that does.

    `limits` must already be the ones that apply (limits_for(product, hardship)).
    An instalment_plan request with an `amount` is the affordability case
    (amount per `frequency_days`, default 30). None only when the bot may offer
    nothing: the loan has had max_arrangements arrangements, so a person must
    take over.
    """
    balance, fees = _money_inputs(balance, fees_and_interest, currency)
    if arrangements_so_far >= limits.max_arrangements:
        return None
    notes: list[str] = []
    waiver = quantize(_waiver(request, fees, balance, currency, limits, notes), currency)
    payable = balance - waiver
    target = _target(request, today)
    if request.kind == "promise_to_pay":
        kind, schedule = _promise(target, payable, today, limits, notes)
    elif request.kind == "deferral":
        kind, schedule = _deferral(target, payable, today, limits, notes)
    elif request.kind == "part_payment":
        kind, schedule = _part(request, payable, currency, today, limits, notes)
    elif request.kind == "instalment_plan" and request.amount is not None:
        kind, schedule = _afford(request.amount, request.frequency_days or 30, request.date, payable,
                                 currency, today, limits, hardship, notes)
    elif request.kind == "fee_waiver" and (request.count or 1) < 2:
        kind, schedule = _promise(target, payable, today, limits, notes)
    else:  # instalment_plan, or a fee waiver spread over instalments
        shape = _plan(request, payable, currency, today, limits, notes)
        if shape is None:
            notes.append("I can't split this balance into instalments")
            kind, schedule = _latest_single(payable, today, limits)
        else:
            kind, schedule = _plan_kind(hardship), split(payable, shape[0], shape[2], shape[1], currency)
    return Offer(kind, schedule, waiver, hardship, bool(notes), "; ".join(notes))


def plan_from_affordability(amount_per_period: Decimal, period_days: int, *, balance: Decimal,
                            currency: str, limits: Limits, today: date, hardship: bool,
                            arrangements_so_far: int = 0, first_due: date | None = None) -> Offer | None:
    """"I can pay 2,000 a week" -> the plan that fits, said honestly when it can't.

    count = ceil(balance / amount per allowed interval), clamped to the limits;
    when clamped the instalments are bigger than the borrower said and `reason`
    tells them so. The equal split means an instalment may exceed the stated
    amount by at most (count - 1) minor units (the remainder is on the last one).
    A stated amount covering the whole balance gives a promise to pay.
    """
    balance, _ = _money_inputs(balance, ZERO, currency)
    if not isinstance(amount_per_period, Decimal) or not amount_per_period > 0:
        raise ValueError(f"amount_per_period must be a positive Decimal, got {amount_per_period!r}")
    if isinstance(period_days, bool) or not isinstance(period_days, int) or period_days < 1:
        raise ValueError(f"period_days must be a whole number >= 1, got {period_days!r}")
    if arrangements_so_far >= limits.max_arrangements:
        return None
    notes: list[str] = []
    kind, schedule = _afford(amount_per_period, period_days, first_due, balance, currency, today,
                             limits, hardship, notes)
    return Offer(kind, schedule, quantize(ZERO, currency), hardship, bool(notes), "; ".join(notes))


# --- checking ---------------------------------------------------------------------

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
    balance, fees = _money_inputs(balance, fees_and_interest, currency)
    errors: list[str] = []
    sched = offer.schedule
    if offer.kind != "pay_in_full" and arrangements_so_far >= limits.max_arrangements:
        errors.append(f"max_arrangements: this loan already had {arrangements_so_far}")
    if offer.kind == "hardship_plan" and not offer.hardship:
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
    if offer.kind in ("pay_in_full", "promise_to_pay") and dues[-1] > window:
        errors.append(f"promise_window_days: due {dues[-1]} is more than "
                      f"{limits.promise_window_days} days away")
    if offer.kind == "deferral" and dues[-1] > today + timedelta(days=limits.max_deferral_days):
        errors.append(f"max_deferral_days: due {dues[-1]} is more than "
                      f"{limits.max_deferral_days} days away")
    if offer.kind == "part_payment":
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
        gaps = {(b - a).days for a, b in zip(dues, dues[1:])}
        if len(gaps) > 1 or not gaps <= set(limits.frequencies_days):
            errors.append(f"frequencies_days: intervals {sorted(gaps)} are not one of "
                          f"{list(limits.frequencies_days)}")
    if offer.kind in PLAN_KINDS + ("part_payment",):
        down = limits.min_down_payment(payable, currency)
        if sched[0].amount < down:
            errors.append(f"min_down_payment_percent: the first payment {fmt(sched[0].amount, currency)} "
                          f"is below {fmt(down, currency)}")
        checked = sched if offer.kind in PLAN_KINDS else sched[:1]  # a part payment's rest is free
        for n, inst in enumerate(checked, 1):
            errors.extend(_floor_errors(n, inst.amount, payable, currency, limits))
    return errors


def describe(offer: Offer, currency: str) -> list[str]:
    """Schedule lines for the bot's message: '1. Fri 4 Dec 2026: KES 1,166.67'."""
    return [f"{n}. {_long(i.due)}: {fmt(i.amount, currency)}" for n, i in enumerate(offer.schedule, 1)]
