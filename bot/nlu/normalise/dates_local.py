"""Date rules beyond English: Chinese, and the Swahili, Tagalog, Indonesian and Hindi
words the English rules do not already read (data/lexicons/dates.yml).

They run before the English rules (dates.py puts them first), on the view of the
text (view.py): Chinese numerals are digits there and a space parts Han from
Latin letters and digits, so "十五号" is read as "15 号" and "下周五" as "下周 5".
Each resolver is arithmetic on the parts it matched and today, like the English
ones, so a year-less date carries its relative form (relative_dates.py).
"""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Callable, List, Tuple

from bot.nlu import lexicons
from bot.nlu.normalise.daymath import (
    _add_months, _end_of_month, _full, _month_end, _next_week, _next_weekday, _ordinal_day, _rel_days,
    _start_next_month, _year,
)

_LEX = lexicons.load("dates")
_HAN = lexicons.HAN
_words = lexicons.words_in_any_script
Rule = Tuple[re.Pattern, Callable, bool]


def _r(p: str) -> re.Pattern:
    return re.compile(p, re.I)


_WEEK = lexicons.alternation(_LEX["chinese_week_words"])
_ZH_WD = {str(k): int(v) for k, v in _LEX["chinese_weekdays"].items()}
_TL_DAYS = {str(k).lower(): int(v) for k, v in _LEX["tagalog_days"].items()}
_EITHER = {str(k).lower(): int(v) for k, v in _LEX["hindi_either_way"].items()}
_PAST = _words(_LEX["hindi_past"])
_DAY = r"(?P<d>\d{1,2})"
_MONTH_WORDS = "(?:" + lexicons.alternation([str(w) for words in _LEX["months"].values() for w in words]) + ")"
_ZH_DAY_SUFFIX = r"\s*[日号號](?!\s*(?:内|以内|之内|前后|左右))"
_ZH_AFTER = r"(?:以后|以後|之后|之後|后|後)"


def _zh_month_day(m, today, birth):
    """'12月20日': the next 20 December (today included)."""
    return _full(_year(m.groupdict().get("y"), today, birth), int(m["m"]), int(m["d"]), today)


def _zh_month_day_of(m, today, birth):
    """'下个月15号' (next month), '这个月20号' (this month); a day the month lacks is its last."""
    first = _add_months(today.replace(day=1), 1 if m["zm"].startswith("下") else 0)
    day = int(m["d"])
    return first.replace(day=min(day, _month_end(first.year, first.month).day)) if 1 <= day <= 31 else None


def _zh_weekday(m, today, birth):
    """'下周五' = the Friday of next week ('上周五' of last week); '这周五'/'本周五' = this week's Friday, today
    included, or the next one once it is past; '周五' alone = the next Friday, as "friday"."""
    wd = _ZH_WD.get(m["zwd"])
    if wd is None:
        return None
    lead = m["zwl"] or ""
    weeks = lead.count("下") - lead.count("上")  # "上周五": last week's Friday
    if weeks:
        monday = today - timedelta(days=today.weekday()) + timedelta(days=7 * weeks)
        return monday + timedelta(days=wd)
    return _next_weekday(today, wd, strictly_after=not lead)


def _zh_after(m, today, birth):
    """'3天后', '两周以后', '一个月后': today moved on; whole months by the calendar."""
    n, unit = int(m["n"]), m["zu"]
    if "月" in unit:
        return _add_months(today, n)
    return today + timedelta(days=n * (1 if unit in "天日" else 7))


class _Day(dict):
    """A day number answering like the match `_ordinal_day` reads."""

    def groupdict(self):
        return dict(self)


def _tagalog_day(m, today, birth):
    """'sa a-kinse': the 15th, as 'the 15th'."""
    day = _TL_DAYS.get(re.sub(r"\s+", " ", m["tday"].lower()))
    return _ordinal_day(_Day(d=str(day)), today, birth) if day else None


def _either_way(m, today, birth):
    """'kal': tomorrow, or yesterday when a past verb follows ('kal diya')."""
    n = _EITHER[m["hw"].lower()]
    return today - timedelta(days=n) if m.groupdict().get("past") else today + timedelta(days=n)


def _relative_rules() -> List[Rule]:
    """One rule per day offset, so each carries {"days": n}; the longest Chinese word first
    ("大后天" before "后天": Chinese words have no boundary to stop a shorter one)."""
    groups = sorted(_LEX["relative_days"].items(),
                    key=lambda kv: -max([len(str(w)) for w in kv[1] if _HAN.search(str(w))] or [0]))
    return [(_r(_words(words)), _rel_days(int(n)), False) for n, words in groups]


_TL = lexicons.alternation(_TL_DAYS)
_EITHER_ALT = _words(_EITHER)
# A past verb within three words, in the same clause: "kal maine 500 diya".
_PAST_AHEAD = rf"(?=(?:\s+[^\s.,;!?]+){{0,3}}?\s+(?P<past>{_PAST}))"

RULES_WITH_YEAR: List[Rule] = [
    # "90年3月12号": a two-digit year (the four-digit one is an English CJK rule)
    (_r(r"(?<![\d.])(?P<y>\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*" + _DAY + r"(?:\s*[日号號])?"), _zh_month_day, True),
]

RULES: List[Rule] = [
    (_r(r"(?P<zm>下\s*个?\s*月|下\s*個\s*月|这\s*个\s*月|這\s*個\s*月|本\s*月)\s*" + _DAY + _ZH_DAY_SUFFIX), _zh_month_day_of, False),
    (_r(r"(?<![\d.年])(?P<m>\d{1,2})\s*月\s*" + _DAY + r"(?:" + _ZH_DAY_SUFFIX + r"|(?![\d.]))"), _zh_month_day, False),
    (_r(rf"(?P<n>\d{{1,3}})\s*(?P<zu>天|日|周|週|星期|个星期|個星期|礼拜|个礼拜|個禮拜|个月|個月)\s*{_ZH_AFTER}"), _zh_after, False),
    (_r(rf"(?<!每)(?P<zwl>下\s*下|下|上\s*上|上|这|這|本)?\s*{_WEEK}\s*(?P<zwd>[1-7日天])(?!\d)"), _zh_weekday,
     False),  # "下周五18号", "周五500块" (the view spaces a numeral from digits); not "下周1500块"
    (_r(r"(?<![\d.月])" + _DAY + _ZH_DAY_SUFFIX), _ordinal_day, False),
    *_relative_rules(),
    (_r(rf"(?P<hw>{_EITHER_ALT}){_PAST_AHEAD}"), _either_way, False),
    # "maine bhej diya kal": the past verb before it; the date is group `at`, "kal" alone
    (_r(rf"(?P<past>{_PAST})(?:\s+[^\s.,;!?]+){{0,2}}?\s+(?P<at>(?P<hw>{_EITHER_ALT}))"), _either_way, False),
    (_r(rf"(?P<hw>{_EITHER_ALT})"), _either_way, False),
    (_r(_words(_LEX["last_month_end"])), _end_of_month(-1), False),
    (_r(_words(_LEX["next_month_end"])), _end_of_month(1), False),
    (_r(_words(_LEX["month_end"])), _end_of_month(0), False),
    (_r(_words(_LEX["next_month_start"])), _start_next_month, False),
    (_r(_words(_LEX["next_week"])), _next_week, False),
    # not "tarehe 5 Desemba": a month named after the number is the day-month rule's (round 8 (dev): the 5th
    # of next month)
    (_r(rf"{_words(_LEX['day_before'])}\.?\s*{_DAY}(?!\d|[.,]\d|\s*(?:k\b|%))(?!\s*(?:of\s+)?{_MONTH_WORDS}(?![a-z]))"),
     _ordinal_day, False),
    (_r(rf"{_DAY}\s*{_words(_LEX['day_after'])}"), _ordinal_day, False),
    # "sa a-kinse", "a-15" is the digit rule's; not "a dose" (English)
    (_r(rf"\b(?:sa\s+a[-\s]?|a-)(?P<tday>{_TL})\b"), _tagalog_day, False),
]

