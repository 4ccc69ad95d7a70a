"""Issue 13: a dated promise was lost when the borrower said "thanks" instead of tapping yes.
A thank-you to an offer records nothing; the borrower hears that, with the offer and the buttons."""
from __future__ import annotations

from actions import negotiation
from actions.turns import Reply
from bot.dialogue.moves import decide
from bot.dialogue.offers import to_slot
from tests.unit.dialogue.test_budget_offers import said, with_loan
from tests.unit.dialogue.test_dialogue_moves import PRODUCTS


class Tracker:
    sender_id = "conv-thanks"
    events: list = []


def test_thanks_keeps_the_offer_on_the_table_and_asks_for_the_yes():
    asked = said("I'll pay it all on friday", "promise_to_pay", with_loan(), date="2026-12-11")
    offered = decide(asked, PRODUCTS)
    assert offered.action == "action_offer" and offered.detail == "own_terms"  # recorded as said
    # Terms the bot changed (here marked so) wait for a plain yes: thanks is asked about once more.
    slots = {**with_loan(), "pending_offer": {**to_slot(offered.offer, request_kind="promise_to_pay"),
                                              "adjusted": True}}
    thanks = said("ok thank you", "thank", slots)
    move = decide(thanks, PRODUCTS)
    assert move.action == "action_thank_pending_offer"
    reply = Reply(thanks, move)
    events = negotiation.thank_pending_offer(thanks, reply, None, Tracker())
    assert events == []  # the offer stays pending; nothing is written (no session is even given)
    [(key, text, buttons)] = reply.messages
    assert key == "thank_pending_offer" and "haven't set this up yet" in text and "13,860.00" in text
    assert "\n1. " in text and ":." not in text  # the schedule, as the offer showed it
    assert [b["payload"] for b in buttons] == ["/affirm", "/deny"]
