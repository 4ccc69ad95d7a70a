"""Rasa's socket.io input channel with session persistence that works.

Why this exists: Rasa 3.6's SocketIOInput calls `sio.enter_room(...)` without
`await`. Since python-socketio 5.10 that method is a coroutine (we run
5.18.1), so the socket never joins its session's room and, with
`session_persistence: true`, every bot reply is emitted to an empty room: the
browser sees nothing (RasaHQ/rasa#13027, still open for 3.6). This subclass
re-registers only the `session_request` handler with the await, and guards
`user_uttered` so a socket can only speak in a session it joined (a session id
is a secret; without the guard anyone who learns one could inject messages).

Rasa loads it from credentials.yml by module path:

    bot.web.rasa_socketio.PersistentSocketIOInput:
      user_message_evt: user_uttered
      bot_message_evt: bot_uttered
      session_persistence: true

Imports only Rasa (not aiohttp), because it runs inside the Rasa server.
"""
from __future__ import annotations

import inspect
import logging
import re
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

log = logging.getLogger(__name__)
# Rasa itself issues uuid4().hex; accept ids of that strength, refuse "1" or "admin".
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{16,128}$")


def usable_session_id(requested: Any) -> str:
    """The client's session id when it looks like one we issued, else a new one."""
    if isinstance(requested, str) and SESSION_ID.match(requested):
        return requested
    return uuid.uuid4().hex


class PersistentSocketIOInput(SocketIOInput):
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        sio = self.sio
        namespace = self.namespace or "/"
        rasa_handle_message = sio.handlers[namespace][self.user_message_evt]

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            session_id = usable_session_id((data or {}).get("session_id") if isinstance(data, dict) else None)
            if self.session_persistence:
                joined = sio.enter_room(sid, session_id, namespace=self.namespace)
                if inspect.isawaitable(joined):  # python-socketio >= 5.10
                    await joined
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Dict) -> None:
            if self.session_persistence:
                session_id = data.get("session_id") if isinstance(data, dict) else None
                if session_id not in sio.rooms(sid, namespace=self.namespace):
                    log.warning("socket %s sent a message for a session it did not request; ignored", sid)
                    return
            await rasa_handle_message(sid, data)

        return blueprint
