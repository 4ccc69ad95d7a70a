"""The actions read the NLU's signals, not the borrower's text (records database, no Rasa).

`action_stop_contact` takes the opt-out kind and `action_verify` a loan
reference written in free text from `turn.signals`: a text that says
otherwise changes nothing.
"""
from __future__ import annotations

from datetime import datetime, timezone

from actions import identity, people
from actions.turns import Reply
from bot.dialogue.moves import Turn
from bot.records.models import Borrower
from tests.support.records_fixtures import add_loan
from tests.unit.actions.test_actions_identity import RIGHT, FakeTracker

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)


def _stop(db, loan_id: str, text: str, opt_out: str | None) -> Borrower:
    add_loan(db, loan_id)
    slots = {"loan": {"loan_id": loan_id, "borrower_id": f"B-{loan_id}"}}
    turn = Turn("stop_contact", text, NOW, slots, signals={"opt_out": opt_out})
    with db.session() as s:
        people.stop_contact(turn, Reply(turn), s, FakeTracker("telegram"))
    with db.session() as s:
        row = s.query(Borrower).filter_by(borrower_id=f"B-{loan_id}").one()
        return row.cease_contact, list(row.opted_out_channels or [])


def test_the_opt_out_kind_comes_from_the_signal(records_db):  # noqa: F811
    # The text is a cease request in words; the signal says "this channel": the signal wins.
    assert _stop(records_db, "SIG-1", "never contact me again", "channel") == (False, ["telegram"])
    # A stop request with no kind read is the wider one: stop all contact.
    assert _stop(records_db, "SIG-2", "STOP", None)[0] is True


def test_a_reference_in_free_text_comes_from_the_signal(records_db):  # noqa: F811
    add_loan(records_db, "SIG-20931")
    turn = Turn("provide_identity", "it is the one I took in march", NOW, {}, {"date_of_birth": [RIGHT]},
                signals={"loan_reference": "SIG-20931"})
    reply = Reply(turn)
    with records_db.session() as s:
        events = identity.verify(turn, reply, s, FakeTracker())
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots.get("verified") is True and slots.get("loan_id") == "SIG-20931"


def test_a_contact_limit_blocks_those_channels_and_never_ceases(records_db):  # noqa: F811
    """Round 6 (dev): "no calls, SMS only" was recorded as a full cease of contact."""
    add_loan(records_db, "SIG-30")
    limits = {"no": ["voice"], "only": ["sms"]}
    slots = {"loan": {"loan_id": "SIG-30", "borrower_id": "B-SIG-30"}}
    turn = Turn("stop_contact", "no calls, SMS only", NOW, slots,
                signals={"opt_out": "limits", "contact_limits": limits})
    reply = Reply(turn)
    with records_db.session() as s:
        events = people.stop_contact(turn, reply, s, FakeTracker("telegram"))
    with records_db.session() as s:
        row = s.query(Borrower).filter_by(borrower_id="B-SIG-30").one()
        assert row.cease_contact is False
        assert sorted(row.opted_out_channels) == ["email", "post", "telegram", "voice", "whatsapp", "workplace"]
    [(key, text, _)] = reply.messages
    assert key == "stop_contact_limits" and "only text messages (SMS) from now on, and no more phone calls" in text
    undo = next(e["value"] for e in events if e.get("name") == "last_record")["undo"]
    assert undo["newly_blocked"] == ["email", "post", "telegram", "voice", "whatsapp", "workplace"]
