"""Compliance profiles: one per jurisdiction, read from config/compliance.yml.

Numbers live in YAML so compliance staff can read and change them without code;
this module only validates them (a typo must fail loudly at start-up, not let a
message through) and merges several profiles with the strictest value winning,
because a borrower can be covered by more than one regime (US + US-MA).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time
from functools import lru_cache
from pathlib import Path

import yaml

DEFAULT_PATH = "config/compliance.yml"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ROOT = Path(__file__).resolve().parents[2]
_WINDOW_RE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_DISCLOSURE_KINDS = ("first_message", "debt_collection", "proactive")


class ProfileError(ValueError):
    """config/compliance.yml is wrong; the message names the profile and the field."""


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

    def window_text(self, weekday: int) -> str:
        span = self.window[weekday]
        return "closed" if span is None else f"{span[0]:%H:%M}-{span[1]:%H:%M}"


def _fail(name: str, what: str) -> ProfileError:
    return ProfileError(f"config/compliance.yml: profile {name}: {what}")


def _parse_window(name: str, raw) -> tuple[tuple[time, time] | None, ...]:
    if not isinstance(raw, dict) or not raw:
        raise _fail(name, "contact_window must be a mapping like {all: '08:00-21:00', sun: closed}")
    unknown = set(raw) - {"all", *WEEKDAYS}
    if unknown:
        raise _fail(name, f"contact_window has unknown day(s) {sorted(unknown)}; use all, {', '.join(WEEKDAYS)}")

    def span(value):
        if value == "closed":
            return None
        m = _WINDOW_RE.match(str(value))
        if not m:
            raise _fail(name, f"contact_window value {value!r} must be 'HH:MM-HH:MM' or 'closed'")
        h1, m1, h2, m2 = map(int, m.groups())
        if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
            raise _fail(name, f"contact_window value {value!r} is not a valid time range")
        start = time(h1, m1)
        end = time(23, 59, 59, 999999) if h2 == 24 else time(h2, m2)
        if end <= start:
            raise _fail(name, f"contact_window {value!r}: end must be after start (windows over midnight are not supported)")
        return (start, end)

    if "all" not in raw and set(WEEKDAYS) - set(raw):
        raise _fail(name, "contact_window needs 'all' or every weekday")
    base = span(raw["all"]) if "all" in raw else None
    return tuple(span(raw[d]) if d in raw else base for d in WEEKDAYS)


def _positive_int(name: str, what: str, value, allow_zero: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < (0 if allow_zero else 1):
        raise _fail(name, f"{what} must be a {'non-negative' if allow_zero else 'positive'} integer, got {value!r}")
    return value


def _strings(name: str, what: str, value) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(name, f"{what} must be a list of non-empty strings")
    return tuple(value)


def _parse_profile(name: str, raw) -> Profile:
    if not isinstance(raw, dict):
        raise _fail(name, "must be a mapping")
    required = {"contact_window", "frequency_caps", "cooldown_days_after_conversation", "disclosures", "retention_years"}
    missing = required - set(raw)
    if missing:
        raise _fail(name, f"missing field(s) {sorted(missing)}")
    caps_raw = raw["frequency_caps"]
    if not isinstance(caps_raw, list) or not caps_raw:
        raise _fail(name, "frequency_caps must be a non-empty list of {count, window_days}")
    caps = []
    for c in caps_raw:
        if not isinstance(c, dict) or set(c) != {"count", "window_days"}:
            raise _fail(name, f"frequency cap {c!r} must have exactly count and window_days")
        caps.append(Cap(_positive_int(name, "frequency cap count", c["count"]),
                        _positive_int(name, "frequency cap window_days", c["window_days"])))
    disc = raw["disclosures"]
    if not isinstance(disc, dict) or set(disc) - set(_DISCLOSURE_KINDS):
        raise _fail(name, f"disclosures must be a mapping with keys among {list(_DISCLOSURE_KINDS)}")
    opt = raw.get("opt_out") or {}
    if not isinstance(opt, dict) or set(opt) - {"channel_keywords", "channel_phrases", "cease_phrases"}:
        raise _fail(name, "opt_out must be a mapping of channel_keywords, channel_phrases, cease_phrases")
    return Profile(
        name=name,
        source=str(raw.get("source", "")),
        window=_parse_window(name, raw["contact_window"]),
        caps=tuple(caps),
        cooldown_days=_positive_int(name, "cooldown_days_after_conversation",
                                    raw["cooldown_days_after_conversation"], allow_zero=True),
        disclosures={k: _strings(name, f"disclosures.{k}", v) for k, v in disc.items()},
        channel_keywords=_strings(name, "opt_out.channel_keywords", opt.get("channel_keywords")),
        channel_phrases=_strings(name, "opt_out.channel_phrases", opt.get("channel_phrases")),
        cease_phrases=_strings(name, "opt_out.cease_phrases", opt.get("cease_phrases")),
        retention_years=_positive_int(name, "retention_years", raw["retention_years"]),
    )


def load_profiles(path: str = DEFAULT_PATH) -> dict[str, Profile]:
    """Read and validate every profile; raises ProfileError naming the bad field."""
    p = Path(path)
    if not p.is_absolute() and not p.exists():
        p = _ROOT / path  # tests and servers may run from another directory
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ProfileError(f"compliance profiles file not found: {path}") from exc
    except yaml.YAMLError as exc:
        raise ProfileError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("profiles"), dict):
        raise ProfileError(f"{path} must have a top-level 'profiles' mapping")
    profiles = {str(n): _parse_profile(str(n), raw) for n, raw in data["profiles"].items()}
    if "DEFAULT" not in profiles:
        raise ProfileError(f"{path} must define a DEFAULT profile")
    return profiles


@lru_cache(maxsize=1)
def default_profiles() -> dict[str, Profile]:
    return load_profiles(DEFAULT_PATH)


def get_profile(name: str, profiles: dict[str, Profile] | None = None) -> Profile:
    profiles = profiles if profiles is not None else default_profiles()
    if name not in profiles:
        raise ProfileError(f"unknown jurisdiction {name!r}; known profiles: {', '.join(sorted(profiles))}")
    return profiles[name]


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
    of disclosures and opt-out words.
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
    )
