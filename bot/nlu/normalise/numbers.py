"""Numbers written in words ("two thousand five hundred", "a couple"), for amounts, durations and counts.
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Optional


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
