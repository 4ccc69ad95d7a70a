"""Issue 13's offers, as the dialogue decides them: the borrower's budget and dates come first.

Each named case is one the borrowers outside the team met: a job-loss
borrower who can pay 1,000 a week, a weekly budget that a monthly plan fits,
"I can't pay today", a fee waiver dropped when the date changed, and
"500 now, the rest in two weeks".
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from bot.dialogue.move import Ask, from_dict, to_dict
from bot.dialogue.moves import Turn, decide
from bot.dialogue.offers import to_slot
from bot.dialogue.reasons import Escalation, case_reason
from bot.dialogue.wording import note_text
from bot.negotiation.budget import Budget, fits
from bot.negotiation.notes import Note, NoteCode
from bot.nlu.signals import read_signals
from tests.unit.dialogue.test_dialogue_moves import LOAN, NOW, PRODUCTS, TODAY, VERIFIED, turn

JOB_LOSS = "I lost my job, I can pay 1,000 a week"
SME = {**LOAN, "loan_id": "LN-30001", "product_code": "SME-180", "total": "40000.00",
       "accrued_interest": "3000.00", "late_fees": "1000.00"}


def with_loan(**changes) -> dict:
    return {**VERIFIED, "loan": {**LOAN, **changes}}


def said(text: str, intent: str, slots: dict, **entities) -> Turn:
    """A borrower message as the NLU reads it; `not_date` holds the dates they ruled out."""
    return Turn(intent=intent, text=text, now=NOW, slots=slots, signals=read_signals(text),
                entities={k: v if isinstance(v, list) else [v] for k, v in entities.items()})


def after(move, slots: dict, **more) -> dict:
    """The slots once the action executed `move` (as actions/negotiation.py sets them)."""
    out = {**slots, "move": to_dict(move), **more}
    if move.action == "action_ask_details":
        out.update(awaiting=move.ask.value, request_kind=move.request_kind.value)
    if move.action == "action_offer":
        extra = {"waiver_percent": str(move.request.waiver_percent)} \
            if move.offer.waiver and move.request.waiver_percent is not None else {}
        out.update(pending_offer=to_slot(move.offer, request_kind=move.request_kind.value, **extra),
                   request_kind=move.request_kind.value, awaiting=None)
    return out


def within(move, amount: str, period: int) -> bool:
    return fits(move.offer, Budget(Decimal(amount), period), TODAY, "KES")


# --- 1,000 a week after a job loss -----------------------------------------------------

def test_job_loss_1000_a_week_gets_a_monthly_plan_within_it():
    move = decide(said(JOB_LOSS, "cannot_pay", VERIFIED, amount="1000"), PRODUCTS)
    assert move.action == "action_offer" and move.offer.hardship and move.hardship_reason == "job_loss"
    assert [i.amount for i in move.offer.schedule] == [Decimal("3465.00")] * 4  # monthly, 4,285.71 a month at most
    assert within(move, "1000", 7)
    assert "spread it every 30 days, up to KES 4,285.71 each (the same as KES 1,000.00 every 7 days)" in \
        note_text(move.offer.notes, "KES")


def test_job_loss_1000_a_week_is_never_recorded_above_it_when_nothing_fits():
    # Issue 13: recorded on 2,733 a week. On 30,000 no plan within the hardship limits is within 1,000 a week.
    move = decide(said(JOB_LOSS, "cannot_pay", with_loan(total="30000.00"), amount="1000"), PRODUCTS)
    assert move.action == "action_handoff" and move.offer is None and move.escalation == Escalation.OVER_BUDGET
    assert move.notes == (Note.of(NoteCode.OVER_BUDGET, amount=Decimal("1000.00"), period=7,
                                  smallest=Decimal("6000.00"), every=30),)
    assert case_reason(move.escalation, move.detail) == (
        "no plan within the limits fits what the borrower can pay (can pay KES 1,000.00 every 7 days; "
        "the least the limits allow is KES 6,000.00 every 30 days)")
    assert "which is more than you said you can pay" in note_text(move.notes, "KES")
    assert from_dict(to_dict(move)) == move  # the notes travel to the action with the move


# --- a weekly budget and a monthly plan --------------------------------------------------

def test_weekly_budget_gets_the_monthly_plan_that_fits_not_a_weekly_one_above_it():
    move = decide(said("I can only manage 2000 a week", "cannot_pay", VERIFIED, amount="2000"), PRODUCTS)
    assert move.action == "action_offer" and not move.offer.hardship
    assert [i.amount for i in move.offer.schedule] == [Decimal("6930.00")] * 2
    assert (move.offer.schedule[1].due - move.offer.schedule[0].due).days == 30
    assert within(move, "2000", 7)  # 6,930 a month is within 8,571.42 a month


def test_a_weekly_plan_when_the_weekly_budget_fits():
    move = decide(said("I can pay 5000 a week", "cannot_pay", VERIFIED, amount="5000"), PRODUCTS)
    assert {(b.due - a.due).days for a, b in zip(move.offer.schedule, move.offer.schedule[1:])} == {7}
    assert within(move, "5000", 7) and not move.offer.adjusted


# --- "I can't pay today" ---------------------------------------------------------------

def test_i_cant_pay_today_never_gets_an_instalment_today():
    cases = [
        said("I can't pay today, I can do 2000 a week", "cannot_pay", VERIFIED, amount="2000", not_date=TODAY.isoformat()),
        said("I can't pay today, split it in 3", "request_instalments", VERIFIED, instalments=3,
             not_date=TODAY.isoformat()),
        said("I can't pay today, but 1500 a week", "cannot_pay", VERIFIED, amount="1500", not_date=TODAY.isoformat()),
        said("not today, I can pay 5000 now and the rest later", "offer_partial_payment", VERIFIED, amount="5000",
             not_date=TODAY.isoformat()),
    ]
    for t in cases:
        move = decide(t, PRODUCTS)
        assert move.offer is None or move.offer.schedule[0].due > TODAY, (t.text, move)
    # the part "now" they can't pay today becomes a question: when can they pay?
    assert decide(cases[-1], PRODUCTS).ask == Ask.DATE


def test_a_plan_that_would_start_today_asks_for_their_date_first():
    # 1,500 a week: only 3 monthly payments of 4,620 fit, and those must start today.
    t = said("I can pay 1500 a week", "cannot_pay", VERIFIED, amount="1500")
    move = decide(t, PRODUCTS)
    assert (move.action, move.ask, move.request.amount) == ("action_ask_details", Ask.DATE, Decimal("1500"))
    today = decide(said("today", "inform", after(move, VERIFIED), date=TODAY.isoformat()), PRODUCTS)
    assert today.action == "action_offer" and today.offer.schedule[0].due == TODAY  # they chose today
    assert within(today, "1500", 7)
    friday = decide(said("friday", "inform", after(move, VERIFIED), date="2026-12-04"), PRODUCTS)
    # from Friday nothing within 1,500 a week fits: said so, and a person takes over with the figures
    assert friday.action == "action_handoff" and friday.escalation == Escalation.OVER_BUDGET
    assert "KES 6,930.00 every 30 days" in friday.detail


def test_a_passed_date_is_not_silently_today():
    move = decide(said("I'll pay on the 20th", "promise_to_pay", VERIFIED, date="2026-11-20"), PRODUCTS)
    assert move.action == "action_ask_details" and move.ask == Ask.DATE


def test_today_is_the_borrowers_today():
    # 22:00 UTC on 30 Nov is already 1 Dec in Nairobi: "today" there is 1 Dec, and may be due.
    late = datetime(2026, 11, 30, 22, 0, tzinfo=timezone.utc)
    t = Turn(intent="promise_to_pay", text="I'll pay today", now=late, slots=VERIFIED,
             entities={"date": ["2026-12-01"]}, signals=read_signals("I'll pay today"))
    move = decide(t, PRODUCTS)
    assert move.action == "action_offer" and move.offer.schedule[0].due == date(2026, 12, 1)
    assert not move.offer.adjusted


def test_not_tomorrow_is_not_tomorrow():
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    move = decide(said("not tomorrow, friday", "promise_to_pay", VERIFIED, date="2026-12-04", not_date=tomorrow),
                  PRODUCTS)
    assert move.offer.schedule[0].due == date(2026, 12, 4)
    move = decide(said("not tomorrow", "promise_to_pay", VERIFIED, not_date=tomorrow), PRODUCTS)
    assert move.action == "action_ask_details" and move.ask == Ask.DATE


# --- a fee waiver kept on a date change ------------------------------------------------------

def test_fee_waiver_is_kept_when_the_date_changes():
    slots = {**VERIFIED, "loan": SME}
    first = decide(said("can you waive the fees", "request_fee_waiver", slots), PRODUCTS)
    assert first.action == "action_offer" and first.offer.waiver == Decimal("400.00")  # 10% of 4,000
    on_the_10th = date(2026, 12, 10)
    for t in (
        said("can I pay on the 10th instead", "promise_to_pay", after(first, slots), date=on_the_10th.isoformat()),
        said("no, the 10th", "deny", after(first, slots), date=on_the_10th.isoformat()),
    ):
        move = decide(t, PRODUCTS)
        assert move.action == "action_offer", (t.text, move)
        assert move.offer.waiver == Decimal("400.00") and move.offer.schedule[-1].due == on_the_10th, t.text
        assert move.offer.total == Decimal("39600.00")


def test_a_bare_no_keeps_the_waiver_on_the_next_rung():
    slots = {**VERIFIED, "loan": SME}
    first = decide(said("can you waive the fees", "request_fee_waiver", slots), PRODUCTS)
    move = decide(said("no", "deny", after(first, slots)), PRODUCTS)
    assert move.action == "action_decline_offer" and move.offer.waiver == Decimal("400.00")


# --- "500 now, the rest in two weeks" ---------------------------------------------------------

def test_500_now_the_rest_in_two_weeks():
    hardship = {**VERIFIED, "loan": {**LOAN, "total": "5000.00", "accrued_interest": "300.00", "late_fees": "0.00"},
                "hardship_reason": "illness"}  # hardship: the rest may be up to 14 days away
    t = said("500 now, the rest in two weeks", "offer_partial_payment", hardship, amount="500", duration_days=14)
    move = decide(t, PRODUCTS)
    assert move.action == "action_offer" and move.offer.kind == "part_payment" and not move.offer.adjusted
    assert [(i.due, i.amount) for i in move.offer.schedule] == [
        (TODAY, Decimal("500.00")), (TODAY + timedelta(days=14), Decimal("4500.00"))]
    # under the standard limits the rest of a part payment is due within 7 days, but a fortnight
    # after the first payment is a two-instalment plan they allow: their own dates and amounts
    standard = {**VERIFIED, "loan": {**LOAN, "total": "5000.00", "accrued_interest": "300.00", "late_fees": "0.00"}}
    move = decide(said("500 now, the rest in two weeks", "offer_partial_payment", standard, amount="500",
                       duration_days=14), PRODUCTS)
    assert move.offer.kind == "instalment_plan" and not move.offer.notes
    assert [(i.due, i.amount) for i in move.offer.schedule] == [
        (TODAY, Decimal("500.00")), (TODAY + timedelta(days=14), Decimal("4500.00"))]
    # ten days is no plan interval: the rest is moved into the window, and the rule named
    move = decide(said("500 now, the rest in ten days", "offer_partial_payment", standard, amount="500",
                       duration_days=10), PRODUCTS)
    assert move.offer.schedule[1].due == TODAY + timedelta(days=7)
    assert move.offer.notes == (Note.of(NoteCode.REST_WINDOW, days=7, latest=TODAY + timedelta(days=7)),)


def test_a_deferral_to_today_is_named_not_silently_moved():
    move = decide(turn("request_deferral", "can I move it to today", date=TODAY.isoformat()), PRODUCTS)
    assert move.offer.notes == (Note.of(NoteCode.DEFERRAL_AFTER_TODAY),)


# --- the budget refused, restated, or dated (issue 13 panel) ----------------------------

def _offered_on_budget():
    first = decide(said(JOB_LOSS, "cannot_pay", VERIFIED, amount="1000"), PRODUCTS)
    assert first.action == "action_offer" and [i.amount for i in first.offer.schedule] == [Decimal("3465.00")] * 4
    return first, after(first, {**VERIFIED, "hardship_reason": "job_loss"})


def test_the_same_budget_said_again_hands_over_with_the_figures():
    """"no. 40. not 80, not 60. forty" was answered "say it another way", then a promise of the whole."""
    _, slots = _offered_on_budget()
    move = decide(said("no. 1000. not 3465. one thousand", "nlu_fallback", slots, amount="1000"), PRODUCTS)
    assert move.action == "action_handoff" and move.escalation == Escalation.OVER_BUDGET
    assert "can pay KES 1,000.00 every 7 days" in case_reason(move.escalation, move.detail)


def test_an_unreadable_reply_with_a_new_figure_is_a_counter_offer():
    _, slots = _offered_on_budget()
    move = decide(said("hiyo ni mingi, 1500 kwa wiki", "nlu_fallback", slots, amount="1500"), PRODUCTS)
    assert move.action in ("action_offer", "action_decline_offer", "action_handoff") and move.request.amount == 1500
    assert move.request.frequency_days == 7


def test_a_start_date_keeps_the_budget_plan():
    """"can it start next friday? cant pay today" became a promise of the whole balance."""
    _, slots = _offered_on_budget()
    friday = (TODAY + timedelta(days=4)).isoformat()
    move = decide(said("can it start friday? cant pay today", "promise_to_pay", slots, date=friday), PRODUCTS)
    assert move.action == "action_offer" and len(move.offer.schedule) > 1
    assert move.offer.schedule[0].due.isoformat() == friday and within(move, "1000", 7)


def test_the_budget_survives_an_unreadable_reply():
    """"no. 40. not 80, not 60. forty" got "say it another way"; then "can it start next friday?" made a
    promise of the whole balance: the fallback had dropped the budget on the table."""
    _, slots = _offered_on_budget()
    lost = decide(said("no. forty. not that", "nlu_fallback", slots), PRODUCTS)
    assert lost.action == "action_fallback" and lost.request.amount == Decimal("1000")
    friday = (TODAY + timedelta(days=4)).isoformat()
    move = decide(said("can it start friday? cant pay today", "promise_to_pay", after(lost, slots), date=friday),
                  PRODUCTS)
    assert move.action == "action_offer" and len(move.offer.schedule) > 1 and within(move, "1000", 7)


def test_an_amount_every_friday_is_a_weekly_budget_from_their_first_friday():
    """"I fit manage 5k every Friday, start Friday 11th" (after a job loss) was read as 5k every
    30 days, found to fit nothing and handed to a person (issue 13 panel, round 2)."""
    slots = with_loan(total="13860.00")
    slots["hardship_reason"] = "job_loss"
    friday = TODAY + timedelta(days=(4 - TODAY.weekday()) % 7 + 7)
    move = decide(said("Wetin I fit manage na 5k every Friday. Make e start Friday", "offer_partial_payment",
                       slots, amount="5000", date=friday.isoformat()), PRODUCTS)
    assert move.action == "action_offer" and within(move, "5000", 7), move
    assert move.offer.schedule[0].due == friday


# --- "900 every Saturday" ---------------------------------------------------------------------

def test_a_weekday_rate_puts_the_first_payment_on_that_weekday():
    """`make run`: "I lost my job, can I pay 2000 every Friday?" got a plan starting on a Monday."""
    move = decide(said("I lost my job, can I pay 2000 every Friday?", "request_instalments", VERIFIED,
                       amount="2000"), PRODUCTS)
    assert move.action == "action_offer" and move.offer.schedule[0].due == date(2026, 12, 4)  # NOW is a Monday
    assert move.offer.schedule[0].due.weekday() == 4


def test_a_weekday_rate_on_that_weekday_starts_a_week_later_not_today():
    friday = datetime(2026, 12, 4, 9, tzinfo=timezone.utc)
    t = said("I can pay 2000 every Friday", "request_instalments", VERIFIED, amount="2000")
    move = decide(Turn(t.intent, t.text, friday, t.slots, t.entities, signals=t.signals), PRODUCTS)
    assert move.offer.schedule[0].due == date(2026, 12, 11)


def test_a_budget_no_intent_read_is_what_they_can_afford():
    """"Naeza toa 1,500 kila wiki, sio zaidi" came back as "say it another way" twice, then a hand-off."""
    move = decide(said("Naeza toa 1,500 kila wiki, sio zaidi", "nlu_fallback", VERIFIED, amount="1500"), PRODUCTS)
    assert move.action in ("action_offer", "action_ask_details", "action_handoff")
    assert move.request is not None and move.request.amount == Decimal("1500") and move.request.frequency_days == 7


def test_the_balance_quoted_back_is_not_their_budget():
    """"Siwezi lipa 9k yote mara moja. Naeza toa 1,500 kila wiki" became a promise of the whole balance."""
    text = "Siwezi lipa 13,860 yote mara moja. Naeza toa 1,500 kila wiki, sio zaidi"
    move = decide(said(text, "nlu_fallback", VERIFIED, amount=["13860", "1500"]), PRODUCTS)
    assert move.request is not None and move.request.amount == Decimal("1500") and move.request.frequency_days == 7
    assert move.offer is None or all(i.amount <= Decimal("1500") * 30 / 7 for i in move.offer.schedule)
