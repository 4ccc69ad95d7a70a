"""The few words the Telegram channel says itself, outside the dialogue.

An operator changes them like every other text, in config/messages.yml
(under the same keys, `default:`); until a key is there the channel uses the
default below. None of them mentions the debt, and tests check that each one
passes the compliance language check.
"""
from __future__ import annotations

from bot.dialogue.messages import load

DEFAULTS = {
    "telegram_contact_button": "Share my phone number",
    "telegram_contact_not_own": (
        "That contact card is not yours. Please tap the button below to send your own number, "
        "or type your loan reference and date of birth."
    ),
    "telegram_button_expired": "That button is no longer active. Please type your answer instead.",
    "telegram_text_only": "I can only read text messages here. Please type your answer.",
}


def text(key: str) -> str:
    entry = load().get(key)
    if isinstance(entry, dict) and entry.get("default"):
        return " ".join(str(entry["default"]).split())
    return DEFAULTS[key]
