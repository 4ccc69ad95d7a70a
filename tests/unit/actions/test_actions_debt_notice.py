"""The debt-collector notice (US Regulation F) is given once per conversation (issue 13, part 4):
with the first statement of the debt, not again when the borrower re-verifies later in the
same conversation. The first-message identity disclosure is unchanged."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from rasa_sdk import Tracker

from actions import HANDLERS
from actions.turns import _run, _with_disclosures
from bot.compliance import OutboundContext, effective_profile
from bot.dialogue.move import MOVE_SLOT, Move, to_dict
from bot.records.models import Borrower
from tests.support.records_fixtures import add_loan

LOAN = "LN-DCN-1"
NOTICE = effective_profile(["US"]).disclosures["debt_collection"][0]
IDENTITY = "You are talking to"


@pytest.fixture(scope="module")
def us_loan(records_db):
    add_loan(records_db, LOAN)
    with records_db.session() as s:
        borrower = s.query(Borrower).filter_by(borrower_id=f"B-{LOAN}").one()
        borrower.jurisdiction, borrower.timezone = "US", "America/New_York"
    return records_db


def verify(records_db, conversation_id: str, earlier_bot_texts: list[str]) -> list[str]:
    """The borrower sends their reference and date of birth after the bot said `earlier_bot_texts`."""
    parse = {"text": f"{LOAN} 1990-01-02", "intent": {"name": "provide_identity", "confidence": 0.99},
             "entities": [{"entity": "loan_reference", "value": LOAN},
                          {"entity": "date_of_birth", "value": "1990-01-02"}], "message_id": "m9"}
    events = [{"event": "bot", "text": text, "timestamp": 1.0 + i} for i, text in enumerate(earlier_bot_texts)]
    events.append({"event": "user", "text": parse["text"], "timestamp": 50.0, "input_channel": "rest",
                   "parse_data": parse, "message_id": "m9"})
    slots = {MOVE_SLOT: to_dict(Move("action_verify"), for_message="m9")}
    tracker = Tracker(conversation_id, slots, parse, events, False, None, {}, "action_listen")
    with records_db.session() as s:
        done = _run("action_verify", HANDLERS["action_verify"], tracker, s)
    return [text for text, _ in done["messages"]]


def test_the_first_statement_carries_the_notice(us_loan):
    texts = verify(us_loan, "dcn-first", ["You are talking to Tawi Assistant. Hello! Please tell me your loan "
                                          "reference and your date of birth."])
    assert texts[0].startswith(NOTICE + " Thank you, you're verified.")
    assert sum(t.count(NOTICE) for t in texts) == 1


def test_a_statement_after_the_notice_was_given_does_not_repeat_it(us_loan):
    first = verify(us_loan, "dcn-again", ["Hello! Please tell me your loan reference and your date of birth."])
    again = verify(us_loan, "dcn-again", [*first, "Your verification expired. Please verify again."])
    assert NOTICE in first[0]
    assert not any(NOTICE in t for t in again)
    assert again[0] == first[0].removeprefix(NOTICE + " ")  # the same statement, only without the notice


def test_the_identity_disclosure_still_opens_the_first_message_with_the_notice(us_loan):
    [statement, *_] = verify(us_loan, "dcn-opening", [])
    assert statement.startswith(IDENTITY) and NOTICE in statement


def context(first: bool) -> OutboundContext:
    return OutboundContext(jurisdictions=("US",), borrower_tz="America/New_York",
                           now_utc=datetime(2026, 12, 6, 15, tzinfo=timezone.utc), channel="rest",
                           initiated_by_borrower=True, verified=True, mentions_debt=True, is_first_message=first)


def test_with_disclosures_adds_the_notice_only_when_no_earlier_text_carried_it():
    statement = "Thank you, you're verified. Loan LN-1: you owe USD 10.00."
    assert _with_disclosures(statement, "verified_statement", context(False)) == f"{NOTICE} {statement}"
    assert _with_disclosures(statement, "verified_statement", context(False),
                             ["Hello", f"{NOTICE} Thank you."]) == statement
    # Case does not matter; a text that is not a first disclosure never gets it.
    assert _with_disclosures(statement, "verified_statement", context(False), [NOTICE.upper()]) == statement
    assert _with_disclosures(statement, "balance", context(False)) == statement
    # The identity disclosure on the first message is not affected by what was said.
    opened = _with_disclosures(statement, "balance", context(True), [NOTICE])
    assert opened.startswith(IDENTITY) and opened.endswith(statement)


def test_a_first_message_that_verifies_at_once_carries_the_notice_once():
    """"LN-…, born …" as the first message: the notice was printed twice in one reply (issue 13 panel)."""
    statement = "Thank you, you're verified. Loan LN-1: you owe USD 10.00."
    assert _with_disclosures(statement, "verified_statement", context(True)).count(NOTICE) == 1
