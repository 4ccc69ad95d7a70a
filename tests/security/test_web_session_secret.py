"""A web chat session resumes only with the secret the server issued with it.

Before, a session id alone resumed a (maybe verified) conversation: whoever
saw it (a shared computer, a screenshot, a log) could ask for the balance.
Now the Rasa server issues the id ("web-...") and HMAC-SHA256(CHANNEL_SECRET,
id); without that secret the browser gets a new, unverified conversation.
"""
from __future__ import annotations

import json

import pytest

from tests.security.http import call
from tests.security.webchat import WebChat

pytestmark = pytest.mark.e2e
# LN-20931 in data/demo/portfolio.csv: Wanjiku Kamau, born 17 April 1991, owes KES 13,860.00.
IDENTITY, OWED = "my loan number is LN-20931 and my date of birth is 17 April 1991", "13,860.00"


def tracker(stack, session_id: str) -> dict:
    status, _, raw = call("GET", stack.rasa_api(f"/conversations/{session_id}/tracker"))
    assert status == 200, raw[:200]
    return json.loads(raw)


def verified(stack, session_id: str) -> bool:
    return bool(tracker(stack, session_id)["slots"].get("verified"))


def user_texts(stack, session_id: str) -> list[str]:
    return [e["text"] for e in tracker(stack, session_id)["events"] if e["event"] == "user"]


@pytest.fixture(scope="module")
def verified_session(stack):
    chat = WebChat(stack.rasa_url)
    try:
        assert chat.session_id.startswith("web-") and len(chat.secret) == 64
        chat.say("hi")
        assert OWED in chat.say(IDENTITY)
    finally:
        chat.close()
    assert verified(stack, chat.session_id)
    return chat.session_id, chat.secret


@pytest.mark.parametrize("secret", [None, "", "0" * 64, "not-a-secret"], ids=["none", "empty", "zeros", "garbage"])
def test_without_its_secret_a_session_id_starts_a_new_unverified_conversation(stack, verified_session, secret):
    session_id, _ = verified_session
    chat = WebChat(stack.rasa_url, session_id, secret)
    try:
        assert chat.session_id != session_id and chat.session_id.startswith("web-")
        reply = chat.say("what is my balance")
        assert OWED not in reply and ("date of birth" in reply or "loan reference" in reply.lower()), reply
        # The old conversation is out of reach from this socket, too.
        chat.handled(f"intruding with {secret!r}", session_id)
    finally:
        chat.close()
    assert not verified(stack, chat.session_id)
    assert not [text for text in user_texts(stack, session_id) if text.startswith("intruding")]


def test_another_sessions_secret_does_not_open_this_one(stack, verified_session):
    session_id, _ = verified_session
    other = WebChat(stack.rasa_url)
    other.close()
    chat = WebChat(stack.rasa_url, session_id, other.secret)
    chat.close()
    assert chat.session_id not in (session_id, other.session_id)


def test_with_its_secret_the_same_conversation_resumes(stack, verified_session):
    session_id, secret = verified_session
    chat = WebChat(stack.rasa_url, session_id, secret)
    try:
        assert (chat.session_id, chat.secret) == (session_id, secret)
        assert OWED in chat.say("what is my balance")
    finally:
        chat.close()
