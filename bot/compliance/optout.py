"""Recognise a borrower's opt-out or cease request in their own words.

Keywords (STOP, 退订, BERHENTI, TIGIL...) count only when they are the whole
message, so "I can't stop worrying" is not an opt-out; phrases count anywhere.
A cease request wins over a channel opt-out because it is the wider one.
The words come from every profile in config/compliance.yml: a borrower may use
any language whatever their jurisdiction.
"""
from __future__ import annotations

import re
from typing import Literal

from bot.compliance.profiles import Profile, default_profiles

_FILLER = re.compile(r"\b(please|pls|plz|now|thanks|thank you)\b", re.I)
_PUNCT = re.compile(r"[\s\.\,\!\?\"'。！？，]+")


def _squash(text: str) -> str:
    return _PUNCT.sub(" ", text.replace("\u2019", "'")).strip().lower()


def detect_opt_out(text: str, profiles: dict[str, Profile] | None = None) -> Literal["cease", "channel"] | None:
    """'cease' (stop all contact), 'channel' (stop this channel) or None."""
    if not isinstance(text, str):
        raise ValueError("text must be a string")
    profiles = profiles if profiles is not None else default_profiles()
    said = _squash(text)
    if not said:
        return None
    if any(_squash(p) in said for prof in profiles.values() for p in prof.cease_phrases):
        return "cease"
    if any(_squash(p) in said for prof in profiles.values() for p in prof.channel_phrases):
        return "channel"
    bare = _squash(_FILLER.sub(" ", said))
    if any(bare == _squash(k) for prof in profiles.values() for k in prof.channel_keywords):
        return "channel"
    return None
