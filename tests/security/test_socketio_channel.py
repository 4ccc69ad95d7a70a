"""The web chat's socket.io channel applies the same guard as REST (real Rasa server):
over-long messages get the polite reply unparsed, Telegram metadata is dropped."""
from __future__ import annotations

import json

import pytest

from bot.dialogue.messages import render
from tests.security.http import call
from tests.security.webchat import WebChat

pytestmark = pytest.mark.e2e


def user_events(stack, session_id: str) -> list[dict]:
    status, _, raw = call("GET", stack.rasa_api(f"/conversations/{session_id}/tracker"))
    assert status == 200, raw[:200]
    return [e for e in json.loads(raw)["events"] if e["event"] == "user"]


def test_a_long_message_in_the_web_chat_is_answered_and_not_parsed(stack):
    chat = WebChat(stack.rasa_url)
    try:
        assert chat.say("I want to " * 10_000) == render("message_too_long")
        reply = chat.say("hello")
        assert reply and reply != render("message_too_long")
    finally:
        chat.close()
    assert [e["text"] for e in user_events(stack, chat.session_id)] == ["hello"]


def test_telegram_metadata_from_the_web_chat_is_dropped(stack):
    chat = WebChat(stack.rasa_url)
    try:
        reply = chat.say("hello", metadata={"telegram_user_id": 5551234567, "telegram_phone": "+254712345678",
                                            "timezone": "Africa/Nairobi"})
        assert "linked to your" not in reply
    finally:
        chat.close()
    [said] = user_events(stack, chat.session_id)
    assert said["input_channel"] == "socketio" and said["metadata"]["timezone"] == "Africa/Nairobi"
    assert not [key for key in said["metadata"] if key.startswith("telegram_")], said["metadata"]
