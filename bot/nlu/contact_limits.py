"""How a borrower limits contact without stopping it (data/lexicons/contact_limits.yml).

Why: "No calls, SMS only", "Everything in writing by mail only", "make una no ever call that
office line again" were each recorded as a full cease of contact (round 6 (dev)), which stops
the reminders the borrower still wants and records something they did not ask for. The reading
here is the channels they rule out and the ones they keep; the dialogue asks them to confirm it
(bot/dialogue/record_moves.py) and the action records those channels only (actions/people.py).
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

from bot.nlu import lexicons
from bot.nlu.text_view import view

CHANNELS = ("voice", "sms", "whatsapp", "telegram", "email", "post", "workplace")
_NEAR_BEFORE = 24  # characters before a channel word in which "no" rules it out ("stop contacting me by phone")
_NEAR_AFTER = 12


@lru_cache(maxsize=1)
def _rules() -> Tuple[Dict[str, re.Pattern], re.Pattern, re.Pattern, re.Pattern]:
    data = lexicons.load("contact_limits")
    channels = data.get("channels") or {}
    unknown = set(channels) - set(CHANNELS)
    if unknown or not channels:
        raise ValueError(f"data/lexicons/contact_limits.yml: channels must be among {CHANNELS}, not {sorted(unknown)}")
    return ({name: re.compile(lexicons.words_in_any_script(words)) for name, words in channels.items()},
            re.compile(lexicons.words_in_any_script(data["only"])), re.compile(lexicons.words_in_any_script(data["no"]) + r"[^.!?;,。！？；，]*$"),
            re.compile(r"^[^.!?;。！？；]*" + lexicons.words_in_any_script(data["no_after"])))


def contact_limits(text: str) -> Optional[Dict[str, List[str]]]:
    """{"no": [...], "only": [...]}: the channels ruled out and the only ones kept, or None."""
    found = _read(view(text if isinstance(text, str) else ""))
    return None if found is None else {"no": list(found[0]), "only": list(found[1])}


@lru_cache(maxsize=256)  # one message is read for the signals and again for the evidence
def _read(said: str) -> Optional[Tuple[Tuple[str, ...], Tuple[str, ...]]]:
    channels, only, no_before, no_after = _rules()
    ruled_out, kept = set(), set()
    for name, pattern in channels.items():
        for m in pattern.finditer(said):
            before, after = said[max(0, m.start() - _NEAR_BEFORE):m.start()], said[m.end():m.end() + _NEAR_AFTER]
            if _someone_else().search(said[m.end():m.end() + 30]) or _someone_else_before().search(before):
                continue  # "don't call my mother", "papa ko call mat karna": about them, not a limit on the borrower
            if only.search(before[-8:]) or only.match(after.lstrip(" ,").removeprefix("me ")):
                kept.add(name)
            elif no_before.search(before) or no_after.search(after):
                ruled_out.add(name)
    ruled_out -= kept
    if not (_asks_limit(said) or channels["voice"].search(said)):
        ruled_out.discard("workplace")  # "I have no work now": no contact named, no limit
    if "workplace" in ruled_out:
        ruled_out.discard("voice")  # "nobody calls my work again": calls to the workplace, not every call
    if not kept and not ruled_out:
        return None
    if kept and not ruled_out and not _asks_limit(said):
        return None  # "can I pay by SMS only?": a channel kept with nothing ruled out is no limit asked for
    return tuple(sorted(ruled_out)), tuple(sorted(kept))


@lru_cache(maxsize=1)
def _someone_else() -> re.Pattern:
    relation = lexicons.load("record_signals")["macros"]["relation"]
    return re.compile(rf"^\s+(?:to\s+)?(?:my|our)\s+(?:\w+\s+)?{relation}\b")


@lru_cache(maxsize=1)
def _someone_else_before() -> re.Pattern:
    relation = lexicons.load("record_signals")["macros"]["relation_hi"]
    return re.compile(rf"\b{relation}\s+(?:ko|se)\s+$")


def _asks_limit(said: str) -> bool:
    """A channel kept is a limit when the words are about contacting them ("contact me by SMS only")."""
    return bool(re.search(r"\b(?:contact|reach|message|write|send|tell|talk|visit|kama\s+mnataka|tumia|use)\w*\b|联系|通知|发",
                          said))


def blocked(limits: Dict[str, List[str]]) -> List[str]:
    """The channels to record as opted out: those ruled out, and every other when some are kept."""
    kept = set(limits.get("only") or ())
    out = set(limits.get("no") or ()) | ({c for c in CHANNELS if c not in kept} if kept else set())
    return sorted(out - kept)
