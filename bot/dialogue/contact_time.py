"""Whether a contact time the borrower proposes lies inside the profile's contact window.

Why: "message me after 7pm" was accepted in India, where contact ends at
19:00; the bot then promised a contact it may not make. The answer names the
window instead, so the borrower can choose a time that is allowed. Pure.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Any, Mapping

from bot.compliance import Profile, effective_profile
from bot.compliance.profiles import default_profiles


@dataclass(frozen=True)
class Proposed:
    relation: str  # "after", "before" or "at"
    at: time


def proposed(signal: Any) -> Proposed | None:
    """The NLU's `contact_time` signal as a Proposed time (None when absent or malformed)."""
    if not isinstance(signal, Mapping):
        return None
    try:
        return Proposed(str(signal.get("relation") or "at"), time(int(signal["hour"]), int(signal.get("minute") or 0)))
    except (KeyError, TypeError, ValueError):
        return None


def allowed(when: Proposed, profile: Profile) -> bool:
    """Whether some open day of the window has a moment that matches the proposal."""
    for span in profile.window:
        if span is None:
            continue
        start, end = span
        if when.relation == "after" and when.at < end:
            return True
        if when.relation == "before" and when.at > start:
            return True
        if when.relation not in ("after", "before") and start <= when.at < end:
            return True
    return False


def bounds(profile: Profile) -> tuple[str, str] | None:
    """The earliest start and latest end of the window ('08:00', '19:00'); None when it is always closed."""
    spans = [span for span in profile.window if span is not None]
    if not spans:
        return None
    return f"{min(s[0] for s in spans):%H:%M}", f"{max(s[1] for s in spans):%H:%M}"


def profile_of(jurisdiction: str | None) -> Profile:
    """The loan's profile; without a jurisdiction, the strictest of all (the actions keep a time said
    before verification and check it against the loan's own profile afterwards: actions/contact_times.py)."""
    if jurisdiction:
        return effective_profile([jurisdiction])
    return effective_profile(list(default_profiles()))
