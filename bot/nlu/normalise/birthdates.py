"""The readings of a date of birth typed in numbers, one per field order.

"03/04/1990" is 3 April in Nairobi and March 4 in Boston, and the NLU does not
know yet where the borrower lives (the loan, and with it the jurisdiction, is
known only once the reference is checked). So the entity carries every
reading, keyed by order, and the verification compares the one the holder's
jurisdiction writes (config/compliance.yml `date_order`, bot/records/queries.py).
A date with a month name, a CJK or an ISO date has one reading and carries none.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Dict, Mapping, Optional

from bot.nlu.normalise.common import DOB_ADULT_YEARS

DATE_ORDERS = ("DMY", "MDY", "YMD")  # the entity's readings keys, in the order the value prefers
_NUMERIC = re.compile(r"(\d{1,2})([/.\- ])(\d{1,2})\2(\d{4}|\d{2})")


def _birth_year(raw: str, today: date) -> int:
    """Two digits: the latest century that makes the borrower an adult (by the year)."""
    year = int(raw)
    if len(raw) == 2:
        year += 2000
        if year > today.year - DOB_ADULT_YEARS:
            year -= 100
    return year


def _reading(y: str, m: str, d: str, today: date) -> Optional[date]:
    try:
        found = date(_birth_year(y, today), int(m), int(d))
    except ValueError:
        return None
    return found if found < today else None


def dob_readings(span: str, today: date) -> Dict[str, date]:
    """{order: date} for a numeric date of birth that more than one field order reads as a
    different real, past date ("03/04/1990"); {} when the text has one reading only."""
    m = _NUMERIC.fullmatch(span.strip())
    if not m:
        return {}
    a, _, b, y = m.groups()
    readings = {"DMY": _reading(y, b, a, today), "MDY": _reading(y, a, b, today)}
    if len(y) == 2:
        readings["YMD"] = _reading(a, b, y, today)
    found = {order: d for order, d in readings.items() if d is not None}
    return found if len(set(found.values())) > 1 else {}


def primary(readings: Mapping[str, date]) -> Optional[date]:
    """The reading the entity's value shows: day-first, as every other numeric date is read."""
    return next((readings[o] for o in DATE_ORDERS if o in readings), None)

