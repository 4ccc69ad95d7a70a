"""Rasa buttons as Telegram inline keyboards, within Telegram's 64-byte callback_data.

Our payloads are short intent shortcuts ("/affirm", "/pay_in_full"), so they
travel as they are and survive a restart. A payload over 64 bytes (e.g. an
intent with entities) is replaced by `#` + a short hash and kept in a bounded
table of the running process; a tap on such a button after a restart (or
after the table forgot it) finds nothing, and the borrower is asked to type.
A direct payload never starts with `#`, so the two kinds cannot be confused.
"""
from __future__ import annotations

import base64
import hashlib
from collections import OrderedDict

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

MAX_CALLBACK_BYTES = 64
PER_ROW = 2


class PayloadTable:
    """The last `size` long payloads by short id (an LRU: old buttons expire first)."""

    def __init__(self, size: int = 10_000):
        self.size = size
        self._payloads: OrderedDict[str, str] = OrderedDict()

    def callback_data(self, payload: str) -> str:
        if not payload:
            raise ValueError("a button needs a non-empty payload")
        if not payload.startswith("#") and len(payload.encode("utf-8")) <= MAX_CALLBACK_BYTES:
            return payload
        key = short_id(payload)
        self._payloads[key] = payload
        self._payloads.move_to_end(key)
        while len(self._payloads) > self.size:
            self._payloads.popitem(last=False)
        return key

    def payload(self, data: str | None) -> str | None:
        """The payload a tapped button stands for; None when it is unknown or expired."""
        if not data:
            return None
        if not data.startswith("#"):
            return data
        return self._payloads.get(data)


def short_id(payload: str) -> str:
    digest = hashlib.sha256(payload.encode("utf-8")).digest()
    return "#" + base64.urlsafe_b64encode(digest[:12]).decode("ascii")


def direct_callback_data(payload: str) -> str:
    """For senders without a shared table (proactive messages): the payload itself, or an error."""
    if not payload or payload.startswith("#") or len(payload.encode("utf-8")) > MAX_CALLBACK_BYTES:
        raise ValueError(f"button payload must be 1-{MAX_CALLBACK_BYTES} bytes and not start with '#': {payload!r}")
    return payload


def inline_keyboard(buttons: list[dict], encode) -> InlineKeyboardMarkup:
    """Rasa's `[{"title", "payload"}]` as rows of PER_ROW buttons; `encode` maps payload to callback_data."""
    keys = []
    for button in buttons:
        title, payload = button.get("title"), button.get("payload")
        if not title or not payload:
            raise ValueError(f"a button needs a title and a payload: {button!r}")
        keys.append(InlineKeyboardButton(str(title), callback_data=encode(str(payload))))
    return InlineKeyboardMarkup([keys[i:i + PER_ROW] for i in range(0, len(keys), PER_ROW)])
