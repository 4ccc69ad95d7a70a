"""The balance statement reflects an active arrangement (issue 13, part 4): a borrower in a
deferral the bot itself agreed is not told the loan "was due on 10 November 2026 (26 days
ago)"; they hear the balance and the arrangement's next payment. Without an arrangement
the statement is today's, byte for byte."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from rasa_sdk import Tracker

from actions import HANDLERS
from actions.turns import _run
from bot.dialogue.move import MOVE_SLOT, Move, to_dict
from bot.records import queries, writes
from tests.support.records_fixtures import add_loan

ACTION = "action_state_balance"
TODAY = queries.local_today("Africa/Nairobi")  # add_loan's borrower; what the records count days overdue in
OLD_STATEMENT = ("Loan {loan}: you owe KES 8,500.00 (KES 8,000.00 principal, KES 400.00 interest, "
                 "KES 100.00 fees). It was due on 10 November 2026 ({days} days ago).")


def long_day(offset: int) -> str:
    """The statement's date style, 'dd MMMM y', written out here so the test pins the wording."""
    d = TODAY + timedelta(days=offset)
    return f"{d.day:02d} {d.strftime('%B')} {d.year}"


def iso(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


@pytest.fixture(scope="module")
def loans(records_db):
    """ST-NONE: no arrangement; ST-DEFER: a deferral; ST-PLAN: a plan whose first instalment has passed;
    ST-LAPSED: an active promise whose only date has passed."""
    for loan in ("ST-NONE", "ST-DEFER", "ST-PLAN", "ST-LAPSED"):
        add_loan(records_db, loan)
    arrangements = {
        "ST-DEFER": ("deferral", [(14, "8500.00")]),
        "ST-PLAN": ("instalment_plan", [(-10, "2000.00"), (20, "3000.00"), (50, "3500.00")]),
        "ST-LAPSED": ("promise_to_pay", [(-3, "8500.00")]),
    }
    with records_db.session() as s:
        for loan, (kind, schedule) in arrangements.items():
            writes.record_arrangement(
                s, loan_id=loan, kind=kind, terms={}, actor="bot", idempotency_key=f"{loan}:arr",
                schedule=[(TODAY + timedelta(days=d), Decimal(a)) for d, a in schedule])
    return records_db


def balance(records_db, loan_id: str) -> list[str]:
    """What a verified borrower hears on asking for their balance, mid-conversation."""
    parse = {"text": "how much do I owe?", "intent": {"name": "ask_balance", "confidence": 0.99}, "entities": [],
             "message_id": "m2"}
    loan = {"loan_id": loan_id, "borrower_id": f"B-{loan_id}", "jurisdiction": "KE", "timezone": "Africa/Nairobi"}
    events = [{"event": "user", "text": f"{loan_id} 1990-01-02", "timestamp": 1.0, "input_channel": "rest",
               "parse_data": {"text": f"{loan_id} 1990-01-02", "intent": {"name": "provide_identity"}},
               "message_id": "m1"},
              {"event": "slot", "name": "verified", "value": True, "timestamp": 1.5},
              {"event": "bot", "text": "Thank you, you're verified.", "timestamp": 2.0},
              {"event": "user", "text": parse["text"], "timestamp": 3.0, "input_channel": "rest",
               "parse_data": parse, "message_id": "m2"}]
    slots = {"verified": True, "loan_id": loan_id, "loan": loan, MOVE_SLOT: to_dict(Move(ACTION), for_message="m2")}
    tracker = Tracker(f"conv-{loan_id}", slots, parse, events, False, None, {}, "action_listen")
    with records_db.session() as s:
        done = _run(ACTION, HANDLERS[ACTION], tracker, s)
    return [text for text, _ in done["messages"]]


def test_without_an_arrangement_the_statement_is_todays_byte_for_byte(loans):
    days = (TODAY - TODAY.replace(year=2026, month=11, day=10)).days
    assert balance(loans, "ST-NONE") == [OLD_STATEMENT.format(loan="ST-NONE", days=days)]


def test_a_borrower_in_a_deferral_hears_the_next_payment_not_the_old_due_date(loans):
    statement, arrangement = balance(loans, "ST-DEFER")
    assert statement == ("Loan ST-DEFER: you owe KES 8,500.00 (KES 8,000.00 principal, KES 400.00 interest, "
                         f"KES 100.00 fees). Under your deferral, your next payment is KES 8,500.00, "
                         f"due on {long_day(14)}.")
    assert "10 November" not in statement and "days ago" not in statement
    assert arrangement == f"You already have an active deferral on this loan: {iso(14)}: KES 8,500.00."


def test_the_next_payment_is_the_first_one_still_to_come(loans):
    statement, arrangement = balance(loans, "ST-PLAN")
    assert statement.endswith(f"Under your instalment plan, your next payment is KES 3,000.00, due on {long_day(20)}.")
    assert "days ago" not in statement
    assert arrangement.startswith(f"You already have an active instalment plan on this loan: {iso(-10)}: ")


def test_an_arrangement_with_no_payment_left_to_come_keeps_the_old_statement(loans):
    """Its date has passed and nobody closed it: the bot does not invent a next payment."""
    statement, arrangement = balance(loans, "ST-LAPSED")
    assert statement.startswith("Loan ST-LAPSED: you owe KES 8,500.00") and statement.endswith(" days ago).")
    assert arrangement == f"You already have an active promise to pay on this loan: {iso(-3)}: KES 8,500.00."


def verify(records_db, loan_id: str) -> list[str]:
    """What the borrower hears on verifying: the first statement of the conversation."""
    text = f"{loan_id} 2 January 1990"
    parse = {"text": text, "intent": {"name": "provide_identity", "confidence": 0.99}, "message_id": "m1",
             "entities": [{"entity": "loan_reference", "value": loan_id},
                          {"entity": "date_of_birth", "value": "1990-01-02"}]}
    events = [{"event": "user", "text": text, "timestamp": 1.0, "input_channel": "rest", "parse_data": parse,
               "message_id": "m1"}]
    slots = {MOVE_SLOT: to_dict(Move("action_verify"), for_message="m1")}
    tracker = Tracker(f"verify-{loan_id}", slots, parse, events, False, None, {}, "action_listen")
    with records_db.session() as s:
        done = _run("action_verify", HANDLERS["action_verify"], tracker, s)
    return [text for text, _ in done["messages"]]


def test_verifying_in_a_deferral_states_the_next_payment_not_days_overdue(loans):
    first = verify(loans, "ST-DEFER")[0]
    assert first.endswith(f"Under your deferral, your next payment is KES 8,500.00, due on {long_day(14)}. "
                          "What would you like to do?")
    assert "days ago" not in first
    assert "days ago" in verify(loans, "ST-NONE")[0]
