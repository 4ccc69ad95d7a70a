"""config/compliance.yml: one compliance profile per jurisdiction, as typed and frozen values.

A typo here must stop the bot at start-up, never let a message through at the
wrong hour: unknown days or keys, windows that end before they start, caps of
zero and a missing DEFAULT profile are refused with the key path.
"""
import re
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

import phonenumbers
from pydantic import BaseModel, Extra, validator

from bot.compliance.profiles import WEEKDAYS, Cap, Profile

from .files import label, parse, path_of, read_yaml, stamp
from .types import Text, whole

DISCLOSURE_KINDS = ("first_message", "debt_collection", "proactive")
DATE_ORDERS = ("DMY", "MDY", "YMD")  # as bot/nlu/normalise/birthdates.py names them
_LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,4})?$")  # "zh", "sw", "zh-hk"; English is `disclosures`
_FILL_RE = re.compile(r"\{(\w*)\}")
_WINDOW_RE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
Span = Optional[Tuple[time, time]]


class Strict(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False


def _span(day: str, value: Any) -> Span:
    if value == "closed":
        return None
    m = _WINDOW_RE.match(str(value))
    if not m:
        raise ValueError(f".{day}: {value!r} must be 'HH:MM-HH:MM' or 'closed'")
    h1, m1, h2, m2 = map(int, m.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise ValueError(f".{day}: {value!r} is not a valid time range")
    start = time(h1, m1)
    end = time(23, 59, 59, 999999) if h2 == 24 else time(h2, m2)
    if end <= start:
        raise ValueError(f".{day}: {value!r}: end must be after start (windows over midnight are not supported)")
    return (start, end)


def _window(raw: Any) -> Tuple[Span, ...]:
    """{all: '08:00-21:00', sun: closed} -> one (start, end) or None per weekday, Monday first."""
    if not isinstance(raw, dict) or not raw:
        raise ValueError("must be a mapping like {all: '08:00-21:00', sun: closed}")
    unknown = set(raw) - {"all", *WEEKDAYS}
    if unknown:
        raise ValueError(f"unknown day(s) {sorted(unknown)}; use all, {', '.join(WEEKDAYS)}")
    if "all" not in raw and set(WEEKDAYS) - set(raw):
        raise ValueError("needs 'all' or every weekday")
    base = _span("all", raw["all"]) if "all" in raw else None
    return tuple(_span(d, raw[d]) if d in raw else base for d in WEEKDAYS)


class CapModel(Strict):
    count: whole(1)  # type: ignore[valid-type]
    window_days: whole(1)  # type: ignore[valid-type]


class OptOut(Strict):
    channel_keywords: List[Text] = []
    channel_phrases: List[Text] = []
    cease_phrases: List[Text] = []


class ProfileModel(Strict):
    source: str = ""
    contact_window: Any
    frequency_caps: List[CapModel]
    cooldown_days_after_conversation: whole(0)  # type: ignore[valid-type]
    disclosures: Dict[str, Optional[List[Text]]]
    # The same disclosures in the languages the profile's borrowers read: {zh: {first_message: [...]}}.
    # Each kind must be one `disclosures` has, with as many texts and the same {fills}.
    disclosures_by_language: Dict[str, Dict[str, List[Text]]] = {}
    opt_out: Optional[OptOut] = None
    retention_years: whole(1)  # type: ignore[valid-type]
    # ISO 3166 region whose national phone format the import reads for this
    # jurisdiction (UK -> GB); none: E.164 only (bot/records/phones.py).
    phone_region: Optional[str] = None
    # How borrowers there write a date in numbers, the orders a verification accepts for
    # an ambiguous date of birth ("03/04/1990"), most usual first; none: every order.
    date_order: Optional[List[str]] = None

    @validator("date_order", pre=True)
    def _orders(cls, value: Any) -> Any:
        if value is None:
            return value
        if not isinstance(value, list) or not value or any(o not in DATE_ORDERS for o in value) \
                or len(set(value)) != len(value):
            raise ValueError(f"{value!r} must be a list of distinct orders among {list(DATE_ORDERS)}, e.g. [DMY]")
        return value

    @validator("phone_region", pre=True)
    def _region(cls, value: Any) -> Any:
        if value is not None and value not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"{value!r} is not a phone region: use an ISO 3166 code phonenumbers knows, "
                             "such as KE, US or GB")
        return value

    @validator("contact_window", pre=True)
    def _days(cls, value: Any) -> Tuple[Span, ...]:
        return _window(value)

    @validator("frequency_caps")
    def _some_cap(cls, value: List[CapModel]) -> List[CapModel]:
        if not value:
            raise ValueError("must be a non-empty list of {count, window_days}")
        return value

    @validator("disclosures", pre=True)
    def _kinds(cls, value: Any) -> Any:
        if isinstance(value, dict):
            unknown = sorted(set(map(str, value)) - set(DISCLOSURE_KINDS))
            if unknown:
                raise ValueError(f".{unknown[0]}: not a disclosure; keys are among {list(DISCLOSURE_KINDS)}")
        return value

    @validator("disclosures_by_language")
    def _translations(cls, value: Dict[str, Dict[str, List[str]]], values: Dict[str, Any]) -> Any:
        english = values.get("disclosures")
        for lang, kinds in value.items():
            if not _LANGUAGE_RE.match(lang) or lang == "en":
                raise ValueError(f".{lang}: not a language code; use a lowercase ISO 639 code such as zh or sw "
                                 "(English is `disclosures`)")
            for kind, texts in kinds.items():
                if kind not in DISCLOSURE_KINDS:
                    raise ValueError(f".{lang}.{kind}: not a disclosure; keys are among {list(DISCLOSURE_KINDS)}")
                if english is None:
                    continue  # `disclosures` itself is wrong and reported
                original = english.get(kind) or []
                if len(texts) != len(original):
                    raise ValueError(f".{lang}.{kind}: {len(texts)} text(s) where disclosures.{kind} has "
                                     f"{len(original)}; translate each one")
                for i, (text, source) in enumerate(zip(texts, original)):
                    if sorted(_FILL_RE.findall(text)) != sorted(_FILL_RE.findall(source)):
                        raise ValueError(f".{lang}.{kind}[{i}]: {text!r} must fill the same "
                                         f"{{placeholders}} as {source!r}")
        return value

    def profile(self, name: str) -> Profile:
        opt = self.opt_out or OptOut()
        return Profile(
            name=name, source=self.source, window=self.contact_window,
            caps=tuple(Cap(c.count, c.window_days) for c in self.frequency_caps),
            cooldown_days=self.cooldown_days_after_conversation,
            disclosures={k: tuple(v or ()) for k, v in self.disclosures.items()},
            channel_keywords=tuple(opt.channel_keywords), channel_phrases=tuple(opt.channel_phrases),
            cease_phrases=tuple(opt.cease_phrases), retention_years=self.retention_years,
            disclosures_by_language={lang: {k: tuple(v) for k, v in kinds.items()}
                                     for lang, kinds in self.disclosures_by_language.items()},
        )


class ComplianceFile(Strict):
    profiles: Dict[str, ProfileModel]

    @validator("profiles")
    def _default(cls, value: Dict[str, ProfileModel]) -> Dict[str, ProfileModel]:
        if "DEFAULT" not in value:
            raise ValueError("must define a DEFAULT profile (used when no jurisdiction is known)")
        return value

    def by_name(self) -> Dict[str, Profile]:
        return {name: raw.profile(name) for name, raw in self.profiles.items()}


def date_orders(path: Union[str, Path, None] = None) -> Dict[str, Tuple[str, ...]]:
    """Jurisdiction -> the date orders its borrowers write (`date_order`), for the verification."""
    return {name: tuple(p.date_order) for name, p in load_compliance(path).profiles.items() if p.date_order}


def load_compliance(path: Union[str, Path, None] = None) -> ComplianceFile:
    """config/compliance.yml (or COMPLIANCE_YML, or `path`): read again only when the file changed."""
    resolved = path_of("compliance.yml", path)
    return _load(resolved, stamp(resolved))


@lru_cache(maxsize=8)
def _load(path: Path, _stamp: tuple) -> ComplianceFile:
    return parse(ComplianceFile, read_yaml(path), label(path))
