"""A time of day the borrower proposes for contact: "message me after 7pm" -> after 19:00.

Why: a proposed contact time must be checked against the profile's contact
window before it is accepted ("message me after 7pm" was accepted in India,
where contact ends at 19:00; issue 13). The NLU only reads the time and which
side of it is welcome; the dialogue does the checking. Plain times only, no
date arithmetic. Words are data: data/lexicons/contact_time.yml (English,
Swahili clock hours, Tagalog "alas", Indonesian "jam", Hinglish "baje", Chinese).
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Dict, Mapping, Optional

from bot.nlu import lexicons
from bot.nlu.text_view import view

RELATIONS = ("after", "before", "at")
# Where a time's clause ends: "office time mein call mat karna, raat 8 baje ke baad call karo" asks
# for calls after 8pm; the "mat" (don't) belongs to the clause before it.
_CLAUSE_BREAK = r"[,.;!?，。；！？]|\b(?:but|instead|lekin|par|pero|tapi|ila|bali|phir|then)\b|但是|不过"
_FILLER = r"(?:(?:at|about|around|like|approx|approximately|saa|jam|pukul|mga|the)\s+)*"


def _alt(words: Any) -> str:
    return lexicons.alternation(str(w) for w in words)


def _edge(body: str) -> str:
    """A word or phrase not inside a longer Latin word (CJK words have no spaces around them)."""
    return rf"(?<![a-z0-9]){body}(?![a-z0-9])"


@lru_cache(maxsize=1)
def _rules() -> Dict[str, Any]:
    data = lexicons.load("contact_time")
    parts = {str(w).lower(): kind for kind, words in data["parts"].items() for w in words}
    numbers = {str(k): int(v) for k, v in data["swahili_hours"].items()}
    tagalog = {str(k): int(v) for k, v in data["tagalog_hours"].items()}
    chinese = {str(k): int(v) for k, v in data["chinese_hours"].items()}
    part = _alt(parts)
    time = "|".join((
        rf"\bsaa\s+(?P<sw>{_alt(numbers)}|\d{{1,2}})(?:\s+na\s+(?P<swfrac>nusu|robo))?\s+(?P<swpart>{part})(?![a-z])",
        rf"\balas[\s-]+(?P<tl>{_alt(tagalog)}|\d{{1,2}})(?:\s+y\s+(?P<tlfrac>media|kwarto))?"
        rf"(?:\s+(?P<tlpart>{part})(?![a-z]))?",
        rf"(?P<zhpart>{part})?(?P<zh>\d{{1,2}}|{_alt(chinese)})[点點](?:(?P<zhm>\d{{1,2}})分|(?P<zhhalf>半))?",
        r"(?<![\d,.])(?P<mil>[01]\d|2[0-3])(?P<milm>[0-5]\d)\s*(?:hrs|hr|h)\b",
        rf"(?:\b(?P<pre>{part})\s+)?(?:\b(?:jam|pukul)\s+)?(?<![\d,.:])(?P<h>\d{{1,2}})"
        rf"(?:(?P<sep>[:.])(?P<m>[0-5]\d))?(?!\d|[.,]\d)\s*(?P<unit>oclock|o clock|baje|bje|बजे)?"
        rf"(?:\s*(?P<post>{part})(?![a-z]))?",
    ))
    rel = data["relations"]
    return {
        "time": re.compile(time),
        "parts": parts, "sw": numbers, "tl": tagalog, "zh": chinese,
        "before": {r: re.compile(rf"{_edge(_alt(rel[r]['before_time']))}\s*{_FILLER}$") for r in ("after", "before")},
        "after": {r: re.compile(rf"^\s*{_edge(_alt(rel[r]['after_time']))}") for r in ("after", "before")},
        "contact": re.compile(_edge(_alt(data["contact_words"]))),
        "payment": re.compile(_edge(_alt(data["payment_words"]))),
        "negators": re.compile(lexicons.words_in_any_script(
            [w for words in lexicons.load("negation")["before"].values() for w in words])),
        "clause_break": re.compile(_CLAUSE_BREAK),
        "past": re.compile(lexicons.words_in_any_script(list(data.get("past_words") or ["(?!)"]))),
        "days": {day: re.compile(lexicons.words_in_any_script(list(words))) for day, words in (data.get("days") or {}).items()},
    }


def _clock(hour: int, kind: Optional[str]) -> Optional[int]:
    """The 24-hour hour of `hour` said with a part of the day (parts in contact_time.yml)."""
    if kind is None:
        return hour if 0 <= hour <= 23 else None
    if not 1 <= hour <= 12:
        return hour if 13 <= hour <= 23 and kind != "am" else None
    if kind == "am":
        return 0 if hour == 12 else hour
    if kind == "pm":
        return hour if hour == 12 else hour + 12
    if kind == "midday":
        return hour if hour in (11, 12) else hour + 12 if hour <= 6 else hour
    return 0 if hour == 12 else hour + 12 if hour >= 6 else hour  # night


def _number(raw: str, table: Mapping[str, int]) -> int:
    return int(raw) if raw.isdigit() else table[re.sub(r"\s+", " ", raw)]


def _swahili(raw: str, kind: Optional[str], table: Mapping[str, int]) -> Optional[int]:
    """Swahili hours count from 7am: saa moja = 1 -> 7, saa sita = 6 -> 12; "saa 7 jioni" typed
    with a Western 7 is read as 19, since a Swahili 7 (13:00) is not evening."""
    said = _number(raw, table)
    if not 1 <= said <= 12:
        return None
    hour = _clock((said + 6) % 12 or 12, kind)
    western = _clock(said, kind)
    if raw.isdigit() and kind == "pm" and hour is not None and hour < 15 and western and 15 <= western <= 21:
        return western
    return hour


def _read(m: re.Match, rules: Dict[str, Any]) -> Optional[Dict[str, int]]:
    """(hour, minute) of one time expression, or None when the time is not plain."""
    g, parts = m.groupdict(), rules["parts"]
    if g["sw"]:
        hour, minute = _swahili(g["sw"], parts.get(g["swpart"]), rules["sw"]), {"nusu": 30, "robo": 15}.get(g["swfrac"], 0)
    elif g["tl"]:
        hour = _clock(_number(g["tl"], rules["tl"]), parts.get(g["tlpart"] or ""))
        minute = {"media": 30, "kwarto": 15}.get(g["tlfrac"], 0)
    elif g["zh"]:
        hour = _clock(_number(g["zh"], rules["zh"]), parts.get(g["zhpart"] or ""))
        minute = 30 if g["zhhalf"] else int(g["zhm"] or 0)
    elif g["mil"]:
        hour, minute = int(g["mil"]), int(g["milm"])
    else:
        kind = parts.get(g["post"] or "") or (parts.get(g["pre"]) if g["pre"] else None)  # "subah 8 se 9 ke beech"
        plain = kind or (g["sep"] == ":" and g["m"]) or g["unit"]
        if not plain:
            return None  # "after 7", "in 3": no part of the day, no clock form
        hour, minute = _clock(int(g["h"]), kind), int(g["m"] or 0)
    if hour is None or not 0 <= minute <= 59:
        return None
    return {"hour": hour, "minute": minute}


def _relation(text: str, m: re.Match, rules: Dict[str, Any]) -> str:
    before, after = text[max(0, m.start() - 40):m.start()], text[m.end():m.end() + 20]
    for relation in ("after", "before"):
        if rules["before"][relation].search(before):
            return relation
    for relation in ("after", "before"):
        if rules["after"][relation].search(after):
            return relation
    return "at"


def contact_time(text: str) -> Optional[Dict[str, Any]]:
    """{"relation": "after"|"before"|"at", "hour": 0-23, "minute": 0-59} of the first plain time, or None;
    with "until" (the window's end), "days" (["tue"], the weekdays) and "past": True when its clause says
    it happened ("you called at 11pm last night").

    A time said with a payment word and no contact word ("I'll pay at 6pm")
    is when they pay, not when to contact them: None.
    """
    said, rules = view(text), _rules()
    if rules["payment"].search(said) and not rules["contact"].search(said):
        return None
    for m in rules["time"].finditer(said):
        clock = _read(m, rules)
        if clock is not None:
            relation = _relation(said, m, rules)
            if _negated(said, m, rules):  # "don't call me before 9am" welcomes calls after it
                relation = _FLIPPED.get(relation)
                if relation is None:
                    continue  # "don't call at 6am": no time they want
            found = {"relation": relation, **_range_start(said[:m.start()], clock)}
            until = _range_end(said, m, found, clock)
            days = _days(said, rules)
            return {**found, **({"until": until} if until else {}), **({"days": days} if days else {}),
                    **({"past": True} if _in_clause(said, m, rules, "past") else {})}
    return None


def _range_end(said: str, m: re.Match, found: Dict[str, int], clock: Dict[str, int]) -> Optional[Dict[str, int]]:
    """Where a window ends: the time matched when a start stood before it ("between 6 and 8 pm"), or
    the hour after it ("subah 8 se 9 ke beech", "from 6pm to 9pm"): kept with the preference (round 6
    (dev): "Tuesdays between 6 and 8 pm" was recorded as "at 18:00")."""
    if found["hour"] != clock["hour"]:
        return clock
    after = _RANGE_END.match(said, m.end())
    if after is None:
        return None
    hour, minute = int(after.group(1)), int(after.group(2) or 0)
    if after.group(3) == "pm" and hour < 12 or hour < clock["hour"] and hour + 12 <= 23:
        hour += 12
    return {"hour": hour, "minute": minute} if clock["hour"] < hour <= 23 and minute < 60 else None


def _days(said: str, rules: Dict[str, Any]) -> list:
    """The days a preference is for ("only contact me Tuesdays", "weekdays only"), in week order."""
    return [day for day, pattern in rules["days"].items() if pattern.search(said)]


_FLIPPED = {"after": "before", "before": "after"}


def _negated(said: str, m: re.Match, rules: Dict[str, Any]) -> bool:
    """Whether the time's own clause holds a negator ("don't call me after 9pm", "wag tumawag ng 11 ng
    gabi"): the side of the time they do not want."""
    return _in_clause(said, m, rules, "negators")


def _in_clause(said: str, m: re.Match, rules: Dict[str, Any], words: str) -> bool:
    """Whether the time's own clause holds one of `words` (negators, or words of the past: "past": a call
    that happened, reported, not a time to call)."""
    before = rules["clause_break"].split(said[:m.start()])[-1]
    after = rules["clause_break"].split(said[m.end():])[0]
    return bool(rules[words].search(before) or rules[words].search(after))


_RANGE_END = re.compile(r"\s*(?:to|till|until|and|-|–|hadi|mpaka|hanggang|sampai|se|至|到)\s*(\d{1,2})(?:[:.]([0-5]\d))?"
                        r"\s*(am|pm)?(?![\d:])")


# "8 to 9pm", "between 6 and 8 pm", "7-9 pm": the hour before the range word shares the part of the day.
_RANGE_START = re.compile(r"(?<![\d:])(\d{1,2})\s*(?:to|till|until|and|-|–|hadi|mpaka|hanggang|sampai|se|tak|至|到)\s*$")


def _range_start(before: str, clock: Dict[str, int]) -> Dict[str, int]:
    """The start of a range ending at `clock` (round 6 (dev): "8 to 9pm" was read as 21:00, the
    window's very end, and refused); the clock itself when no range ends there."""
    m = _RANGE_START.search(before)
    if m is None:
        return clock
    start = int(m.group(1))
    shift = clock["hour"] - (clock["hour"] % 12) if clock["hour"] >= 12 and start < 12 else 0
    hour = start + shift
    return {"hour": hour, "minute": 0} if 0 <= hour < clock["hour"] else clock


def check_lexicon() -> None:
    """Compiles data/lexicons/contact_time.yml now; raises if it is malformed."""
    _rules()
