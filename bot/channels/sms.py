"""Rasa input channels for SMS and WhatsApp replies: Twilio's webhook and Africa's Talking's callback.

A borrower who answers a reminder by SMS or WhatsApp joins a Rasa
conversation keyed by channel and phone (`sms:+2547...`,
`whatsapp:+2547...`): the same number on the same channel is always the
same tracker, so the negotiation goes on where the last message left it.
The message metadata carries `{"sms_channel": "sms"|"whatsapp", "sms_phone": "+2547..."}` (keys no other channel passes through, bot/channels/guard.py).

Who may post here:

- Twilio signs each request (X-Twilio-Signature over the public URL it
  called and every form field); a request whose signature does not verify
  against `webhook_url` and the auth token gets 403 and is not read.
- Africa's Talking signs nothing, so the callback URL we register with it
  carries a shared secret (`?secret=`), compared in constant time.

The bot's answers go out through the adapter of the provider that brought
the message (bot/channels/providers), not in the HTTP answer: the webhook answers only
after the dialogue has run, so one sender's messages stay in order, and the
reply is a normal outbound message with its own delivery status. Buttons are
sent as numbered lines ("1. Yes"); a reply that is just that number becomes
the button's payload. Before a message reaches the agent the channel guard
(bot/channels/guard.py) answers an over-long message or a flood from one
number, except in a conversation handed off to a person, where it stays silent.

Configured in Rasa's credentials file; see docs/channels.md.
"""
from __future__ import annotations

import asyncio
import hmac
import logging
import re
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Mapping
from urllib.parse import parse_qsl, urlparse

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import feedback
from bot.channels.guard import Guard, is_paused, reply_text
from bot.dialogue.messages import render
from bot.channels.providers import africastalking, twilio
from bot.channels.providers.base import E164, Outgoing, ProviderError, ProviderSettings, SendResult, check_outgoing
from bot.channels.providers.twilio import WHATSAPP, valid_signature

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Twilio-Signature"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'  # "no reply in the answer"
MIN_SECRET_CHARS = 16
FEEDBACK_THANKS = "feedback_thanks"  # config/messages.yml
_SENDER = re.compile(r"(sms|whatsapp):(\+[1-9][0-9]{7,14})")
_TWILIO_SID = re.compile(r"(SM|MM)[0-9a-f]{32}")
_AT_ID = re.compile(r"[A-Za-z0-9_.:-]{1,100}")
_CHOICE = re.compile(r"\s*([1-9])\s*[.)]?\s*")
Handler = Callable[[UserMessage], Awaitable[Any]]


class ConfigError(ValueError):
    """A credentials section is incomplete or malformed (the message names the key)."""


class BadForm(ValueError):
    """An inbound form is not a message (the text says which field)."""


def sender_id(channel: str, phone: str) -> str:
    return f"{channel}:{phone}"


def recipient_of(sender: str) -> tuple[str, str]:
    """(channel, phone) of a conversation id of these channels; ValueError otherwise."""
    match = _SENDER.fullmatch(str(sender))
    if not match:
        raise ValueError(f"{sender!r} is not an sms: or whatsapp: conversation id")
    return match.group(1), match.group(2)


class ProviderOutput(OutputChannel):
    """Sends the bot's answers as provider messages to the phone in the conversation id.

    Through the provider the borrower wrote to (not bot.channels.providers.send's
    routing): the answer must come from the number the borrower is texting.
    """

    adapter: Callable[[Outgoing, ProviderSettings], SendResult]

    def __init__(self, settings: ProviderSettings | None = None):
        self.settings = settings  # None: read from the environment at each send
        self._choices: OrderedDict[str, list[str]] = OrderedDict()  # last numbered buttons per conversation

    def send_now(self, outgoing: Outgoing) -> SendResult:
        check_outgoing(outgoing)
        return self.adapter(outgoing, self.settings or ProviderSettings.from_env())

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        channel, phone = recipient_of(recipient_id)
        try:
            result = await asyncio.to_thread(self.send_now, Outgoing(channel, phone, text))
        except (ProviderError, ValueError) as error:
            log.error("%s: reply to %s not sent: %s", self.name(), recipient_id, error)
            return
        if not result.accepted:
            log.error("%s: reply to %s refused by %s: %s", self.name(), recipient_id, result.provider, result.error)

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict], **kwargs: Any) -> None:
        titles = [str(b.get("title", "")) for b in buttons][:9]
        self._choices.pop(recipient_id, None)
        self._choices[recipient_id] = [str(b.get("payload", b.get("title", ""))) for b in buttons][:9]
        while len(self._choices) > 10_000:
            self._choices.popitem(last=False)
        lines = [text] + [f"{i}. {title}" for i, title in enumerate(titles, 1)]
        await self.send_text_message(recipient_id, "\n".join(lines))

    async def send_custom_json(self, recipient_id: str, json_message: dict, **kwargs: Any) -> None:
        """Dropped: Rasa's default would text the raw JSON to the borrower."""
        log.warning("%s: custom message not sent (keys %s)", self.name(), sorted(json_message))

    def resolve(self, sender: str, text: str) -> str:
        """The payload of a numbered button when `text` is just its number; the offer ends with any reply."""
        choices = self._choices.pop(sender, None) or []
        match = _CHOICE.fullmatch(text)
        if match and int(match.group(1)) <= len(choices):
            return choices[int(match.group(1)) - 1]
        return text


class TwilioOutput(ProviderOutput):
    adapter = staticmethod(twilio.send)

    @classmethod
    def name(cls) -> str:
        return "twilio"


class AfricasTalkingOutput(ProviderOutput):
    adapter = staticmethod(africastalking.send)

    @classmethod
    def name(cls) -> str:
        return "africastalking"


class Seen:
    """Provider message ids already handled (providers resend on timeouts)."""

    def __init__(self, size: int = 1000):
        self.size, self._ids = size, OrderedDict()

    def first_time(self, message_id: str) -> bool:
        if message_id in self._ids:
            return False
        self._ids[message_id] = None
        while len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return True


class _ProviderInput(InputChannel):
    """What both channels share: de-duplication, the guard, the hand-off silence, the hand-over to Rasa."""

    output: ProviderOutput

    def __init__(self, guard: Guard | None):
        self.guard = guard or Guard()
        self._seen = Seen()

    def get_output_channel(self) -> ProviderOutput:
        return self.output

    async def deliver(self, request: Request, on_new_message: Handler, channel: str, phone: str, text: str,
                      message_id: str) -> str:
        """Pass one inbound message on (or answer it ourselves); returns what was done."""
        if not self._seen.first_time(message_id):
            return "duplicate"
        sender = sender_id(channel, phone)
        refused = self.guard.check(text, sender)  # every message counts towards the number's rate
        if refused:
            if not await is_paused(request, sender):
                await self.output.send_text_message(sender, reply_text(refused))
            return refused
        if not text.strip():
            return "empty"  # e.g. a picture without words: there is nothing to answer
        if await feedback.taken(phone, text):  # the answer to the follow-up's satisfaction question
            await self.output.send_text_message(sender, render(FEEDBACK_THANKS))
            return "feedback"
        await on_new_message(UserMessage(self.output.resolve(sender, text), self.output, sender,
                                         input_channel=self.name(), message_id=message_id,
                                         metadata={"sms_channel": channel, "sms_phone": phone}))
        return "forwarded"


class TwilioInput(_ProviderInput):
    """SMS and WhatsApp messages from Twilio, on POST /webhooks/twilio/webhook."""

    def __init__(self, auth_token: str, webhook_url: str, guard: Guard | None = None,
                 settings: ProviderSettings | None = None):
        super().__init__(guard)
        self.auth_token, self.webhook_url = auth_token, webhook_url
        self.output = TwilioOutput(settings)

    @classmethod
    def name(cls) -> str:
        return "twilio"

    @classmethod
    def from_credentials(cls, credentials: dict | None) -> "TwilioInput":
        section = _section(credentials, "bot.channels.sms.TwilioInput", {"auth_token", "webhook_url"})
        url = str(section.get("webhook_url") or "")
        if urlparse(url).scheme not in ("http", "https") or not urlparse(url).netloc:
            raise ConfigError("bot.channels.sms.TwilioInput.webhook_url: expected the public http(s) URL "
                              f"Twilio calls (…/webhooks/twilio/webhook), got {url!r}")
        token = str(section.get("auth_token") or "")
        if not token:
            raise ConfigError("bot.channels.sms.TwilioInput.auth_token: the Twilio auth token is required")
        return cls(token, url)

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        hook = Blueprint("twilio_webhook", __name__)

        @hook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            form = _form(request)
            if not valid_signature(self.auth_token, self.webhook_url, form, request.headers.get(SIGNATURE_HEADER)):
                return response.json({"error": "bad or missing X-Twilio-Signature"}, status=403)
            try:
                channel, phone, text, message_id = twilio_message(form)
            except BadForm as error:
                return response.json({"error": str(error)}, status=400)
            await _safely(self.deliver(request, on_new_message, channel, phone, text, f"twilio-{message_id}"))
            return response.text(EMPTY_TWIML, content_type="text/xml")

        return hook


class AfricasTalkingInput(_ProviderInput):
    """SMS from Africa's Talking, on POST /webhooks/africastalking/webhook?secret=..."""

    def __init__(self, secret: str, guard: Guard | None = None, settings: ProviderSettings | None = None):
        super().__init__(guard)
        self.secret = secret
        self.output = AfricasTalkingOutput(settings)

    @classmethod
    def name(cls) -> str:
        return "africastalking"

    @classmethod
    def from_credentials(cls, credentials: dict | None) -> "AfricasTalkingInput":
        section = _section(credentials, "bot.channels.sms.AfricasTalkingInput", {"secret"})
        secret = str(section.get("secret") or "")
        if len(secret) < MIN_SECRET_CHARS:
            raise ConfigError(f"bot.channels.sms.AfricasTalkingInput.secret: at least {MIN_SECRET_CHARS} "
                              "characters, shared only with the callback URL registered at Africa's Talking")
        return cls(secret)

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        hook = Blueprint("africastalking_webhook", __name__)

        @hook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            given = request.args.get("secret") or ""
            if not hmac.compare_digest(given.encode(), self.secret.encode()):
                return response.json({"error": "bad or missing secret"}, status=403)
            try:
                phone, text, message_id = at_message(_form(request))
            except BadForm as error:
                return response.json({"error": str(error)}, status=400)
            await _safely(self.deliver(request, on_new_message, "sms", phone, text, f"africastalking-{message_id}"))
            return response.json({"status": "ok"})

        return hook


def twilio_message(form: Mapping[str, Any]) -> tuple[str, str, str, str]:
    """(channel, phone, text, MessageSid) of a Twilio inbound form; BadForm names the bad field."""
    sid, sender, text = _field(form, "MessageSid"), _field(form, "From"), _field(form, "Body", blank=True)
    if not _TWILIO_SID.fullmatch(sid):
        raise BadForm("MessageSid: expected SM or MM and 32 hex digits")
    channel, phone = ("whatsapp", sender.removeprefix(WHATSAPP)) if sender.startswith(WHATSAPP) else ("sms", sender)
    if not E164.fullmatch(phone):
        raise BadForm("From: expected an E.164 number (+ and 8-15 digits), optionally whatsapp:")
    _field(form, "To")
    return channel, phone, text, sid


def at_message(form: Mapping[str, Any]) -> tuple[str, str, str]:
    """(phone, text, id) of an Africa's Talking inbound form; BadForm names the bad field."""
    phone, text, message_id = _field(form, "from"), _field(form, "text", blank=True), _field(form, "id")
    if not E164.fullmatch(phone):
        raise BadForm("from: expected an E.164 number (+ and 8-15 digits)")
    if not _AT_ID.fullmatch(message_id):
        raise BadForm("id: expected 1-100 letters, digits or _ . : -")
    _field(form, "to")
    return phone, text, message_id


def _field(form: Mapping[str, Any], name: str, blank: bool = False) -> str:
    value = form.get(name)
    value = value[0] if isinstance(value, list) and len(value) == 1 else value
    if not isinstance(value, str) or (not blank and not value.strip()):
        raise BadForm(f"{name}: required, one text value")
    return value


def _form(request: Request) -> dict[str, list[str]]:
    """Every form field with every value, blanks included: the signature covers them all."""
    if (request.content_type or "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        return {}
    form: dict[str, list[str]] = {}
    for key, value in parse_qsl(request.body.decode("utf-8", errors="replace"), keep_blank_values=True):
        form.setdefault(key, []).append(value)
    return form


def _section(credentials: dict | None, name: str, keys: set[str]) -> Mapping:
    if not isinstance(credentials, Mapping) or not credentials:
        raise ConfigError(f"{name}: expected a mapping with {', '.join(sorted(keys))}")
    unknown = set(credentials) - keys
    if unknown:
        raise ConfigError(f"{name}: unknown keys {sorted(unknown)}")
    return credentials


async def _safely(handling: Awaitable[str]) -> None:
    """A failure inside the dialogue is logged; the provider still gets its 200 (a retry would repeat it)."""
    try:
        await handling
    except Exception:  # noqa: BLE001
        log.exception("inbound message failed")

