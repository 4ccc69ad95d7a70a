"""A 100 KB borrower message gets one polite reply, fast, and stalls nobody.

Before the channel guard, Rasa parsed a message of any size with a
super-linear self-harm regex: one large message held the server for
everyone. Now a message over 2,000 characters is answered by the channel
itself (config/messages.yml `message_too_long`) and never parsed.
"""
from __future__ import annotations

import json
import secrets
import time

import pytest

from bot.dialogue.messages import render
from tests.conftest import Borrower
from tests.security.http import call

pytestmark = pytest.mark.e2e
BOUND_S = 10.0  # generous: the answer takes milliseconds (bench/results/security.md)
TOO_LONG = render("message_too_long")


def send(stack, sender: str, text: str) -> tuple[int, list[dict], float]:
    started = time.monotonic()
    status, _, raw = call("POST", f"{stack.rasa_url}/webhooks/rest/webhook", {"sender": sender, "message": text},
                          timeout=120)
    return status, json.loads(raw), time.monotonic() - started


def user_texts(stack, sender: str) -> list[str]:
    status, _, raw = call("GET", stack.rasa_api(f"/conversations/{sender}/tracker"))
    assert status == 200, raw[:200]
    return [e["text"] for e in json.loads(raw)["events"] if e["event"] == "user"]


@pytest.mark.parametrize("unit", ["a", "I want to ", "1", " ", "my self 1 2 kill "])
def test_a_100_kb_message_gets_one_polite_reply_quickly(stack, unit):
    borrower = Borrower(stack, f"large-{secrets.token_hex(4)}")
    status, replies, took = send(stack, borrower.sender, (unit * 100_000)[:100_000])
    assert status == 200 and replies == [{"recipient_id": borrower.sender, "text": TOO_LONG}]
    assert took < BOUND_S, f"{took:.1f} s"
    reply = borrower.say("hello")  # the server still answers, the same conversation too
    assert reply and TOO_LONG not in reply
    assert user_texts(stack, borrower.sender) == ["hello"]  # the large message was never parsed


def test_the_cap_is_2000_characters(stack):
    borrower = Borrower(stack, f"cap-{secrets.token_hex(4)}")
    at_cap = ("hello " * 400)[:2000]
    status, replies, _ = send(stack, borrower.sender, at_cap + "!")
    assert status == 200 and [r["text"] for r in replies] == [TOO_LONG]
    status, replies, _ = send(stack, borrower.sender, at_cap)
    assert status == 200 and replies and TOO_LONG not in [r["text"] for r in replies]
    assert user_texts(stack, borrower.sender) == [at_cap]  # parsed, and only this one
