"""The guarded REST channel refuses what a caller must not choose (unit level).

Rasa's RestInput lets the caller pick the sender id (so another channel's
conversation), the input channel recorded on the message and the metadata
(so the Telegram identity only the Telegram channel may vouch for). These
tests drive bot/channels/rest.py over ASGI, with Rasa's agent replaced by a
recorder of what would have been parsed. The same refusals against the real
Rasa server are in test_rest_channel_e2e.py.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import jwt
import pytest

from bot.channels.rest import MAX_BODY_BYTES, SECRET_ENV, TOKEN_AUDIENCE

PUBLIC = "198.51.100.7"  # a documentation address: outside every private network
KEY = "rest-channel-test-key-" + "r" * 32


@pytest.mark.parametrize("sender", ["tg-5551234567-0123456789abcdef", "web-" + "a" * 32, "TG-1", "Web-x",
                                    "sms:+254712345678", "whatsapp:+254712345678", "SMS:+1", "email:a@b.example"])
def test_sender_ids_of_other_channels_are_refused(rest_channel, sender):
    channel = rest_channel()
    status, answer = channel.say(sender, "hello")
    assert status == 400 and "belong to other channels" in answer["error"]
    assert channel.parsed == []


def test_telegram_metadata_is_dropped_and_the_input_channel_is_rest(rest_channel):
    channel = rest_channel()
    claim = {"telegram_user_id": 5551234567, "telegram_phone": "+254712345678", "Telegram_Chat_Id": 1,
             "timezone": "Africa/Nairobi", "auth_token": "x.y.z"}
    status, answer = channel.post({"sender": "integration-1", "message": "hi", "metadata": claim,
                                   "input_channel": "telegram"})
    assert status == 200 and answer == [{"recipient_id": "integration-1", "text": "parsed"}]
    [message] = channel.parsed
    assert message.metadata == {"timezone": "Africa/Nairobi", "auth_token": "x.y.z"}
    assert message.input_channel == "rest" and message.sender_id == "integration-1"


@pytest.mark.parametrize("body, error", [
    (b"{not json", "not valid JSON"),
    ([{"sender": "a", "message": "hi"}], "JSON object"),
    ({"message": "hi"}, "`sender`"),
    ({"sender": "", "message": "hi"}, "`sender`"),
    ({"sender": 42, "message": "hi"}, "`sender`"),
    ({"sender": "a" * 129, "message": "hi"}, "at most 128"),
    ({"sender": "a\nb", "message": "hi"}, "printable"),
    ({"sender": "a"}, "`message`"),
    ({"sender": "a", "message": {"text": "hi"}}, "`message`"),
    ({"sender": "a", "message": "hi", "metadata": ["telegram_user_id"]}, "`metadata`"),
])
def test_malformed_bodies_get_a_clear_400(rest_channel, body, error):
    channel = rest_channel()
    status, answer = channel.post(body)
    assert status == 400 and error in answer["error"], answer
    assert channel.parsed == []


def test_a_body_over_the_cap_is_refused_unread(rest_channel):
    channel = rest_channel()
    status, answer = channel.say("big", "x" * MAX_BODY_BYTES)
    assert status == 413 and str(MAX_BODY_BYTES) in answer["error"]
    assert channel.parsed == []


def token(sender: str, key: str = KEY, minutes: int = 5) -> str:
    now = datetime.now(timezone.utc)
    return jwt.encode({"sub": sender, "aud": TOKEN_AUDIENCE, "exp": now + timedelta(minutes=minutes)}, key, "HS256")


def test_outside_the_private_network_the_channel_is_closed_without_its_secret(rest_channel, monkeypatch):
    monkeypatch.delenv(SECRET_ENV, raising=False)
    channel = rest_channel()
    status, answer = channel.say("someone", "hi", peer=PUBLIC)
    assert status == 403 and "private network" in answer["error"]
    # Through the reverse proxy (loopback peer, the client in X-Forwarded-For): the same.
    status, _ = channel.say("someone", "hi", peer="127.0.0.1", headers={"X-Forwarded-For": PUBLIC})
    assert status == 403
    assert channel.parsed == []


def test_outside_callers_need_a_token_naming_their_sender(rest_channel, monkeypatch):
    monkeypatch.setenv(SECRET_ENV, KEY)
    channel = rest_channel()
    bearer = lambda jwt_: {"Authorization": "Bearer " + jwt_}  # noqa: E731
    refused = [
        channel.say("app-user-1", "hi", peer=PUBLIC),
        channel.say("app-user-1", "hi", peer=PUBLIC, headers=bearer(token("app-user-2"))),  # another sender
        channel.say("app-user-1", "hi", peer=PUBLIC, headers=bearer(token("app-user-1", "k" * 40))),  # another key
        channel.say("app-user-1", "hi", peer=PUBLIC, headers=bearer(token("app-user-1", minutes=-1))),  # expired
    ]
    assert [status for status, _ in refused] == [401, 401, 401, 401], refused
    assert channel.parsed == []
    status, _ = channel.say("app-user-1", "hi", peer=PUBLIC, headers={"Authorization": "Bearer " + token("app-user-1")})
    assert status == 200 and [m.sender_id for m in channel.parsed] == ["app-user-1"]


@pytest.mark.parametrize("peer", ["127.0.0.1", "10.1.2.3", "172.20.0.5", "192.168.1.9", "::1", "fd00::1"])
def test_the_private_network_needs_no_token(rest_channel, monkeypatch, peer):
    monkeypatch.delenv(SECRET_ENV, raising=False)
    channel = rest_channel()
    assert channel.say("integration", "hi", peer=peer)[0] == 200
    assert len(channel.parsed) == 1
