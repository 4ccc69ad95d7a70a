"""Renders the bot's texts from config/messages.yml.

Texts are configuration so that an operator can read and change every word
the bot says, and so that tests can check every variant for compliance.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

EMOTIONS = ("anxious", "angry", "distressed", "apologetic", "confused", "positive")
ROOT = Path(__file__).resolve().parents[2]


@lru_cache(maxsize=4)
def load(path: str = str(ROOT / "config" / "messages.yml")) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        messages = yaml.safe_load(handle)
    for key, entry in messages.items():
        if key != "tone" and "default" not in entry:
            raise ValueError(f"{path}: message {key!r} has no default text")
    return messages


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
