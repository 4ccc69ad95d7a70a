"""A borrower's own terms, met exactly, are recorded when said (bot/dialogue/own_terms.py).

Round 6 (dev): "I'll pay the full 452 on Friday", "20k this Friday, the remaining next week
Friday" were read back with "Shall I set this up?" and never recorded when the borrower said
"thx" or nothing. What the bot changed or built itself still waits for a yes.
"""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from actions import common, negotiation
from actions.context import products
from actions.turns import Reply
from bot.dialogue.moves import Turn, decide
from bot.nlu.signals import read_signals
from bot.records import queries
from tests.support.records_fixtures import add_loan
from tests.unit.dialogue.test_budget_offers import said, with_loan
from tests.unit.dialogue.test_dialogue_moves import PRODUCTS

FRIDAY = "2026-12-04"  # the Friday after TODAY (Monday 30 November 2026)
NOW_ = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)


def test_a_plain_promise_of_the_whole_balance_on_their_day_is_recorded_as_said():
    move = decide(said("I'll pay the full 13,860 on Friday", "promise_to_pay", with_loan(),
                       date=FRIDAY, amount="13860"), PRODUCTS)
    assert move.action == "action_offer" and move.detail == "own_terms"
    assert [(i.due.isoformat(), i.amount) for i in move.offer.schedule] == [(FRIDAY, Decimal("13860.00"))]


def test_two_parts_each_with_its_date_are_recorded_as_said():
    text = "I fit pay 5000 this Friday, the remaining next week Friday"
    turn = Turn(intent="offer_partial_payment", text=text, now=datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc),
                slots=with_loan(), entities={"amount": ["5000"], "date": [FRIDAY, "2026-12-11"]},
                signals={**read_signals(text), "parts": [{"amount": 0, "when": ["date", 0]},
                                                         {"amount": "rest", "when": ["date", 1]}]})
    move = decide(turn, PRODUCTS)
    assert move.action == "action_offer" and move.detail == "own_terms"
    assert [i.amount for i in move.offer.schedule] == [Decimal("5000.00"), Decimal("8860.00")]


def test_a_doubt_an_amount_they_did_not_say_or_an_adjusted_date_waits_for_the_yes():
    hedged = decide(said("I might manage to pay it all on Friday", "promise_to_pay", with_loan(), date=FRIDAY),
                    PRODUCTS)
    assert hedged.action == "action_offer" and hedged.detail is None
    other = decide(said("I'll pay 999 on Friday", "promise_to_pay", with_loan(), date=FRIDAY, amount="999"), PRODUCTS)
    assert other.detail is None
    too_late = decide(said("I'll pay it all on the 30th of January", "promise_to_pay", with_loan(), date="2027-01-30"),
                      PRODUCTS)
    assert too_late.action != "action_offer" or (too_late.offer.adjusted and too_late.detail is None)


def test_a_plan_the_bot_builds_waits_for_the_yes():
    move = decide(said("can I split it in 3", "request_instalments", with_loan(), instalments=3), PRODUCTS)
    assert move.action == "action_offer" and move.detail is None


class Tracker:
    sender_id = "conv-own-terms"
    latest_message = {"message_id": "m1"}
    events: list = []

    def get_latest_input_channel(self) -> str:
        return "rest"


def test_the_action_records_their_own_terms_at_once_and_reads_them_back(records_db):  # noqa: F811
    add_loan(records_db, "LN-81001")
    now = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
    with records_db.session() as s:
        loan = common.loan_slot(s, "LN-81001", None)
        total = loan["total"]
        turn = Turn("promise_to_pay", f"I'll pay all {total} on Friday", now,
                    {"verified": True, "loan_id": "LN-81001", "loan": loan},
                    {"date": [FRIDAY], "amount": [total]}, signals=read_signals("I'll pay all on Friday"))
        move = decide(turn, products())
        assert move.detail == "own_terms"
        reply = Reply(turn, move)
        events = negotiation.offer(turn, reply, s, Tracker())
    assert [key for key, _, _ in reply.messages] == ["accepted_own"]
    assert "tell me and I'll change it" in reply.messages[0][1]
    assert {"event": "slot", "name": "pending_offer", "value": None, "timestamp": None} in events
    with records_db.session() as s:
        arrangement = queries.arrangement_dict(queries.active_arrangement(queries.find_loan(s, "LN-81001")))
    assert arrangement["kind"] == "promise_to_pay" and arrangement["terms"]["adjusted"] is False
    assert [(i["due_date"], i["amount"]) for i in arrangement["schedule"]] == [(FRIDAY, total)]


def test_the_offered_amount_said_back_with_agreement_is_the_yes():
    plan = {"kind": "instalment_plan", "adjusted": False, "request_kind": "instalment_plan",
            "schedule": [["2026-12-15", "4620.00"], ["2026-12-29", "4620.00"], ["2027-01-12", "4620.00"]]}
    slots = {**with_loan(), "pending_offer": plan}
    assert decide(said("4620 each is fine", "offer_partial_payment", slots, amount="4620"), PRODUCTS).action \
        == "action_accept_offer"
    assert decide(said("4000 each is fine", "offer_partial_payment", slots, amount="4000"), PRODUCTS).action \
        != "action_accept_offer"


def test_a_time_to_call_or_a_change_to_an_arrangement_is_asked_first():
    timed = said("ok then Friday at 7pm", "promise_to_pay", with_loan(), date=FRIDAY)
    assert timed.signals["contact_time"] and decide(timed, PRODUCTS).detail is None
    arranged = said("I'll pay it all on Friday", "promise_to_pay", with_loan(status="in_arrangement"), date=FRIDAY)
    assert decide(arranged, PRODUCTS).detail is None


ARRANGED = {"status": "promise_pending", "active_arrangement": {
    "kind": "part_payment", "schedule": [{"seq": 1, "due_date": "2026-11-30", "amount": "5000.00"},
                                         {"seq": 2, "due_date": FRIDAY, "amount": "8860.00"}]}}


def test_once_recorded_their_terms_said_back_are_a_yes_not_a_new_promise():
    move = decide(said("yh 8860 on fri thats rite", "promise_to_pay", with_loan(**ARRANGED), date=FRIDAY,
                       amount="8860"), PRODUCTS)
    assert move.action == "action_state_balance"


def test_once_recorded_a_time_is_when_to_call_and_thanks_is_a_yes_only_to_their_own_change():
    timed = said("ok then Saturday at 7pm", "promise_to_pay", with_loan(**ARRANGED), date="2026-12-05")
    assert decide(timed, PRODUCTS).action == "action_busy_later"
    change = {**with_loan(**ARRANGED), "pending_offer": {"kind": "promise_to_pay", "adjusted": False,
                                                         "schedule": [["2026-12-05", "13860.00"]]}}
    # thanks to a change put in their own words and not adjusted is their yes (round 7 (dev): "tnx" to
    # "30k on 11th, 48k on 25th" left the old dates recorded); to one the bot adjusted, it is asked once more
    assert decide(said("thanks", "thank", change), PRODUCTS).action == "action_accept_offer"
    adjusted = {**change, "pending_offer": {**change["pending_offer"], "adjusted": True}}
    assert decide(said("thanks", "thank", adjusted), PRODUCTS).action == "action_thank_pending_offer"


def test_their_recorded_terms_are_still_theirs_to_change_in_the_next_message():
    """Round 5 (dev): "Actually make Friday's payment £120" right after the two parts were noted."""
    from bot.dialogue.move import to_dict
    text = "5000 this Friday and the rest on the 11th"
    first = Turn(intent="offer_partial_payment", text=text, now=NOW_, slots=with_loan(),
                 entities={"amount": ["5000"], "date": [FRIDAY, "2026-12-11"]},
                 signals={**read_signals(text), "parts": [{"amount": 0, "when": ["date", 0]},
                                                          {"amount": "rest", "when": ["date", 1]}]})
    recorded = decide(first, PRODUCTS)
    assert recorded.detail == "own_terms"
    slots = {**with_loan(**ARRANGED), "move": to_dict(recorded), "request_kind": "part_payment"}
    change = decide(said("Actually make Friday's payment 6000", "offer_partial_payment", slots, date=FRIDAY,
                         amount="6000"), PRODUCTS)
    assert change.action == "action_offer" and change.detail is None  # put to them: it changes what is recorded
    assert [(i.due.isoformat(), str(i.amount)) for i in change.offer.schedule] == [(FRIDAY, "6000.00"),
                                                                                  ("2026-12-11", "7860.00")]


def test_a_stop_beside_their_terms_is_asked_after_the_terms_are_recorded(records_db):  # noqa: F811
    """Round 6 (dev): "I will clear everything on 15th. Now stop calling" lost the promise to the question."""
    from actions import debt
    from bot.dialogue.record_moves import PENDING
    add_loan(records_db, "LN-81002")
    text = "I will clear everything on Friday. Now stop calling me"
    with records_db.session() as s:
        loan = common.loan_slot(s, "LN-81002", None)
        turn = Turn("pay_in_full", text, NOW_, {"verified": True, "loan_id": "LN-81002", "loan": loan},
                    {"date": [FRIDAY]}, signals=read_signals(text))
        move = decide(turn, products())
        reply = Reply(turn, move)
        tracker = type("OtherTracker", (Tracker,), {"sender_id": "conv-own-terms-2"})()
        events = negotiation.offer(turn, reply, s, tracker) + debt.second_answers(turn, reply, s, tracker)
    keys = [key for key, _, _ in reply.messages]
    assert keys[0] == "accepted_own" and keys[-1].startswith(("confirm_stop_contact", "clarify_stop_contact"))
    pending = [e["value"] for e in events if e.get("name") == PENDING]
    assert pending and pending[-1]["intent"] == "stop_contact"
    with records_db.session() as s:
        assert queries.active_arrangement(queries.find_loan(s, "LN-81002")) is not None
