"""The thin layer while a person has the case (bot/dialogue/during_handoff.py), without Rasa:
nobody goes unanswered during a hand-off (issue 13, "What must hold" 1)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.dialogue import during_handoff
from bot.dialogue import moves
from bot.dialogue.moves import Turn, decide, turn_from_parse
from bot.dialogue.reasons import REASON_OF_INTENT, Escalation, corrected_reason
from bot.negotiation.limits import load_products
from bot.nlu.safety import mentions_self_harm
from bot.nlu.signals import read_signals
from bot.settings import ROOT

PRODUCTS = load_products(ROOT / "config" / "products.yml")
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
LOAN = {"loan_id": "LN-20931", "borrower_id": "BR-1001", "jurisdiction": "KE", "timezone": "Africa/Nairobi",
        "currency": "KES", "total": "13860.00", "status": "overdue"}
WAITING = {"handed_off": True}
VERIFIED_WAITING = {"handed_off": True, "verified": True, "loan_id": "LN-20931", "loan": LOAN}


def turn(intent: str, slots: dict, text: str = "", self_harm: bool = False, **entities) -> Turn:
    return Turn(intent=intent, text=text or intent, now=NOW, slots=slots, self_harm=self_harm,
                entities={k: [v] for k, v in entities.items()})


def parsed(text: str, intent: str, slots: dict) -> Turn:
    """A turn as Rasa would give it, the safety net's flag set the way bot/nlu/safety.py sets it."""
    flagged = mentions_self_harm(text)
    parse = {"text": text, "intent": {"name": "disclose_vulnerability" if flagged else intent},
             "entities": [], "safety": {"self_harm": flagged}}
    return turn_from_parse(parse, slots, NOW)


def test_moves_hands_every_turn_of_a_handed_off_conversation_to_the_thin_layer():
    # Without the slot, the full rule set: a person is asked for again.
    assert decide(turn("request_instalments", {"verified": True, "loan": LOAN}), PRODUCTS).action != "action_handoff_note"
    for intent in ("request_instalments", "greet", "request_human", "abuse", "affirm", "nlu_fallback"):
        move = decide(turn(intent, VERIFIED_WAITING), PRODUCTS)
        assert move.action in during_handoff.ACTIONS, (intent, move)
        assert move.offer is None and move.escalation is None  # nothing negotiated, no second case


@pytest.mark.parametrize("text", [
    "I've been thinking about ending it all",
    "i just want to die",
    "I don't want to live anymore",
])
@pytest.mark.parametrize("slots", [WAITING, VERIFIED_WAITING, {**VERIFIED_WAITING, "handoff_taken": True}])
def test_self_harm_gets_the_crisis_line_move_at_once_whoever_holds_the_case(text, slots):
    move = decide(parsed(text, "nlu_fallback", slots), PRODUCTS)
    assert (move.action, move.escalation) == ("action_handoff_self_harm", Escalation.SELF_HARM)


def test_the_safety_nets_intent_alone_counts_as_self_harm():
    move = during_handoff.decide(turn("disclose_vulnerability", WAITING, "nobody would miss me"))
    assert move.action == during_handoff.SELF_HARM


@pytest.mark.parametrize("intent", ["ask_payment_methods", "pay_in_full"])
@pytest.mark.parametrize("slots", [WAITING, VERIFIED_WAITING, {**VERIFIED_WAITING, "handoff_taken": True}])
def test_how_to_pay_is_always_answered(intent, slots):
    assert during_handoff.decide(turn(intent, slots)).action == during_handoff.HOW_TO_PAY_ACTION


def test_an_unverified_borrowers_identity_goes_to_verification():
    assert during_handoff.decide(turn("provide_identity", WAITING)).action == "action_verify"
    assert during_handoff.decide(turn("greet", WAITING, loan_reference="LN-20931",
                                      date_of_birth="1991-04-17")).action == "action_verify"
    # Already verified: an identity message is only added to the case.
    assert during_handoff.decide(turn("provide_identity", VERIFIED_WAITING)).action == during_handoff.ACKNOWLEDGE
    assert during_handoff.IDENTITY_ENTITIES == moves.IDENTITY_ENTITIES


def test_other_messages_are_acknowledged_once_with_when_then_noted():
    assert during_handoff.decide(turn("nlu_fallback", WAITING, "QX12345")).action == during_handoff.ACKNOWLEDGE
    later = {**WAITING, "handoff_acknowledged": True}
    assert during_handoff.decide(turn("nlu_fallback", later, "QX12345")).action == during_handoff.NOTE
    assert during_handoff.decide(turn("request_human", later)).action == during_handoff.NOTE


def test_while_an_agent_holds_the_case_other_messages_only_go_on_the_case():
    taken = {**VERIFIED_WAITING, "handoff_taken": True}
    assert during_handoff.decide(turn("out_of_scope", taken)).action == during_handoff.APPEND


def test_a_correction_of_what_the_case_is_about_carries_the_new_reading():
    opened_on_paid = {**VERIFIED_WAITING, "handoff_intent": "already_paid", "handoff_acknowledged": True}
    said = "no, I didn't say I already paid, I get paid on the 15th"
    move = during_handoff.decide(Turn("promise_to_pay", said, NOW, opened_on_paid, signals=read_signals(said)))
    assert (move.action, move.detail) == (during_handoff.CORRECTION, "promise_to_pay")
    # another reason without "you got it wrong" is a new message, not a correction of the case; being a
    # question, it is told again when a person will answer (round 6 (dev): "how will I know?")
    freeze = "Is there any way to freeze the interest?"
    assert during_handoff.decide(Turn("request_fee_waiver", freeze, NOW, opened_on_paid,
                                      signals=read_signals(freeze))).action == during_handoff.ACKNOWLEDGE
    assert during_handoff.decide(turn("deny", opened_on_paid)).detail == "deny"
    # The same reading again, or a case opened on something the borrower did not say, is no correction.
    assert during_handoff.decide(turn("already_paid", opened_on_paid)).action == during_handoff.NOTE
    assert during_handoff.decide(turn("promise_to_pay", {**VERIFIED_WAITING, "handoff_intent": None})).action \
        == during_handoff.ACKNOWLEDGE
    assert during_handoff.decide(turn("greet", opened_on_paid)).action == during_handoff.NOTE


def test_case_intent_and_corrected_reason():
    assert during_handoff.case_intent("already_paid") == "already_paid"
    assert during_handoff.case_intent("request_human") is None
    assert corrected_reason("borrower says already paid; payment not found", "promise_to_pay") == (
        "corrected by the borrower: borrower says when they can pay "
        "(was: borrower says already paid; payment not found)")
    assert corrected_reason("debt disputed", "deny") == "borrower says this is wrong: debt disputed"
    assert len(corrected_reason("x" * 300, "cannot_pay")) == 200
    assert set(REASON_OF_INTENT) <= set(moves.REQUESTS_BY_INTENT) | {"already_paid", "dispute_debt", "complain",
                                                                      "refuse_to_pay"}


def test_the_payment_reference_the_bot_asked_for_is_put_on_the_case():
    opened_on_paid = {**VERIFIED_WAITING, "handoff_intent": "already_paid"}
    said = "here it is: receipt no. TX558201"
    t = Turn("provide_identity", said, NOW, opened_on_paid, signals=read_signals(said))
    assert during_handoff.decide(t).action == during_handoff.PAYMENT_REFERENCE


def test_after_self_harm_was_spoken_of_a_distressed_message_gets_the_crisis_line_again():
    flagged = {**VERIFIED_WAITING, during_handoff.SELF_HARM_CASE: True, "handoff_acknowledged": True}
    assert during_handoff.decide(Turn("nlu_fallback", "what's the point", NOW, flagged, emotion="distressed")).action \
        == during_handoff.SELF_HARM
    assert during_handoff.decide(Turn("thank", "thanks", NOW, flagged, emotion="positive")).action == during_handoff.NOTE


FULL_LOAN = {**LOAN, "outstanding_principal": "12500.00", "accrued_interest": "860.00", "late_fees": "500.00",
             "due_date": "2026-11-12", "product_code": "WALLET-30", "arrangements_count": 0}
COMPLAINT_CASE = {**VERIFIED_WAITING, "loan": FULL_LOAN, "handoff_intent": "complain"}


def test_beside_a_complaint_the_bot_still_agrees_terms_for_the_debt():
    """"The £174, I'll pay it next Friday, but the complaint stands": appended only, never recorded (issue 13 panel)."""
    move = decide(turn("promise_to_pay", COMPLAINT_CASE, "I'll pay it all on friday, the complaint stands",
                       date="2026-12-04"), PRODUCTS)
    assert move.action == "action_offer" and move.offer.schedule[0].due.isoformat() == "2026-12-04"
    # anything else is still the thin layer's
    assert decide(turn("greet", COMPLAINT_CASE), PRODUCTS).action in during_handoff.ACTIONS


@pytest.mark.parametrize("slots", [
    {**COMPLAINT_CASE, "handoff_taken": True},  # an agent holds it: the agent answers
    {**COMPLAINT_CASE, "self_harm_case": True},
    {**COMPLAINT_CASE, "handoff_intent": "dispute_debt"},  # the debt itself is the case
    {**COMPLAINT_CASE, "verified": False},
])
def test_other_cases_still_get_only_the_thin_layer(slots):
    move = decide(turn("promise_to_pay", slots, "I'll pay on friday", date="2026-12-04"), PRODUCTS)
    assert move.action in during_handoff.ACTIONS or move.action == "action_verify"


def test_beside_a_complaint_thanks_to_the_offer_asks_once_more():
    offered = {**COMPLAINT_CASE, "pending_offer": {"kind": "promise_to_pay", "adjusted": True,
                                                   "schedule": [["2026-12-04", "13860.00"]]}}
    assert decide(turn("thank", offered, "fine, thanks"), PRODUCTS).action == "action_thank_pending_offer"
