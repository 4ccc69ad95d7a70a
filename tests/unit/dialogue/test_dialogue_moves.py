"""The dialogue's decisions, without Rasa: bot.dialogue.moves.decide on hand-made turns."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from bot.dialogue.moves import Turn, decide, turn_from_parse
from bot.dialogue.wording import note_text
from bot.negotiation.limits import load_products
from bot.negotiation.notes import Note, NoteCode
from bot.nlu.signals import hardship_reason, read_signals
from bot.settings import ROOT

PRODUCTS = load_products(ROOT / "config" / "products.yml")
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
TODAY = date(2026, 11, 30)  # Africa/Nairobi at 09:00 UTC
LOAN = {
    "loan_id": "LN-20931", "borrower_id": "BR-1001", "currency": "KES", "total": "13860.00",
    "outstanding_principal": "12500.00", "accrued_interest": "860.00", "late_fees": "500.00",
    "due_date": "2026-11-12", "days_overdue": 18, "product_code": "WALLET-30", "status": "overdue",
    "jurisdiction": "KE", "timezone": "Africa/Nairobi", "arrangements_count": 0,
}
VERIFIED = {"verified": True, "loan_id": "LN-20931", "loan": LOAN}


def turn(intent: str, text: str = "", slots: dict | None = None, **entities) -> Turn:
    # The signals are what the NLU reads in the text (bot/nlu/signals.py); decide reads only them.
    return Turn(intent=intent, text=text or intent, now=NOW, slots=slots if slots is not None else VERIFIED,
                entities={k: [v] for k, v in entities.items()}, signals=read_signals(text or intent))


def test_nothing_about_the_debt_before_verification():
    assert decide(turn("ask_balance", slots={}), PRODUCTS).action == "action_ask_identity"
    assert decide(turn("request_instalments", slots={}), PRODUCTS).action == "action_ask_identity"
    assert decide(turn("greet", slots={}), PRODUCTS).action == "action_greet"


def test_identity_details_go_to_verification_whatever_the_intent():
    assert decide(turn("provide_identity", slots={}), PRODUCTS).action == "action_verify"
    assert decide(turn("greet", slots={}, loan_reference="LN-20931"), PRODUCTS).action == "action_verify"
    # Locked or not, an identity attempt reaches action_verify: the records decide whether it is refused.
    locked = {"verify_locked": True}
    assert decide(turn("provide_identity", slots=locked), PRODUCTS).action == "action_verify"
    assert decide(turn("ask_balance", slots=locked), PRODUCTS).action == "action_verification_locked"


@pytest.mark.parametrize("verified", [True, False])
def test_self_harm_always_goes_to_a_person(verified):
    slots = VERIFIED if verified else {}
    t = Turn(intent="request_deferral", text="i want to end it all", now=NOW, slots=slots, self_harm=True)
    assert decide(t, PRODUCTS).action == "action_vulnerability"


def test_instalments_within_limits_are_offered_as_asked():
    move = decide(turn("request_instalments", "can I split it into 3 payments", instalments=3), PRODUCTS)
    assert move.action == "action_offer" and not move.offer.adjusted
    assert len(move.offer.schedule) == 3
    assert sum(i.amount for i in move.offer.schedule) == Decimal("13860.00")


def test_too_many_instalments_get_the_nearest_allowed_plan():
    move = decide(turn("request_instalments", "12 payments please", instalments=12), PRODUCTS)
    most = PRODUCTS["WALLET-30"].standard.max_instalments
    assert move.action == "action_offer" and move.offer.adjusted
    assert Note.of(NoteCode.PLAN_MAX_COUNT, count=most) in move.offer.notes
    assert f"the most instalments I can offer is {most}" in note_text(move.offer.notes, "KES")
    assert len(move.offer.schedule) == most


def test_long_deferral_is_cut_to_the_limit_with_a_reason():
    move = decide(turn("request_deferral", "I need 3 months", duration_days=90), PRODUCTS)
    assert move.offer.adjusted and move.offer.notes == (
        Note.of(NoteCode.DEFERRAL_MAX, days=14, latest=TODAY + timedelta(days=14)),)
    assert "the longest deferral I can offer is 14 days, to " in note_text(move.offer.notes, "KES")
    assert move.offer.schedule[-1].due == TODAY + timedelta(days=14)


def test_hardship_opens_the_wider_limits():
    text = "I lost my job last month, can I pay in 6 parts"
    assert hardship_reason(text) == "job_loss"
    move = decide(turn("request_instalments", text, instalments=6), PRODUCTS)
    assert move.offer.hardship and len(move.offer.schedule) == 6
    assert move.hardship_reason == "job_loss"


def test_missing_details_are_asked_for():
    move = decide(turn("request_deferral", "can I get more time"), PRODUCTS)
    assert (move.action, move.ask, move.request_kind) == ("action_ask_details", "duration", "deferral")
    move = decide(turn("promise_to_pay", "I will pay"), PRODUCTS)
    assert move.ask == "date"
    move = decide(turn("cannot_pay", "I have no money"), PRODUCTS)
    assert move.ask == "affordability"


def test_an_answer_to_the_question_continues_the_request():
    slots = {**VERIFIED, "awaiting": "date", "request_kind": "promise_to_pay"}
    move = decide(turn("provide_identity", "friday", slots=slots, date="2026-12-04"), PRODUCTS)
    assert move.action == "action_offer" and move.offer.kind == "promise_to_pay"
    assert move.offer.schedule[0].due == date(2026, 12, 4)


def test_affordability_builds_the_plan():
    move = decide(turn("cannot_pay", "I can only manage 2000 a week", amount="2000"), PRODUCTS)
    assert move.action == "action_offer"
    assert sum(i.amount for i in move.offer.schedule) == Decimal("13860.00")


def test_yes_and_no_answer_the_pending_offer():
    slots = {**VERIFIED, "pending_offer": {"kind": "deferral"}}
    assert decide(turn("affirm", slots=slots), PRODUCTS).action == "action_accept_offer"
    assert decide(turn("deny", slots=slots), PRODUCTS).action == "action_decline_offer"
    assert decide(turn("affirm"), PRODUCTS).action == "action_ask_details"


def test_thanks_to_an_adjusted_offer_is_not_a_yes_and_asks_once_more():
    """Issue 13: a dated promise was lost when the borrower said "thanks" instead of tapping yes.
    To terms the bot changed, thanks is asked about once more; to their own terms it is the yes."""
    slots = {**VERIFIED, "pending_offer": {"kind": "promise_to_pay", "adjusted": True}}
    assert decide(turn("thank", "ok thanks", slots=slots), PRODUCTS).action == "action_thank_pending_offer"
    own = {**VERIFIED, "pending_offer": {"kind": "promise_to_pay", "adjusted": False,
                                         "schedule": [["2026-12-11", "452.00"]]}}
    assert decide(turn("thank", "thx", slots=own), PRODUCTS).action == "action_accept_offer"
    assert decide(turn("thank", "thanks, let me think about it", slots=own), PRODUCTS).action \
        == "action_thank_pending_offer"
    paused = {**own, "loan": {**LOAN, "status": "paused"}}
    assert decide(turn("thank", "thx", slots=paused), PRODUCTS).action != "action_accept_offer"
    assert decide(turn("thank", "thanks"), PRODUCTS).action == "action_thank"
    unverified = {"pending_offer": {"kind": "promise_to_pay"}}
    assert decide(turn("thank", "thanks", slots=unverified), PRODUCTS).action == "action_thank"


def test_no_arrangement_left_goes_to_a_person():
    slots = {**VERIFIED, "loan": {**LOAN, "arrangements_count": 99}}
    move = decide(turn("request_instalments", "3 payments", slots=slots, instalments=3), PRODUCTS)
    assert move.action == "action_handoff"


def test_two_misunderstandings_in_a_row_go_to_a_person():
    assert decide(turn("nlu_fallback"), PRODUCTS).action == "action_fallback"
    t = Turn(intent="nlu_fallback", text="???", now=NOW, slots=VERIFIED, fallbacks_in_row=2)
    assert decide(t, PRODUCTS).action == "action_handoff"


def test_turn_from_parse_reads_rasa_output():
    parse = {
        "text": "I can pay 2.5k every week", "intent": {"name": "cannot_pay", "confidence": 0.9},
        "entities": [{"entity": "amount", "value": 2500, "value_text": "2500", "start": 10, "end": 14}],
        "emotion": {"name": "anxious", "confidence": 0.8},
    }
    t = turn_from_parse(parse, VERIFIED, NOW)
    assert (t.intent, t.emotion, t.first("amount")) == ("cannot_pay", "anxious", "2500")


def test_instalments_over_a_span_fit_the_span_within_limits():
    move = decide(turn("request_instalments", "can I pay it over 3 months", duration_days=90), PRODUCTS)
    assert move.action == "action_offer" and len(move.offer.schedule) >= 2
    assert move.offer.schedule[-1].due <= TODAY + timedelta(days=PRODUCTS["WALLET-30"].standard.max_plan_days)


def test_a_bare_no_moves_one_step_down_the_ladder():
    slots = {**VERIFIED, "pending_offer": {"kind": "promise_to_pay", "request_kind": "promise_to_pay"}}
    move = decide(turn("deny", "no I can't do that", slots=slots), PRODUCTS)
    assert move.action == "action_decline_offer" and move.offer.kind == "part_payment"
    slots = {**VERIFIED, "pending_offer": {"kind": "deferral"}}
    assert decide(turn("deny", "nope", slots=slots), PRODUCTS).offer.kind == "instalment_plan"


def test_past_the_last_step_a_person_takes_over():
    slots = {**VERIFIED, "pending_offer": {"kind": "instalment_plan"}}
    assert decide(turn("deny", "no", slots=slots), PRODUCTS).action == "action_handoff"
    hardship = {**slots, "hardship_reason": "illness"}
    move = decide(turn("deny", "no", slots=hardship), PRODUCTS)
    assert move.action == "action_decline_offer" and move.offer.hardship


def test_a_no_that_says_what_works_is_a_new_request():
    slots = {**VERIFIED, "pending_offer": {"kind": "instalment_plan", "request_kind": "instalment_plan"}}
    move = decide(turn("deny", "no, I can only do 2000 a week", slots=slots, amount="2000"), PRODUCTS)
    assert move.action == "action_offer"
    assert sum(i.amount for i in move.offer.schedule) == Decimal("13860.00")


def test_lawyers_regulators_and_rising_anger_reach_a_person():
    t = turn("complain", "I will report you to the central bank and my lawyer will hear of this")
    assert decide(t, PRODUCTS).action == "action_handoff"
    calm = turn("ask_consequences", "will you take me to court if I don't pay?")
    assert decide(calm, PRODUCTS).action == "action_consequences"  # a worried question gets a true, calm answer
    angry = Turn(intent="refuse_to_pay", text="I won't pay", now=NOW, slots=VERIFIED, angry_in_row=3)
    assert decide(angry, PRODUCTS).action == "action_handoff"
    once = Turn(intent="refuse_to_pay", text="I won't pay", now=NOW, slots=VERIFIED, angry_in_row=1)
    assert decide(once, PRODUCTS).action == "action_refuse_to_pay"
    # angry, but asking what the bot can answer: answered, not handed over (round 5, dev)
    asks = Turn(intent="ask_balance", text="I'm refusing to be spammed. How much is it exactly?", now=NOW,
                slots=VERIFIED, angry_in_row=3)
    assert decide(asks, PRODUCTS).action == "action_state_balance"
    unverified = Turn(intent="ask_balance", text="How much is it exactly?!", now=NOW, slots={}, angry_in_row=3)
    assert decide(unverified, PRODUCTS).action == "action_handoff"


def test_in_a_row_counts_only_the_latest_run():
    from bot.dialogue.moves import in_a_row, is_angry
    parses = [{"emotion": {"name": e}} for e in ("angry", "neutral", "angry", "angry")]
    assert in_a_row(parses, is_angry) == 2 and in_a_row(parses[:2], is_angry) == 0
