"""Payment allocation to instalments (issue 14): worked examples and hypothesis properties."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.records.allocation import (
    Instalment,
    InstalmentState,
    Paid,
    allocate,
    arrangement_outcome,
    newly_missed,
    surplus,
)

D = Decimal
JAN = date(2025, 1, 1)
GRACE = 3


def schedule3() -> list[Instalment]:
    return [Instalment(seq=i + 1, due=JAN + timedelta(days=30 * i + 9), amount=D("100.00")) for i in range(3)]


def paid_and_states(states: list[InstalmentState]) -> list[tuple[Decimal, str]]:
    return [(s.paid, s.state) for s in states]


# --- examples -----------------------------------------------------------------------------------

def test_exact_part_payment_then_completion():
    today = date(2025, 1, 5)
    first = [Paid("P1", D("40.00"), date(2025, 1, 3))]
    assert paid_and_states(allocate(schedule3(), first, today, GRACE)) == [
        (D("40.00"), "part_paid"), (D("0"), "due"), (D("0"), "due")]
    both = first + [Paid("P2", D("60.00"), date(2025, 1, 5))]
    states = allocate(schedule3(), both, today, GRACE)
    assert paid_and_states(states) == [(D("100.00"), "paid"), (D("0"), "due"), (D("0"), "due")]
    assert [s.paid_in_full_on for s in states] == [date(2025, 1, 5), None, None]
    assert surplus(schedule3(), both) == D("0")


def test_overpayment_flows_to_next_instalment_and_beyond_the_schedule():
    states = allocate(schedule3(), [Paid("P1", D("150.00"), date(2025, 1, 4))], date(2025, 1, 4), GRACE)
    assert paid_and_states(states) == [(D("100.00"), "paid"), (D("50.00"), "part_paid"), (D("0"), "due")]
    assert states[0].paid_in_full_on == date(2025, 1, 4) and states[1].paid_in_full_on is None
    big = [Paid("P1", D("150.00"), date(2025, 1, 4)), Paid("P2", D("200.01"), date(2025, 1, 6))]
    states = allocate(schedule3(), big, date(2025, 1, 6), GRACE)
    assert [s.state for s in states] == ["paid", "paid", "paid"]
    assert [s.paid_in_full_on for s in states] == [date(2025, 1, 4), date(2025, 1, 6), date(2025, 1, 6)]
    assert surplus(schedule3(), big) == D("50.01")


def test_payments_apply_in_date_order_not_input_order():
    pays = [Paid("LATE", D("100.00"), date(2025, 1, 8)), Paid("EARLY", D("100.00"), date(2025, 1, 2))]
    states = allocate(schedule3(), pays, date(2025, 1, 8), GRACE)
    assert [s.paid_in_full_on for s in states] == [date(2025, 1, 2), date(2025, 1, 8), None]


def test_grace_boundary_states_and_outcome():
    one = [Instalment(1, date(2025, 1, 10), D("100.00"))]
    last_grace_day = date(2025, 1, 13)
    for today, state, outcome in [(date(2025, 1, 10), "due", "pending"), (last_grace_day, "due", "pending"),
                                  (date(2025, 1, 14), "missed", "broken")]:
        states = allocate(one, [], today, GRACE)
        assert states[0].state == state
        assert arrangement_outcome(states, today, GRACE) == outcome
    part = allocate(one, [Paid("P1", D("10.00"), date(2025, 1, 9))], date(2025, 1, 14), GRACE)
    assert (part[0].paid, part[0].state) == (D("10.00"), "missed")
    on_time = allocate(one, [Paid("P1", D("100.00"), last_grace_day)], date(2025, 2, 1), GRACE)
    assert on_time[0].state == "paid" and arrangement_outcome(on_time, date(2025, 2, 1), GRACE) == "kept"


def test_payment_after_grace_pays_the_instalment_but_breaks_the_arrangement():
    one = [Instalment(1, date(2025, 1, 10), D("100.00")), Instalment(2, date(2025, 2, 10), D("100.00"))]
    late = [Paid("P1", D("200.00"), date(2025, 1, 14))]
    states = allocate(one, late, date(2025, 1, 14), GRACE)
    assert [s.state for s in states] == ["paid", "paid"]
    assert states[0].paid_in_full_on == date(2025, 1, 14)
    assert arrangement_outcome(states, date(2025, 1, 14), GRACE) == "broken"
    early = allocate(one, [Paid("P1", D("200.00"), date(2025, 1, 13))], date(2025, 1, 14), GRACE)
    assert arrangement_outcome(early, date(2025, 1, 14), GRACE) == "kept"


def test_outcome_is_pending_while_later_instalments_are_open():
    pays = [Paid("P1", D("100.00"), date(2025, 1, 9))]
    states = allocate(schedule3(), pays, date(2025, 1, 20), GRACE)
    assert arrangement_outcome(states, date(2025, 1, 20), GRACE) == "pending"


def test_reversal_reopens_what_the_payment_had_paid():
    pays = [Paid("P1", D("100.00"), date(2025, 1, 3)), Paid("P2", D("130.00"), date(2025, 1, 4))]
    before = allocate(schedule3(), pays, date(2025, 1, 20), GRACE)
    assert paid_and_states(before) == [(D("100.00"), "paid"), (D("100.00"), "paid"), (D("30.00"), "part_paid")]
    charged_back = pays + [Paid("R1", D("100.00"), date(2025, 1, 20), reverses="P1")]
    after = allocate(schedule3(), charged_back, date(2025, 1, 20), GRACE)
    assert paid_and_states(after) == [(D("100.00"), "paid"), (D("30.00"), "part_paid"), (D("0"), "due")]
    assert after[0].paid_in_full_on == date(2025, 1, 4)
    # The first instalment's grace ended on 13 Jan: with P2 alone it was paid in time after all.
    assert arrangement_outcome(after, date(2025, 1, 20), GRACE) == "pending"
    only_p1 = [pays[0], Paid("R1", D("100.00"), date(2025, 1, 20), reverses="P1")]
    reopened = allocate(schedule3(), only_p1, date(2025, 1, 20), GRACE)
    assert paid_and_states(reopened)[0] == (D("0"), "missed") and reopened[0].paid_in_full_on is None
    assert arrangement_outcome(reopened, date(2025, 1, 20), GRACE) == "broken"


def test_newly_missed_lists_only_the_transitions():
    pays = [Paid("P1", D("150.00"), date(2025, 1, 3))]
    before = allocate(schedule3(), pays, date(2025, 2, 12), GRACE)
    after = allocate(schedule3(), pays, date(2025, 3, 20), GRACE)
    assert [s.state for s in before] == ["paid", "part_paid", "due"]
    assert [s.state for s in after] == ["paid", "missed", "missed"]
    assert newly_missed(before, after) == [2, 3]
    assert newly_missed(after, after) == []


@pytest.mark.parametrize("payments, message", [
    ([Paid("P1", D("10.00"), JAN), Paid("P1", D("20.00"), JAN)], "duplicate payment reference 'P1'"),
    ([Paid("P1", D("0.00"), JAN)], "non-positive amount"),
    ([Paid("P1", D("-5.00"), JAN)], "non-positive amount"),
    ([Paid("R1", D("10.00"), JAN, reverses="NOPE")], "unknown payment 'NOPE'"),
    ([Paid("P1", D("10.00"), JAN), Paid("R1", D("10.00"), JAN, reverses="P1"),
      Paid("R2", D("10.00"), JAN, reverses="P1")], "'P1' is reversed twice"),
    ([Paid("P1", D("10.00"), JAN), Paid("R1", D("10.00"), JAN, reverses="P1"),
      Paid("R2", D("10.00"), JAN, reverses="R1")], "names another reversal 'R1'"),
    ([Paid("P1", D("10.00"), JAN), Paid("R1", D("9.00"), JAN, reverses="P1")], "differs from payment 'P1'"),
])
def test_inconsistent_payments_raise(payments, message):
    with pytest.raises(ValueError, match=message):
        allocate(schedule3(), payments, JAN, GRACE)
    with pytest.raises(ValueError, match=message):
        surplus(schedule3(), payments)


def test_non_positive_instalment_raises():
    with pytest.raises(ValueError, match="instalment 2 has non-positive amount"):
        allocate([Instalment(1, JAN, D("1.00")), Instalment(2, JAN, D("0.00"))], [], JAN, GRACE)


# --- properties ---------------------------------------------------------------------------------

cents = st.integers(min_value=1, max_value=50_000).map(lambda c: D(c) / 100)


@st.composite
def schedules(draw) -> list[Instalment]:
    amounts = draw(st.lists(cents, min_size=1, max_size=6))
    gaps = draw(st.lists(st.integers(0, 40), min_size=len(amounts), max_size=len(amounts)))
    due, out = JAN, []
    for seq, (amount, gap) in enumerate(zip(amounts, gaps), start=1):
        due += timedelta(days=gap)
        out.append(Instalment(seq, due, amount))
    return out


@st.composite
def payment_lists(draw, min_size: int = 0, distinct_dates: bool = False) -> list[Paid]:
    days = st.integers(0, 200)
    offsets = draw(st.lists(days, min_size=min_size, max_size=8, unique=distinct_dates))
    return [Paid(f"P{i}", draw(cents), JAN + timedelta(days=d)) for i, d in enumerate(offsets)]


todays = st.integers(0, 260).map(lambda d: JAN + timedelta(days=d))
graces = st.integers(0, 10)


@settings(max_examples=200, deadline=None)
@given(schedules(), payment_lists(), todays, graces)
def test_allocations_sum_and_surplus_make_up_total_paid(schedule, payments, today, grace):
    states = allocate(schedule, payments, today, grace)
    total_paid = sum((p.amount for p in payments), D(0))
    total_due = sum((i.amount for i in schedule), D(0))
    allocated = sum((s.paid for s in states), D(0))
    assert allocated == min(total_paid, total_due)
    assert surplus(schedule, payments) == total_paid - allocated


@settings(max_examples=200, deadline=None)
@given(schedules(), payment_lists(), todays, graces)
def test_oldest_first_fill_never_overpays(schedule, payments, today, grace):
    states = allocate(schedule, payments, today, grace)
    assert [s.seq for s in states] == [i.seq for i in schedule]
    for i, s in enumerate(states):
        assert D(0) <= s.paid <= s.amount
        assert (s.paid_in_full_on is not None) == (s.paid == s.amount) == (s.state == "paid")
        if s.paid > 0:  # only touched once every earlier instalment is full
            assert all(e.paid == e.amount for e in states[:i])
        if s.state == "part_paid":
            assert today <= s.due + timedelta(days=grace)


@settings(max_examples=200, deadline=None)
@given(schedules(), payment_lists())
def test_paid_in_full_on_is_when_the_running_total_first_covers_it(schedule, payments):
    states = allocate(schedule, payments, JAN, 0)
    needed = D(0)
    for s in states:
        needed += s.amount
        covering = [d for d in sorted({p.paid_on for p in payments})
                    if sum((p.amount for p in payments if p.paid_on <= d), D(0)) >= needed]
        assert s.paid_in_full_on == (covering[0] if covering else None)


@settings(max_examples=200, deadline=None)
@given(schedules(), payment_lists(min_size=1), st.data(), todays, graces)
def test_reversal_gives_exactly_the_state_without_that_payment(schedule, payments, data, today, grace):
    victim = data.draw(st.sampled_from(payments))
    reversal = Paid("REV", victim.amount, data.draw(todays), reverses=victim.reference)
    at = data.draw(st.integers(0, len(payments)))
    with_reversal = payments[:at] + [reversal] + payments[at:]
    without = [p for p in payments if p is not victim]
    assert allocate(schedule, with_reversal, today, grace) == allocate(schedule, without, today, grace)
    assert surplus(schedule, with_reversal) == surplus(schedule, without)


@settings(max_examples=200, deadline=None)
@given(schedules(), payment_lists(distinct_dates=True), st.randoms(use_true_random=False), todays, graces)
def test_input_order_of_payments_on_different_dates_does_not_matter(schedule, payments, rnd, today, grace):
    shuffled = list(payments)
    rnd.shuffle(shuffled)
    assert allocate(schedule, shuffled, today, grace) == allocate(schedule, payments, today, grace)
    assert surplus(schedule, shuffled) == surplus(schedule, payments)


@settings(max_examples=200, deadline=None)
@given(schedules(), payment_lists(), todays, graces)
def test_outcome_matches_its_definition(schedule, payments, today, grace):
    states = allocate(schedule, payments, today, grace)
    outcome = arrangement_outcome(states, today, grace)
    g = timedelta(days=grace)
    on_time = [s.paid_in_full_on is not None and s.paid_in_full_on <= s.due + g for s in states]
    late = [today > s.due + g and not ok for s, ok in zip(states, on_time)]
    assert outcome == ("broken" if any(late) else "kept" if all(on_time) else "pending")
    if any(s.state == "missed" for s in states):
        assert outcome == "broken"
