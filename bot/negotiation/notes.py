"""Why an offer differs from the request, as codes with typed parameters.

The negotiation core decides; it does not word anything. A note says which
rule moved the offer (`NoteCode`) and the numbers the borrower needs to hear
(`params`); bot/dialogue/wording.py words it from config/messages.yml in the
borrower's language. Each code declares its parameters and their kinds here,
so a note that exists is well formed, the slot codec knows how to read a value
back, and the catalogue check knows which placeholders a template may use.

Kinds of parameter value: "money" a Decimal in the offer's currency, "date" a
date, "count" an int (counts and days), "percent" a Decimal 0-100 (rendered
as "50%"), "days" a tuple of ints (the allowed intervals, "7, 14 or 30").
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any


class NoteCode(str, Enum):
    """Every reason the core can give for adjusting a request (the catalogue has one template each)."""

    NO_FEES_TO_WAIVE = "no_fees_to_waive"
    NO_WAIVER = "no_waiver"
    WAIVER_CAPPED = "waiver_capped"
    DATE_PASSED = "date_passed"
    PROMISE_WINDOW = "promise_window"
    NO_DEFERRAL = "no_deferral"
    DEFERRAL_AFTER_TODAY = "deferral_after_today"
    DEFERRAL_MAX = "deferral_max"
    COVERS_BALANCE = "covers_balance"
    TOO_SMALL_FOR_PARTS = "too_small_for_parts"
    PART_MIN = "part_min"
    REST_AFTER_TODAY = "rest_after_today"
    REST_WINDOW = "rest_window"
    REST_AFTER_FIRST = "rest_after_first"
    REST_AMOUNT = "rest_amount"
    PART_FIRST_WINDOW = "part_first_window"
    PLAN_MAX_DAYS = "plan_max_days"
    PLAN_MIN_COUNT = "plan_min_count"
    PLAN_MAX_COUNT = "plan_max_count"
    INSTALMENT_MIN = "instalment_min"
    FREQUENCY_USED = "frequency_used"
    FREQUENCY_TO_FINISH = "frequency_to_finish"
    PLAN_MAX_DAYS_COUNT = "plan_max_days_count"
    PLAN_WITHIN_COUNT = "plan_within_count"
    FIRST_DATE_PASSED = "first_date_passed"
    FIRST_WINDOW = "first_window"
    FIRST_TO_FINISH = "first_to_finish"
    FREQUENCY_COUNTED = "frequency_counted"
    CANNOT_SPLIT = "cannot_split"
    AFFORD_MIN = "afford_min"
    AFFORD_MAX = "afford_max"
    WAIVER_LEAVES_PAYMENT = "waiver_leaves_payment"
    PLAN_SPAN_SHORT = "plan_span_short"
    BUDGET_FREQUENCY = "budget_frequency"
    OVER_BUDGET = "over_budget"
    OVER_BUDGET_SINGLE = "over_budget_single"

    def __str__(self) -> str:
        return self.value


KINDS = ("money", "date", "count", "percent", "days")

# code -> {parameter: kind}; the order is the order a template usually says them in.
PARAMS: dict[NoteCode, dict[str, str]] = {
    NoteCode.NO_FEES_TO_WAIVE: {},
    NoteCode.NO_WAIVER: {},
    NoteCode.WAIVER_CAPPED: {"percent": "percent", "waiver": "money"},
    NoteCode.DATE_PASSED: {},
    NoteCode.PROMISE_WINDOW: {"days": "count", "latest": "date"},
    NoteCode.NO_DEFERRAL: {},
    NoteCode.DEFERRAL_AFTER_TODAY: {},
    NoteCode.DEFERRAL_MAX: {"days": "count", "latest": "date"},
    NoteCode.COVERS_BALANCE: {},
    NoteCode.TOO_SMALL_FOR_PARTS: {},
    NoteCode.PART_MIN: {"amount": "money"},
    NoteCode.REST_AFTER_TODAY: {},
    NoteCode.REST_WINDOW: {"days": "count", "latest": "date"},
    NoteCode.REST_AFTER_FIRST: {"first": "date"},
    NoteCode.REST_AMOUNT: {"amount": "money"},
    NoteCode.PART_FIRST_WINDOW: {"days": "count", "latest": "date"},
    NoteCode.PLAN_MAX_DAYS: {"days": "count"},
    NoteCode.PLAN_MIN_COUNT: {"count": "count"},
    NoteCode.PLAN_MAX_COUNT: {"count": "count"},
    NoteCode.INSTALMENT_MIN: {"amount": "money", "count": "count"},
    NoteCode.FREQUENCY_USED: {"allowed": "days", "every": "count"},
    NoteCode.FREQUENCY_TO_FINISH: {"days": "count", "every": "count"},
    NoteCode.PLAN_MAX_DAYS_COUNT: {"days": "count", "count": "count", "every": "count"},
    NoteCode.PLAN_WITHIN_COUNT: {"days": "count", "count": "count", "every": "count"},
    NoteCode.FIRST_DATE_PASSED: {},
    NoteCode.FIRST_WINDOW: {"days": "count", "latest": "date"},
    NoteCode.FIRST_TO_FINISH: {"days": "count", "first": "date"},
    NoteCode.FREQUENCY_COUNTED: {"allowed": "days", "amount": "money", "every": "count"},
    NoteCode.CANNOT_SPLIT: {},
    NoteCode.AFFORD_MIN: {"amount": "money", "every": "count", "needed": "count", "floor": "money",
                          "each": "money"},
    NoteCode.AFFORD_MAX: {"amount": "money", "every": "count", "needed": "count", "count": "count",
                          "each": "money"},
    NoteCode.WAIVER_LEAVES_PAYMENT: {"waiver": "money"},
    NoteCode.PLAN_SPAN_SHORT: {"days": "count", "every": "count"},
    NoteCode.BUDGET_FREQUENCY: {"amount": "money", "period": "count", "every": "count", "budget": "money"},
    NoteCode.OVER_BUDGET: {"amount": "money", "period": "count", "smallest": "money", "every": "count"},
    NoteCode.OVER_BUDGET_SINGLE: {"amount": "money", "period": "count", "smallest": "money", "latest": "date"},
}


def _is(kind: str, value: Any) -> bool:
    if kind in ("money", "percent"):
        return isinstance(value, Decimal) and value.is_finite()
    if kind == "date":
        return isinstance(value, date)
    if kind == "count":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, tuple) and bool(value) and all(_is("count", v) for v in value)


@dataclass(frozen=True)
class Note:
    """One reason an offer differs from the request: a code and its parameters (hashable)."""

    code: NoteCode  # a plain string is accepted and turned into its NoteCode
    params: tuple[tuple[str, Any], ...] = ()  # (name, value) pairs, put in PARAMS order

    def __post_init__(self) -> None:
        if self.code not in tuple(NoteCode):
            raise ValueError(f"unknown note code {self.code!r}")
        code = NoteCode(self.code)
        object.__setattr__(self, "code", code)
        given = dict(self.params)
        if set(given) != set(PARAMS[code]) or len(given) != len(self.params):
            raise ValueError(f"note {code}: parameters {sorted(given)}, expected {sorted(PARAMS[code])}")
        for name, kind in PARAMS[code].items():
            if not _is(kind, given[name]):
                raise ValueError(f"note {code}: {name} must be a {kind} value, got {given[name]!r}")
        object.__setattr__(self, "params", tuple((name, given[name]) for name in PARAMS[code]))

    @classmethod
    def of(cls, code: NoteCode, **params: Any) -> Note:
        """Note.of(NoteCode.PART_MIN, amount=Decimal("350.00")); params are kept in PARAMS order."""
        return cls(code, tuple(params.items()))

    def values(self) -> dict[str, Any]:
        return dict(self.params)
