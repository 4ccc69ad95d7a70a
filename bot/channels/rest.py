"""Rasa's REST channel, guarded: the channel for trusted integrations.

Registered in credentials.yml by module path in place of `rest:`; its name()
stays "rest", so the URL stays /webhooks/rest/webhook and trackers keep
`input_channel: rest`.

Why not Rasa's RestInput as it is: it lets the caller choose the sender id
(so also "tg-..." and "web-..." ids, another channel's conversations), the
`input_channel` recorded on the message, and any metadata (so also the
`telegram_*` keys only the Telegram channel may vouch for); and it parses a
message of any size at any rate. Here:

- the body is validated (a JSON object with a `sender` and a `message`
  string, `metadata` an object when given) and capped at MAX_BODY_BYTES;
- sender ids in another channel's namespace are refused (400), the input
  channel is always "rest", and `telegram_*` metadata keys are dropped;
- bot/channels/guard.py answers over-long messages and floods politely,
  without parsing; the per-IP limit does not apply to loopback or private
  addresses (the operator's own integrations, load tests and tests);
- a request from outside the private network (through the public proxy,
  where the operator opened it) must carry `Authorization: Bearer <JWT>`
  signed with REST_CHANNEL_SECRET and naming the sender (`sub`); without
  that secret the channel refuses every outside caller.
"""
from __future__ import annotations

import logging
import os
from asyncio import CancelledError
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

import jwt
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.utils.endpoints import bool_arg
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.guard import (RATE_LIMITED, Guard, client_ip, is_trusted_network, reply_text,
                                strip_channel_metadata)

log = logging.getLogger(__name__)

CHANNEL = "rest"
MAX_BODY_BYTES = 1024 * 1024  # a 100 KB message still gets its polite answer; a 1 GB one does not get parsed
MAX_SENDER_CHARS = 128
OTHER_NAMESPACES = ("tg-", "web-", "sms:", "whatsapp:", "email:")  # telegram, socket.io, sms, email_input
SECRET_ENV = "REST_CHANNEL_SECRET"
TOKEN_AUDIENCE = "collections-rest"


class BadRequest(ValueError):
    """The body is not a message this channel accepts (the text says why)."""


@dataclass(frozen=True)
class RestMessage:
    sender: str
    text: str
    metadata: dict[str, Any]


def parse_body(body: Any) -> RestMessage:
    """The message in a request body, validated; raises BadRequest."""
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object with `sender` and `message`")
    sender, text, metadata = body.get("sender"), body.get("message"), body.get("metadata")
    if not isinstance(sender, str) or not sender.strip():
        raise BadRequest("`sender` must be a non-empty string naming the conversation")
    if len(sender) > MAX_SENDER_CHARS or not sender.isprintable():
        raise BadRequest(f"`sender` must be at most {MAX_SENDER_CHARS} printable characters")
    if sender.lower().startswith(OTHER_NAMESPACES):
        raise BadRequest(f"sender ids starting with {' or '.join(repr(n) for n in OTHER_NAMESPACES)} "
                         "belong to other channels")
    if not isinstance(text, str):
        raise BadRequest("`message` must be a string")
    if metadata is not None and not isinstance(metadata, dict):
        raise BadRequest("`metadata` must be a JSON object when given")
    return RestMessage(sender, text, strip_channel_metadata(metadata))


def outside_refusal(authorization: str | None, sender: str, environ=os.environ) -> tuple[int, str] | None:
    """None when an outside caller's bearer token names this sender, else (HTTP status, why not)."""
    key = environ.get(SECRET_ENV) or ""
    if len(key) < 32:
        return 403, "the REST channel answers only on the private network"
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return 401, "a request from outside the private network needs Authorization: Bearer <token>"
    try:
        claims = jwt.decode(token.strip(), key, algorithms=["HS256"], audience=TOKEN_AUDIENCE,
                            options={"require": ["sub", "exp", "aud"]})
    except jwt.PyJWTError as error:
        return 401, f"invalid token: {error}"
    if claims["sub"] != sender:
        return 401, "the token names another sender"
    return None


def _error(status: int, message: str) -> HTTPResponse:
    return response.json({"error": message}, status=status)


class GuardedRestInput(RestInput):
    """RestInput with validated bodies, its own sender namespace and the channel guard."""

    def __init__(self, guard: Guard | None = None):
        self.guard = guard or Guard()

    @classmethod
    def from_credentials(cls, credentials: dict | None) -> "GuardedRestInput":
        if credentials:
            raise ValueError(f"{cls.__module__}.{cls.__name__} takes no settings; limits are in config/bot.yml")
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @hook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request):
            return await self.receive(request, on_new_message)

        return hook

    async def receive(self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]):
        if len(request.body or b"") > MAX_BODY_BYTES:
            return _error(413, f"the body is over {MAX_BODY_BYTES} bytes")
        try:
            body = request.json
        except InvalidUsage:
            return _error(400, "the body is not valid JSON")
        try:
            message = parse_body(body)
        except BadRequest as error:
            return _error(400, str(error))
        ip = client_ip(request.ip, request.headers.get("x-forwarded-for"))
        trusted = is_trusted_network(ip)
        if not trusted:
            refusal = outside_refusal(request.headers.get("authorization"), message.sender)
            if refusal:
                return _error(*refusal)
        refused = self.guard.check(message.text, message.sender, None if trusted else ip)
        if refused:
            reply = [{"recipient_id": message.sender, "text": reply_text(refused)}]
            headers = {"Retry-After": "60"} if refused == RATE_LIMITED else None
            return response.json(reply, status=429 if refused == RATE_LIMITED else 200, headers=headers)
        if bool_arg(request, "stream", default=False):
            return response.stream(self.stream_response(on_new_message, message.text, message.sender, CHANNEL,
                                                        message.metadata), content_type="text/event-stream")
        collector = CollectingOutputChannel()
        try:
            await on_new_message(UserMessage(message.text, collector, message.sender, input_channel=CHANNEL,
                                             metadata=message.metadata))
        except CancelledError:
            log.error("rest: the message from %s timed out", message.sender)
        except Exception:  # noqa: BLE001 - the caller still gets what was said so far
            log.exception("rest: the message from %s failed", message.sender)
        return response.json(collector.messages)
