"""The whole message: every entity, with spans arbitrated (first claim wins, spans never
overlap), and entities of other extractors normalised the same way.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Callable, Dict, List

from bot.nlu.normalise import shorthand, view
from bot.nlu.normalise.birthdates import dob_readings, primary
from bot.nlu.normalise.common import _cap, _entity, _free, Span
from bot.nlu.normalise.money import _amount_entities, amount_value, parse_amount, parse_currency
from bot.nlu.normalise.durations import (
    _duration_from_match, _DURATION_RE, _INST_CONTEXT, _INST_LOOSE_RE, _INST_RE, local_counts, parse_duration_days,
    parse_instalments, _RATE_BEFORE,
)
from bot.nlu.normalise.identifiers import _LOAN_RE, loan_value, parse_loan_reference, parse_phone_last4, _phone_group, _PHONE_RE
from bot.nlu.normalise.dates import _BIRTH_CONTEXT, _find_dates, _is_dob, local_today, parse_date, parse_dob
from bot.nlu.normalise.negation import negated, taken_back


def extract(text: str, now: datetime, tz: str = "UTC") -> List[Dict]:
    """All entities in text, Rasa-shaped, values normalised, sorted by start.

    Only the first MAX_SCAN_CHARS characters are read (spans stay valid in text).
    The rules read the view of the text (view.py): full-width forms as ASCII, Chinese
    numerals as digits, Han parted from Latin letters and digits, SMS shorthand ("nxt fri")
    as its words; spans and texts stay the typed ones.
    A date the borrower rules out ("not tomorrow", "I can't pay today") is a `not_date` (negation.py).
    """
    typed = _cap(text)
    seen = view.build(typed)
    return [shorthand.restore(e, seen, typed) for e in _extract(seen.text, now, tz)]


# A payment's code of letters and digits ("7781-KQ2", "9QX-22814", "TX558201"): never an amount (round 9
# (dev): a dispute case said "USD 7781"). Not a currency before digits ("KES-5000", "Rs50000"), nor "2-3k".
# Whole tokens only, checked in Python: one pass over the text (tests/security/test_regex_linear.py).
_TOKEN = re.compile(r"(?<![\w-])(?:[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+|[A-Za-z]{2,4}\d{5,})(?![\w-])")
_CURRENCY_FIRST = re.compile(r"(?:rs|ksh|kes|kshs|php|inr|idr|rp|usd|ngn|gbp|cny|rmb|eur|ln|tzs|ugx)(?:-|\d)", re.I)


def _codes(text: str) -> List[Span]:
    spans = []
    for m in _TOKEN.finditer(text):
        token = m.group(0)
        if _CURRENCY_FIRST.match(token) or not any(c.isdigit() for c in token):
            continue
        if sum(c.isalpha() for c in token) >= 2 and ("-" in token or token[:2].isalpha()):
            spans.append(m.span())
    return spans


def _extract(text: str, now: datetime, tz: str) -> List[Dict]:
    today = local_today(now, tz)
    taken: List[Span] = []
    out: List[Dict] = []
    loans = list(_LOAN_RE.finditer(text))
    if any(m.group("d") for m in loans):  # "LN-38255" typed: a number a word only names is not the loan
        loans = [m for m in loans if m.group("d")]
    for m in loans:
        taken.append(m.span())
        out.append(_entity("loan_reference", loan_value(m), *m.span(), text))
    for m in _PHONE_RE.finditer(text):
        g = _phone_group(m)
        if _free(m.span(g), taken):
            taken.append(m.span(g))
            out.append(_entity("phone_last4", re.sub(r"\D", "", m.group(g)), *m.span(g), text))
    for m in _INST_RE.finditer(text):
        # "split the 12k into 4": only "4" is the count, the amount stays free
        span = m.span() if m.group("n") else m.span("n2")
        n = parse_instalments(m.group("n") or m.group("n2"))
        if n and _free(span, taken):
            taken.append(span)
            out.append(_entity("instalments", n, *span, text))
    counts = list(local_counts(text))
    for kind, n, span in counts:  # "分三期", "awamu tatu", "3 kisht"
        if kind == "instalments" and _free(span, taken):
            taken.append(span)
            out.append(_entity("instalments", n, *span, text))
    if _INST_CONTEXT.search(text):
        for m in _INST_LOOSE_RE.finditer(text):
            n = parse_instalments(m.group("n"))
            if n and _free(m.span(), taken):
                taken.append(m.span())
                out.append(_entity("instalments", n, *m.span(), text))
    birth = bool(_BIRTH_CONTEXT.search(text))
    found = _find_dates(text, today, taken)
    spans = [f[:2] for f in found]
    for s, e, d, has_year, relative in found:
        kind = "date_of_birth" if has_year and _is_dob(d, today, birth) else "date"
        if kind == "date" and negated(text, s, e, spans):
            kind = "not_date"  # a day the borrower ruled out ("not tomorrow"): same value, other name
        extra = {"relative": relative} if kind != "date_of_birth" and relative else {}
        if kind == "not_date":
            extra["negated"] = True
        readings = dob_readings(text[s:e], today) if kind == "date_of_birth" else {}
        if readings:  # "03/04/1990": every field order's date, the verification picks (birthdates.py)
            d, extra = primary(readings), {"readings": {o: r.isoformat() for o, r in readings.items()}}
        out.append(_entity(kind, d.isoformat(), s, e, text, **extra))
    for kind, days, span in counts:  # "两周", "dalawang linggo", "do hafte"
        if kind == "duration_days" and _free(span, taken):
            taken.append(span)
            out.append(_entity("duration_days", days, *span, text))
    for m in _DURATION_RE.finditer(text):
        days = _duration_from_match(m)
        if m.group("n") and m.group("n").lower() in ("a", "an") and _RATE_BEFORE.search(text, max(0, m.start() - 40), m.start()):
            continue
        if days and _free(m.span(), taken):
            taken.append(m.span())
            out.append(_entity("duration_days", days, *m.span(), text))
    taken.extend(_codes(text))  # "confirmation number: 7781-KQ2" is no USD 7,781
    _amount_entities(text, taken, out)
    amounts = [(e["start"], e["end"]) for e in out if e["entity"] == "amount"]
    for entity in out:  # "Sorry galti se 5000 likha, aaj 7500 dunga": the 5000 is taken back
        if entity["entity"] == "amount" and taken_back(text, entity["start"], entity["end"], amounts):
            entity["entity"] = "not_amount"
    return sorted(out, key=lambda e: (e["start"], e["end"]))


_PARSERS: Dict[str, Callable[[str, datetime, str], object]] = {
    "amount": lambda t, now, tz: parse_amount(t),
    "currency": lambda t, now, tz: parse_currency(t),
    "date": lambda t, now, tz: parse_date(t, now, tz),
    "not_date": lambda t, now, tz: parse_date(t, now, tz),
    "duration_days": lambda t, now, tz: parse_duration_days(t),
    "instalments": lambda t, now, tz: parse_instalments(t),
    "loan_reference": lambda t, now, tz: parse_loan_reference(t),
    "date_of_birth": lambda t, now, tz: parse_dob(t, now),
    "phone_last4": lambda t, now, tz: parse_phone_last4(t),
}


def normalise_entity(entity: Dict, text: str, now: datetime, tz: str = "UTC") -> Dict:
    """Copy of an entity found by another extractor with its value normalised.

    Reads the message span (falls back to the entity's own value); an entity
    whose text cannot be normalised is returned unchanged so nothing is lost.
    """
    kind = entity.get("entity")
    if kind not in _PARSERS:
        return dict(entity)
    start, end = entity.get("start"), entity.get("end")
    raw = text[start:end] if isinstance(start, int) and isinstance(end, int) else str(entity.get("value", ""))
    value = _PARSERS[kind](raw, now, tz)
    if value is None and raw != str(entity.get("value", "")):
        value = _PARSERS[kind](str(entity.get("value", "")), now, tz)
    out = dict(entity)
    if value is None:
        return out
    if isinstance(value, Decimal):
        out["value"], out["value_text"] = amount_value(value)
    elif isinstance(value, date):
        out["value"] = value.isoformat()
    else:
        out["value"] = value
    return out
