"""Renders the bot's texts from config/messages.yml (or the file of the borrower's language).

Texts are configuration so that an operator can read and change every word
the bot says, and so that tests can check every variant for compliance. A
second language is config/messages.<lang>.yml with the same keys; a language
without a file, or a message its file lacks, is said in English.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from bot.config.files import ROOT
from bot.config.messages import EMOTIONS, ENGLISH, RESERVED, load_messages

__all__ = ["EMOTIONS", "ENGLISH", "ROOT", "load", "render", "variants"]


@lru_cache(maxsize=16)
def load(path: str | None = None, language: str = ENGLISH) -> dict[str, Any]:
    """The catalogue of `language` (English: config/messages.yml or MESSAGES_YML), validated by
    bot.config.messages, read once per process."""
    return load_messages(path, language).as_dict()


def render(key: str, emotion: str = "neutral", *, language: str = ENGLISH, **fills: Any) -> str:
    messages = load(None, language)
    if key not in messages:
        messages = load()
    entry = messages[key]
    text = entry.get(emotion) or entry["default"]
    if entry.get("toned") and emotion not in entry and emotion in messages.get("tone", {}):
        text = messages["tone"][emotion] + " " + text
    return " ".join(text.format(**fills).split(" ")).strip()


def variants(language: str = ENGLISH) -> list[tuple[str, str, str]]:
    """Every (key, emotion, template) the bot can send, for the compliance tests (the pieces in
    `parts:` are checked through bot/dialogue/wording.py)."""
    messages = load(None, language)
    out = []
    for key, entry in messages.items():
        if key in RESERVED:
            continue
        for emotion in ("default", *EMOTIONS):
            if emotion in entry:
                out.append((key, emotion, entry[emotion]))
            elif emotion != "default" and entry.get("toned") and emotion in messages["tone"]:
                out.append((key, emotion, messages["tone"][emotion] + " " + entry["default"]))
    return out
