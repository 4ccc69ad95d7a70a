"""Per-sender and per-IP rate limits answer politely and parse nothing more.

Unit level: the guard with a fake clock, and the guarded REST channel over
ASGI with fake peer addresses (X-Forwarded-For counts only from the proxy on
loopback; from anyone else it is a claim and ignored). End to end: one
sender over its limit against the real Rasa server.
"""
from __future__ import annotations

import json
import secrets

import pytest

from bot.channels.guard import (RATE_LIMITED, TOO_LONG, Guard, Limits, SlidingWindow, client_ip,
                                configured_limits, is_trusted_network, reply_text)
from bot.config.bot_file import load_bot
from bot.config.errors import ConfigError
from bot.dialogue.messages import render
from tests.security.http import call
from tests.support.config_files import write_variant

PUBLIC, OTHER_PUBLIC = "198.51.100.7", "198.51.100.8"
SMALL = Limits(message_chars=2000, per_sender_per_minute=3, per_ip_per_minute=5)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_sender_over_its_limit_is_refused_until_the_window_slides():
    clock = Clock()
    guard = Guard(SMALL, clock=clock)
    assert [guard.check("hi", "alice") for _ in range(3)] == [None, None, None]
    assert guard.check("hi", "alice") == RATE_LIMITED
    assert guard.check("hi", "bob") is None  # per sender, not for everyone
    clock.now += 59.9
    assert guard.check("hi", "alice") == RATE_LIMITED  # refused messages do not count, the window still holds
    clock.now += 0.2
    assert guard.check("hi", "alice") is None  # the first message left the 60 s window


def test_long_messages_count_towards_the_rate_and_are_refused():
    guard = Guard(SMALL, clock=Clock())
    assert guard.check("x" * 2001, "alice") == TOO_LONG
    assert guard.check("x" * 2000, "alice") is None
    assert guard.check("hi", "alice") is None
    assert guard.check("x" * 2001, "alice") == RATE_LIMITED


def test_the_ip_limit_spans_senders():
    guard = Guard(SMALL, clock=Clock())
    assert [guard.check("hi", f"sender-{i}", PUBLIC) for i in range(5)] == [None] * 5
    assert guard.check("hi", "sender-new", PUBLIC) == RATE_LIMITED
    assert guard.check("hi", "sender-new", OTHER_PUBLIC) is None
    assert guard.check("hi", "sender-new", None) is None  # no address: no per-IP limit


def test_made_up_senders_cannot_grow_memory_without_bound():
    clock = Clock()
    window = SlidingWindow(2, clock=clock, max_keys=100)
    for i in range(1000):
        window.record(f"s{i}")
    assert len(window) == 100
    clock.now += 61
    window.record("late")
    assert len(window) == 1  # keys idle for a whole window are forgotten


def test_x_forwarded_for_is_believed_only_from_the_proxy_on_loopback():
    assert client_ip("127.0.0.1", f"{PUBLIC}, 10.0.0.1") == PUBLIC
    assert client_ip("::1", PUBLIC) == PUBLIC
    assert client_ip(OTHER_PUBLIC, "127.0.0.1") == OTHER_PUBLIC  # a client's claim to be local
    assert client_ip("10.0.0.5", PUBLIC) == "10.0.0.5"  # only loopback is the proxy
    assert client_ip("127.0.0.1", "not-an-address") == "127.0.0.1"
    assert client_ip(None, PUBLIC) is None
    assert [is_trusted_network(ip) for ip in ("127.0.0.1", "10.9.8.7", "172.31.0.1", "192.168.0.1", "::1",
                                              "fd12::1", "::ffff:10.0.0.1")] == [True] * 7
    assert [is_trusted_network(ip) for ip in (PUBLIC, "8.8.8.8", "172.32.0.1", "2001:db8::1", "", None,
                                              "localhost")] == [False] * 7


def test_the_per_ip_limit_on_rest_counts_the_real_peer_not_a_spoofed_header(rest_channel, monkeypatch):
    from bot.channels import rest

    monkeypatch.setattr(rest, "outside_refusal", lambda *args: None)  # as if the operator opened REST with tokens
    channel = rest_channel(SMALL)
    for i in range(5):  # five senders from one address, each claiming another
        status, _ = channel.say(f"s{i}", "hi", peer=PUBLIC, headers={"X-Forwarded-For": f"203.0.113.{i}"})
        assert status == 200
    status, answer = channel.say("s9", "hi", peer=PUBLIC, headers={"X-Forwarded-For": "203.0.113.99"})
    assert status == 429 and answer == [{"recipient_id": "s9", "text": render("rate_limited")}]
    assert len(channel.parsed) == 5
    # Behind the proxy (loopback peer) each forwarded client has its own window.
    for i in range(5):
        assert channel.say(f"p{i}", "hi", peer="127.0.0.1", headers={"X-Forwarded-For": OTHER_PUBLIC})[0] == 200
    assert channel.say("p9", "hi", peer="127.0.0.1", headers={"X-Forwarded-For": OTHER_PUBLIC})[0] == 429
    assert channel.say("q1", "hi", peer="127.0.0.1", headers={"X-Forwarded-For": "198.51.100.9"})[0] == 200


@pytest.mark.parametrize("peer", ["127.0.0.1", "10.0.0.8", "192.168.3.4"])
def test_trusted_integrations_on_the_private_network_have_no_ip_limit(rest_channel, peer):
    channel = rest_channel(SMALL)
    statuses = [channel.say(f"load-test-{i}", "hi", peer=peer)[0] for i in range(20)]
    assert statuses == [200] * 20
    # ... but each sender keeps its own limit there too.
    assert [channel.say("one-person", "hi", peer=peer)[0] for _ in range(4)] == [200, 200, 200, 429]


def test_limits_come_from_config_and_the_environment_and_are_validated(tmp_path):
    def limits(section, env):  # a file per call: load_bot caches by path, size and time
        path = write_variant(tmp_path / f"bot-{len(list(tmp_path.iterdir()))}.yml", "bot.yml", {"limits": section})
        return configured_limits(env, load_bot(path))

    assert configured_limits({}) == Limits() == Limits(message_chars=2000, per_sender_per_minute=30,
                                                       per_ip_per_minute=60)
    assert limits({"per_sender_per_minute": 10}, {}).per_sender_per_minute == 10
    env = {"LIMITS_PER_IP_PER_MINUTE": "120", "LIMITS_MESSAGE_CHARS": " 3000 "}
    assert limits({"per_ip_per_minute": 60}, env) == Limits(message_chars=3000, per_sender_per_minute=30,
                                                            per_ip_per_minute=120)
    for section, env, named in [
        ({"per_sender": 10}, {}, "limits.per_sender: unknown key"),
        ({"per_ip_per_minute": 0}, {}, "limits.per_ip_per_minute: must be a whole number from 1 to 100000, got 0"),
        ({"message_chars": "2000"}, {}, "limits.message_chars: must be a whole number"),
        ({}, {"LIMITS_PER_SENDER_PER_MINUTE": "lots"},
         "^LIMITS_PER_SENDER_PER_MINUTE: must be a whole number from 1 to 10000, got 'lots'$"),
        ({}, {"LIMITS_MESSAGE_CHARS": "99"}, "^LIMITS_MESSAGE_CHARS: must be a whole number from 100 to 100000"),
        ([], {}, "limits: must be a mapping"),
    ]:
        with pytest.raises(ConfigError, match=named):
            limits(section, env)


def test_the_replies_are_the_configured_polite_texts():
    assert reply_text(RATE_LIMITED) == render("rate_limited") and "wait a minute" in reply_text(RATE_LIMITED)
    assert reply_text(TOO_LONG) == render("message_too_long") and "too long" in reply_text(TOO_LONG)


@pytest.mark.e2e
def test_one_sender_over_its_limit_gets_a_polite_reply_from_the_real_server(stack):
    """30 messages a minute (config/bot.yml): 29 over-long ones (refused instantly, but
    counted), one normal one that is parsed, then the 31st is refused unread."""
    url, sender = f"{stack.rasa_url}/webhooks/rest/webhook", f"rate-e2e-{secrets.token_hex(4)}"
    for _ in range(29):
        status, _, raw = call("POST", url, {"sender": sender, "message": "x" * 2001})
        assert status == 200 and json.loads(raw)[0]["text"] == render("message_too_long")
    status, _, raw = call("POST", url, {"sender": sender, "message": "hello"}, timeout=60)
    assert status == 200 and json.loads(raw) and render("message_too_long") not in raw.decode(), raw
    status, headers, raw = call("POST", url, {"sender": sender, "message": "hello again"})
    assert status == 429 and json.loads(raw) == [{"recipient_id": sender, "text": render("rate_limited")}]
    assert headers.get("Retry-After") == "60"
    other = f"rate-e2e-{secrets.token_hex(4)}"
    status, _, raw = call("POST", url, {"sender": other, "message": "hello"}, timeout=60)
    assert status == 200 and json.loads(raw) and render("rate_limited") not in raw.decode()  # others go on
    status, tracker = _tracker(stack, sender)
    assert status == 200 and [e["text"] for e in tracker["events"] if e["event"] == "user"] == ["hello"]


def _tracker(stack, sender: str):
    status, _, raw = call("GET", stack.rasa_api(f"/conversations/{sender}/tracker"))
    return status, json.loads(raw)
