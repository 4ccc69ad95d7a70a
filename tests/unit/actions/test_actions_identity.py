"""action_verify against a real records database (no Rasa): the lock is in the
records, so nothing a conversation can reset (its slots, its sender id) lifts
it; and channel identity counts only from the Telegram channel."""
from __future__ import annotations

import itertools
from datetime import datetime, timezone

import pytest

from actions import identity
from actions.turns import Reply
from bot.dialogue.moves import Turn
from bot.records import verification as lockout
from bot.records.models import Borrower
from tests.support.records_fixtures import add_loan

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
RIGHT, WRONG = "1990-01-02", "1970-01-01"  # add_loan's borrower is born 1990-01-02
_ids = itertools.count(1)


class FakeTracker:
    """What the handlers read of rasa-sdk's Tracker."""

    def __init__(self, channel: str = "rest", metadata: dict | None = None):
        self.sender_id = f"conv-{next(_ids)}"
        self.channel = channel
        self.events = [{"event": "user", "metadata": metadata or {}, "input_channel": channel}]

    def get_latest_input_channel(self) -> str:
        return self.channel


def attempt(session, tracker: FakeTracker, *, reference: str | None = None, dob: str | None = None,
            slots: dict | None = None) -> tuple[list[str], dict]:
    entities = {**({"loan_reference": [reference]} if reference else {}), **({"date_of_birth": [dob]} if dob else {})}
    turn = Turn("provide_identity", " ".join(filter(None, [reference, dob])), NOW, slots or {}, entities)
    reply = Reply(turn)
    events = identity.verify(turn, reply, session, tracker)
    return [key for key, _, _ in reply.messages], {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def new_loan(db, **borrower) -> str:
    loan_id = f"IDN-{next(_ids)}"
    add_loan(db, loan_id)
    if borrower:
        with db.session() as s:
            row = s.query(Borrower).filter_by(borrower_id=f"B-{loan_id}").one()
            for key, value in borrower.items():
                setattr(row, key, value)
    return loan_id


def test_the_lock_holds_across_fresh_senders_and_refuses_the_right_date(records_db):  # noqa: F811
    loan = new_loan(records_db)
    keys = []
    with records_db.session() as s:
        for _ in range(5):  # each guess from a new conversation: no slot carries any count
            said, _ = attempt(s, FakeTracker(), reference=loan, dob=WRONG)
            keys += said
    assert keys == ["verify_failed"] * 4 + ["verification_locked"]
    with records_db.session() as s:
        said, slots = attempt(s, FakeTracker(), reference=loan, dob=RIGHT)
    assert said == ["verification_locked"] and not slots.get("verified")
    with records_db.session() as s:
        lockout.lift(s, "loan", loan, actor="agent:amina")
    with records_db.session() as s:
        said, slots = attempt(s, FakeTracker(), reference=loan, dob=RIGHT, slots={"verify_locked": True})
    assert said[0] == "verified_statement" and slots["verified"] is True and slots["verify_locked"] is False


def test_one_sender_trying_many_loans_is_locked(records_db):  # noqa: F811
    tracker = FakeTracker()
    loans = [new_loan(records_db) for _ in range(6)]
    with records_db.session() as s:
        keys = [attempt(s, tracker, reference=loan, dob=WRONG)[0][0] for loan in loans[:5]]
        keys.append(attempt(s, tracker, reference="LN-00000000", dob=WRONG)[0][0])  # names no loan
        keys.append(attempt(s, tracker, reference=loans[5], dob=RIGHT)[0][0])
    assert keys == ["verify_failed"] * 4 + ["verification_locked"] * 3


def test_a_made_up_reference_locks_like_a_real_one(records_db):  # noqa: F811
    """Otherwise fresh senders could tell real references (they lock) from made-up ones."""
    real = new_loan(records_db)
    outcomes = {}
    with records_db.session() as s:
        for reference in (real, "LN-99999999"):
            outcomes[reference] = [attempt(s, FakeTracker(), reference=reference, dob=WRONG)[0][0] for _ in range(6)]
    assert outcomes[real] == outcomes["LN-99999999"] == ["verify_failed"] * 4 + ["verification_locked"] * 2


def test_tries_left_are_this_senders_and_not_the_loans(records_db):  # noqa: F811
    loan = new_loan(records_db)
    with records_db.session() as s:
        for _ in range(3):
            attempt(s, FakeTracker(), reference=loan, dob=WRONG)
        tracker = FakeTracker()
        turn = Turn("provide_identity", "x", NOW, {}, {"loan_reference": [loan], "date_of_birth": [WRONG]})
        reply = Reply(turn)
        identity.verify(turn, reply, s, tracker)
    assert "(4 tries left)" in reply.messages[0][1]  # says nothing of the 3 other failures on this loan


@pytest.mark.parametrize("metadata", [{"telegram_user_id": 777001}, {"telegram_phone": "+254799000001"}])
def test_telegram_identity_counts_only_from_the_telegram_channel(records_db, metadata):  # noqa: F811
    new_loan(records_db, telegram_user_id=metadata.get("telegram_user_id"),
             phone=metadata.get("telegram_phone", "+254700000000"))
    for channel in ("rest", "socketio", None):
        with records_db.session() as s:
            tracker = FakeTracker(channel, metadata)
            turn = Turn("greet", "hi", NOW, {})
            greeting = Reply(turn)
            assert identity.greet(turn, greeting, s, tracker) == []
            said, slots = attempt(s, tracker, dob=RIGHT, slots={"candidate_borrower": "B-anyone"})
        assert [k for k, _, _ in greeting.messages] == ["greet"]
        assert said == ["ask_missing_reference"] and not slots.get("verified") and slots["candidate_borrower"] is None
    with records_db.session() as s:
        said, slots = attempt(s, FakeTracker("telegram", metadata), dob=RIGHT)
    assert said[0] == "verified_statement" and slots["verified"] is True


def test_the_telegram_channel_name_is_the_channels_own():
    from bot.channels.telegram import CHANNEL

    assert identity.TELEGRAM == CHANNEL


def test_a_wrong_date_through_telegram_counts_against_the_borrowers_loan(records_db):  # noqa: F811
    loan = new_loan(records_db, telegram_user_id=777002)
    with records_db.session() as s:
        for _ in range(5):
            said, _ = attempt(s, FakeTracker("telegram", {"telegram_user_id": 777002}), dob=WRONG)
        assert said == ["verification_locked"]
        assert lockout.active_lock(s, "loan", loan) is not None
        assert attempt(s, FakeTracker(), reference=loan, dob=RIGHT)[0] == ["verification_locked"]


def test_the_sender_lock_survives_a_restart_of_the_conversation(records_db):  # noqa: F811
    loan = new_loan(records_db)
    tracker = FakeTracker()
    with records_db.session() as s:
        for _ in range(5):
            attempt(s, tracker, reference="NO-SUCH-1", dob=WRONG)
        # /restart empties every slot; the sender id stays and so does its lock.
        assert attempt(s, tracker, reference=loan, dob=RIGHT, slots={})[0] == ["verification_locked"]


@pytest.mark.parametrize("corrected", ["reference", "dob"])
def test_a_corrected_detail_is_tried_with_the_other_already_given(records_db, corrected):  # noqa: F811
    """ "LN-52193, bday 7/4/88" fails; "wait typo. LN-52139" verifies without asking the date again,
    and a corrected date of birth is tried with the reference given before."""
    loan = new_loan(records_db)
    tracker = FakeTracker()
    first = {"reference": "LN-00000", "dob": RIGHT} if corrected == "reference" else {"reference": loan, "dob": WRONG}
    with records_db.session() as s:
        said, slots = attempt(s, tracker, **first)
        assert said == ["verify_failed"]
        assert slots["candidate_reference"] == first["reference"] and slots["candidate_dob"] == first["dob"]
        again = {"reference": loan} if corrected == "reference" else {"dob": RIGHT}
        said, slots = attempt(s, tracker, **again, slots={**slots, "verify_attempts": 1})
    assert said[0].startswith("verified") and slots["verified"] is True


def test_a_failed_pair_is_never_tried_again_as_it_was(records_db):  # noqa: F811
    loan = new_loan(records_db)
    tracker = FakeTracker()
    with records_db.session() as s:
        _, slots = attempt(s, tracker, reference=loan, dob=WRONG)
        said, _ = attempt(s, tracker, slots={**slots, "verify_attempts": 1})  # "I don't have it" read as identity
        failures = lockout.refusal(s, conversation_id=tracker.sender_id, loan_id=loan)
    assert said == ["ask_missing_reference"] and failures is None
