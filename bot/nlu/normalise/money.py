"""Currencies and amounts ("KES 3,500", "2.5k", "₦5000"): exact Decimals, never floats.

A bare number is money only when it looks like money; the rules below are why
"I have 2 kids" and "0712 345 678" are not amounts.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Dict, List, Optional, Tuple

from bot.nlu.normalise.common import _entity, _free, Span
from bot.nlu import lexicons
from bot.nlu.normalise import view
from bot.nlu.normalise.numbers import LOCAL, WORDNUM, words_to_int


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
    "cny": "CNY", "rmb": "CNY", "yuan": "CNY", "¥": "CNY", "元": "CNY", "人民币": "CNY", "人民幣": "CNY",
    "rupaye": "INR", "rupaiye": "INR", "rupiya": "INR", "rupye": "INR", "रुपये": "INR", "रुपए": "INR",
    "cedis": "GHS", "cedi": "GHS", "ghs": "GHS", "ghc": "GHS", "gh₵": "GHS", "₵": "GHS",
    "eur": "EUR", "euro": "EUR", "euros": "EUR", "€": "EUR",
    "ugx": "UGX", "tzs": "TZS", "tsh": "TZS", "tshs": "TZS", "zar": "ZAR",
    "zmw": "ZMW", "kwacha": "ZMW",
}
# Tokens that are currencies only right next to a number ("500 bob", "Rs 300").
_STRICT_CURRENCY = {"bob": "KES", "sh": "KES", "rs": "INR", "rs.": "INR", "rp": "IDR",
                    "rp.": "IDR", "quid": "GBP", "rand": "ZAR", "块": "CNY", "塊": "CNY", "n": "NGN",
                    "piso": "PHP"}
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
    text = view.read(text)
    t = text.strip()
    if t.lower() in _ALL_CURRENCY and t != "n":  # lone lowercase "n" is not naira
        return _ALL_CURRENCY[t.lower()]
    m = _CUR_FREE_RE.search(t)
    return _FREE_CURRENCY[m.group(0).lower()] if m else None


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
    """First money amount in text: '2.5k' -> 2500, 'KES 3,500' -> 3500, '一千五' -> 1500, 'elfu mbili' -> 2000."""
    text = view.read(text)
    local: List[Dict] = []
    _local_amounts(text, [], local)
    first = next((e for e in local if e["entity"] == "amount"), None)
    for m in _AMOUNT_RE.finditer(text):
        value, _ = _amount_from_match(m)
        if first is not None and first["start"] <= m.start():
            break
        if value is not None:
            return value.normalize() if value == value.to_integral() else value
    return Decimal(first["value_text"]) if first is not None else None


def amount_value(value: Decimal) -> Tuple[object, str]:
    """(JSON number, exact text): int when whole, else float to 2 places."""
    if value == value.to_integral():
        return int(value), str(int(value))
    return float(round(value, 2)), format(value.normalize(), "f")


def _amount_entities(text: str, taken: List[Span], out: List[Dict]) -> None:
    _local_amounts(text, taken, out)
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
        if not explicit and not _chinese_money(text, span):
            continue  # "打12315投诉", "714高炮": a number in Chinese needs a money word
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


# --- other languages (data/lexicons/numbers.yml) -------------------------------------------------

_NUMBERS = lexicons.load("numbers")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_ZH_BEFORE = re.compile(lexicons.alternation(_NUMBERS["chinese"]["money_before"]) + r"[^\d]{0,4}$")
_ZH_AFTER = re.compile(r"\s*" + lexicons.alternation(_NUMBERS["chinese"]["money_after"]))
_CURRENCY_SCALES = {str(k).lower(): str(v) for k, v in _NUMBERS["currency_scales"].items()}
_EDGE_B, _EDGE_A = r"(?<![\w\u0900-\u097f.,])", r"(?![\w\u0900-\u097f]|[.,]\d)"
_LOCAL_NUM = r"\d+(?:[.,]\d+)?"
_NUMBER_BEFORE = re.compile(rf"(?:\d|{WORDNUM})\s*$", re.I)
_PRE_CUR = re.compile(rf"(?P<c>{_CUR_ANY})\s?\.?\s?$", re.I)
_POST_CUR = re.compile(rf"\s?(?P<c>{_CUR_ANY})", re.I)


def _chinese_money(text: str, span: Span) -> bool:
    """A bare number: money unless it stands in Chinese text with no money word near it."""
    before = text[max(0, span[0] - 8):span[0]]
    if not (_HAN.search(before) or _HAN.match(text[span[1]:].lstrip()[:1] or " ")):
        return True
    return bool(_ZH_BEFORE.search(before) or _ZH_AFTER.match(text, span[1]))


def _local_amount_re(lang: str) -> re.Pattern:
    nums = LOCAL[lang]
    unit = rf"(?:{lexicons.alternation(nums.units)}|{_LOCAL_NUM})"
    scale = lexicons.alternation(nums.scales)
    join = rf"(?:{lexicons.alternation(nums.joiners)}\s+)?" if nums.joiners else ""
    if nums.scale_first:  # "elfu mbili na mia tano"
        body = rf"{scale}\s+{unit}(?:\s+{join}{scale}\s+{unit})*"
    else:  # "dalawang libo at limang daan", "500rb", "lima ratus ribu"
        body = rf"(?:{unit}\s*)?{scale}(?:\s+{join}(?:{unit}\s*)?{scale})*"
    return re.compile(_EDGE_B + body + _EDGE_A, re.I)


_LOCAL_AMOUNT = [(lang, _local_amount_re(lang)) for lang in LOCAL]


def _local_amounts(text: str, taken: List[Span], out: List[Dict]) -> None:
    """Amounts in Swahili, Tagalog, Indonesian and Hindi words ("elfu mbili", "limang daan",
    "1,5 juta", "do hazaar"). A scale that names the currency ("500rb", "1,5 juta") is the
    `currency` entity and the amount is the number before it, so the spans never overlap."""
    for lang, pattern in _LOCAL_AMOUNT:
        for m in pattern.finditer(text):
            phrase = re.sub(r"(\d)(?=[^\d\s.,])", r"\1 ", m.group(0))
            value = LOCAL[lang].value(phrase)
            words = phrase.split()
            if value is None or value <= 0 or not _free(m.span(), taken):
                continue
            if len(words) == 1 and (LOCAL[lang].scale_first or value < 1000 or _NUMBER_BEFORE.search(text, 0, m.start())):
                continue  # "daan" (a road), "mia" (a name), "two lakh" (English's): a lone scale from a thousand
            start, end = m.span()
            pre = _PRE_CUR.search(text, max(0, start - 10), start)
            post = _POST_CUR.match(text, end)
            currency = [(pre.span("c"), pre.group("c"))] if pre else [(post.span("c"), post.group("c"))] if post else []
            scale_cur = _CURRENCY_SCALES.get(words[-1].lower())
            tail = re.search(r"\s*" + re.escape(words[-1].split()[-1]) + "$", m.group(0), re.I) if len(words) > 1 else None
            if scale_cur and not currency and tail and tail.start() > 0:  # "500rb": 500 (x1000) in rupiah
                end = start + tail.start()
                cur_start = start + tail.start() + len(tail.group(0)) - len(words[-1])
                currency = [((cur_start, m.end()), words[-1])]
            num, exact = amount_value(value)
            taken.append(m.span())
            out.append(_entity("amount", num, start, end, text, value_text=exact))
            for (cs, ce), token in currency:
                code = _ALL_CURRENCY.get(token.lower()) or _CURRENCY_SCALES.get(token.lower())
                if code and _free((cs, ce), taken[:-1]):
                    taken.append((cs, ce))
                    out.append(_entity("currency", code, cs, ce, text))
