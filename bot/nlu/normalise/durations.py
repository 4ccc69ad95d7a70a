"""Durations ("two weeks", "siku tatu") in days, and instalment counts ("3 payments").
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Optional

from bot.nlu import lexicons
from bot.nlu.normalise.common import _cap
from bot.nlu.normalise.numbers import _qty, WORDNUM
from bot.nlu.normalise.money import _CUR_ANY


_UNIT_DAYS = {"d": 1, "w": 7, "f": 14, "m": 30, "y": 365}
_UNIT = r"(?P<unit>days?|dys?|weeks?|wks?|wk|fortnights?|months?|mnths?|mths?|mons?|years?|yrs?)"
_QTY = rf"(?P<n>\d+(?:\.\d+)?|{WORDNUM}|an?|one|another|half\s+an?)"
_DATES_LEXICON = lexicons.load("dates")  # data/lexicons/dates.yml
_SW_NUM = {str(k): int(v) for k, v in _DATES_LEXICON["swahili_numbers"].items()}
_SW_UNIT = {str(k): int(v) for k, v in _DATES_LEXICON["swahili_units_days"].items()}
_DURATION_RE = re.compile(
    rf"\b{_QTY}\s*(?:-\s*)?(?:(?:more|extra|additional|further)\s+)?{_UNIT}\b"
    rf"|\b(?P<fort>(?:a\s+)?fortnight)\b"
    rf"|\b(?P<swu>{lexicons.alternation(_SW_UNIT)})\s+(?P<swn>{lexicons.alternation(_SW_NUM)}|\d{{1,3}})\b", re.I)
# "20 times a day", "1k a week", "not a day late": "a <unit>" there is a rate or an idiom.
_RATE_BEFORE = re.compile(
    rf"(?:\b(?:times?|twice|once|thrice|not|per|every|each)|\d[\d,.]*\s*(?:[kK]|bob|/=|{_CUR_ANY})?)\s*$", re.I)


def _unit_days(unit: str) -> int:
    u = unit.lower()
    if u.startswith("f"):
        return 14
    if u.startswith("mo") or u.startswith("mn") or u.startswith("mt"):
        return 30
    return _UNIT_DAYS[u[0]]


def _duration_from_match(m: re.Match) -> Optional[int]:
    if m.group("fort"):
        return 14
    if m.group("swu"):
        raw = m.group("swn").lower()
        n = int(raw) if raw.isdigit() else _SW_NUM[raw]
        return n * _SW_UNIT[m.group("swu").lower()] or None
    raw = m.group("n").lower()
    n = Decimal("0.5") if raw.startswith("half") else _qty(raw)
    if n is None or n <= 0:
        return None
    return int((n * _unit_days(m.group("unit"))).to_integral())


def parse_duration_days(text: str) -> Optional[int]:
    """'two weeks' -> 14, 'a month' -> 30, 'a fortnight' -> 14."""
    text = _cap(text)
    m = _DURATION_RE.search(text)
    return _duration_from_match(m) if m else None


_INST_NOUN = r"(?:emis?\b|instal+ments?|instal+ements?|instalments?|installments?|instal+mnts?|payments?|pymts?|parts?|pieces?|portions?|tranches?|chunks?|bits?)"
_INST_RE = re.compile(
    rf"\b(?P<n>\d{{1,2}}|{WORDNUM})\s+(?:(?:equal|monthly|weekly|months?|weeks?|small|smaller|separate|different)\s+)?{_INST_NOUN}\b"
    rf"|\b(?:split|divide|break|spread|pay)\s+(?:it\s+|this\s+|that\s+|the\s+\w+\s+)?(?:up\s+)?(?:in|into)\s+(?P<n2>\d{{1,2}}|{WORDNUM})\b(?!\s*(?:days?|weeks?|months?|years?|k\b|%))",
    re.I,
)


# "like 4 times", "4 smaller ones": instalments only when the message is about splitting.
_INST_CONTEXT = re.compile(r"instal|install|hulug|\bemis?\b|payment\s+plan|\bsplit|\bparts\b|\bone\s+big\s+payment", re.I)
_INST_LOOSE_RE = re.compile(
    rf"\b(?P<n>\d{{1,2}}|{WORDNUM})\s+(?:(?:smaller|small|equal|separate)\s+)?(?:times|ones)\b"
    r"(?!\s+(?:already|before|now|today|a\s+(?:day|week|month)))", re.I)


def parse_instalments(text: str) -> Optional[int]:
    """'3 payments' / 'split in 3' -> 3; a bare '3' or 'six' also parses."""
    text = _cap(text)
    m = _INST_RE.search(text)
    raw = (m.group("n") or m.group("n2")) if m else text
    n = _qty(raw)
    return int(n) if n is not None and n == n.to_integral() and 1 < n <= 60 else None
