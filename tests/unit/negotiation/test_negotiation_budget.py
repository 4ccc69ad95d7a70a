"""Budget first (issue 13): offers start from what the borrower can pay and the dates they gave.

Hand-computed cases, then properties over random loans, limits and budgets:
an affordability offer is within the budget whenever any plan within the
limits is (checked by brute force with `validate`, not with the search), the
borrower's own interval comes first, and whatever `propose` changes of a date
or amount the borrower gave comes with a note naming the rule.
"""
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from bot.dialogue.wording import note_text
from bot.negotiation.budget import Budget, fits, intervals, largest, search, shortfall
from bot.negotiation.kinds import PLAN_KINDS, OfferKind, RequestKind
from bot.negotiation.money import minor_units, quantize, quantize_down
from bot.negotiation.notes import Note, NoteCode
from bot.negotiation.plans import Offer, Request, propose, split, validate
from bot.negotiation.schedule import gaps as schedule_gaps
from bot.negotiation.schedule import target
from tests.unit.negotiation.test_negotiation_plans import HARDSHIP, STANDARD, TODAY
from tests.unit.negotiation.test_negotiation_properties import EXAMPLES, limits, loans, requests, todays

OVER = {NoteCode.AFFORD_MIN, NoteCode.AFFORD_MAX, NoteCode.CANNOT_SPLIT}


def afford(amount, period, balance, limits=STANDARD, first=None, hardship=False):
    request = Request(RequestKind.INSTALMENT_PLAN, amount=D(amount), frequency_days=period, date=first)
    offer = propose(request, balance=D(balance), fees_and_interest=D(0), currency="KES", limits=limits,
                    today=TODAY, arrangements_so_far=0, hardship=hardship)
    assert validate(offer, balance=D(balance), fees_and_interest=D(0), currency="KES", limits=limits,
                    today=TODAY) == []
    return offer


def gaps(offer):
    """The plan's intervals as the limits count them: one day of each month is monthly (30)."""
    return schedule_gaps([i.due for i in offer.schedule])


def test_a_budget_is_the_same_money_per_day_rounded_down():
    assert Budget(D("1000"), 7).per(30, "KES") == D("4285.71")  # 4,285.714... never rounded up
    assert Budget(D("1000"), 7).per(7, "KES") == D("1000.00")
    assert Budget(D("3000"), 30).per(7, "JPY") == D("700")


def test_the_borrowers_own_interval_is_tried_first_then_the_nearest():
    assert intervals(Budget(D(1), 7), STANDARD) == [7, 14, 30]
    assert intervals(Budget(D(1), 30), STANDARD) == [30, 14, 7]
    assert intervals(Budget(D(1), 20), STANDARD) == [14, 30, 7]  # 14 and 30 are nearer than 7


def test_the_last_instalment_carries_the_remainder_and_counts():
    assert largest(D("3500.00"), 3, "KES") == D("1166.68")
    # 3,500 in 3 has a last of 1,166.68: a budget of 1,166.67 needs 4 instalments, not 3
    assert search(Budget(D("1166.67"), 7), D("3500.00"), "KES", HARDSHIP) == (4, 7)


def test_job_loss_weekly_budget_gets_the_monthly_plan_that_fits():
    # Issue 13: 1,000 a week, 13,860 owed, hardship limits (6 instalments, 120 days).
    # Weekly needs 14 payments and fortnightly 7; 4 monthly payments of 3,465 are within 4,285.71 a month.
    o = afford("1000", 7, "13860.00", limits=HARDSHIP, hardship=True)
    assert o.kind == OfferKind.HARDSHIP_PLAN and gaps(o) == {30}
    assert [i.amount for i in o.schedule] == [D("3465.00")] * 4
    assert o.schedule[0].due == TODAY + timedelta(days=14)  # within the promise window, not today
    assert fits(o, Budget(D("1000"), 7), TODAY, "KES")
    assert o.notes == (Note.of(NoteCode.BUDGET_FREQUENCY, amount=D("1000.00"), period=7, every=30,
                               budget=D("4285.71")),)


def test_a_weekly_plan_when_one_fits_the_weekly_budget():
    o = afford("1200", 7, "3500.00")
    assert gaps(o) == {7} and max(i.amount for i in o.schedule) <= D("1200") and not o.adjusted


def test_nothing_within_the_limits_fits_so_the_offer_is_not_within_budget():
    # Issue 13: 1,000 a week on 30,000 under the hardship limits: every plan is above it.
    budget = Budget(D("1000"), 7)
    o = afford("1000", 7, "30000.00", limits=HARDSHIP, hardship=True)
    assert not fits(o, budget, TODAY, "KES") and {n.code for n in o.notes} & OVER
    # the least the limits allow, per their week: 5 x 6,000 monthly (1,400 a week) beats 6 x 5,000 fortnightly
    note = shortfall(budget, D("30000.00"), "KES", HARDSHIP, TODAY)
    assert note == Note.of(NoteCode.OVER_BUDGET, amount=D("1000.00"), period=7, smallest=D("6000.00"), every=30)
    assert note_text([note], "KES") == (
        "I can't set up a plan at KES 1,000.00 every 7 days within this loan's limits: the smallest instalments "
        "I could offer are KES 6,000.00 every 30 days, which is more than you said you can pay, so I won't set "
        "that up")


def test_with_no_plan_at_all_the_shortfall_is_the_single_payment():
    no_plans = replace(STANDARD, max_instalments=1)
    note = shortfall(Budget(D("100"), 7), D("3500.00"), "KES", no_plans, TODAY)
    assert note == Note.of(NoteCode.OVER_BUDGET_SINGLE, amount=D("100.00"), period=7, smallest=D("3500.00"),
                           latest=TODAY + timedelta(days=14))


def test_a_first_date_they_gave_is_kept_or_nothing_fits():
    friday = TODAY + timedelta(days=4)
    o = afford("2000", 7, "13860.00", first=friday)  # 2 monthly of 6,930 from Friday: within 8,571.42 a month
    assert o.schedule[0].due == friday and gaps(o) == {30}
    # 1,500 a week: only 3 monthly (from today) fit, so from Friday nothing within the budget does
    o = afford("1500", 7, "13860.00", first=friday)
    assert not fits(o, Budget(D("1500"), 7), TODAY, "KES")
    assert shortfall(Budget(D("1500"), 7), D("13860.00"), "KES", STANDARD, TODAY, friday).values()["smallest"] \
        == D("6930.00")


def test_a_waiver_that_would_clear_everything_says_why_it_is_less():
    o = propose(Request(RequestKind.FEE_WAIVER), balance=D("500.00"), fees_and_interest=D("500.00"),
                currency="KES", limits=replace(HARDSHIP, max_waiver_percent=D(100)),
                today=TODAY, arrangements_so_far=0, hardship=True)
    assert o.waiver == D("499.99") and o.notes == (Note.of(NoteCode.WAIVER_LEAVES_PAYMENT, waiver=D("499.99")),)


def test_a_span_shorter_than_any_interval_is_named():
    o = propose(Request(RequestKind.INSTALMENT_PLAN, days=3), balance=D("3500.00"), fees_and_interest=D(0),
                currency="KES", limits=STANDARD, today=TODAY, arrangements_so_far=0, hardship=False)
    assert Note.of(NoteCode.PLAN_SPAN_SHORT, days=3, every=7) in o.notes


def test_a_plan_with_no_date_starts_after_today_when_any_interval_allows():
    # 3 instalments in 60 days: monthly would have to start today, so every 14 days from day 7
    o = propose(Request(RequestKind.INSTALMENT_PLAN, count=3), balance=D("13860.00"), fees_and_interest=D(0),
                currency="KES", limits=STANDARD, today=TODAY, arrangements_so_far=0, hardship=False)
    assert o.schedule[0].due > TODAY and len(o.schedule) == 3 and not o.adjusted


# --- properties -----------------------------------------------------------------------

def _any_plan_within(budget, payable, currency, lim, today):
    """Brute force, by `validate`: some plan within the limits has every instalment within the budget."""
    for every in lim.frequencies_days:
        for count in range(2, lim.max_instalments + 1):
            if int(payable.scaleb(minor_units(currency))) < count:
                break
            schedule = split(payable, count, today, every, currency)
            if max(i.amount for i in schedule) > budget.per(every, currency):
                continue
            offer = Offer(OfferKind.INSTALMENT_PLAN, schedule)
            if validate(offer, balance=payable, fees_and_interest=D(0), currency=currency, limits=lim,
                        today=today) == []:
                return True
    return False


@EXAMPLES
@given(loan=loans(), lim=limits, today=todays, per=st.integers(1, 10 ** 9), period=st.sampled_from([7, 14, 30])
       | st.integers(1, 120))
def test_affordability_is_within_budget_whenever_the_limits_allow_it(loan, lim, today, per, period):
    currency, balance, _ = loan
    budget = Budget(D(per).scaleb(-minor_units(currency)), period)
    request = Request(RequestKind.INSTALMENT_PLAN, amount=budget.amount, frequency_days=period)
    offer = propose(request, balance=balance, fees_and_interest=D(0), currency=currency, limits=lim,
                    today=today, arrangements_so_far=0, hardship=False)
    within = fits(offer, budget, today, currency)
    if _any_plan_within(budget, balance, currency, lim, today) or budget.amount >= balance:
        assert within, offer
    if not within:  # above their figure only when nothing fits, and then it says so
        assert {n.code for n in offer.notes} & OVER
    if within and offer.kind in PLAN_KINDS and offer.schedule[0].due == today:
        # a plan starting today only when no plan within the budget could start later
        assert search(budget, balance, currency, lim) is not None


@EXAMPLES
@given(loan=loans(), lim=limits, today=todays, per=st.integers(1, 10 ** 9), period=st.sampled_from([7, 14, 30]))
def test_the_borrowers_own_interval_wins_when_it_fits(loan, lim, today, per, period):
    currency, balance, _ = loan
    budget = Budget(D(per).scaleb(-minor_units(currency)), period)
    offer = propose(Request(RequestKind.INSTALMENT_PLAN, amount=budget.amount, frequency_days=period),
                    balance=balance, fees_and_interest=D(0), currency=currency, limits=lim, today=today,
                    arrangements_so_far=0, hardship=False)
    own = intervals(budget, lim)[0]
    own_only = replace(lim, frequencies_days=(own,))
    if offer.kind in PLAN_KINDS and fits(offer, budget, today, currency) \
            and search(budget, balance, currency, own_only, 1) is not None:
        assert gaps(offer) == {own}


def _changed(request, offer, today, currency, fees):
    """What of the borrower's own terms the offer does not keep (empty: all kept)."""
    out = []
    due = target(request, today)
    first, last = offer.schedule[0], offer.schedule[-1]
    plan = request.kind == RequestKind.INSTALMENT_PLAN and request.amount is None \
        or request.kind == RequestKind.FEE_WAIVER and (request.count or 1) >= 2
    if request.kind in (RequestKind.PROMISE_TO_PAY, RequestKind.DEFERRAL) \
            or request.kind == RequestKind.FEE_WAIVER and not plan:
        out += ["date"] if due is not None and last.due != due else []
    if request.kind == RequestKind.PART_PAYMENT:
        part = offer.kind == OfferKind.PART_PAYMENT
        if request.amount is not None and (not part or first.amount != quantize(request.amount, currency)):
            out.append("part")
        if due is not None and (not part or last.due != due):
            out.append("rest date")
    if plan:
        if request.count is not None and len(offer.schedule) != request.count:
            out.append("count")
        if request.frequency_days is not None and gaps(offer) != {request.frequency_days}:
            out.append("interval")
        if request.date is not None and first.due != request.date:
            out.append("first date")
        if request.days is not None and last.due > today + timedelta(days=request.days):
            out.append("span")
    if request.kind == RequestKind.INSTALMENT_PLAN and request.amount is not None:
        if not fits(offer, Budget(request.amount, request.frequency_days or 30), today, currency):
            out.append("budget")
        if request.date is not None and first.due != request.date:
            out.append("first date")
        if offer.kind in PLAN_KINDS and gaps(offer) != {request.frequency_days or 30}:
            out.append("interval")
    if request.waiver_percent and offer.waiver != quantize_down(fees * request.waiver_percent / 100, currency):
        out.append("waiver")
    return out


@EXAMPLES
@given(loan=loans(), lim=limits, today=todays, data=st.data(), hardship=st.booleans())
def test_a_date_or_amount_they_gave_is_never_changed_without_a_note(loan, lim, today, data, hardship):
    currency, balance, fees = loan
    request = data.draw(requests(today))
    offer = propose(request, balance=balance, fees_and_interest=fees, currency=currency, limits=lim,
                    today=today, arrangements_so_far=0, hardship=hardship)
    changed = _changed(request, offer, today, currency, fees)
    assert not changed or offer.notes, (changed, request, offer)
