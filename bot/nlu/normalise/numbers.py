"""Numbers written in words ("two thousand five hundred", "a couple"), for amounts, durations and counts.
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Optional

from bot.nlu import lexicons


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


# --- other languages (data/lexicons/numbers.yml) ------------------------------------------------

_NUMBERS = lexicons.load("numbers")
_ZH_DIGITS = {str(k): int(v) for k, v in _NUMBERS["chinese"]["digits"].items()}
_ZH_UNITS = {str(k): int(v) for k, v in _NUMBERS["chinese"]["units"].items()}
_ZH_SECTION = {u: v for u, v in _ZH_UNITS.items() if v < 10000}  # 十 百 千: inside a section
# A run of Chinese numerals, optionally led by Arabic digits before a unit ("1.5万", "2千").
# It starts with a digit or 十 ("十五"), never with 百/千/万 ("千万别", "万一").
_ZH_CHARS = "".join(_ZH_DIGITS) + "".join(_ZH_UNITS)
ZH_RUN = re.compile(
    rf"(?<![\d.])\d+(?:\.\d+)?(?=[{''.join(_ZH_UNITS)}])[{_ZH_CHARS}]+|[{''.join(_ZH_DIGITS)}十拾][{_ZH_CHARS}]*")


def zh_number(run: str) -> Optional[str]:
    """A run of Chinese numerals as Arabic digits ("一千五" -> "1500", "一九九〇" -> "1990"),
    or None when the run is not read as one number ("三四" is "three or four")."""
    if not any(ch in _ZH_UNITS for ch in run):
        if len(run) == 1:
            return str(_ZH_DIGITS[run])
        # digit by digit only for years and codes: three or more digits, or with a zero
        if len(run) >= 3 or any(_ZH_DIGITS[ch] == 0 for ch in run):
            return "".join(str(_ZH_DIGITS[ch]) for ch in run)
        return None
    value = _zh_units_value(run)
    if value is None:
        return None
    return str(value.normalize() if value != value.to_integral() else int(value))


def _zh_units_value(run: str) -> Optional[Decimal]:
    """'一千五' = 1500 (a last digit right after a unit counts in the next unit down),
    '两万五' = 25000, '一千零五' = 1005, '三千五百' = 3500, '1.5万' = 15000."""
    lead = re.match(r"\d+(?:\.\d+)?", run)
    total, section = Decimal(0), Decimal(0)
    digit: Optional[Decimal] = Decimal(lead.group(0)) if lead else None
    last_unit, zero = 1, False
    for ch in run[lead.end() if lead else 0:]:
        if ch in _ZH_DIGITS:
            if digit is not None:
                return None  # "三四千": a range, not a number
            if _ZH_DIGITS[ch] == 0:  # "一千零五": the zero only says a unit is skipped
                zero = True
                continue
            digit = Decimal(_ZH_DIGITS[ch])
        elif ch in _ZH_SECTION:
            section += (digit if digit is not None else 1) * _ZH_SECTION[ch]
            digit, last_unit, zero = None, _ZH_SECTION[ch], False
        else:  # 万 亿 close a section
            unit = _ZH_UNITS[ch]
            total = (total + section + (digit or 0)) * unit
            section, digit, last_unit, zero = Decimal(0), None, unit, False
    if digit is not None:
        section += digit * last_unit // 10 if last_unit >= 10 and not zero else digit
    return total + section


class LocalNumbers:
    """The number words of one language (numbers.yml `words`), read as a value."""

    def __init__(self, entry: dict) -> None:
        self.units = {str(k).lower(): Decimal(str(v)) for k, v in entry["units"].items()}
        self.scales = {str(k).lower(): int(v) for k, v in entry["scales"].items()}
        self.joiners = [str(w).lower() for w in entry.get("joiners") or ()]
        self.scale_first = bool(entry.get("scale_first"))
        self.days = {str(k).lower(): int(v) for k, v in (entry.get("days") or {}).items()}
        self.instalments = [str(w).lower() for w in entry.get("instalments") or ()]

    def value(self, phrase: str) -> Optional[Decimal]:
        """'elfu mbili na mia tano' -> 2500, 'dalawang libo' -> 2000, 'do hazaar' -> 2000;
        a digit string may stand for a unit ('5 सौ'). None when a word is not a number."""
        tokens = [t for t in re.split(r"\s+", phrase.lower().strip()) if t and t not in self.joiners]
        # "apat na": the linker "na" after a unit is part of it
        tokens = [t for i, t in enumerate(tokens) if not (t == "na" and i and tokens[i - 1] in self.units)]
        total, current = Decimal(0), None  # current: the part below the last big scale
        for tok in tokens:
            unit = self.units.get(tok) or self.units.get(tok + " na")
            if unit is None and re.fullmatch(r"\d+(?:[.,]\d+)?", tok):
                unit = Decimal(tok.replace(",", "."))
            if unit is not None:
                if self.scale_first and current is not None:  # "elfu mbili": the scale came first
                    total, current = total + current * unit, None
                elif current is not None:
                    return None  # two units in a row
                else:
                    current = unit
            elif tok in self.scales:
                scale = self.scales[tok]
                if self.scale_first:
                    total, current = total + (current or 0), Decimal(scale)
                elif scale < 1000:  # "lima ratus", "limang daan"
                    current = (current if current is not None else 1) * scale
                else:
                    total, current = total + (current if current is not None else 1) * scale, None
            else:
                return None
        value = total + (current or 0)
        return value.normalize() if value != value.to_integral() else Decimal(int(value))


LOCAL = {lang: LocalNumbers(entry) for lang, entry in _NUMBERS["words"].items()}
