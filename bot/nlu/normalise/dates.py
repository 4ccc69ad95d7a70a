"""Dates resolved against now in the borrower's zone, and dates of birth.

Each rule is a pattern and a resolver that is arithmetic on the parts it
matched and today, so a year-less date also carries its relative form
(relative_dates.py re-resolves it in the borrower's zone).
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Callable, Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import clock
from bot.nlu import lexicons
from bot.nlu.normalise import dates_local, view
from bot.nlu.normalise.common import DOB_MIN_AGE_YEARS, _free, Span
from bot.nlu.normalise.daymath import (  # noqa: F401  (_month_end, _add_months: imported from here)
    _add_months, _end_of_month, _end_of_week, _full, _mid_month, _month_end, _next_week, _next_weekday,
    _ordinal_day, _rel_days, _resolve_day_month, _start_next_month, _year,
)
from bot.nlu.normalise.numbers import _qty
from bot.nlu.normalise.money import _CUR_ANY
from bot.nlu.normalise.durations import _DATES_LEXICON, _QTY, _UNIT, _unit_days


# Month names (English, abbreviations, misspellings, Swahili, Tagalog, Indonesian): data/lexicons/dates.yml.
_MONTHS = {str(word).lower(): int(n) for n, words in _DATES_LEXICON["months"].items() for word in words}
_MONTH = r"(?P<mon>" + lexicons.alternation(_MONTHS) + r")(?![a-z])\.?"
_MONTH_NC = _MONTH.replace("(?P<mon>", "(?:")
_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_WD_FULL = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tues?day|wednsday|wensday|thursady|firday|satuday|sundy)"
_WD_ABBR = r"(?:mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)\b\.?"
# Swahili, Tagalog, Indonesian weekday names (not "linggo"/"minggu": they also mean "week").
_WD_LOCAL = {str(k).lower(): int(v) for k, v in _DATES_LEXICON["weekdays"].items()}
_WD_FULL_L = r"(?:" + _WD_FULL[3:-1] + "|" + "|".join(_WD_LOCAL) + ")"
_TOMORROW = lexicons.alternation(_DATES_LEXICON["tomorrow"])
_BIRTH_CONTEXT = re.compile(r"\b(born|birth|dob|d\.o\.b|birthday|b-?day|bday)\b|出生|生日|出世", re.I)
_ORD = r"(?:st|nd|rd|th)"


def local_today(now: datetime, tz: str) -> date:
    """The borrower's calendar date at ``now``; naive ``now`` is taken as UTC."""
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ValueError(f"unknown time zone {tz!r}: use an IANA name like 'Africa/Nairobi'") from err
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    return now.astimezone(zone).date()








def _weekday_index(word: str) -> int:
    w = word.lower().rstrip(".")
    if w in _WD_LOCAL:
        return _WD_LOCAL[w]
    for key, idx in (("wen", 2), ("fir", 4)):
        if w.startswith(key):
            return idx
    return _WEEKDAYS[w[:3]]






def _day_first(a: int, b: int) -> Optional[Tuple[int, int]]:
    """(day, month) from two numbers: day-first unless that is impossible."""
    if 1 <= b <= 12 and 1 <= a <= 31:
        return a, b
    if 1 <= a <= 12 and 1 <= b <= 31:
        return b, a
    return None




def _r(p: str) -> re.Pattern:
    return re.compile(p, re.I)


def _iso(m, today, birth):
    return _full(int(m["y"]), int(m["m"]), int(m["d"]), today)


_LOAN_NAMED = re.compile(r"\bLN[\s\-_#:.]*\d{4,8}\b|借款编号|贷款编号|合同号", re.I)


def _compact(m, today, birth):
    """"LN-39308，20030505": a date of birth written as eight digits, read only beside a birth word or a
    loan reference, and only a date long enough ago to be one (round 9 (dev): verification failed)."""
    if not (birth or _LOAN_NAMED.search(m.string)):
        return None
    d = _full(int(m["y"]), int(m["m"]), int(m["d"]), today)
    return d if d is not None and d.year <= today.year - DOB_MIN_AGE_YEARS else None


def _numeric(m, today, birth):
    y = m.groupdict().get("y")
    dm = _day_first(int(m["a"]), int(m["b"]))
    if dm:
        return _full(_year(y, today, birth), dm[1], dm[0], today)
    if y and len(y) == 2:  # "99/02/14": only year-first reads it
        return _full(_year(m["a"], today, birth), int(m["b"]), int(y), today)
    return None


def _day_mon(m, today, birth):
    return _full(_year(m.groupdict().get("y"), today, birth), _MONTHS[m["mon"].lower()], int(m["d"]), today,
                 recent_past=True)






def _weekday(m, today, birth):
    return _next_weekday(today, _weekday_index(m["wd"] or m["wda"]))


def _weekday_after_next(m, today, birth):
    return _next_weekday(today, _weekday_index(m["wd"] or m["wd2"])) + timedelta(days=7)


def _next_week_weekday(m, today, birth):
    monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
    return monday + timedelta(days=_weekday_index(m["wd"] or m["wd2"]))


def _shifted(m, today, sign: int):
    """today moved by "N units" ("in 3 days", "2 months ago"); whole months by the calendar."""
    raw = m["n"].lower()
    n = Decimal("0.5") if raw.startswith("half") else _qty(raw)
    if n is None:
        return None
    unit = m["unit"].lower()
    if (unit.startswith("mo") or unit.startswith("mn") or unit.startswith("mt")) and n == n.to_integral():
        return _add_months(today, sign * int(n))
    return today + sign * timedelta(days=int((n * _unit_days(unit)).to_integral()))


def _in_n(m, today, birth):
    return _shifted(m, today, 1)












def _ago(m, today, birth):
    return _shifted(m, today, -1)


def _last_period(m, today, birth):
    """'last week' = its Monday, 'last month' = its 1st, 'last year' = its 1 January."""
    unit = m["per"].lower()
    if unit.startswith("w"):
        return today - timedelta(days=today.weekday() + 7)
    if unit.startswith("y"):
        return date(today.year - 1, 1, 1)
    return _add_months(today.replace(day=1), -1)


def _day_of_month(m, today, birth):
    """'5th of next month', 'the 20th of this month'."""
    first = _add_months(today.replace(day=1), 1 if m["which"].lower() == "next" else 0)
    day = int(m["d"])
    return first.replace(day=min(day, _month_end(first.year, first.month).day)) if 1 <= day <= 31 else None


def _month_name(m, today, birth):
    """A month named alone ('in march', 'by december'): its 1st (today if it is this month)."""
    month = _MONTHS[m["mon"].lower()]
    lead = re.sub(r"\s+", " ", m["lead"].lower())
    # "cut in half at the warehouse in October", said in December: a month that far ahead is the last one
    # (round 8 (dev): read as October next year)
    past = lead in ("last", "since") or (lead in ("in", "from") and (month - today.month) % 12 > 6)
    year = today.year if month >= today.month else today.year + 1
    if past:
        year = today.year if month < today.month else today.year - 1
    if lead.startswith("end"):
        return _month_end(year, month)
    if lead.startswith("mid"):
        return date(year, month, 15)
    if year == today.year and month == today.month:
        return today
    return date(year, month, 1)


def _holiday(m, today, birth):
    """Christmas = 25 December, New Year = 1 January, next occurrence; after/before shift a day."""
    name = m["hol"].lower()
    month, day = (1, 1) if name.startswith("new") else (12, 25)
    d = _resolve_day_month(day, month, today)
    if d is None:
        return None
    lead = m["hlead"].lower()
    return d + timedelta(days=1) if lead == "after" else d - timedelta(days=1) if lead == "before" else d


_PRE = r"(?:(?:on|by|before|until|till|this|coming|next|ths|sa)\s+)"
# "for the 5th time", "1st part 3450", "2nd instalment" are not dates
_ORD_NOT_TIMES = r"(?!\s*(?:times?|parts?|payments?|instal+ments?|emis?|kisht|hulog|cicilan|awamu|one|half)\b)"
# Spans that look like dates but are not one day: recurrences and plurals.
_NOT_A_DATE = re.compile(
    rf"\b(?:every|each|all)\s+(?:other\s+)?(?:{_WD_FULL_L}|{_WD_ABBR}|day|week|month|{_MONTH_NC})(?![a-z])"
    rf"|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)s\b", re.I)
_YR = r"(?P<y>\d{4}|'\d{2})"
_ENGLISH_RULES: List[Tuple[re.Pattern, Callable, bool]] = [
    # (pattern, resolver, carries_year)
    (_r(r"(?<![\d/.-])(?P<y>\d{4})(?P<s>[-/.])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})(?![\d])"), _iso, True),
    (_r(r"(?<!\d)(?P<y>\d{4})\s*[年년]\s*(?P<m>\d{1,2})\s*[月월]\s*(?P<d>\d{1,2})(?:\s*[日号號일])?"), _iso, True),
    (_r(r"(?<![\d/.])(?P<a>\d{1,2})(?P<s>[/.-])(?P<b>\d{1,2})(?P=s)(?P<y>\d{4}|\d{2})(?![\d/]|\.\d)"), _numeric, True),
    (_r(r"(?<![\d.])(?P<y>(?:19|20)\d{2})(?P<m>0[1-9]|1[0-2])(?P<d>0[1-9]|[12]\d|3[01])(?!\d|[.,]\d)"), _compact, True),
    (_r(r"(?<![\d/.,])(?P<a>\d{1,2})[ ](?P<b>\d{1,2})[ ](?P<y>(?:19|20)\d{2})(?![\d/]|[.,]\d)"), _numeric, True),
    (_r(rf"\b(?P<d>\d{{1,2}}){_ORD}?(?:\s*of\s+|\s*[-/.]\s*|\s*){_MONTH}(?:,?\s*|\s*[-/.]\s*)(?P<y>\d{{4}}|'?\d{{2}})(?!\d|[.,]\d|\s*(?:k\b|[/%$£€₦]|{_CUR_ANY}))"), _day_mon, True),
    (_r(rf"\b{_MONTH}(?:\s*[-/.]\s*|\s*)(?P<d>\d{{1,2}}){_ORD}?(?:,?\s*|\s*[-/.]\s*){_YR}(?!\d|[.,]\d)"), _day_mon, True),
    (_r(rf"\b{_MONTH}(?:\s*[-/.]\s*|\s*)(?P<d>\d{{1,2}}){_ORD}?(?:,\s*|[-/.])(?P<y>\d{{2}})(?!\d|[.,]\d|\s*(?:k\b|%|{_CUR_ANY}))"), _day_mon, True),
    (_r(rf"(?<![\d.,])(?P<y>\d{{4}})\s*[-/.]\s*{_MONTH}\s*[-/.]?\s*(?P<d>\d{{1,2}}){_ORD}?(?!\d)"), _day_mon, True),
    # "dob feb 21 93" (round 7 (dev): failed verification): a two-digit year after a space, only beside a birth word
    # or a loan reference ("LN38301 may 29 97": round 9 (dev))
    (_r(rf"\b{_MONTH}\s*(?P<d>\d{{1,2}}){_ORD}?\s+(?P<y>\d{{2}})(?!\d|[.,:]\d|\s*(?:k\b|%|am\b|pm\b|h\b|hrs?\b|{_CUR_ANY}))"),
     lambda m, today, birth: _day_mon(m, today, birth) if birth or _LOAN_NAMED.search(m.string) else None, True),
    (_r(r"(?<![\d/.])(?P<a>\d{1,2})/(?P<b>\d{1,2})(?![\d/=]|\s*(?:k\b|%))"), _numeric, False),
    (_r(rf"\b(?P<d>\d{{1,2}}){_ORD}?\s*(?:of\s+|-)?{_MONTH}(?![a-z])"), _day_mon, False),
    (_r(rf"\b(?!may\s+\d{{1,2}}\b(?!{_ORD})){_MONTH}\s*(?:the\s+)?(?P<d>\d{{1,2}}){_ORD}?\b(?!\d|[.,]\d|\s*(?:k\b|%|{_CUR_ANY}))"), _day_mon, False),
    (_r(rf"\b(?P<d>\d{{1,2}}){_ORD}?\s+of\s+(?P<which>next|this|the)\s+month\b"), _day_of_month, False),
    (_r(rf"\b{_PRE}?(?:{_WD_FULL_L}|{_WD_ABBR}),?\s+(?:the\s+)?(?P<d>\d{{1,2}}){_ORD}\b{_ORD_NOT_TIMES}"), _ordinal_day, False),
    # "in two weeks" is a day; "after two weeks" / "two weeks" are durations (contract)
    (_r(rf"\bin\s+{_QTY}\s*{_UNIT}(?:\s+time)?\b(?!\s+ago)"), _in_n, False),
    (_r(rf"\b{_QTY}\s*{_UNIT}\s+ago\b"), _ago, False),
    (_r(r"\b(?:(?:the\s+)?day\s+before\s+yesterday|juzi)\b"), _rel_days(-2), False),
    (_r(r"\b(?:yesterday|yday|ystdy|yesterdy|kahapon|kemarin|(?-i:jana)|last\s+night|lastnight)\b"), _rel_days(-1), False),
    (_r(r"\blast\s+(?P<per>week|wk|month|year)\b"), _last_period, False),
    (_r(r"\b(?P<hlead>after|before|by|on|at|till|until|for|around|over)\s+(?:the\s+)?(?P<hol>christmas|xmas|x-mas|new\s+year'?s?(?:\s+day)?)\b"), _holiday, False),
    (_r(rf"\b(?:(?:the\s+)?day\s+after\s+{_TOMORROW}|overmorrow|kesho\s+kutwa|lusa)\b"), _rel_days(2), False),
    (_r(rf"\b{_TOMORROW}\b"), _rel_days(1), False),
    (_r(r"\b(?:today|tonight|tonite|2day|2nite|tdy|this\s+(?:evening|afternoon|morning)|later\s+today|end\s+of\s+(?:the\s+)?day|eod|leo\s+hii|(?-i:leo)|aaj|hari\s+ini|ngayong\s+araw)\b"), _rel_days(0), False),
    (_r(rf"\bn(?:e)?xt\s+w(?:ee)?k\s+(?:on\s+)?(?P<wd>{_WD_FULL_L}|{_WD_ABBR})|\b(?P<wd2>{_WD_FULL_L})\s+n(?:e)?xt\s+w(?:ee)?k\b"), _next_week_weekday, False),
    # "not this Friday, the Friday after", "friday after next": a week after the next one
    (_r(rf"\b(?P<wd>{_WD_FULL_L})\s+after\s+next\b|\bthe\s+(?P<wd2>{_WD_FULL_L})\s+after(?:\s+(?:that|this\s+one))?"
        rf"(?=\s*(?:[.,;:!?]|$))"), _weekday_after_next, False),
    (_r(rf"\b{_PRE}?(?P<wd>{_WD_FULL_L})(?![a-z])|\b{_PRE}(?P<wda>{_WD_ABBR})"), _weekday, False),
    (_r(r"\b(?:(?:the\s+)?end\s+of\s+next\s+month|next\s+month\s*end)\b"), _end_of_month(1), False),
    (_r(r"\b(?:(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?month|(?:this\s+)?month[\s-]?end|end\s+month|eom|mwisho\s+wa\s+mwezi|katapusan\s+ng\s+buwan|akhir\s+bulan)\b"), _end_of_month(0), False),
    (_r(r"\b(?:(?:the\s+)?(?:beginning|start)\s+of\s+next\s+month|early\s+next\s+month|next\s+month|mwezi\s+ujao|bulan\s+depan)\b"), _start_next_month, False),
    (_r(r"\b(?:mid[\s-]?month|(?:the\s+)?middle\s+of\s+(?:the\s+|this\s+)?month)\b"), _mid_month, False),
    (_r(r"\b(?:(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?week|weekend|this\s+week)\b"), _end_of_week, False),
    (_r(r"\bn(?:e)?xt\s+w(?:ee)?k\b|\bwiki\s+ijayo\b"), _next_week, False),
    (_r(rf"\b(?P<lead>in|by|to(?!\s+may\b)|this(?!\s+may\b)|until|till|before|after|since|from|next|last|early|late|mid|"
        rf"end\s+of|beginning\s+of|start\s+of)\s+{_MONTH}(?![a-z])(?!\s*\d)"), _month_name, False),
    (_r(rf"\b(?:on|by|before|until|till|from)?\s*the\s+(?P<d>\d{{1,2}}){_ORD}?\b(?!\s*(?:of\s+)?{_MONTH_NC})(?!\d|[.,]\d|%){_ORD_NOT_TIMES}|(?<![\w.,/])(?P<d2>\d{{1,2}}){_ORD}\b(?!\s*(?:of\s+)?{_MONTH_NC}){_ORD_NOT_TIMES}"), _ordinal_day, False),
]


# Dates with a year first (a full date is never cut into a day and a month), then the
# other languages' rules (dates_local.py, on the view's digits), then the English ones.
_WITH_YEAR = [rule for rule in _ENGLISH_RULES if rule[2]]
DATE_RULES: List[Tuple[re.Pattern, Callable, bool]] = (
    _WITH_YEAR + dates_local.RULES_WITH_YEAR + dates_local.RULES + [r for r in _ENGLISH_RULES if not r[2]])


def _resolve_rule(idx: int, m: re.Match, today: date, birth: bool) -> Optional[date]:
    return DATE_RULES[idx][1](m, today, birth)


def _relative_form(idx: int, m: re.Match, has_year: bool) -> Optional[Dict]:
    """How a year-less date phrase resolves from any day: {"days": 1}, {"month_end": 0},
    or its rule and the parts it matched ({"rule": "weekday", "parts": {"wd": "friday"}}),
    so the dialogue re-resolves it in the borrower's zone without reading the text again."""
    if has_year:
        return None
    resolver = DATE_RULES[idx][1]
    fixed = getattr(resolver, "relative", None)
    if fixed is not None:
        return dict(fixed)
    return {"rule": resolver.__name__.lstrip("_"),
            "parts": {k: v for k, v in m.groupdict().items() if v is not None}}


def _find_dates(text: str, today: date, taken: List[Span]) -> List[Tuple[int, int, date, bool, Optional[Dict]]]:
    """(start, end, date, carries_year, relative form) for every date phrase, first rule wins."""
    birth = bool(_BIRTH_CONTEXT.search(text))
    blocked = [m.span() for m in _NOT_A_DATE.finditer(text)]
    found = []
    for idx, (pattern, _, has_year) in enumerate(DATE_RULES):
        for m in pattern.finditer(text):
            s, e = m.span("at") if "at" in pattern.groupindex else m.span()  # `at`: the date within the match
            while s < e and text[s].isspace():
                s += 1
            if not _free((s, e), taken) or not _free((s, e), blocked):
                continue
            try:
                d = _resolve_rule(idx, m, today, birth)
            except (ValueError, KeyError, OverflowError):  # "in 99999 years" is past the calendar's end
                d = None
            if d is None:
                continue
            taken.append((s, e))
            found.append((s, e, d, has_year, _relative_form(idx, m, has_year)))
    return _one_day_said_twice(text, found)


_WEEKDAY_RULES = frozenset({"weekday", "zh_weekday", "next_week_weekday"})
_BETWEEN = re.compile(r"[\s,(]*(?:(?!(?:or|au|ama|atau|o|ya|and|na|aur|dan|at|at|till|to|hadi|sampai|或|还是|和|到)\b)"
                      r"[^\W\d]+[\s,-]*){0,2}", re.UNICODE)  # "tarehe", "the", "ika-" ...; never "or", "to"


def _one_day_said_twice(text: str, found: list) -> list:
    """"Ijumaa ijayo tarehe 18", "下周五18号", "this Friday, the 18th": a weekday and the day of
    the month that falls on it are one date, the number's (round 8 (dev): the weekday was read as
    the Friday before and a plan started a week early). When they disagree both stay."""
    def rule(f) -> str | None:
        return (f[4] or {}).get("rule")
    drop = set()
    for w in found:
        for n in found:
            if rule(w) not in _WEEKDAY_RULES or rule(n) != "ordinal_day" or n[2].weekday() != w[2].weekday():
                continue
            gap = text[w[1]:n[0]] if w[1] <= n[0] else text[n[1]:w[0]]
            if len(gap) <= 12 and _BETWEEN.fullmatch(gap):
                drop.add(w[:2])
    return [f for f in found if f[:2] not in drop]


def parse_date(text: str, now: datetime, tz: str = "UTC") -> Optional[date]:
    """First date in text resolved against now in tz ('friday', 'the 28th', '15/12', '下周五')."""
    text = view.read(text)
    found = _find_dates(text, local_today(now, tz), [])
    return min(found, key=lambda f: f[:2])[2] if found else None


def parse_dob(text: str, now: Optional[datetime] = None) -> Optional[date]:
    """A full date with a year ('12 march 1990', '04/07/1985', '5th june 88', '90年3月12号')."""
    text = view.read(text)
    today = local_today(now or clock.now(), "UTC")
    found = [f for f in _find_dates(text, today, []) if f[3]]
    return min(found, key=lambda f: f[:2])[2] if found else None


def _is_dob(d: date, today: date, birth_context: bool) -> bool:
    if birth_context:
        return d < today
    try:
        cutoff = today.replace(year=today.year - DOB_MIN_AGE_YEARS)
    except ValueError:  # 29 February
        cutoff = today.replace(year=today.year - DOB_MIN_AGE_YEARS, day=28)
    return d <= cutoff
