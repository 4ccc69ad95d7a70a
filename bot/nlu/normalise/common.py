"""What every normaliser module shares: the contract's entity names, the scan cap, spans.
"""
from __future__ import annotations

from typing import Dict, List, Tuple


EXTRACTOR = "EntityNormaliser"
ENTITY_TYPES = (
    "amount", "currency", "date", "duration_days", "instalments",
    "loan_reference", "date_of_birth", "phone_last4",
    "not_date",  # a date the borrower ruled out: resolved like `date` (negation.py)
    "not_amount",  # an amount the borrower took back ("galti se 5000 likha, aaj 7500"): negation.py taken_back
)
DOB_MIN_AGE_YEARS = 14  # a dated year at least this far back is a birth date
DOB_ADULT_YEARS = 18  # a two-digit birth year is read at least this far back: borrowers are adults
# Only this much of a message is scanned: borrower messages are short, and the
# cap keeps a pasted essay or a flood of digits from stalling a parse.
MAX_SCAN_CHARS = 1000


def _cap(text: str) -> str:
    return text[:MAX_SCAN_CHARS]


Span = Tuple[int, int]


def _free(span: Span, taken: List[Span]) -> bool:
    return all(span[1] <= s or span[0] >= e for s, e in taken)


def _entity(kind: str, value, start: int, end: int, text: str, **extra) -> Dict:
    ent = {"entity": kind, "value": value, "start": start, "end": end,
           "extractor": EXTRACTOR, "text": text[start:end]}
    ent.update(extra)
    return ent
