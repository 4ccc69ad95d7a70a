"""Nothing within the limits fits the borrower's budget: they hear the figures, then a person takes over."""
from __future__ import annotations

from actions import people
from actions.turns import Reply
from tests.unit.dialogue.test_budget_offers import JOB_LOSS, said, with_loan
from tests.unit.dialogue.test_dialogue_moves import PRODUCTS
from bot.dialogue.moves import decide
from tests.support.records_fixtures import add_loan


class Tracker:
    sender_id = "conv-over-budget"
    events: list = []


def test_the_borrower_hears_why_before_the_handoff(records_db):
    turn = said(JOB_LOSS, "cannot_pay", with_loan(total="30000.00"), amount="1000")
    move = decide(turn, PRODUCTS)
    reply = Reply(turn, move)
    add_loan(records_db, "LN-20931", borrower_id="BR-1001")
    with records_db.session() as session:
        people.handoff(turn, reply, session, Tracker())
    keys = [key for key, _, _ in reply.messages]
    assert keys == ["no_offer", "handoff"]
    first = reply.messages[0][1]
    assert "I can't set up a plan at KES 1,000.00 every 7 days" in first
    assert "KES 6,000.00 every 30 days" in first and first.endswith("so I won't set that up.")
