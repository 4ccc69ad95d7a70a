"""Durations ("two weeks", "siku tatu") in days, and instalment counts ("3 payments").
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Iterator, List, Optional, Tuple

from bot.nlu import lexicons
from bot.nlu.normalise.numbers import _qty, LOCAL, WORDNUM
from bot.nlu.normalise import view
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
    """'two weeks' -> 14, 'a month' -> 30, 'a fortnight' -> 14, '两周' -> 14, 'dua minggu' -> 14."""
    text = view.read(text)
    m = _DURATION_RE.search(text)
    if m:
        return _duration_from_match(m)
    return next((n for kind, n, _ in local_counts(text) if kind == "duration_days"), None)


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
    """'3 payments' / 'split in 3' -> 3, '分三期' -> 3; a bare '3' or 'six' also parses."""
    text = view.read(text)
    local = next((n for kind, n, _ in local_counts(text) if kind == "instalments"), None)
    m = _INST_RE.search(text)
    if local and not m:
        return local
    raw = (m.group("n") or m.group("n2")) if m else text
    n = _qty(raw)
    return int(n) if n is not None and n == n.to_integral() and 1 < n <= 60 else None


# --- other languages (data/lexicons/numbers.yml; Chinese numerals are digits in the view) --------

_EDGE_B, _EDGE_A = r"(?<![\w\u0900-\u097f])", r"(?![\w\u0900-\u097f])"


def _count(lang: str) -> str:
    return rf"(?P<n>\d{{1,3}}|{lexicons.alternation(LOCAL[lang].units)})"


# (kind, language or "zh", pattern): the count is group `n`, the entity's span group `cnt` if any
_LOCAL_COUNTS: List[Tuple[str, str, re.Pattern]] = [
    *[("duration_days", lang, re.compile(
        rf"{_EDGE_B}{_count(lang)}\s+(?P<u>{lexicons.alternation(LOCAL[lang].days)}){_EDGE_A}", re.I))
      for lang in LOCAL if LOCAL[lang].days],
    ("duration_days", "zh", re.compile(
        r"(?<!这)(?<!這)(?<!那)(?<!这\s)(?<!這\s)(?<!那\s)(?<!最后\s)(?<!最後\s)(?<!第\s)(?<!每\s)(?<![\d.])"
        r"(?P<n>\d{1,3}|半)\s*(?P<u>天|周|週|个星期|個星期|星期|个礼拜|個禮拜|礼拜|禮拜|个月|個月)(?!\s*(?:前|以前|之前|[1-7日天]))")),
    *[("instalments", lang, re.compile(
        rf"{_EDGE_B}{lexicons.alternation(LOCAL[lang].instalments)}\s+{_count(lang)}{_EDGE_A}"
        if LOCAL[lang].scale_first else
        rf"{_EDGE_B}{_count(lang)}\s+(?:{lexicons.alternation(LOCAL[lang].instalments)}){_EDGE_A}", re.I))
      for lang in LOCAL if LOCAL[lang].instalments],
    ("instalments", "indonesian", re.compile(rf"{_EDGE_B}(?:di)?cicil\s+{_count('indonesian')}\s*(?:x|kali){_EDGE_A}", re.I)),
    # "三期" (not "第三期", the third), "分成六次", "分6个月", "6个月还清"
    ("instalments", "zh", re.compile(
        r"分\s*(?:成|为|為|期)?\s*(?<![\d.])(?P<cnt>(?P<n>\d{1,2})\s*(?:次|份|笔|筆|期|个月|個月))"
        # not "第三期" (the third), not "乳腺癌二期" (a stage of an illness)
        r"|(?<![\d.第癌瘤病])(?<!第\s)(?<!癌\s)(?<!瘤\s)(?<!病\s)(?P<cnt2>(?P<n2>\d{1,2})\s*(?:期|(?:个月|個月)(?=\s*(?:还完|還完|还清|還清|分期|来还|慢慢还))))")),
]
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# A word every pattern of the language needs, searched first.
_CUE = {lang: re.compile(lexicons.alternation([*LOCAL[lang].days, *LOCAL[lang].instalments, "cicil"]), re.I)
        for lang in LOCAL}
_CUE["zh"] = re.compile(r"[天周週星礼禮月期次份笔筆]")
_ZH_DAYS = {"天": 1, "周": 7, "週": 7, "星期": 7, "礼拜": 7, "禮拜": 7, "个星期": 7, "個星期": 7,
            "个礼拜": 7, "個禮拜": 7, "个月": 30, "個月": 30}


def local_counts(text: str) -> Iterator[Tuple[str, int, Tuple[int, int]]]:
    """(entity, value, span) for every duration and instalment count said in another language:
    "wiki mbili" is the English rules', "dalawang linggo" 14, "两周" 14, "分三期" 3, "awamu tatu" 3."""
    han = bool(_HAN.search(text))
    for kind, lang, pattern in _LOCAL_COUNTS:
        if (lang == "zh" and not han) or not _CUE[lang].search(text):
            continue  # cheap: most messages hold no word of the language
        for m in pattern.finditer(text):
            raw = m.group("n") or m.groupdict().get("n2")
            if lang == "zh":
                n = Decimal("0.5") if raw == "半" else Decimal(raw)
            else:
                n = LOCAL[lang].value(raw)
            if n is None:
                continue
            if kind == "duration_days":
                unit = m.group("u").lower()
                days = _ZH_DAYS.get(unit) if lang == "zh" else LOCAL[lang].days.get(unit)
                value = int((n * days).to_integral()) if days else 0
            else:
                value = int(n) if n == n.to_integral() and 1 < n <= 60 else 0
            group = "cnt" if m.groupdict().get("cnt") else "cnt2" if m.groupdict().get("cnt2") else 0
            if value > 0:
                yield kind, value, m.span(group)
