"""Compliance profiles: one per jurisdiction, read from config/compliance.yml.

Numbers live in YAML so compliance staff can read and change them without code;
bot/config/compliance.py validates them (a typo must fail loudly at start-up,
not let a message through), and this module merges several profiles with the
strictest value winning, because a borrower can be covered by more than one
regime (US + US-MA).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from functools import lru_cache
from pathlib import Path

from bot.config.errors import ConfigError

DEFAULT_PATH = "config/compliance.yml"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# config/compliance.yml is wrong (the message names the profile and the field),
# or a jurisdiction has no profile.
ProfileError = ConfigError


@dataclass(frozen=True)
class Cap:
    count: int
    window_days: int


@dataclass(frozen=True)
class Profile:
    name: str
    source: str
    # weekday 0=Monday .. 6=Sunday -> (start, end) local time, or None when closed
    window: tuple[tuple[time, time] | None, ...]
    caps: tuple[Cap, ...]
    cooldown_days: int
    disclosures: dict[str, tuple[str, ...]] = field(hash=False)
    channel_keywords: tuple[str, ...] = ()
    channel_phrases: tuple[str, ...] = ()
    cease_phrases: tuple[str, ...] = ()
    retention_years: int = 5
    # language code ("zh") -> kind -> the texts in that language; a kind or a language
    # missing here is said in English (`disclosures`): see disclosures_for.
    disclosures_by_language: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict, hash=False)

    def window_text(self, weekday: int) -> str:
        span = self.window[weekday]
        return "closed" if span is None else f"{span[0]:%H:%M}-{span[1]:%H:%M}"


def load_profiles(path: str | Path | None = None) -> dict[str, Profile]:
    """Every profile of config/compliance.yml (or COMPLIANCE_YML, or `path`, relative to
    the repository), validated by bot.config.compliance; ProfileError names the bad key."""
    from bot.config.compliance import load_compliance  # bot.config builds our Profile

    return load_compliance(path).by_name()


@lru_cache(maxsize=1)
def default_profiles() -> dict[str, Profile]:
    return load_profiles()


def get_profile(name: str, profiles: dict[str, Profile] | None = None) -> Profile:
    profiles = profiles if profiles is not None else default_profiles()
    if name not in profiles:
        raise ProfileError(f"unknown jurisdiction {name!r}; known profiles: {', '.join(sorted(profiles))}")
    return profiles[name]


def _language_key(profile: Profile, language: str) -> str | None:
    """The profile's key for `language`: itself, or its base ("zh-CN" -> "zh"); None for English."""
    code = (language or "").strip().lower().replace("_", "-")
    for key in (code, code.split("-")[0]):
        if key in profile.disclosures_by_language:
            return key
    return None


def disclosures_for(profile: Profile, language: str = "en") -> dict[str, tuple[str, ...]]:
    """The profile's disclosures (kind -> texts) in the borrower's language.

    Why per kind with an English fallback: a borrower must understand who is
    writing and how to stop it, so a profile may give each disclosure in the
    languages its borrowers read (config/compliance.yml `disclosures_by_language`);
    a kind it does not translate, and a language it does not have, stay English.
    """
    key = _language_key(profile, language)
    if key is None:
        return dict(profile.disclosures)
    own = profile.disclosures_by_language[key]
    return {kind: own.get(kind, texts) for kind, texts in profile.disclosures.items()}


def _narrowest(spans):
    if any(s is None for s in spans):
        return None
    start, end = max(s[0] for s in spans), min(s[1] for s in spans)
    return (start, end) if start < end else None


def _merge_unique(items):
    return tuple(dict.fromkeys(x for group in items for x in group))


def effective_profile(names: list[str], profiles: dict[str, Profile] | None = None) -> Profile:
    """Merge the named profiles, strictest wins; no names means DEFAULT.

    Strictest: the intersection of contact windows per weekday, every frequency cap
    of every profile (each must hold), the longest cooldown and retention, the union
    of disclosures and opt-out words (per language: each profile's text in that
    language, or its English one when it has none).
    """
    names = list(dict.fromkeys(names)) or ["DEFAULT"]
    chosen = [get_profile(n, profiles) for n in names]
    if len(chosen) == 1:
        return chosen[0]
    kinds = _merge_unique(p.disclosures.keys() for p in chosen)
    caps = {}
    for p in chosen:
        for c in p.caps:  # keep the lowest count per window length
            caps[c.window_days] = min(caps.get(c.window_days, c.count), c.count)
    return Profile(
        name="+".join(names),
        source="; ".join(p.source for p in chosen if p.source),
        window=tuple(_narrowest([p.window[d] for p in chosen]) for d in range(7)),
        caps=tuple(Cap(n, d) for d, n in sorted(caps.items())),
        cooldown_days=max(p.cooldown_days for p in chosen),
        disclosures={k: _merge_unique(p.disclosures.get(k, ()) for p in chosen) for k in kinds},
        channel_keywords=_merge_unique(p.channel_keywords for p in chosen),
        channel_phrases=_merge_unique(p.channel_phrases for p in chosen),
        cease_phrases=_merge_unique(p.cease_phrases for p in chosen),
        retention_years=max(p.retention_years for p in chosen),
        disclosures_by_language={
            lang: {k: _merge_unique(disclosures_for(p, lang).get(k, ()) for p in chosen) for k in kinds}
            for lang in _merge_unique(p.disclosures_by_language.keys() for p in chosen)},
    )
