"""Building offers: what the bot may propose, built only inside the limits.

`propose` never says a bare "no": a request outside the limits comes back as the
nearest allowed offer with `adjusted=True` and `notes` saying why (codes with
parameters; bot/dialogue/wording.py words them for the borrower).
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
- A part payment is two payments: the part today or on the borrower's date (at
  least the down payment and the minimum instalment) and the rest after it,
  both within the promise window.
- Paying in full is not an arrangement, so it ignores `max_arrangements`.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

from .budget import Budget, search
from .checks import validate
from .kinds import PLAN_KINDS, SINGLE_KINDS, OfferKind, RequestKind
from .limits import Limits
from .money import quantize, quantize_down, unit
from .notes import Note, NoteCode
from .schedule import MONTHLY, max_count, money_inputs, nearest_frequency, split
from .schedule import target as target_date
from .terms import OFFER_KINDS, REQUEST_KINDS, ZERO, Instalment, Offer, Request

# The names this module has always offered; the types, the arithmetic and the
# check live in terms.py, schedule.py and checks.py.
__all__ = [
    "OFFER_KINDS", "PLAN_KINDS", "REQUEST_KINDS", "SINGLE_KINDS", "Instalment", "Note", "NoteCode", "Offer",
    "Request", "plan_from_affordability", "propose", "split", "validate",
]
Notes = list[Note]


def _waiver(request: Request, fees: Decimal, balance: Decimal, currency: str, limits: Limits,
            notes: Notes) -> Decimal:
    asked = request.waiver_percent
    if asked is None and request.kind == RequestKind.FEE_WAIVER:
        asked = Decimal(100)  # "waive the fees" with no number: as much as allowed
    if asked is None or asked == 0:
        return ZERO
    if fees == 0:
        notes.append(Note.of(NoteCode.NO_FEES_TO_WAIVE))
        return ZERO
    if limits.max_waiver_percent == 0:
        notes.append(Note.of(NoteCode.NO_WAIVER))
        return ZERO
    pct = min(asked, limits.max_waiver_percent)
    allowed = quantize_down(fees * pct / 100, currency)
    waiver = min(allowed, balance - unit(currency))
    if pct < asked:
        notes.append(Note.of(NoteCode.WAIVER_CAPPED, percent=limits.max_waiver_percent, waiver=waiver))
    elif waiver < allowed:  # fees are the whole balance: something must be left to pay
        notes.append(Note.of(NoteCode.WAIVER_LEAVES_PAYMENT, waiver=waiver))
    return waiver


def _single(kind: OfferKind, due: date, payable: Decimal) -> tuple[OfferKind, tuple[Instalment, ...]]:
    return kind, (Instalment(due, payable),)


def _promise(target: date | None, payable: Decimal, today: date, limits: Limits,
             notes: Notes) -> tuple[OfferKind, tuple[Instalment, ...]]:
    edge = today + timedelta(days=limits.promise_window_days)
    due = edge if target is None else target
    if due < today:
        notes.append(Note.of(NoteCode.DATE_PASSED))
        due = today
    elif due > edge:
        if limits.max_deferral_days > limits.promise_window_days:
            # "I'll pay it all on the 18th, when my wages come": beyond the promise window the
            # whole payment on a later date is a deferral, which may reach their date; moving
            # their payday earlier to fit the window broke the promise before it was made.
            return _deferral(due, payable, today, limits, notes)
        notes.append(Note.of(NoteCode.PROMISE_WINDOW, days=limits.promise_window_days, latest=edge))
        due = edge
    return _single(OfferKind.PROMISE_TO_PAY, due, payable)


def _latest_single(payable: Decimal, today: date, limits: Limits) -> tuple[OfferKind, tuple[Instalment, ...]]:
    """The whole amount at the latest date any single-payment offer allows."""
    if limits.max_deferral_days > limits.promise_window_days:
        return _single(OfferKind.DEFERRAL, today + timedelta(days=limits.max_deferral_days), payable)
    return _single(OfferKind.PROMISE_TO_PAY, today + timedelta(days=limits.promise_window_days), payable)


def _deferral(target: date | None, payable: Decimal, today: date, limits: Limits,
              notes: Notes) -> tuple[OfferKind, tuple[Instalment, ...]]:
    if limits.max_deferral_days == 0:
        notes.append(Note.of(NoteCode.NO_DEFERRAL))
        return _promise(None, payable, today, limits, [])
    edge = today + timedelta(days=limits.max_deferral_days)
    due = edge if target is None else target
    if due <= today:
        notes.append(Note.of(NoteCode.DEFERRAL_AFTER_TODAY))
        due = today + timedelta(days=1)
    elif due > edge:
        notes.append(Note.of(NoteCode.DEFERRAL_MAX, days=limits.max_deferral_days, latest=edge))
        due = edge
    return _single(OfferKind.DEFERRAL, due, payable)


def _part(request: Request, payable: Decimal, currency: str, today: date, limits: Limits,
          notes: Notes) -> tuple[OfferKind, tuple[Instalment, ...]]:
    """The part (today, or on the borrower's first date) and the rest, both within the promise window."""
    floor = max(limits.min_down_payment(payable, currency), limits.min_instalment(payable, currency),
                unit(currency))
    if request.amount is not None and quantize(request.amount, currency) >= payable:
        if quantize(request.amount, currency) > payable:  # "58,500 this Friday" of 58,500 is their own terms
            notes.append(Note.of(NoteCode.COVERS_BALANCE))
        when = request.first_date or target_date(request, today)
        if when is not None and when != today:  # "the whole 2,300 tomorrow": their date, not today
            return _promise(when, payable, today, limits, notes)
        return _single(OfferKind.PAY_IN_FULL, today, payable)
    if floor >= payable:
        notes.append(Note.of(NoteCode.TOO_SMALL_FOR_PARTS))
        return _promise(target_date(request, today), payable, today, limits, notes)
    amount = floor if request.amount is None else quantize(request.amount, currency)
    if amount < floor:
        notes.append(Note.of(NoteCode.PART_MIN, amount=floor))
        amount = floor
    edge = today + timedelta(days=limits.promise_window_days)
    if edge <= today:  # no room for a second date: the whole amount, as a promise
        notes.append(Note.of(NoteCode.TOO_SMALL_FOR_PARTS))
        return _promise(target_date(request, today), payable, today, limits, notes)
    first = _part_first(request.first_date, today, edge, notes)
    rest_due = target_date(request, today) or edge
    if rest_due <= first:
        notes.append(Note.of(NoteCode.REST_AFTER_TODAY) if first == today
                     else Note.of(NoteCode.REST_AFTER_FIRST, first=first))
        rest_due = first + timedelta(days=1)
    elif rest_due > edge:
        notes.append(Note.of(NoteCode.REST_WINDOW, days=limits.promise_window_days, latest=edge))
        rest_due = edge
    rest = payable - amount
    if request.rest_amount is not None and quantize(request.rest_amount, currency) != rest:
        notes.append(Note.of(NoteCode.REST_AMOUNT, amount=rest))  # the rest is what is left, said so
    return OfferKind.PART_PAYMENT, (Instalment(first, amount), Instalment(rest_due, rest))


def _parts_as_plan(request: Request, payable: Decimal, waiver: Decimal, fees: Decimal, currency: str,
                   today: date, limits: Limits, arrangements_so_far: int,
                   hardship: bool) -> tuple[OfferKind, tuple[Instalment, ...]] | None:
    """Two parts whose rest falls after the promise window but one plan interval after the first
    ("145 today and the other 145 on the 23rd" was answered with the rest in 7 days): the
    borrower's own amounts and dates, as a two-instalment plan, when the limits allow that plan."""
    rest_due = target_date(request, today)
    if request.amount is None or rest_due is None \
            or rest_due <= today + timedelta(days=limits.promise_window_days):
        return None
    amount = quantize(request.amount, currency)
    rest = payable - amount
    if rest <= 0 or (request.rest_amount is not None and quantize(request.rest_amount, currency) != rest):
        return None
    kind = _plan_kind(hardship)
    schedule = (Instalment(request.first_date or today, amount), Instalment(rest_due, rest))
    offer = Offer(kind, schedule, waiver, hardship)
    fits = not validate(offer, balance=payable + waiver, fees_and_interest=fees, currency=currency,
                        limits=limits, today=today, arrangements_so_far=arrangements_so_far)
    return (kind, schedule) if fits else None


def _part_first(first: date | None, today: date, edge: date, notes: Notes) -> date:
    """The first part's date: today unless they gave one; before the window's last day, so the rest fits."""
    if first is None:
        return today
    if first < today:
        notes.append(Note.of(NoteCode.FIRST_DATE_PASSED))
        return today
    latest = edge - timedelta(days=1)
    if first > latest:
        notes.append(Note.of(NoteCode.PART_FIRST_WINDOW, days=(edge - today).days, latest=latest))
        return latest
    return first


def _plan(request: Request, payable: Decimal, currency: str, today: date, limits: Limits,
          notes: Notes) -> tuple[int, int, date] | None:
    """(count, every_days, first_due) for an equal plan, or None if no plan fits."""
    n_cap = max_count(payable, currency, limits)
    if n_cap < 2:
        return None
    span = limits.max_plan_days
    if request.days is not None and request.days > span:
        notes.append(Note.of(NoteCode.PLAN_MAX_DAYS, days=span))
    elif request.days is not None and request.days >= min(limits.frequencies_days):
        span = request.days  # "over two months": the borrower's own upper bound
    elif request.days is not None:  # "over 3 days": no two instalments fit, so it runs longer
        notes.append(Note.of(NoteCode.PLAN_SPAN_SHORT, days=request.days, every=min(limits.frequencies_days)))
    n = n_cap if request.count is None else max(request.count, 2)
    if request.count is not None and request.count < 2:
        notes.append(Note.of(NoteCode.PLAN_MIN_COUNT, count=2))
    if n > n_cap:
        if n_cap == limits.max_instalments:
            notes.append(Note.of(NoteCode.PLAN_MAX_COUNT, count=limits.max_instalments))
        else:
            floor = max(limits.min_instalment(payable, currency), limits.min_down_payment(payable, currency))
            notes.append(Note.of(NoteCode.INSTALMENT_MIN, amount=floor, count=n_cap))
        n = n_cap
    freqs = sorted(limits.frequencies_days, reverse=True)
    if request.frequency_days is not None:
        f = nearest_frequency(request.frequency_days, limits)
        if f != request.frequency_days:
            notes.append(Note.of(NoteCode.FREQUENCY_USED, allowed=limits.frequencies_days, every=f))
        fitting = [g for g in freqs if g <= f and (n - 1) * g <= span]
    else:  # the longest interval that fits, one leaving the first instalment after today if any does
        f = freqs[0]
        room = 0 if request.date is not None and request.date <= today else 1
        fitting = [g for g in freqs if (n - 1) * g <= span - room] or [g for g in freqs if (n - 1) * g <= span]
    if fitting:
        if fitting[0] != f and request.frequency_days is not None:
            notes.append(Note.of(NoteCode.FREQUENCY_TO_FINISH, days=span, every=fitting[0]))
        f = fitting[0]
    else:
        f = freqs[-1]
        n = span // f + 1
        if n < 2:
            return None
        code = NoteCode.PLAN_MAX_DAYS_COUNT if span == limits.max_plan_days else NoteCode.PLAN_WITHIN_COUNT
        notes.append(Note.of(code, days=span, count=n, every=f))
    window_edge = today + timedelta(days=limits.promise_window_days)
    first = today + timedelta(days=min(f, limits.promise_window_days))
    if request.date is not None:
        first = request.date
        if first < today:
            notes.append(Note.of(NoteCode.FIRST_DATE_PASSED))
            first = today
        elif first > window_edge:
            notes.append(Note.of(NoteCode.FIRST_WINDOW, days=limits.promise_window_days, latest=window_edge))
            first = window_edge
    latest_first = today + timedelta(days=span - (n - 1) * f)
    if first > latest_first:
        if request.date is not None:
            notes.append(Note.of(NoteCode.FIRST_TO_FINISH, days=span, first=latest_first))
        first = latest_first
    return n, f, first


def _equal(payable: Decimal, shape: tuple[int, int, date], their_first: date | None, currency: str,
           today: date, limits: Limits) -> tuple[Instalment, ...]:
    """The equal plan of `shape` (count, every, first). A monthly plan that starts on the borrower's own
    date keeps that day of each month ("I get paid on the 15th": 15 Dec, 15 Jan, not 14 Jan), unless the
    longer months would take its last instalment past max_plan_days; then every 30 days, as the limits say."""
    n, every, first = shape
    if every == MONTHLY and first == their_first:
        monthly = split(payable, n, first, every, currency, monthly_on_day=True)
        if monthly[-1].due <= today + timedelta(days=limits.max_plan_days):
            return monthly
    return split(payable, n, first, every, currency)


def _plan_kind(hardship: bool) -> OfferKind:
    return OfferKind.HARDSHIP_PLAN if hardship else OfferKind.INSTALMENT_PLAN


def _afford(amount: Decimal, period_days: int, first_due: date | None, payable: Decimal,
            currency: str, today: date, limits: Limits, hardship: bool,
            notes: Notes) -> tuple[OfferKind, tuple[Instalment, ...]]:
    """Budget first (budget.py): the plan within what they can pay, their own period first.

    Only when no plan within the limits fits their figure does the offer go
    above it, with a note saying so (AFFORD_MIN, AFFORD_MAX, CANNOT_SPLIT);
    the dialogue never puts such an offer to the borrower (`budget.fits`).
    """
    budget = Budget(amount, period_days)
    f = nearest_frequency(period_days, limits)
    if quantize(amount, currency) >= payable:  # they can pay it all within one of their periods
        default = today + timedelta(days=min(f, limits.promise_window_days))
        return _promise(first_due or default, payable, today, limits, notes)
    window_edge = today + timedelta(days=limits.promise_window_days)
    lead = None if first_due is None else (min(max(first_due, today), window_edge) - today).days
    found = search(budget, payable, currency, limits, lead)
    if found is not None:
        n, every = found
        if every == f and f != period_days:
            notes.append(Note.of(NoteCode.FREQUENCY_COUNTED, allowed=limits.frequencies_days,
                                 amount=budget.per(f, currency), every=f))
        elif every != f:
            notes.append(Note.of(NoteCode.BUDGET_FREQUENCY, amount=quantize(amount, currency), period=period_days,
                                 every=every,
                                 budget=budget.per(every, currency)))
        kind, plan = _plan_of(n, every, first_due, payable, currency, today, limits, hardship, notes)
        return kind, (_filled(plan, quantize(amount, currency), payable, currency, limits)
                      if every == period_days else plan)
    return _over_budget(budget, f, first_due, payable, currency, today, limits, hardship, notes)


def _filled(plan: tuple[Instalment, ...], amount: Decimal, payable: Decimal, currency: str,
            limits: Limits) -> tuple[Instalment, ...]:
    """Their own amount at each date, the rest on the last one: "1,200 a week" is 1,200 every week, then
    900 (round 8 panel: 6 x 1,150 read as a change of their figure). The equal plan stays when the
    amount would take fewer dates, or the last payment would fall below the limits' floor."""
    rest = payable - amount * (len(plan) - 1)
    floor = max(limits.min_instalment(payable, currency), limits.min_instalment_amount(currency))
    if rest <= 0 or rest > amount or rest < min(floor, payable) or amount < limits.min_down_payment(payable, currency):
        return plan
    return tuple(Instalment(i.due, amount) for i in plan[:-1]) + (Instalment(plan[-1].due, quantize(rest, currency)),)


def _over_budget(budget: Budget, f: int, first_due: date | None, payable: Decimal, currency: str,
                 today: date, limits: Limits, hardship: bool,
                 notes: Notes) -> tuple[OfferKind, tuple[Instalment, ...]]:
    """No plan within the limits fits their figure: the nearest one, above it, saying by how much."""
    per = max(budget.per(f, currency), unit(currency))
    if f != budget.period_days:
        notes.append(Note.of(NoteCode.FREQUENCY_COUNTED, allowed=limits.frequencies_days, amount=per, every=f))
    needed = int((payable / per).to_integral_value(rounding=ROUND_CEILING))
    n_cap = min(max_count(payable, currency, limits), limits.max_plan_days // f + 1)
    if n_cap < 2:
        notes.append(Note.of(NoteCode.CANNOT_SPLIT))
        return _latest_single(payable, today, limits)
    n = max(min(needed, n_cap), 2)
    floor = max(limits.min_instalment(payable, currency), limits.min_down_payment(payable, currency))
    each = quantize(payable / n, currency)
    notes.append(Note.of(NoteCode.AFFORD_MIN, amount=per, every=f, needed=needed, floor=floor, each=each)
                 if per < floor else
                 Note.of(NoteCode.AFFORD_MAX, amount=per, every=f, needed=needed, count=n, each=each))
    return _plan_of(n, f, first_due, payable, currency, today, limits, hardship, notes)


def _plan_of(n: int, every: int, first_due: date | None, payable: Decimal, currency: str, today: date,
             limits: Limits, hardship: bool, notes: Notes) -> tuple[OfferKind, tuple[Instalment, ...]]:
    """The plan of `n` every `every` days (both within the limits), first on their date where it can be."""
    shape = _plan(Request(RequestKind.INSTALMENT_PLAN, date=first_due, count=n, frequency_days=every),
                  payable, currency, today, limits, notes)
    if shape is None or shape[:2] != (n, every):  # n fits both caps, so this cannot happen
        raise AssertionError(f"plan shape {shape} does not match count {n} every {every} days")
    return _plan_kind(hardship), _equal(payable, shape, first_due, currency, today, limits)


def propose(request: Request, *, balance: Decimal, fees_and_interest: Decimal, currency: str,
            limits: Limits, today: date, arrangements_so_far: int, hardship: bool) -> Offer | None:
    """The borrower's request if it fits `limits`, else the nearest offer that does.

    `limits` must already be the ones that apply (limits_for(product, hardship)).
    An instalment_plan request with an `amount` is the affordability case
    (amount per `frequency_days`, default 30). None only when the bot may offer
    nothing: the loan has had max_arrangements arrangements, so a person must
    take over.
    """
    balance, fees = money_inputs(balance, fees_and_interest, currency)
    if arrangements_so_far >= limits.max_arrangements:
        return None
    notes: Notes = []
    waiver = quantize(_waiver(request, fees, balance, currency, limits, notes), currency)
    payable = balance - waiver
    target = target_date(request, today)
    if request.kind == RequestKind.PROMISE_TO_PAY:
        kind, schedule = _promise(target, payable, today, limits, notes)
    elif request.kind == RequestKind.DEFERRAL:
        kind, schedule = _deferral(target, payable, today, limits, notes)
    elif request.kind == RequestKind.PART_PAYMENT:
        kind, schedule = _parts_as_plan(request, payable, waiver, fees, currency, today, limits,
                                        arrangements_so_far, hardship) \
            or _part(request, payable, currency, today, limits, notes)
    elif request.kind == RequestKind.INSTALMENT_PLAN and request.amount is not None:
        kind, schedule = _afford(request.amount, request.frequency_days or 30, request.date, payable,
                                 currency, today, limits, hardship, notes)
    elif request.kind == RequestKind.FEE_WAIVER and (request.count or 1) < 2:
        kind, schedule = _promise(target, payable, today, limits, notes)
    else:  # instalment_plan, or a fee waiver spread over instalments
        shape = _plan(request, payable, currency, today, limits, notes)
        if shape is None:
            notes.append(Note.of(NoteCode.CANNOT_SPLIT))
            kind, schedule = _latest_single(payable, today, limits)
        else:
            kind, schedule = _plan_kind(hardship), _equal(payable, shape, request.date, currency, today, limits)
    return Offer(kind, schedule, waiver, hardship, bool(notes), tuple(notes))


def plan_from_affordability(amount_per_period: Decimal, period_days: int, *, balance: Decimal,
                            currency: str, limits: Limits, today: date, hardship: bool,
                            arrangements_so_far: int = 0, first_due: date | None = None) -> Offer | None:
    """"I can pay 2,000 a week" -> the plan that fits, said honestly when it can't.

    count = ceil(balance / amount per allowed interval), clamped to the limits;
    when clamped the instalments are bigger than the borrower said and a note
    tells them so. The equal split means an instalment may exceed the stated
    amount by at most (count - 1) minor units (the remainder is on the last one).
    A stated amount covering the whole balance gives a promise to pay.
    """
    balance, _ = money_inputs(balance, ZERO, currency)
    if not isinstance(amount_per_period, Decimal) or not amount_per_period > 0:
        raise ValueError(f"amount_per_period must be a positive Decimal, got {amount_per_period!r}")
    if isinstance(period_days, bool) or not isinstance(period_days, int) or period_days < 1:
        raise ValueError(f"period_days must be a whole number >= 1, got {period_days!r}")
    if arrangements_so_far >= limits.max_arrangements:
        return None
    notes: Notes = []
    kind, schedule = _afford(amount_per_period, period_days, first_due, balance, currency, today,
                             limits, hardship, notes)
    return Offer(kind, schedule, quantize(ZERO, currency), hardship, bool(notes), tuple(notes))
