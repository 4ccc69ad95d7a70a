"""The SMS/WhatsApp input channels (bot/channels/sms.py) on an in-process Sanic app, driven over ASGI.

Rasa's agent is replaced by a recorder that answers each message through the
channel's output, so a test sees what would have been parsed and, in the
fake providers' log, what the borrower would have received. Requests are
signed the way Twilio signs them (tests/support/fake_providers.py shares the
signing code's inputs, not the channel's check).
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
import uuid
from types import SimpleNamespace
from urllib.parse import urlencode

import httpx
import pytest
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic

from bot.channels.guard import Guard, Limits, reply_text
from bot.channels.providers import ProviderSettings
from bot.channels.sms import (EMPTY_TWIML, AfricasTalkingInput, ConfigError, TwilioInput, recipient_of,
                              sender_id)
from tests.support.fake_providers import AT_KEY, AT_USERNAME, SID, TOKEN, FakeProviders

Sanic.test_mode = True  # several apps in one process (see tests/security/channels.py)
PUBLIC_URL = "https://bot.example.com/webhooks/twilio/webhook"
AT_SECRET = "at-callback-" + secrets.token_hex(12)
KENYA = "+254712345678"


def twilio_signature(url: str, pairs: list[tuple[str, str]], token: str = TOKEN) -> str:
    """Written out from Twilio's docs, independently of the code under test."""
    data = url + "".join(k + v for k, v in sorted(pairs))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def twilio_form(sender: str = KENYA, body: str = "I can pay on Friday", sid: str | None = None, **extra) -> dict:
    form = {"MessageSid": sid or "SM" + secrets.token_hex(16), "AccountSid": SID, "From": sender,
            "To": "+15005550006", "Body": body, "NumMedia": "0", "FromCity": "", **extra}
    return {k: v for k, v in form.items() if v is not None}


class Harness:
    """One channel on its own Sanic app; `parsed` are the messages Rasa's agent would have handled."""

    def __init__(self, channel, paused: bool = False):
        self.parsed: list[UserMessage] = []
        self.buttons: list[dict] | None = None
        self.paused = paused
        self.app = Sanic(f"sms_{uuid.uuid4().hex}")
        self.app.ctx.agent = SimpleNamespace(handle_message=self._parse,
                                             tracker_store=SimpleNamespace(retrieve=self._retrieve))
        register([channel], self.app, route="/webhooks/")
        self.loop = asyncio.new_event_loop()
        self._inbox: asyncio.Queue = asyncio.Queue()
        self._outbox: asyncio.Queue = asyncio.Queue()
        self.loop.run_until_complete(self._start())

    async def _start(self) -> None:
        await self._inbox.put({"type": "lifespan.startup"})
        self._lifespan = asyncio.ensure_future(
            self.app({"type": "lifespan", "asgi": {"version": "3.0"}}, self._inbox.get, self._outbox.put))
        assert (await self._outbox.get())["type"] == "lifespan.startup.complete"

    async def _parse(self, message: UserMessage) -> None:
        self.parsed.append(message)
        if self.buttons:
            await message.output_channel.send_text_with_buttons(message.sender_id, "Pay on Friday?", self.buttons)
        else:
            await message.output_channel.send_text_message(message.sender_id, f"parsed: {message.text}")

    async def _retrieve(self, sender: str):
        return SimpleNamespace(is_paused=lambda: self.paused)

    def post(self, path: str, body: bytes, headers: dict | None = None) -> httpx.Response:
        async def send():
            transport = httpx.ASGITransport(app=self.app, client=("203.0.113.5", 40000))
            async with httpx.AsyncClient(transport=transport, base_url="http://rasa") as client:
                return await client.post(path, content=body, headers={
                    "Content-Type": "application/x-www-form-urlencoded", **(headers or {})})

        return self.loop.run_until_complete(send())

    def twilio(self, form: dict | list, url: str = PUBLIC_URL, signature: str | None = "sign") -> httpx.Response:
        pairs = list(form.items()) if isinstance(form, dict) else form
        headers = {} if signature is None else {
            "X-Twilio-Signature": twilio_signature(url, pairs) if signature == "sign" else signature}
        return self.post("/webhooks/twilio/webhook", urlencode(pairs).encode(), headers)

    def africastalking(self, form: dict, secret: str | None = AT_SECRET) -> httpx.Response:
        query = "" if secret is None else "?" + urlencode({"secret": secret})
        return self.post("/webhooks/africastalking/webhook" + query, urlencode(form).encode())

    def close(self) -> None:
        async def stop():
            await self._inbox.put({"type": "lifespan.shutdown"})
            await asyncio.wait_for(self._outbox.get(), 10)
            self._lifespan.cancel()
            await asyncio.gather(self._lifespan, return_exceptions=True)

        self.loop.run_until_complete(stop())
        self.loop.close()


@pytest.fixture(scope="module")
def fake():
    server = FakeProviders().start()
    yield server
    server.stop()


@pytest.fixture
def settings(fake) -> ProviderSettings:
    return ProviderSettings.from_env({
        "TWILIO_BASE_URL": fake.base_url, "TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_SMS_FROM": "+15005550006", "TWILIO_WHATSAPP_FROM": "+14155238886",
        "AT_BASE_URL": fake.base_url, "AT_USERNAME": AT_USERNAME, "AT_API_KEY": AT_KEY, "AT_SENDER_ID": "22384"})


@pytest.fixture
def harness():
    made = []

    def make(channel, **kwargs) -> Harness:
        made.append(Harness(channel, **kwargs))
        return made[-1]

    yield make
    for h in made:
        h.close()


@pytest.fixture
def twilio_channel(harness, settings):
    return lambda limits=None, **kwargs: harness(TwilioInput(TOKEN, PUBLIC_URL, Guard(limits or Limits()), settings),
                                                 **kwargs)


@pytest.fixture
def at_channel(harness, settings):
    return lambda limits=None, **kwargs: harness(AfricasTalkingInput(AT_SECRET, Guard(limits or Limits()), settings),
                                                 **kwargs)


# --- Twilio -------------------------------------------------------------------------------

def test_signed_sms_joins_the_conversation_of_its_number_and_the_reply_goes_through_twilio(twilio_channel, fake):
    channel = twilio_channel()
    form = twilio_form()
    reply = channel.twilio(form)
    assert reply.status_code == 200 and reply.text == EMPTY_TWIML
    assert reply.headers["content-type"].startswith("text/xml")
    [message] = channel.parsed
    assert (message.text, message.sender_id, message.input_channel) == ("I can pay on Friday", "sms:" + KENYA, "twilio")
    assert message.metadata == {"sms_channel": "sms", "sms_phone": KENYA}
    assert message.message_id == "twilio-" + form["MessageSid"]
    # through Twilio, from the number the borrower wrote to, although +254 goes to Africa's Talking by default
    assert fake.sent("twilio")[-1]["form"] == {"To": KENYA, "From": "+15005550006",
                                               "Body": "parsed: I can pay on Friday"}


def test_whatsapp_sender_is_its_own_conversation(twilio_channel, fake):
    channel = twilio_channel()
    assert channel.twilio(twilio_form(sender="whatsapp:" + KENYA, body="hi")).status_code == 200
    [message] = channel.parsed
    assert message.sender_id == "whatsapp:" + KENYA
    assert message.metadata == {"sms_channel": "whatsapp", "sms_phone": KENYA}
    sent = fake.sent("twilio")[-1]["form"]
    assert (sent["To"], sent["From"], sent["Body"]) == ("whatsapp:" + KENYA, "whatsapp:+14155238886", "parsed: hi")


@pytest.mark.parametrize("case", ["missing", "garbage", "other token", "other url", "tampered"])
def test_a_request_twilio_did_not_sign_is_refused_unread(twilio_channel, case):
    channel = twilio_channel()
    form = twilio_form()
    if case == "missing":
        reply = channel.twilio(form, signature=None)
    elif case == "garbage":
        reply = channel.twilio(form, signature="bm90IGEgc2lnbmF0dXJl")
    elif case == "other token":
        reply = channel.twilio(form, signature=twilio_signature(PUBLIC_URL, list(form.items()), "another-token"))
    elif case == "other url":
        reply = channel.twilio(form, url="https://evil.example.com/webhooks/twilio/webhook")
    else:
        reply = channel.twilio({**form, "Body": "I will never pay"},
                               signature=twilio_signature(PUBLIC_URL, list(form.items())))
    assert reply.status_code == 403 and "X-Twilio-Signature" in reply.json()["error"]
    assert channel.parsed == []


def test_blank_fields_count_in_the_signature(twilio_channel):
    """Twilio signs blank fields (FromCity=, Body= on a picture); Sanic's own form parser drops them."""
    channel = twilio_channel()
    form = twilio_form(FromZip="", FromState="")
    assert channel.twilio(form).status_code == 200
    assert len(channel.parsed) == 1


@pytest.mark.parametrize("change, field", [
    ({"From": None}, "From"), ({"From": "0712345678"}, "From"), ({"From": "whatsapp:0712"}, "From"),
    ({"From": KENYA + "\n"}, "From"),
    ({"MessageSid": None}, "MessageSid"), ({"MessageSid": "SM123"}, "MessageSid"), ({"Body": None}, "Body"),
    ({"To": None}, "To"),
])
def test_a_signed_but_malformed_form_gets_a_clear_400(twilio_channel, change, field):
    channel = twilio_channel()
    form = {k: v for k, v in {**twilio_form(), **change}.items() if v is not None}
    reply = channel.twilio(form)
    assert reply.status_code == 400 and reply.json()["error"].startswith(field + ":"), reply.text
    assert channel.parsed == []


def test_a_field_given_twice_is_refused(twilio_channel):
    channel = twilio_channel()
    pairs = list(twilio_form().items()) + [("From", "+254700000000")]
    reply = channel.twilio(pairs)
    assert reply.status_code == 400 and reply.json()["error"].startswith("From:")
    assert channel.parsed == []


def test_a_resent_message_is_handled_once(twilio_channel):
    channel = twilio_channel()
    form = twilio_form()
    assert channel.twilio(form).status_code == 200
    assert channel.twilio(form).status_code == 200
    assert len(channel.parsed) == 1


def test_a_picture_without_words_is_not_passed_on(twilio_channel):
    channel = twilio_channel()
    assert channel.twilio(twilio_form(body="", NumMedia="1")).status_code == 200
    assert channel.parsed == []


def test_buttons_are_numbered_lines_and_a_number_reply_is_the_payload(twilio_channel, fake):
    channel = twilio_channel()
    channel.buttons = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
    channel.twilio(twilio_form(body="hello"))
    assert fake.sent("twilio")[-1]["form"]["Body"] == "Pay on Friday?\n1. Yes\n2. No"
    channel.buttons = None  # the next answers are plain text
    channel.twilio(twilio_form(body=" 2 "))
    channel.twilio(twilio_form(body="2"))  # the offer ended with the previous reply
    assert [m.text for m in channel.parsed] == ["hello", "/deny", "2"]


def test_a_flood_gets_the_polite_answer_through_the_provider(twilio_channel, fake):
    channel = twilio_channel(Limits(per_sender_per_minute=1))
    channel.twilio(twilio_form(body="one"))
    assert channel.twilio(twilio_form(body="two")).status_code == 200
    assert [m.text for m in channel.parsed] == ["one"]
    assert fake.sent("twilio")[-1]["form"]["Body"] == reply_text("rate_limited")


def test_after_a_hand_off_the_channel_itself_stays_silent(twilio_channel, fake):
    channel = twilio_channel(Limits(per_sender_per_minute=1), paused=True)
    channel.twilio(twilio_form(body="one"))
    before = len(fake.messages)
    channel.twilio(twilio_form(body="two"))
    assert len(fake.messages) == before


def test_a_provider_failure_on_the_reply_still_answers_200(twilio_channel, fake):
    channel = twilio_channel()
    fake.fail_next("500")
    assert channel.twilio(twilio_form()).status_code == 200
    assert len(channel.parsed) == 1


# --- Africa's Talking --------------------------------------------------------------------------

def at_form(**change) -> dict:
    form = {"from": KENYA, "to": "22384", "text": "Nitalipa Ijumaa", "id": "ATXid_" + secrets.token_hex(8),
            "date": "2026-12-06 10:00:00", "linkId": "SampleLinkId123", **change}
    return {k: v for k, v in form.items() if v is not None}


def test_africastalking_message_joins_the_same_sms_conversation(at_channel, fake):
    channel = at_channel()
    form = at_form()
    reply = channel.africastalking(form)
    assert reply.status_code == 200
    [message] = channel.parsed
    assert (message.text, message.sender_id, message.input_channel) == ("Nitalipa Ijumaa", "sms:" + KENYA,
                                                                      "africastalking")
    assert message.metadata == {"sms_channel": "sms", "sms_phone": KENYA}
    assert message.message_id == "africastalking-" + form["id"]
    assert fake.sent("africastalking")[-1]["form"] == {"username": AT_USERNAME, "to": KENYA,
                                                      "message": "parsed: Nitalipa Ijumaa", "from": "22384"}


@pytest.mark.parametrize("secret", [None, "", "wrong", AT_SECRET[:-1]])
def test_africastalking_without_the_secret_is_refused_unread(at_channel, secret):
    channel = at_channel()
    reply = channel.africastalking(at_form(), secret=secret)
    assert reply.status_code == 403 and "secret" in reply.json()["error"]
    assert channel.parsed == []


@pytest.mark.parametrize("change, field", [
    ({"from": None}, "from"), ({"from": "0712345678"}, "from"), ({"text": None}, "text"), ({"id": None}, "id"),
    ({"id": "x" * 101}, "id"), ({"id": "a b"}, "id"), ({"to": None}, "to"),
])
def test_africastalking_malformed_form_gets_a_clear_400(at_channel, change, field):
    channel = at_channel()
    reply = channel.africastalking(at_form(**change))
    assert reply.status_code == 400 and reply.json()["error"].startswith(field + ":"), reply.text
    assert channel.parsed == []


# --- configuration and ids ----------------------------------------------------------------------

def test_conversation_ids_round_trip_and_refuse_others():
    assert recipient_of(sender_id("whatsapp", KENYA)) == ("whatsapp", KENYA)
    for other in ["tg-1-0123456789abcdef", "sms:0712345678", "email:a@example.com", "sms:+254712345678\n"]:
        with pytest.raises(ValueError):
            recipient_of(other)


def test_credentials_are_validated():
    channel = TwilioInput.from_credentials({"auth_token": "t", "webhook_url": PUBLIC_URL})
    assert (channel.auth_token, channel.webhook_url) == ("t", PUBLIC_URL)
    assert AfricasTalkingInput.from_credentials({"secret": AT_SECRET}).secret == AT_SECRET
    for bad, key in [({"auth_token": "t"}, "webhook_url"), ({"webhook_url": PUBLIC_URL}, "auth_token"),
                     ({"auth_token": "t", "webhook_url": "/relative"}, "webhook_url"),
                     ({"auth_token": "t", "webhook_url": PUBLIC_URL, "sid": "x"}, "unknown keys")]:
        with pytest.raises(ConfigError, match=key):
            TwilioInput.from_credentials(bad)
    for bad in [None, {}, {"secret": "short"}, {"secret": AT_SECRET, "x": 1}]:
        with pytest.raises(ConfigError):
            AfricasTalkingInput.from_credentials(bad)
