"""Renders the bot's texts from config/messages.yml.

Texts are configuration so that an operator can read and change every word
the bot says, and so that tests can check every variant for compliance.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from bot.config.files import ROOT
from bot.config.messages import EMOTIONS, load_messages

__all__ = ["EMOTIONS", "ROOT", "load", "render", "variants"]


@lru_cache(maxsize=4)
def load(path: str | None = None) -> dict[str, Any]:
    """config/messages.yml (or MESSAGES_YML), validated by bot.config.messages, read once per process."""
    return load_messages(path).as_dict()


def render(key: str, emotion: str = "neutral", **fills: Any) -> str:
    messages = load()
    entry = messages[key]
    text = entry.get(emotion) or entry["default"]
    if entry.get("toned") and emotion not in entry and emotion in messages.get("tone", {}):
        text = messages["tone"][emotion] + " " + text
    return " ".join(text.format(**fills).split(" ")).strip()


def variants() -> list[tuple[str, str, str]]:
    """Every (key, emotion, template) the bot can send, for the compliance tests."""
    messages = load()
    out = []
    for key, entry in messages.items():
        if key == "tone":
            continue
        for emotion in ("default", *EMOTIONS):
            if emotion in entry:
                out.append((key, emotion, entry[emotion]))
            elif emotion != "default" and entry.get("toned") and emotion in messages["tone"]:
                out.append((key, emotion, messages["tone"][emotion] + " " + entry["default"]))
    return out
