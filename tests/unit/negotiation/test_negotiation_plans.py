from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from bot.dialogue.wording import note_text, schedule_lines
from bot.negotiation.limits import Limits
from bot.negotiation.notes import Note, NoteCode
from bot.negotiation.plans import (
    Instalment, Offer, Request, plan_from_affordability, propose, split, validate)

TODAY = date(2026, 11, 30)  # a Monday

STANDARD = Limits(  # WALLET-30 standard, written out so the cases are hand-checkable
    max_deferral_days=14, max_instalments=3, max_plan_days=60,
    min_instalment_amounts=(("KES", D("200")), ("default", D("2"))),
    min_instalment_percent=D("10"), min_down_payment_percent=D("10"), max_waiver_percent=D("0"),
    max_arrangements=2, promise_window_days=7, frequencies_days=(7, 14, 30))
HARDSHIP = replace(
    STANDARD, max_deferral_days=30, max_instalments=6, max_plan_days=120,
    min_instalment_amounts=(("KES", D("100")), ("default", D("1"))),
    min_instalment_percent=D("5"), min_down_payment_percent=D("5"), max_waiver_percent=D("50"),
    max_arrangements=3, promise_window_days=14)


def days(n):
    return TODAY + timedelta(days=n)


def offer(request, limits=STANDARD, hardship=False, balance="3500.00", fees="500.00",
          currency="KES", arrangements=0):
    result = propose(request, balance=D(balance), fees_and_interest=D(fees), currency=currency,
                     limits=limits, today=TODAY, arrangements_so_far=arrangements, hardship=hardship)
    if result is not None:  # every offer of these tests must also pass the independent check
        assert validate(result, balance=D(balance), fees_and_interest=D(fees), currency=currency,
                        limits=limits, today=TODAY, arrangements_so_far=arrangements) == []
    return result


def said(o, currency="KES"):
    """The notes as the borrower reads them in English (config/messages.yml parts.notes)."""
    return note_text(o.notes, currency)


def codes(o):
    return [n.code for n in o.notes]


def amounts(o):
    return [i.amount for i in o.schedule]


def dues(o):
    return [i.due for i in o.schedule]


# --- split ------------------------------------------------------------------------

def test_split_remainder_on_last():
    s = split(D("3500.00"), 3, days(7), 30, "KES")
    assert [i.amount for i in s] == [D("1166.66"), D("1166.66"), D("1166.68")]
    assert [i.due for i in s] == [days(7), days(37), days(67)]
    assert sum(i.amount for i in s) == D("3500.00")


def test_split_zero_decimal_currency():
    s = split(D("10000"), 3, TODAY, 7, "JPY")
    assert [i.amount for i in s] == [D("3333"), D("3333"), D("3334")]
    assert str(s[0].amount) == "3333"


def test_split_single_and_exact():
    assert split(D("99.99"), 1, TODAY, 7, "USD") == (Instalment(TODAY, D("99.99")),)
    assert [i.amount for i in split(D("90.00"), 3, TODAY, 7, "USD")] == [D("30.00")] * 3


@pytest.mark.parametrize("balance, count, currency", [
    (D("0.02"), 3, "USD"),  # less than one cent each
    (D("2"), 3, "JPY"),
    (D("10.005"), 2, "USD"),  # not payable in cents: refuse rather than change the debt
    (D("0"), 1, "USD"),
])
def test_split_refuses_impossible(balance, count, currency):
    with pytest.raises(ValueError):
        split(balance, count, TODAY, 7, currency)


def test_split_refuses_float():
    with pytest.raises(TypeError):
        split(3500.0, 3, TODAY, 7, "KES")


# --- propose: each request kind ------------------------------------------------------

def test_deferral_beyond_limit_comes_back_at_the_limit():
    o = offer(Request("deferral", days=60))
    assert o.kind == "deferral" and dues(o) == [days(14)] and amounts(o) == [D("3500.00")]
    assert o.adjusted and "the longest deferral I can offer is 14 days" in said(o)
    assert o.notes == (Note.of(NoteCode.DEFERRAL_MAX, days=14, latest=days(14)),)
    assert said(o) == "the longest deferral I can offer is 14 days, to Mon 14 Dec 2026"


def test_deferral_within_limit_is_accepted_as_asked():
    o = offer(Request("deferral", date=days(10)))
    assert dues(o) == [days(10)] and not o.adjusted and o.notes == ()


def test_deferral_not_allowed_becomes_promise():
    o = offer(Request("deferral", days=10), limits=replace(STANDARD, max_deferral_days=0))
    assert o.kind == "promise_to_pay" and dues(o) == [days(7)] and o.adjusted
    assert codes(o) == [NoteCode.NO_DEFERRAL]
    assert said(o) == "I can't move the due date on this loan, but you can promise a date"


def test_promise_beyond_the_window_keeps_its_date_as_a_deferral_when_the_limits_allow():
    """"All of it on the 18th, when my wages come": moved to the window's edge, the payday was
    broken before it was agreed (issue 13 panel); a deferral within its own limit keeps the date."""
    o = offer(Request("promise_to_pay", date=days(10)))
    assert o.kind == "deferral" and dues(o) == [days(10)] and not o.adjusted
    o = offer(Request("promise_to_pay", date=days(20)))
    assert o.kind == "deferral" and dues(o) == [days(14)] and codes(o) == [NoteCode.DEFERRAL_MAX]


def test_promise_beyond_window_goes_to_window_edge_when_no_deferral_reaches_further():
    o = offer(Request("promise_to_pay", date=days(20)), limits=replace(STANDARD, max_deferral_days=7))
    assert o.kind == "promise_to_pay" and dues(o) == [days(7)]
    assert o.adjusted and "within 7 days" in said(o) and "Mon 7 Dec 2026" in said(o)


def test_promise_in_the_past_becomes_today():
    o = offer(Request("promise_to_pay", date=days(-3)))
    assert dues(o) == [TODAY] and o.adjusted


def test_promise_inside_window_unchanged():
    o = offer(Request("promise_to_pay", date=days(5)))
    assert dues(o) == [days(5)] and not o.adjusted and o.waiver == 0


def test_twelve_instalments_asked_three_allowed():
    o = offer(Request("instalment_plan", count=12))
    assert o.kind == "instalment_plan" and len(o.schedule) == 3
    assert amounts(o) == [D("1166.66"), D("1166.66"), D("1166.68")]
    assert o.adjusted and "the most instalments I can offer is 3" in said(o)
    assert Note.of(NoteCode.PLAN_MAX_COUNT, count=3) in o.notes


def test_three_monthly_instalments_fit_within_plan_days():
    o = offer(Request("instalment_plan", count=3, frequency_days=30))
    assert dues(o) == [TODAY, days(30), days(60)] and not o.adjusted


def test_a_monthly_plan_from_their_payday_keeps_that_day_of_each_month():
    # "I get paid on the 15th": 15 Dec, 15 Jan (31 days), not 15 Dec, 14 Jan (issue 13 panel)
    payday = date(2026, 12, 5)
    o = offer(Request("instalment_plan", count=2, frequency_days=30, date=payday))
    assert dues(o) == [payday, date(2027, 1, 5)] and not o.adjusted
    hardship = offer(Request("instalment_plan", count=4, frequency_days=30, date=date(2026, 12, 10)),
                     limits=HARDSHIP, hardship=True)
    assert dues(hardship) == [date(2026, 12, 10), date(2027, 1, 10), date(2027, 2, 10), date(2027, 3, 10)]


def test_a_monthly_plan_whose_longer_months_pass_the_plan_limit_is_every_30_days():
    # 3 monthly from 7 Dec: 7 Feb is 69 days away, past max_plan_days 60 -> the first moves and the
    # plan runs every 30 days within the limit, as before
    o = offer(Request("instalment_plan", count=3, frequency_days=30, date=days(7)))
    assert dues(o)[-1] <= days(60) and {(b - a).days for a, b in zip(dues(o), dues(o)[1:])} == {30}


def test_the_last_day_of_a_month_stays_the_last_day():
    from bot.negotiation.schedule import add_months, gaps
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
    assert gaps([date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31)]) == {30}
    assert gaps([date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 28)]) == {28}
    assert gaps([date(2026, 12, 1), date(2026, 12, 31)]) == {30}  # every 30 days stays allowed


def test_weekly_plan_starts_after_one_interval():
    o = offer(Request("instalment_plan", count=3, frequency_days=7))
    assert dues(o) == [days(7), days(14), days(21)] and not o.adjusted


def test_plan_first_date_is_clamped_to_today_and_window():
    past = offer(Request("instalment_plan", count=2, frequency_days=14, date=days(-1)))
    assert dues(past) == [TODAY, days(14)] and past.adjusted and "has passed" in said(past)
    late = offer(Request("instalment_plan", count=2, frequency_days=14, date=days(10)))
    assert dues(late) == [days(7), days(21)] and "within 7 days" in said(late)
    asked = offer(Request("instalment_plan", count=2, frequency_days=14, date=days(3)))
    assert dues(asked) == [days(3), days(17)] and not asked.adjusted


def test_plan_span_asked_by_borrower_is_respected():
    o = offer(Request("instalment_plan", days=30))  # "over a month": 3 instalments 14 days apart
    assert dues(o)[-1] <= days(30) and len(o.schedule) == 3
    far = offer(Request("instalment_plan", days=200))
    assert far.adjusted and "the longest plan I can offer is 60 days" in said(far)


def test_unsupported_frequency_goes_to_nearest():
    o = offer(Request("instalment_plan", count=2, frequency_days=10))
    assert dues(o)[1] - dues(o)[0] == timedelta(days=7)  # 7 is nearer to 10 than 14
    assert o.adjusted and "every 7, 14 or 30 days" in said(o)
    assert o.notes == (Note.of(NoteCode.FREQUENCY_USED, allowed=(7, 14, 30), every=7),)
    assert said(o) == "instalments can be every 7, 14 or 30 days, so I've used every 7 days"


def test_min_instalment_forces_fewer_instalments():
    roomy = replace(STANDARD, max_instalments=12, max_plan_days=365)
    o = offer(Request("instalment_plan", count=12), limits=roomy, balance="1000.00", fees="0.00")
    assert len(o.schedule) == 5 and amounts(o) == [D("200.00")] * 5  # KES 200 floor
    assert o.adjusted and "at least KES 200.00" in said(o)


def test_reason_names_the_binding_cap():
    roomy = replace(STANDARD, max_instalments=6, max_plan_days=365)
    o = offer(Request("instalment_plan", count=12), limits=roomy, balance="1000.00", fees="0.00")
    assert len(o.schedule) == 5 and "at least KES 200.00, so the most is 5" in said(o)
    assert Note.of(NoteCode.INSTALMENT_MIN, amount=D("200.00"), count=5) in o.notes


def test_no_interval_fitting_the_longest_plan_says_how_many():
    short = replace(STANDARD, max_plan_days=45, frequencies_days=(30,))
    o = offer(Request("instalment_plan", count=3), limits=short)
    assert len(o.schedule) == 2 and o.notes == (Note.of(NoteCode.PLAN_MAX_DAYS_COUNT, days=45, count=2, every=30),)
    assert said(o) == "the longest plan I can offer is 45 days, so 2 instalments every 30 days"


def test_balance_too_small_for_any_plan_gets_single_payment():
    o = offer(Request("instalment_plan", count=3), balance="300.00", fees="0.00")
    assert o.kind == "deferral" and amounts(o) == [D("300.00")] and dues(o) == [days(14)]
    assert o.adjusted and "can't split" in said(o)


def test_hardship_widens_the_same_request():
    asked = Request("instalment_plan", count=6, frequency_days=14)
    std = offer(asked)
    hard = offer(asked, limits=HARDSHIP, hardship=True)
    assert len(std.schedule) == 3 and std.kind == "instalment_plan"
    assert len(hard.schedule) == 6 and hard.kind == "hardship_plan" and hard.hardship
    assert not hard.adjusted
    assert offer(Request("deferral", days=30), limits=HARDSHIP, hardship=True).schedule[0].due == days(30)


def test_max_arrangements_reached_means_a_person():
    assert offer(Request("deferral", days=5), arrangements=2) is None
    assert offer(Request("deferral", days=5), arrangements=1) is not None
    assert offer(Request("deferral", days=5), limits=HARDSHIP, hardship=True, arrangements=2) is not None


def test_part_payment_below_down_payment_is_raised():
    o = offer(Request("part_payment", amount=D("100"), date=days(5)))
    assert o.kind == "part_payment" and dues(o) == [TODAY, days(5)]
    assert amounts(o) == [D("350.00"), D("3150.00")]
    assert o.adjusted and "at least KES 350.00" in said(o)


def test_part_payment_as_asked():
    o = offer(Request("part_payment", amount=D("1000")))
    assert amounts(o) == [D("1000.00"), D("2500.00")] and dues(o) == [TODAY, days(7)]
    assert not o.adjusted


def test_part_payment_of_everything_is_pay_in_full():
    o = offer(Request("part_payment", amount=D("5000")))
    assert o.kind == "pay_in_full" and amounts(o) == [D("3500.00")] and dues(o) == [TODAY]


def test_fee_waiver_refused_under_standard_but_nearest_offer_given():
    o = offer(Request("fee_waiver"))
    assert o.kind == "promise_to_pay" and o.waiver == 0 and amounts(o) == [D("3500.00")]
    assert o.adjusted and "can't waive" in said(o)


def test_fee_waiver_clamped_under_hardship():
    o = offer(Request("fee_waiver", waiver_percent=D("80")), limits=HARDSHIP, hardship=True)
    assert o.waiver == D("250.00") and amounts(o) == [D("3250.00")]
    assert o.adjusted and "the most I can waive is 50%" in said(o)
    assert o.notes == (Note.of(NoteCode.WAIVER_CAPPED, percent=D("50"), waiver=D("250.00")),)
    assert said(o) == "the most I can waive is 50% of the fees and interest (KES 250.00)"


def test_fee_waiver_within_limit_on_a_plan():
    o = offer(Request("fee_waiver", waiver_percent=D("20"), count=2, frequency_days=14),
              limits=HARDSHIP, hardship=True)
    assert o.kind == "hardship_plan" and o.waiver == D("100.00")
    assert sum(amounts(o)) == D("3400.00") and not o.adjusted


def test_jpy_plan_has_whole_yen():
    o = offer(Request("instalment_plan", count=3, frequency_days=30), balance="10000", fees="0",
              currency="JPY")
    assert amounts(o) == [D("3333"), D("3333"), D("3334")]


def test_unquantized_balance_is_refused():
    with pytest.raises(ValueError, match="minor units"):
        offer(Request("deferral"), balance="10.5", fees="0", currency="JPY")


@pytest.mark.parametrize("kwargs", [
    dict(kind="refinance"), dict(kind="deferral", days=-1), dict(kind="instalment_plan", count=0),
    dict(kind="part_payment", amount=D("-5")), dict(kind="part_payment", amount=5.0),
    dict(kind="fee_waiver", waiver_percent=D("101")),
])
def test_bad_requests_are_refused(kwargs):
    with pytest.raises(ValueError):
        Request(**kwargs)


# --- affordability ----------------------------------------------------------------

def afford(amount, period, limits=STANDARD, balance="3500.00", hardship=False, currency="KES"):
    o = plan_from_affordability(D(amount), period, balance=D(balance), currency=currency, limits=limits,
                                today=TODAY, hardship=hardship)
    assert validate(o, balance=D(balance), fees_and_interest=D(0), currency=currency, limits=limits,
                    today=TODAY) == []
    return o


def test_affordability_that_fits():
    o = afford("1200", 7)  # ceil(3500 / 1200) = 3 weekly
    assert len(o.schedule) == 3 and dues(o) == [days(7), days(14), days(21)]
    assert max(amounts(o)) <= D("1200") and not o.adjusted


def test_affordability_weekly_budget_gets_a_longer_interval_within_it():
    # 400 a week needs 9 weekly instalments (max 6), but 800 every 14 days fits 5 fortnightly ones.
    o = afford("400", 7, limits=HARDSHIP, hardship=True)
    assert o.kind == "hardship_plan" and amounts(o) == [D("700.00")] * 5
    assert dues(o) == [days(14 * k) for k in range(1, 6)]
    assert o.notes == (Note.of(NoteCode.BUDGET_FREQUENCY, amount=D("400.00"), period=7, every=14,
                               budget=D("800.00")),)
    assert said(o) == ("paying KES 400.00 every 7 days can't clear this balance within the limits, so I've "
                       "spread it every 14 days, up to KES 800.00 each (the same as KES 400.00 every 7 days)")


def test_affordability_needs_more_than_allowed_says_so():
    weekly_only = replace(HARDSHIP, frequencies_days=(7,))
    o = afford("400", 7, limits=weekly_only, hardship=True)  # needs 9 weeks, max 6 instalments
    assert o.kind == "hardship_plan" and len(o.schedule) == 6
    assert amounts(o) == [D("583.33")] * 5 + [D("583.35")]
    assert o.adjusted and "would take 9 instalments" in said(o) and "583.33" in said(o)
    assert said(o) == ("paying KES 400.00 every 7 days would take 9 instalments, but the most I can offer is "
                       "6 instalments every 7 days, so each is about KES 583.33")


def test_affordability_below_floor_says_so():
    o = afford("100", 30, balance="1000.00", limits=replace(STANDARD, max_plan_days=365, max_instalments=12))
    assert len(o.schedule) == 5 and "at least KES 200.00" in said(o)


def test_affordability_period_not_allowed_is_rescaled():
    o = afford("3000", 60, limits=replace(STANDARD, max_plan_days=90))
    # 60 days is not allowed: 30 days is nearest, so KES 1,500 a month -> 3 monthly
    assert o.adjusted and "KES 1,500.00 every 30 days" in said(o)
    assert len(o.schedule) == 3 and dues(o)[1] - dues(o)[0] == timedelta(days=30)


def test_affordability_covering_everything_is_a_promise():
    o = afford("5000", 7)
    assert o.kind == "promise_to_pay" and dues(o) == [days(7)] and not o.adjusted


def test_affordability_through_propose_keeps_waiver():
    o = offer(Request("instalment_plan", amount=D("600"), frequency_days=7, waiver_percent=D("50")),
              limits=HARDSHIP, hardship=True)
    assert o.waiver == D("250.00") and sum(amounts(o)) == D("3250.00") and len(o.schedule) == 6


# --- validate catches each limit by name ---------------------------------------------

def errors(o, limits=STANDARD, balance="3500.00", fees="500.00", arrangements=0):
    return validate(o, balance=D(balance), fees_and_interest=D(fees), currency="KES", limits=limits,
                    today=TODAY, arrangements_so_far=arrangements)


def names(errs):
    return {e.split(":")[0] for e in errs}


def plan(*pairs, kind="instalment_plan", **kw):
    return Offer(kind, tuple(Instalment(days(d), D(a)) for d, a in pairs), **kw)


def test_validate_accepts_good_plan():
    assert errors(plan((0, "1166.66"), (30, "1166.66"), (60, "1166.68"))) == []


@pytest.mark.parametrize("bad, name", [
    (plan((0, "1000.00"), (30, "1000.00"), (60, "1000.00")), "sum"),
    (plan((0, "1750.00"), (0, "1750.00")), "dates"),
    (plan((-1, "1750.00"), (29, "1750.00")), "first_due"),
    (plan((0, "875.00"), (7, "875.00"), (14, "875.00"), (21, "875.00")), "max_instalments"),
    (plan((7, "1750.00"), (67, "1750.00")), "max_plan_days"),
    (plan((7, "1750.00"), (17, "1750.00")), "frequencies_days"),
    (plan((7, "1000.00"), (14, "1000.00"), (28, "1500.00")), "frequencies_days"),
    (plan((10, "1750.00"), (24, "1750.00")), "promise_window_days"),
    (plan((0, "300.00"), (30, "3200.00")), "min_down_payment_percent"),
    (plan((0, "300.00"), (30, "3200.00")), "min_instalment_percent"),
    (plan((0, "3300.00"), (30, "150.00"), (60, "50.00")), "min_instalment_amount"),
    (plan((0, "1750.005"), (30, "1749.995")), "amount"),
    (plan((0, "1750.00"), (30, "1750.00"), kind="hardship_plan"), "hardship"),
    (plan((20, "3500.00"), kind="promise_to_pay"), "promise_window_days"),
    (plan((15, "3500.00"), kind="deferral"), "max_deferral_days"),
    (plan((5, "3500.00"), (6, "0.00"), kind="deferral"), "schedule"),
    (plan((0, "100.00"), (7, "3400.00"), kind="part_payment"), "min_down_payment_percent"),
    (plan((0, "1000.00"), (8, "2500.00"), kind="part_payment"), "promise_window_days"),
    (plan((0, "3400.00"), kind="promise_to_pay", waiver=D("100.00")), "max_waiver_percent"),
    (plan(kind="promise_to_pay"), "schedule"),
])
def test_validate_names_the_broken_limit(bad, name):
    assert name in names(errors(bad))


def test_validate_max_arrangements_but_not_for_pay_in_full():
    promise = plan((3, "3500.00"), kind="promise_to_pay")
    assert names(errors(promise, arrangements=2)) == {"max_arrangements"}
    assert errors(plan((0, "3500.00"), kind="pay_in_full"), arrangements=2) == []


def test_validate_waiver_within_hardship_limit():
    o = plan((3, "3250.00"), kind="promise_to_pay", waiver=D("250.00"), hardship=True)
    assert errors(o, limits=HARDSHIP) == []
    assert "max_waiver_percent" in names(errors(o, limits=STANDARD))


def test_validate_lists_every_violation():
    bad = plan((-1, "100.00"), (1, "100.00"), (2, "100.00"), (3, "100.00"))
    assert {"sum", "first_due", "max_instalments", "min_instalment_amount",
            "min_down_payment_percent", "frequencies_days"} <= names(errors(bad))


# --- schedule lines (worded by bot/dialogue/wording.py) --------------------------------

def test_describe_lines():
    o = Offer("instalment_plan", split(D("3500.00"), 3, date(2026, 12, 4), 7, "KES"))
    assert schedule_lines(o, "KES") == ["1. Fri 4 Dec 2026: KES 1,166.66", "2. Fri 11 Dec 2026: KES 1,166.66",
                                  "3. Fri 18 Dec 2026: KES 1,166.68"]
    assert schedule_lines(Offer("pay_in_full", (Instalment(TODAY, D("12000")),)), "JPY") == [
        "1. Mon 30 Nov 2026: JPY 12,000"]
