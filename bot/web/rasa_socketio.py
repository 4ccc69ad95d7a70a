"""Rasa's socket.io input channel with working, unguessable session persistence.

Why this exists:

- Rasa 3.6's SocketIOInput calls `sio.enter_room(...)` without `await`. Since
  python-socketio 5.10 that method is a coroutine (we run 5.18.1), so the
  socket never joins its session's room and, with `session_persistence: true`,
  every bot reply is emitted to an empty room (RasaHQ/rasa#13027, still open
  for 3.6). `session_request` is re-registered here with the await.
- Rasa resumes whatever session id the browser names, and a session may be a
  verified conversation. Here the server issues the id itself ("web-" + a
  random hex) together with its secret, HMAC-SHA256(CHANNEL_SECRET, id)
  (bot/channels/secret.py); the widget keeps both and sends both to resume.
  An id without its secret gets a NEW session: a new, unverified
  conversation. `session_confirm` therefore carries
  `{"session_id": ..., "session_secret": ...}`, not a bare id.
- A socket can only speak in a session it joined (without this guard anyone
  who learns an id could inject messages into it).
- `telegram_*` metadata is dropped: only the Telegram channel may vouch for it.
- bot/channels/guard.py answers over-long messages and floods before they
  reach the agent; the client address is the socket's peer, or the first
  X-Forwarded-For hop when the peer is the reverse proxy on loopback.

Rasa loads it from credentials.yml by module path:

    bot.web.rasa_socketio.PersistentSocketIOInput:
      user_message_evt: user_uttered
      bot_message_evt: bot_uttered
      session_persistence: true

Imports only Rasa and bot/channels (not aiohttp), because it runs inside the Rasa server.
"""
from __future__ import annotations

import inspect
import json
import logging
import re
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

from bot.channels import secret
from bot.channels.guard import Guard, client_ip, reply_text, strip_channel_metadata

log = logging.getLogger(__name__)
PREFIX = "web-"
# What this channel issues: "web-" + uuid4().hex; anything else starts a new session.
SESSION_ID = re.compile(r"^web-[0-9a-f]{32}$")


def new_session_id() -> str:
    return PREFIX + uuid.uuid4().hex


def session_secret(session_id: str, key: bytes | None = None) -> str:
    return secret.mac(session_id, key)


def resumed_session_id(requested: Any, given_secret: Any, key: bytes | None = None) -> str:
    """The requested session when its secret proves this browser was given it, else a new one."""
    if isinstance(requested, str) and SESSION_ID.match(requested) and secret.verify(requested, given_secret, key):
        return requested
    return new_session_id()


def message_metadata(data: Dict, key: Text) -> Dict[Text, Any]:
    """The message's metadata as a dict (Rasa also accepts it JSON-encoded), channel-only keys dropped."""
    metadata = data.get(key)
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            metadata = None
    return strip_channel_metadata(metadata if isinstance(metadata, dict) else None)


def peer_address(environ: Dict) -> tuple[Optional[str], Optional[str]]:
    """(peer address, X-Forwarded-For) of a socket.io connection under Sanic.

    engine.io's Sanic driver puts a fixed 127.0.0.1 in REMOTE_ADDR, so the
    peer comes from the Sanic request itself.
    """
    request = environ.get("sanic.request")
    peer = getattr(request, "ip", None) if request is not None else None
    return (peer or environ.get("REMOTE_ADDR")), environ.get("HTTP_X_FORWARDED_FOR")


class PersistentSocketIOInput(SocketIOInput):
    def __init__(self, *args: Any, guard: Guard | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.guard = guard
        self._client_ips: Dict[Text, Optional[str]] = {}

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        sio = self.sio
        namespace = self.namespace or "/"
        rasa_connect = sio.handlers[namespace]["connect"]
        rasa_handle_message = sio.handlers[namespace][self.user_message_evt]
        guard = self.guard = self.guard or Guard()
        secret.channel_key()  # a missing CHANNEL_SECRET is reported at start-up, not at the first chat

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            allowed = await rasa_connect(sid, environ, auth)
            if allowed:
                self._client_ips[sid] = client_ip(*peer_address(environ))
            return allowed

        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: Text, *reason: Any) -> None:
            self._client_ips.pop(sid, None)

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            data = data if isinstance(data, dict) else {}
            session_id = resumed_session_id(data.get("session_id"), data.get("session_secret"))
            if self.session_persistence:
                joined = sio.enter_room(sid, session_id, namespace=self.namespace)
                if inspect.isawaitable(joined):  # python-socketio >= 5.10
                    await joined
            confirmed = {"session_id": session_id, "session_secret": session_secret(session_id)}
            await sio.emit("session_confirm", confirmed, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any) -> None:
            if not isinstance(data, dict):
                return
            sender = sid
            if self.session_persistence:
                sender = data.get("session_id")
                if not isinstance(sender, str) or sender not in sio.rooms(sid, namespace=self.namespace):
                    log.warning("socket %s sent a message for a session it did not request; ignored", sid)
                    return
            if not isinstance(data.get("message", ""), str):
                log.warning("socket %s sent a message that is not text; ignored", sid)
                return
            refused = guard.check(data.get("message", ""), sender, self._client_ips.get(sid))
            if refused:
                await sio.emit(self.bot_message_evt, {"text": reply_text(refused)}, room=sid,
                               namespace=self.namespace)
                return
            await rasa_handle_message(sid, {**data, self.metadata_key: message_metadata(data, self.metadata_key)})

        return blueprint
