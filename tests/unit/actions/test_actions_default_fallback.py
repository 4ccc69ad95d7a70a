"""Rasa's own fallback speaks through the catalogue and the compliance gate (issue 12, part 4)."""
from __future__ import annotations

import yaml
from rasa_sdk import Tracker
from sqlalchemy import select

from actions import HANDLERS
from actions.turns import _run
from bot.dialogue.messages import render
from bot.records.models import AuditEntry
from bot.settings import ROOT


def unsure_tracker() -> Tracker:
    """A message no policy was sure about: Rasa predicted action_default_fallback, our policy set no move."""
    parse = {"text": "qwzx vbn", "intent": {"name": "nlu_fallback", "confidence": 0.1}, "entities": [],
             "message_id": "m1"}
    return Tracker("conv-default-fallback", {}, parse,
                   [{"event": "user", "text": "qwzx vbn", "timestamp": 1.0, "input_channel": "rest",
                     "parse_data": parse, "message_id": "m1"}],
                   False, None, {}, "action_listen")


def test_domain_overrides_rasas_fallback_and_keeps_no_response_outside_the_catalogue():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert "action_default_fallback" in domain["actions"] and "action_default_fallback" in HANDLERS
    assert not domain.get("responses"), "every bot text lives in config/messages.yml"


def test_rasas_fallback_says_the_catalogue_text_through_the_gate_and_forgets_the_message(records_db):
    with records_db.session() as s:
        result = _run("action_default_fallback", HANDLERS["action_default_fallback"], unsure_tracker(), s)
        kinds = s.execute(select(AuditEntry.kind).where(AuditEntry.conversation_id == "conv-default-fallback")
                          ).scalars().all()
    [(text, _)] = result["messages"]
    # First bot message of the conversation: the disclosure goes first, which utter_default never had.
    assert text.startswith("You are talking to") and text.endswith(render("fallback"))
    assert [e["event"] for e in result["events"]] == ["rewind"]
    assert "message_out" in kinds and "move_refused" not in kinds, kinds
