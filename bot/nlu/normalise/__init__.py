"""Rule-based entity extraction and normalisation for borrower messages.

Pure functions with no Rasa import, because the action server re-resolves
dates in the borrower's own time zone and must not load TensorFlow to do it.
Every value comes out normalised the way docs/nlu-entities.md describes:
amounts as Decimal (ints/floats plus an exact ``value_text`` in entities),
durations as days, dates as ISO strings resolved against ``now`` in ``tz``.

A package by job: `common`, `numbers`, `money`, `durations`, `identifiers`, `dates`, `spans`.
The names below are the ones the rest of the code has always imported from here.
"""
from __future__ import annotations

from bot.nlu.normalise.common import (
    EXTRACTOR, ENTITY_TYPES, DOB_MIN_AGE_YEARS, MAX_SCAN_CHARS, _cap, Span,
)
from bot.nlu.normalise.numbers import WORDNUM, words_to_int
from bot.nlu.normalise.money import parse_currency, parse_amount, amount_value
from bot.nlu.normalise.durations import parse_duration_days, parse_instalments
from bot.nlu.normalise.identifiers import _LOAN_RE, parse_loan_reference, parse_phone_last4
from bot.nlu.normalise.dates import (
    local_today, _month_end, _add_months, DATE_RULES, _find_dates, parse_date, parse_dob,
)
from bot.nlu.normalise.spans import extract, normalise_entity

__all__ = [
    'DATE_RULES',
    'DOB_MIN_AGE_YEARS',
    'ENTITY_TYPES',
    'EXTRACTOR',
    'MAX_SCAN_CHARS',
    'Span',
    'WORDNUM',
    '_LOAN_RE',
    '_add_months',
    '_cap',
    '_find_dates',
    '_month_end',
    'amount_value',
    'extract',
    'local_today',
    'normalise_entity',
    'parse_amount',
    'parse_currency',
    'parse_date',
    'parse_dob',
    'parse_duration_days',
    'parse_instalments',
    'parse_loan_reference',
    'parse_phone_last4',
    'words_to_int',
]
