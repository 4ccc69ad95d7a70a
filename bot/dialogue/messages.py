"""Renders the bot's texts from config/messages.yml (or the file of the borrower's language).

Texts are configuration so that an operator can read and change every word
the bot says, and so that tests can check every variant for compliance. A
second language is config/messages.<lang>.yml with the same keys; a language
without a file, or a message its file lacks, is said in English.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from bot.config.bot_file import load_bot
from bot.config.files import ROOT
from bot.config.messages import EMOTIONS, ENGLISH, RESERVED, load_messages
from bot.dialogue.turn import Turn

__all__ = ["CONDOLENCE", "EMOTIONS", "ENGLISH", "ROOT", "load", "render", "variants", "voice"]

# The catalogue entry said before the next text to a borrower who has just told of a death.
CONDOLENCE = "condolence"


@lru_cache(maxsize=16)
def load(path: str | None = None, language: str = ENGLISH) -> dict[str, Any]:
    """The catalogue of `language` (English: config/messages.yml or MESSAGES_YML), validated by
    bot.config.messages, read once per process."""
    return load_messages(path, language).as_dict()


def voice(turn: Turn, first: bool = True) -> dict[str, Any]:
    """How the bot's next text answers this turn: `render`'s emotion, opener and condolence.

    The emotion only when the NLU is sure of it (config/bot.yml
    tone.min_confidence): naming a feeling the borrower does not have ("I
    understand this is worrying" to a cheerful "yes please") is worse than
    naming none. No opener after a greeting, thanks or goodbye
    (tone.never_after). A condolence on the first text after the borrower told
    of a death (the NLU's hardship signal), never to someone at risk of
    self-harm, whose "death" is not a loss to condole.
    """
    tone = load_bot().tone
    sure = turn.emotion_confidence >= tone.min_confidence
    return {
        "emotion": turn.emotion if sure else "neutral",
        "opener": turn.intent not in tone.never_after,
        "condolence": first and turn.signal("hardship") == "bereavement" and not turn.self_harm,
    }


def render(key: str, emotion: str = "neutral", *, language: str = ENGLISH, opener: bool = True,
           condolence: bool = False, **fills: Any) -> str:
    """The text of `key` for a borrower showing `emotion`: its variant, or the tone opener before a
    `toned` entry (unless `opener` is False); a condolence, when asked, replaces both."""
    messages = load(None, language)
    if key not in messages:  # said in English: the condolence and opener before it too, one language a message
        messages, language = load(), ENGLISH
    entry = messages[key]
    if condolence:
        sorry = (load(None, language).get(CONDOLENCE) or load()[CONDOLENCE])["default"]
        text = sorry + " " + entry["default"]
    else:
        text = entry.get(emotion) or entry["default"]
        if opener and entry.get("toned") and emotion not in entry and emotion in messages.get("tone", {}):
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
        if CONDOLENCE in messages and key != CONDOLENCE:
            out.append((key, CONDOLENCE, messages[CONDOLENCE]["default"] + " " + entry["default"]))
    return out
