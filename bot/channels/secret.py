"""The channels' own key (CHANNEL_SECRET): it makes conversation ids unguessable.

A conversation id is what Rasa keys a tracker by, and a verified tracker
answers questions about a debt. So ids that reach a borrower's device carry a
MAC only this server can compute:

- the web chat's session secret is HMAC-SHA256(key, session_id), issued with
  the session id and required to resume it (bot/web/rasa_socketio.py);
- a Telegram conversation is `tg-<chat_id>-<first 16 hex of HMAC(key, chat_id)>`
  (bot/channels/telegram.py), so nobody can name another chat's tracker.

`make run` (bot/launch.py) generates the key when unset and passes it to
Rasa; it must stay the same across restarts and on every Rasa server, or
open web chats start anew. Without it the channel makes a random one for
this process and says so in the log.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from functools import lru_cache

log = logging.getLogger(__name__)
ENV = "CHANNEL_SECRET"
MIN_LENGTH = 16


@lru_cache(maxsize=1)
def channel_key() -> bytes:
    value = (os.environ.get(ENV) or "").strip()
    if len(value) >= MIN_LENGTH:
        return value.encode()
    if value:
        log.warning("%s is shorter than %d characters: using a random key for this process instead",
                    ENV, MIN_LENGTH)
    else:
        log.warning("%s is not set: using a random key for this process; web chats cannot be resumed after "
                    "a restart or on another Rasa server, and Telegram conversation ids change", ENV)
    return secrets.token_bytes(32)


def mac(value: str, key: bytes | None = None) -> str:
    """HMAC-SHA256 of value, hex."""
    return hmac.new(key if key is not None else channel_key(), value.encode(), hashlib.sha256).hexdigest()


def verify(value: str, given: object, key: bytes | None = None, length: int | None = None) -> bool:
    """Whether `given` is value's MAC (its first `length` hex characters when set), in constant time."""
    if not isinstance(given, str) or not given:
        return False
    expected = mac(value, key)
    if length is not None:
        expected = expected[:length]
    return hmac.compare_digest(expected.encode(), given.encode())
