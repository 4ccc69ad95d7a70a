"""Email replies into the conversation: Mailgun's inbound route as a Rasa input channel.

A borrower who answers a campaign email reaches the bot as one who answers an
SMS does. The lender points a Mailgun route at POST /webhooks/mailgun/webhook
("forward" action); Mailgun signs each post with the webhook signing key:
`signature` = hex HMAC-SHA256 of `timestamp` + `token`. A post older than
MAX_AGE_S, a token seen before or a wrong signature gets 403. The reply text is
Mailgun's `stripped-text` (the quoted history removed); the conversation id is
`email:<address>`, and the bot's answers go back by SMTP (providers/email.py)
with a "Re:" subject. Buttons become numbered lines, as on SMS.
"""
from __future__ import annotations

import asyncio
import hmac
import logging
import re
import time
from hashlib import sha256
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.guard import Guard, is_paused, reply_text
from bot.channels.providers import email
from bot.channels.providers.base import Outgoing, ProviderError, ProviderSettings
from bot.channels.sms import BadForm, ConfigError, Seen

log = logging.getLogger(__name__)
Handler = Callable[[UserMessage], Awaitable[Any]]
PREFIX = "email:"
MAX_AGE_S = 15 * 60
MIN_KEY_CHARS = 16
_ADDRESS = re.compile(r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+")
SUBJECT = "Re: your message"


def address_of(sender: str) -> str:
    """The bare address in a From value ('Amina <amina@example.com>' → 'amina@example.com'), lower-cased."""
    found = _ADDRESS.search(sender or "")
    if not found:
        raise BadForm("sender: expected an email address")
    return found.group(0).lower()


def valid_signature(key: str, timestamp: str, token: str, signature: str, now: float | None = None) -> bool:
    """Mailgun's webhook signature, within MAX_AGE_S of `now` (constant-time comparison)."""
    if not (key and timestamp.isdigit() and token and signature):
        return False
    if abs((now or time.time()) - int(timestamp)) > MAX_AGE_S:
        return False
    expected = hmac.new(key.encode(), (timestamp + token).encode(), sha256).hexdigest()
    return hmac.compare_digest(expected, signature.lower())


class EmailOutput(OutputChannel):
    """The bot's answers as plain-text email to the address in the conversation id."""

    def __init__(self, settings: ProviderSettings | None = None):
        self.settings = settings

    @classmethod
    def name(cls) -> str:
        return "mailgun"

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        to = recipient_id.removeprefix(PREFIX)
        outgoing = Outgoing("email", to, text, subject=SUBJECT)
        try:
            result = await asyncio.to_thread(email.send, outgoing, self.settings or ProviderSettings.from_env())
        except ProviderError as error:
            log.error("email: reply not sent: %s", error)
            return
        if not result.accepted:
            log.error("email: reply refused: %s", result.error)

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict], **kwargs: Any) -> None:
        lines = [text] + [f"{i}. {b.get('title', '')}" for i, b in enumerate(buttons[:9], 1)]
        await self.send_text_message(recipient_id, "\n".join(lines))

    async def send_custom_json(self, recipient_id: str, json_message: dict, **kwargs: Any) -> None:
        log.warning("email: custom message not sent (keys %s)", sorted(json_message))


class MailgunInput(InputChannel):
    """Inbound email from Mailgun routes, on POST /webhooks/mailgun/webhook."""

    def __init__(self, signing_key: str, guard: Guard | None = None, settings: ProviderSettings | None = None):
        self.signing_key, self.guard, self._seen = signing_key, guard or Guard(), Seen()
        self.output = EmailOutput(settings)

    @classmethod
    def name(cls) -> str:
        return "mailgun"

    @classmethod
    def from_credentials(cls, credentials: dict | None) -> "MailgunInput":
        key = str((credentials or {}).get("signing_key") or "")
        unknown = set(credentials or {}) - {"signing_key"}
        if unknown or len(key) < MIN_KEY_CHARS:
            raise ConfigError(f"bot.channels.email_input.MailgunInput: needs signing_key (at least {MIN_KEY_CHARS} "
                              f"characters) and nothing else{'; unknown: ' + ', '.join(sorted(unknown)) if unknown else ''}")
        return cls(key)

    def get_output_channel(self) -> OutputChannel:
        return self.output

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        hook = Blueprint("mailgun_webhook", __name__)

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            form = {k: (v[0] if isinstance(v, list) else v) for k, v in (request.form or {}).items()}
            if not valid_signature(self.signing_key, str(form.get("timestamp", "")), str(form.get("token", "")),
                                   str(form.get("signature", ""))) or not self._seen.first_time(form["token"]):
                return response.json({"error": "missing, stale, replayed or wrong Mailgun signature"}, status=403)
            try:
                sender = PREFIX + address_of(str(form.get("sender", "")))
            except BadForm as error:
                return response.json({"error": str(error)}, status=400)
            text = str(form.get("stripped-text") or form.get("body-plain") or "").strip()
            await self.deliver(request, on_new_message, sender, text)
            return response.json({"status": "ok"})

        return hook

    async def deliver(self, request: Request, on_new_message: Handler, sender: str, text: str) -> str:
        refused = self.guard.check(text, sender)
        if refused:
            if not await is_paused(request, sender):
                await self.output.send_text_message(sender, reply_text(refused))
            return refused
        if not text:
            return "empty"
        await on_new_message(UserMessage(text, self.output, sender, input_channel=self.name(),
                                         metadata={"email_from": sender.removeprefix(PREFIX)}))
        return "forwarded"
