"""What a Telegram update tells us about who is writing, as message metadata.

The verification action reads these keys from the user message's metadata:

- `telegram_user_id` (int): the sender's Telegram id, on every message. A
  portfolio row with the same `telegram_user_id` links the account.
- `telegram_chat_id` (int): the chat the bot answers in (equal to the user id
  in the private chats the channel accepts).
- `telegram_phone` (str, E.164): only when the sender shared *their own*
  contact card. Telegram vouches for that number only when the card's
  `user_id` is the sender; a forwarded card of someone else proves nothing,
  so it never becomes `telegram_phone`.

Pure functions of the update: no I/O, so they are easy to test and reuse.
"""
from __future__ import annotations

import re
from typing import Any

from telegram import Update

_NOT_DIGITS = re.compile(r"[^\d]")


def normalise_phone(raw: str) -> str | None:
    """E.164 (`+` and 8-15 digits) from what Telegram sends (often digits without `+`)."""
    digits = _NOT_DIGITS.sub("", raw or "")
    if raw.strip().startswith("00"):
        digits = digits[2:]
    return f"+{digits}" if 8 <= len(digits) <= 15 else None


def own_contact_phone(update: Update) -> str | None:
    """The shared phone number when the contact card is the sender's own, else None."""
    message = update.effective_message
    user = update.effective_user
    contact = message.contact if message else None
    if contact is None or user is None or contact.user_id is None or contact.user_id != user.id:
        return None
    return normalise_phone(contact.phone_number)


def telegram_metadata(update: Update) -> dict[str, Any]:
    """The metadata keys above for one update (empty when it has no sender)."""
    user = update.effective_user
    if user is None:
        return {}
    metadata: dict[str, Any] = {"telegram_user_id": user.id}
    if update.effective_chat is not None:
        metadata["telegram_chat_id"] = update.effective_chat.id
    phone = own_contact_phone(update)
    if phone:
        metadata["telegram_phone"] = phone
    return metadata
