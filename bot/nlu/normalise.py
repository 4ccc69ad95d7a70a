"""Rule-based entity extraction and normalisation for borrower messages.

Pure functions with no Rasa import, because the action server re-resolves
dates in the borrower's own time zone and must not load TensorFlow to do it.
Every value comes out normalised the way docs/nlu-entities.md describes:
amounts as Decimal (ints/floats plus an exact ``value_text`` in entities),
durations as days, dates as ISO strings resolved against ``now`` in ``tz``.
"""
from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Callable, Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

EXTRACTOR = "EntityNormaliser"
ENTITY_TYPES = (
    "amount", "currency", "date", "duration_days", "instalments",
    "loan_reference", "date_of_birth", "phone_last4",
)
DOB_MIN_AGE_YEARS = 14  # a dated year at least this far back is a birth date
# Only this much of a message is scanned: borrower messages are short, and the
# cap keeps a pasted essay or a flood of digits from stalling a parse.
MAX_SCAN_CHARS = 1000


def _cap(text: str) -> str:
    return text[:MAX_SCAN_CHARS]

# --------------------------------------------------------------------------
# numbers in words
# --------------------------------------------------------------------------
_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1000, "lakh": 100_000, "lakhs": 100_000,
           "million": 1_000_000, "billion": 1_000_000_000}
_W = "(?:" + "|".join(sorted(list(_UNITS) + list(_SCALES), key=len, reverse=True)) + ")"
# "two thousand five hundred", "twenty-one", "a hundred", "a couple"
WORDNUM = rf"(?:\b(?:an?\s+)?{_W}(?:(?:\s+and)?[\s-]+{_W}){{0,6}}\b|\ban?\s+couple(?:\s+of)?|\bcouple\s+of)"


def words_to_int(text: str) -> Optional[int]:
    """'two thousand five hundred' -> 2500; None when not a number phrase."""
    tokens = re.split(r"[\s-]+", text.lower().strip())
    if tokens[:2] in (["a", "couple"], ["couple", "of"]) or tokens == ["couple"]:
        return 2
    total, current, seen = 0, 0, False
    for tok in tokens:
        if tok in ("a", "an"):
            current = max(current, 1)
            continue
        if tok in ("and", "of", ""):
            continue
        if tok in _UNITS:
            current += _UNITS[tok]
        elif tok == "hundred":
            current = max(current, 1) * 100
        elif tok in _SCALES:
            total += max(current, 1) * _SCALES[tok]
            current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


def _qty(text: str) -> Optional[Decimal]:
    """A digit string or a number in words as a Decimal."""
    text = text.strip().lower()
    if text in ("a", "an", "one", "another"):
        return Decimal(1)
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return Decimal(text)
    n = words_to_int(text)
    return Decimal(n) if n is not None else None


# --------------------------------------------------------------------------
# currencies
# --------------------------------------------------------------------------
# Tokens safe to read as a currency anywhere in a message.
_FREE_CURRENCY = {
    "usd": "USD", "dollars": "USD", "dollar": "USD", "bucks": "USD", "us$": "USD", "$": "USD",
    "kes": "KES", "ksh": "KES", "kshs": "KES", "ksh.": "KES", "kshs.": "KES",
    "shillings": "KES", "shilling": "KES", "shs": "KES", "shilingi": "KES",
    "naira": "NGN", "ngn": "NGN", "₦": "NGN",
    "inr": "INR", "rupees": "INR", "rupee": "INR", "₹": "INR",
    "php": "PHP", "pesos": "PHP", "peso": "PHP", "₱": "PHP",
    "gbp": "GBP", "pounds": "GBP", "pound": "GBP", "£": "GBP",
    "idr": "IDR", "rupiah": "IDR",
    "cny": "CNY", "rmb": "CNY", "yuan": "CNY", "¥": "CNY", "元": "CNY",
    "cedis": "GHS", "cedi": "GHS", "ghs": "GHS", "ghc": "GHS", "gh₵": "GHS", "₵": "GHS",
    "eur": "EUR", "euro": "EUR", "euros": "EUR", "€": "EUR",
    "ugx": "UGX", "tzs": "TZS", "tsh": "TZS", "tshs": "TZS", "zar": "ZAR",
    "zmw": "ZMW", "kwacha": "ZMW",
}
# Tokens that are currencies only right next to a number ("500 bob", "Rs 300").
_STRICT_CURRENCY = {"bob": "KES", "sh": "KES", "rs": "INR", "rs.": "INR", "rp": "IDR",
                    "rp.": "IDR", "quid": "GBP", "rand": "ZAR", "块": "CNY", "n": "NGN"}
_ALL_CURRENCY = {**_STRICT_CURRENCY, **_FREE_CURRENCY}


def _cur_alt(tokens) -> str:
    parts = []
    for t in sorted(tokens, key=len, reverse=True):
        if t == "n":  # naira only as a capital prefix: "N5,000"
            parts.append(r"(?<![^\W\d_])(?-i:N)(?=\s?\d)")  # not the N ending "LOAN 5000"
            continue
        esc = re.escape(t)
        if t[0].isalpha() and t.isascii():
            esc = r"(?<![a-z])" + esc
        if t[-1].isalpha() and t.isascii():
            esc += r"(?![a-z])"
        parts.append(esc)
    return "(?:" + "|".join(parts) + ")"


_CUR_ANY = _cur_alt(_ALL_CURRENCY)
_CUR_FREE_RE = re.compile(_cur_alt(_FREE_CURRENCY), re.I)


def parse_currency(text: str) -> Optional[str]:
    """ISO 4217 code of the first currency named in text ('bob' -> 'KES')."""
    text = _cap(text)
    t = text.strip()
    if t.lower() in _ALL_CURRENCY and t != "n":  # lone lowercase "n" is not naira
        return _ALL_CURRENCY[t.lower()]
    m = _CUR_FREE_RE.search(t)
    return _FREE_CURRENCY[m.group(0).lower()] if m else None


# --------------------------------------------------------------------------
# amounts
# --------------------------------------------------------------------------
_MULT = {"k": 1000, "K": 1000, "thousand": 1000, "grand": 1000, "m": 1_000_000,
         "mn": 1_000_000, "million": 1_000_000, "bn": 1_000_000_000,
         "billion": 1_000_000_000, "lakh": 100_000, "lakhs": 100_000, "hundred": 100}
_DIGITS = r"(?:\d{1,2}(?:,\d{2})+,\d{3}(?:\.\d+)?|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?:\.\d{3}){2,}|\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d)|\d+(?:\.\d+)?)"
_NUM = rf"(?P<num>{_DIGITS})(?:\s?(?P<sfx>[kK]|mn|m|bn)\b|\s+(?P<wmul>thousand|grand|million|billion|lakhs?|hundred)\b)?"
_AMOUNT_RE = re.compile(
    rf"(?:(?P<pre>{_CUR_ANY})\s?\.?\s?)?"
    rf"(?:{_NUM}|(?P<words>{WORDNUM}))"
    rf"(?:\s?/=|\s?(?P<post>{_CUR_ANY}))?",
    re.I,
)
_MONEY_CONTEXT = re.compile(
    r"\b(pay|paying|paid|send|sending|sent|give|giving|owe|owing|have|had|deposit|transfer|"
    r"top ?up|offer|clear|remaining|balance|only|just|about|around|afford|manage|raise|get|"
    r"borrowed|loan|debt|is|was|of)\W+(?:\w+\W+){0,2}$", re.I)


_ONE_UNIT_BEFORE = re.compile(r"\b(?:a|an|another|single|one|every|last|extra)\s+$", re.I)
_RATE_AFTER = re.compile(r"\s*(?:%|percent\b|per\s?cent\b|pct\b)", re.I)
# Nouns that make the number before them a count of something other than money.
_COUNT_AFTER = re.compile(
    r"\s+(?:times?|x\b|people|persons?|customers?|kids|children|messages?|calls?|texts?|sms|"
    r"emails?|reminders?|minutes?|mins?|hours?|hrs?|seconds?|secs?|kms?|kilomet(?:er|re)s?|miles?|"
    r"years?\s+old|yrs?\s+old|percent|points?)\b", re.I)

_SMALL_OK_NEXT = {
    "now", "today", "tonight", "tomorrow", "tmrw", "on", "by", "this", "next", "per", "each",
    "every", "and", "or", "only", "first", "later", "then", "before", "after", "please", "pls",
    "to", "till", "until", "at", "in", "for", "ok", "okay", "if", "when", "but", "so", "instead",
    "right", "the", "from", "is", "was", "left", "remaining", "more", "extra", "plus",
}


def _digits_value(num: str, currency: Optional[str]) -> Optional[Decimal]:
    s = num.replace("\u00a0", " ").replace("\u202f", " ")
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", s) and (s.count(".") >= 2 or currency == "IDR"):
        s = s.replace(".", "")  # Indonesian thousands dots: "Rp 50.000"
    s = s.replace(",", "").replace(" ", "")
    try:
        return Decimal(s)
    except InvalidOperation:
        return None


def _amount_from_match(m: re.Match) -> Tuple[Optional[Decimal], Optional[str]]:
    cur_tok = m.group("pre") or m.group("post")
    currency = _ALL_CURRENCY.get(cur_tok.lower()) if cur_tok else None
    if m.group("words"):
        n = words_to_int(m.group("words"))
        return (Decimal(n) if n is not None else None), currency
    value = _digits_value(m.group("num"), currency)
    mult = m.group("sfx") or m.group("wmul")
    if value is not None and mult:
        value *= _MULT.get(mult, _MULT.get(mult.lower(), 1))
    return value, currency


def parse_amount(text: str) -> Optional[Decimal]:
    """First money amount in text: '2.5k' -> 2500, 'KES 3,500' -> 3500."""
    text = _cap(text)
    for m in _AMOUNT_RE.finditer(text):
        value, _ = _amount_from_match(m)
        if value is not None:
            return value.normalize() if value == value.to_integral() else value
    return None


def amount_value(value: Decimal) -> Tuple[object, str]:
    """(JSON number, exact text): int when whole, else float to 2 places."""
    if value == value.to_integral():
        return int(value), str(int(value))
    return float(round(value, 2)), format(value.normalize(), "f")


# --------------------------------------------------------------------------
# durations and instalments
# --------------------------------------------------------------------------
_UNIT_DAYS = {"d": 1, "w": 7, "f": 14, "m": 30, "y": 365}
_UNIT = r"(?P<unit>days?|dys?|weeks?|wks?|wk|fortnights?|months?|mnths?|mths?|mons?|years?|yrs?)"
_QTY = rf"(?P<n>\d+(?:\.\d+)?|{WORDNUM}|an?|one|another|half\s+an?)"
_SW_NUM = {"moja": 1, "mbili": 2, "tatu": 3, "nne": 4, "tano": 5, "sita": 6, "saba": 7,
           "nane": 8, "tisa": 9, "kumi": 10}
_SW_UNIT = {"siku": 1, "wiki": 7, "mwezi": 30, "miezi": 30}
_DURATION_RE = re.compile(
    rf"\b{_QTY}\s*(?:-\s*)?(?:(?:more|extra|additional|further)\s+)?{_UNIT}\b"
    rf"|\b(?P<fort>(?:a\s+)?fortnight)\b"
    rf"|\b(?P<swu>siku|wiki|mwezi|miezi)\s+(?P<swn>{'|'.join(_SW_NUM)}|\d{{1,3}})\b", re.I)
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


# --------------------------------------------------------------------------
# loan reference and phone digits
# --------------------------------------------------------------------------
# Without the LN prefix a number is a reference only when a loan/ref/account
# word names it; "loan 77310" needs 5+ digits so "a loan 5000" stays money.
_LOAN_RE = re.compile(
    r"\bLN[\s\-_#:.]*(?P<d>\d{4,8})\b"
    r"|\b(?:loan\s*(?:no\.?|number|num|#|ref(?:erence)?|id|acc(?:ount)?)|ref(?:erence)?(?:\s*(?:no\.?|number|num|#|code|id))?"
    r"|acc(?:oun)?t\s*(?:no\.?|number|num|#))\s*(?:is\s*)?[:#.]?\s*(?:LN[\s\-_]*)?(?P<d2>\d{4,8})\b(?![.,]\d)"
    # "loan 77310", but not "took loan 50000" / "a loan 50000" / "loan 50000 ksh" (money)
    r"|(?<!took\s)(?<!take\s)(?<!got\s)(?<!get\s)(?<!borrowed\s)(?<!for\s)(?<!a\s)"
    r"\bloan\s+(?:is\s+)?(?P<d3>\d{5,8})\b(?![.,]\d|\s*(?:/=|[kK]\b|" + _CUR_ANY + "))",
    re.I,
)


def parse_loan_reference(text: str) -> Optional[str]:
    """'ln 20931' / 'loan no 20931' -> 'LN-20931'."""
    text = _cap(text)
    m = _LOAN_RE.search(text)
    if m:
        return f"LN-{m.group('d') or m.group('d2') or m.group('d3')}"
    m = re.fullmatch(r"\s*(\d{4,8})\s*", text)
    return f"LN-{m.group(1)}" if m else None


# Four digits, also typed spaced out ("4 8 2 1", "48-21").
_FOUR = r"(?<![\d,.])\d(?:[ \-]?\d){3}(?![\d,.]\d|\d)"
_PHONE_RE = re.compile(
    rf"\blast\s+(?:(?:4|four)\b(?!\s*(?:days?|weeks?|months?|years?|times?|payments?|instal|install))\s*(?:(?:digits?|numbers?|nos?|nums?)\b)?|(?:digits?|numbers?|nums?)\b)[^\d]{{0,40}}?(?P<d>{_FOUR})"
    rf"|\b(?:phone|number|no|line|mobile|cell|digits)\s+(?:\w+\s+)?end(?:s|ing)?\s+(?:in\s+|with\s+)?(?P<d2>{_FOUR})"
    rf"|\bend(?:s|ing)?\s+(?:in|with)\s+(?P<d3>(?!(?:19|20)\d\d\b){_FOUR})",
    re.I,
)


def _phone_group(m: re.Match) -> str:
    return "d" if m.group("d") else "d2" if m.group("d2") else "d3"


def parse_phone_last4(text: str) -> Optional[str]:
    text = _cap(text)
    m = _PHONE_RE.search(text)
    if m:
        return re.sub(r"\D", "", m.group(_phone_group(m)))
    digits = re.sub(r"\D", "", text)
    return digits[-4:] if len(digits) >= 4 else None


# --------------------------------------------------------------------------
# dates
# --------------------------------------------------------------------------
_MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7,
           "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}
_MONTH = (r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_MONTH_NC = _MONTH.replace("(?P<mon>", "(?:")
_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_WD_FULL = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tues?day|wednsday|wensday|thursady|firday|satuday|sundy)"
_WD_ABBR = r"(?:mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)\b\.?"
# Swahili, Tagalog, Indonesian weekday names (not "linggo"/"minggu": they also mean "week").
_WD_LOCAL = {"jumatatu": 0, "jumanne": 1, "jumatano": 2, "alhamisi": 3, "ijumaa": 4, "jumamosi": 5,
             "jumapili": 6, "lunes": 0, "martes": 1, "miyerkules": 2, "myerkules": 2, "huwebes": 3,
             "biyernes": 4, "sabado": 5, "senin": 0, "selasa": 1, "rabu": 2, "kamis": 3, "jumat": 4,
             "sabtu": 5}
_WD_FULL_L = r"(?:" + _WD_FULL[3:-1] + "|" + "|".join(_WD_LOCAL) + ")"
_TOMORROW = r"(?:tomm?orr?ow|tomm?orr?o|tomoz|tmrw|tmrow|tmr|tmro|tmoro|tmorow|2mor+ow|2moro|2mrw|2mrow|kesho|bukas|besok)"
_BIRTH_CONTEXT = re.compile(r"\b(born|birth|dob|d\.o\.b|birthday|b-?day|bday)\b", re.I)
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


def _month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def _add_months(d: date, n: int, day: Optional[int] = None) -> date:
    idx = d.year * 12 + d.month - 1 + n
    y, m = divmod(idx, 12)
    return date(y, m + 1, min(day or d.day, calendar.monthrange(y, m + 1)[1]))


def _next_weekday(today: date, wd: int, strictly_after: bool = True) -> date:
    delta = (wd - today.weekday()) % 7
    if delta == 0 and strictly_after:
        delta = 7
    return today + timedelta(days=delta)


def _weekday_index(word: str) -> int:
    w = word.lower().rstrip(".")
    if w in _WD_LOCAL:
        return _WD_LOCAL[w]
    for key, idx in (("wen", 2), ("fir", 4)):
        if w.startswith(key):
            return idx
    return _WEEKDAYS[w[:3]]


def _year(raw: Optional[str], today: date, birth: bool) -> Optional[int]:
    if not raw:
        return None
    raw = raw.lstrip("'")
    y = int(raw)
    if len(raw) == 2:
        y += 2000
        limit = today.year if birth else today.year + 10
        if y > limit:
            y -= 100
    return y


def _resolve_day_month(day: int, month: int, today: date) -> Optional[date]:
    """A year-less day/month: its next occurrence from today (today included)."""
    for year in (today.year, today.year + 1):
        try:
            d = date(year, month, day)
        except ValueError:
            continue
        if d >= today:
            return d
    return None


def _day_first(a: int, b: int) -> Optional[Tuple[int, int]]:
    """(day, month) from two numbers: day-first unless that is impossible."""
    if 1 <= b <= 12 and 1 <= a <= 31:
        return a, b
    if 1 <= a <= 12 and 1 <= b <= 31:
        return b, a
    return None


def _full(y: Optional[int], m: int, d: int, today: date) -> Optional[date]:
    try:
        return date(y, m, d) if y else _resolve_day_month(d, m, today)
    except ValueError:
        return None


def _r(p: str) -> re.Pattern:
    return re.compile(p, re.I)


def _iso(m, today, birth):
    return _full(int(m["y"]), int(m["m"]), int(m["d"]), today)


def _numeric(m, today, birth):
    dm = _day_first(int(m["a"]), int(m["b"]))
    return _full(_year(m.groupdict().get("y"), today, birth), dm[1], dm[0], today) if dm else None


def _day_mon(m, today, birth):
    return _full(_year(m.groupdict().get("y"), today, birth), _MONTHS[m["mon"][:3].lower()], int(m["d"]), today)


def _ordinal_day(m, today, birth):
    gd = m.groupdict()
    day = int(gd.get("d") or gd.get("d2"))
    if not 1 <= day <= 31:
        return None
    # clamp to the month's last day: "the 31st" in November means its end
    this = _month_end(today.year, today.month)
    if day >= today.day:
        return this.replace(day=min(day, this.day))
    return _add_months(today.replace(day=1), 1, day)


def _rel_days(n):
    return lambda m, today, birth: today + timedelta(days=n)


def _weekday(m, today, birth):
    return _next_weekday(today, _weekday_index(m["wd"] or m["wda"]))


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


def _end_of_month(offset):
    def resolve(m, today, birth):
        first = _add_months(today.replace(day=1), offset)
        return _month_end(first.year, first.month)
    return resolve


def _start_next_month(m, today, birth):
    return _add_months(today.replace(day=1), 1)


def _mid_month(m, today, birth):
    return today.replace(day=15) if today.day <= 15 else _add_months(today.replace(day=15), 1)


def _end_of_week(m, today, birth):
    return _next_weekday(today, 4, strictly_after=False) if today.weekday() <= 4 else _next_weekday(today, 4)


def _next_week(m, today, birth):
    return today - timedelta(days=today.weekday()) + timedelta(days=7)


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
    month = _MONTHS[m["mon"][:3].lower()]
    lead = re.sub(r"\s+", " ", m["lead"].lower())
    past = lead in ("last", "since")
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
_ORD_NOT_TIMES = r"(?!\s*times?\b)"  # "for the 5th time" is not a date
# Spans that look like dates but are not one day: recurrences and plurals.
_NOT_A_DATE = re.compile(
    rf"\b(?:every|each|all)\s+(?:other\s+)?(?:{_WD_FULL_L}|{_WD_ABBR}|day|week|month|{_MONTH_NC})(?![a-z])"
    rf"|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)s\b", re.I)
_YR = r"(?P<y>\d{4}|'\d{2})"
DATE_RULES: List[Tuple[re.Pattern, Callable, bool]] = [
    # (pattern, resolver, carries_year)
    (_r(r"(?<![\d/.-])(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?![\d])"), _iso, True),
    (_r(r"(?<![\d/.])(?P<a>\d{1,2})(?P<s>[/.-])(?P<b>\d{1,2})(?P=s)(?P<y>\d{4}|\d{2})(?![\d/]|\.\d)"), _numeric, True),
    (_r(rf"\b(?P<d>\d{{1,2}}){_ORD}?\s*(?:of\s+|-)?{_MONTH}(?:,?\s*|-)(?P<y>\d{{4}}|'?\d{{2}})(?!\d|[.,]\d|\s*(?:k\b|[/%$£€₦]|{_CUR_ANY}))"), _day_mon, True),
    (_r(rf"\b{_MONTH}\s*(?P<d>\d{{1,2}}){_ORD}?,?\s*{_YR}(?!\d|[.,]\d)"), _day_mon, True),
    (_r(r"(?<![\d/.])(?P<a>\d{1,2})/(?P<b>\d{1,2})(?![\d/=]|\s*(?:k\b|%))"), _numeric, False),
    (_r(rf"\b(?P<d>\d{{1,2}}){_ORD}?\s*(?:of\s+|-)?{_MONTH}(?![a-z])"), _day_mon, False),
    (_r(rf"\b(?!may\s+\d{{1,2}}\b(?!{_ORD})){_MONTH}\s*(?:the\s+)?(?P<d>\d{{1,2}}){_ORD}?\b(?![\d.,]|\s*(?:k\b|%|{_CUR_ANY}))"), _day_mon, False),
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
    (_r(rf"\b{_PRE}?(?P<wd>{_WD_FULL_L})(?![a-z])|\b{_PRE}(?P<wda>{_WD_ABBR})"), _weekday, False),
    (_r(r"\b(?:(?:the\s+)?end\s+of\s+next\s+month|next\s+month\s*end)\b"), _end_of_month(1), False),
    (_r(r"\b(?:(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?month|(?:this\s+)?month[\s-]?end|end\s+month|eom|mwisho\s+wa\s+mwezi|katapusan\s+ng\s+buwan|akhir\s+bulan)\b"), _end_of_month(0), False),
    (_r(r"\b(?:(?:the\s+)?(?:beginning|start)\s+of\s+next\s+month|early\s+next\s+month|next\s+month|mwezi\s+ujao|bulan\s+depan)\b"), _start_next_month, False),
    (_r(r"\b(?:mid[\s-]?month|(?:the\s+)?middle\s+of\s+(?:the\s+|this\s+)?month)\b"), _mid_month, False),
    (_r(r"\b(?:(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?week|weekend|this\s+week)\b"), _end_of_week, False),
    (_r(r"\bn(?:e)?xt\s+w(?:ee)?k\b|\bwiki\s+ijayo\b"), _next_week, False),
    (_r(rf"\b(?P<lead>in|by|to(?!\s+may\b)|this(?!\s+may\b)|until|till|before|after|since|from|next|last|early|late|mid|"
        rf"end\s+of|beginning\s+of|start\s+of)\s+{_MONTH}(?![a-z])(?!\s*\d)"), _month_name, False),
    (_r(rf"\b(?:on|by|before|until|till|from)?\s*the\s+(?P<d>\d{{1,2}}){_ORD}?\b(?!\s*(?:of\s+)?{_MONTH_NC})(?![\d.,%]){_ORD_NOT_TIMES}|(?<![\w.,/])(?P<d2>\d{{1,2}}){_ORD}\b(?!\s*(?:of\s+)?{_MONTH_NC}){_ORD_NOT_TIMES}"), _ordinal_day, False),
]


def _resolve_rule(idx: int, m: re.Match, today: date, birth: bool) -> Optional[date]:
    return DATE_RULES[idx][1](m, today, birth)


Span = Tuple[int, int]


def _free(span: Span, taken: List[Span]) -> bool:
    return all(span[1] <= s or span[0] >= e for s, e in taken)


def _find_dates(text: str, today: date, taken: List[Span]) -> List[Tuple[int, int, date, bool]]:
    """(start, end, date, carries_year) for every date phrase, first rule wins."""
    birth = bool(_BIRTH_CONTEXT.search(text))
    blocked = [m.span() for m in _NOT_A_DATE.finditer(text)]
    found = []
    for idx, (pattern, _, has_year) in enumerate(DATE_RULES):
        for m in pattern.finditer(text):
            s, e = m.span()
            while s < e and text[s].isspace():
                s += 1
            if not _free((s, e), taken) or not _free((s, e), blocked):
                continue
            try:
                d = _resolve_rule(idx, m, today, birth)
            except (ValueError, KeyError):
                d = None
            if d is None:
                continue
            taken.append((s, e))
            found.append((s, e, d, has_year))
    return found


def parse_date(text: str, now: datetime, tz: str = "UTC") -> Optional[date]:
    """First date in text resolved against now in tz ('friday', 'the 28th', '15/12')."""
    text = _cap(text)
    found = _find_dates(text, local_today(now, tz), [])
    return min(found)[2] if found else None


def parse_dob(text: str, now: Optional[datetime] = None) -> Optional[date]:
    """A full date with a year ('12 march 1990', '04/07/1985', '5th june 88')."""
    text = _cap(text)
    today = local_today(now or datetime.now(timezone.utc), "UTC")
    found = [f for f in _find_dates(text, today, []) if f[3]]
    return min(found)[2] if found else None


def _is_dob(d: date, today: date, birth_context: bool) -> bool:
    if birth_context:
        return d < today
    try:
        cutoff = today.replace(year=today.year - DOB_MIN_AGE_YEARS)
    except ValueError:  # 29 February
        cutoff = today.replace(year=today.year - DOB_MIN_AGE_YEARS, day=28)
    return d <= cutoff


# --------------------------------------------------------------------------
# the whole message
# --------------------------------------------------------------------------
def _entity(kind: str, value, start: int, end: int, text: str, **extra) -> Dict:
    ent = {"entity": kind, "value": value, "start": start, "end": end,
           "extractor": EXTRACTOR, "text": text[start:end]}
    ent.update(extra)
    return ent


def _amount_entities(text: str, taken: List[Span], out: List[Dict]) -> None:
    for m in _AMOUNT_RE.finditer(text):
        if m.group("words"):
            span = m.span("words")
        else:  # the number and its multiplier; the currency is its own entity
            span = (m.start("num"), max(m.end("num"), m.end("sfx"), m.end("wmul")))
        cur_group = "pre" if m.group("pre") else "post" if m.group("post") else None
        cur_tok = m.group(cur_group) if cur_group else None
        if not _free(span, taken):
            continue
        value, currency = _amount_from_match(m)
        if value is None or value <= 0:
            continue
        explicit = bool(cur_tok or m.group("sfx") or m.group("wmul") or "/=" in m.group(0))
        if _RATE_AFTER.match(text, span[1]):
            continue  # "15% interest" is a rate, not money
        if not explicit and _COUNT_AFTER.match(text, span[1]):
            continue  # "a hundred times", "300 people": a count, not money
        if not explicit:
            if m.group("words") and words_to_int(m.group("words")) is not None and value < 100:
                continue  # "two" alone is not money
            raw = m.group("num") or ""
            if raw.startswith("0") and len(raw) > 1 or len(re.sub(r"\D", "", raw)) > 9:
                continue  # phone or account numbers
            before = text[max(0, span[0] - 25):span[0]]
            if 1900 <= value <= 2100 and re.search(r"\b(in|since|year|by|of)\s*$", before, re.I):
                continue
            after = text[span[1]:span[1] + 20]
            nxt = re.match(r"\s+([a-z]+)", after, re.I)
            if value < 100 and (not _MONEY_CONTEXT.search(before)
                                or (nxt and nxt.group(1).lower() not in _SMALL_OK_NEXT)):
                continue  # "I have 2 kids": a small bare number needs money context
        num, exact = amount_value(value)
        taken.append(span)
        out.append(_entity("amount", num, span[0], span[1], text, value_text=exact))
        if cur_tok:
            cs, ce = m.span(cur_group)
            taken.append((cs, ce))
            out.append(_entity("currency", currency, cs, ce, text))
    for m in _CUR_FREE_RE.finditer(text):
        if _ONE_UNIT_BEFORE.search(text, max(0, m.start() - 20), m.start()) and m.group(0).isalpha():
            continue  # "not another shilling", "a pound of sugar": no currency named
        if _free(m.span(), taken):
            taken.append(m.span())
            out.append(_entity("currency", _FREE_CURRENCY[m.group(0).lower()], m.start(), m.end(), text))


def extract(text: str, now: datetime, tz: str = "UTC") -> List[Dict]:
    """All entities in text, Rasa-shaped, values normalised, sorted by start.

    Only the first MAX_SCAN_CHARS characters are read (spans stay valid in text).
    """
    text = _cap(text)
    today = local_today(now, tz)
    taken: List[Span] = []
    out: List[Dict] = []
    for m in _LOAN_RE.finditer(text):
        taken.append(m.span())
        out.append(_entity("loan_reference", f"LN-{m.group('d') or m.group('d2') or m.group('d3')}", *m.span(), text))
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
    if _INST_CONTEXT.search(text):
        for m in _INST_LOOSE_RE.finditer(text):
            n = parse_instalments(m.group("n"))
            if n and _free(m.span(), taken):
                taken.append(m.span())
                out.append(_entity("instalments", n, *m.span(), text))
    birth = bool(_BIRTH_CONTEXT.search(text))
    for s, e, d, has_year in _find_dates(text, today, taken):
        kind = "date_of_birth" if has_year and _is_dob(d, today, birth) else "date"
        out.append(_entity(kind, d.isoformat(), s, e, text))
    for m in _DURATION_RE.finditer(text):
        days = _duration_from_match(m)
        if m.group("n") and m.group("n").lower() in ("a", "an") and _RATE_BEFORE.search(text, max(0, m.start() - 40), m.start()):
            continue
        if days and _free(m.span(), taken):
            taken.append(m.span())
            out.append(_entity("duration_days", days, *m.span(), text))
    _amount_entities(text, taken, out)
    return sorted(out, key=lambda e: (e["start"], e["end"]))


_PARSERS: Dict[str, Callable[[str, datetime, str], object]] = {
    "amount": lambda t, now, tz: parse_amount(t),
    "currency": lambda t, now, tz: parse_currency(t),
    "date": lambda t, now, tz: parse_date(t, now, tz),
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
