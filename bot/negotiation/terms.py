"""The terms of a negotiation as values: an instalment, an offer, a borrower's request.

Frozen and checked on construction, so an offer or a request that exists is
well formed; whether it fits a product's limits is `checks.validate`'s job.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .kinds import PROPOSABLE, OfferKind, RequestKind
from .notes import Note, NoteCode

ZERO = Decimal(0)
OFFER_KINDS = tuple(OfferKind)
REQUEST_KINDS = PROPOSABLE
__all__ = ["OFFER_KINDS", "REQUEST_KINDS", "ZERO", "Instalment", "Note", "NoteCode", "Offer", "Request"]


@dataclass(frozen=True)
class Instalment:
    due: date
    amount: Decimal


@dataclass(frozen=True)
class Offer:
    """An arrangement the bot puts to the borrower (or records once accepted)."""

    kind: OfferKind  # a plain string is accepted and turned into its OfferKind
    schedule: tuple[Instalment, ...]
    waiver: Decimal = ZERO  # amount of fees/interest waived; schedule sums to balance - waiver
    hardship: bool = False  # built under the hardship limits
    adjusted: bool = False  # differs from what the borrower asked (there are notes)
    notes: tuple[Note, ...] = ()  # why adjusted, as codes: bot/dialogue/wording.py words them

    def __post_init__(self) -> None:
        if self.kind not in OFFER_KINDS:
            raise ValueError(f"unknown offer kind {self.kind!r}; expected one of {_words(OFFER_KINDS)}")
        object.__setattr__(self, "kind", OfferKind(self.kind))
        if not isinstance(self.notes, tuple) or not all(isinstance(n, Note) for n in self.notes):
            raise ValueError(f"offer notes must be a tuple of Note, got {self.notes!r}")
        if self.notes and not self.adjusted:
            raise ValueError("an offer with notes is adjusted")

    @property
    def total(self) -> Decimal:
        return sum((i.amount for i in self.schedule), ZERO)


@dataclass(frozen=True)
class Request:
    """What the borrower asked for, from the NLU entities.

    amount: per-instalment amount they can afford (instalment_plan) or the part
    they pay now (part_payment). date: the promised date, the deferred date,
    the rest of a part payment, or a plan's first instalment. days: the same
    as a date counted from today (a plan: how long it may run at most).
    first_date: a part payment's first part when not now ("30k next friday and
    the rest on the 23rd"); rest_amount: the second part's amount as they said
    it, when they said one (the rest is whatever is left: a different figure is
    named, never silently changed).
    """

    kind: RequestKind  # one of PROPOSABLE; a plain string is accepted and turned into its RequestKind
    amount: Decimal | None = None
    date: dt.date | None = None  # (dt. because the field name shadows the type)
    days: int | None = None
    count: int | None = None
    frequency_days: int | None = None
    waiver_percent: Decimal | None = None
    first_date: dt.date | None = None
    rest_amount: Decimal | None = None

    def __post_init__(self) -> None:
        if self.kind not in REQUEST_KINDS:
            raise ValueError(f"unknown request kind {self.kind!r}; expected one of {_words(REQUEST_KINDS)}")
        object.__setattr__(self, "kind", RequestKind(self.kind))
        for name in ("amount", "rest_amount"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, Decimal) or not value.is_finite() or value <= 0):
                raise ValueError(f"request {name} must be a positive Decimal, got {value!r}")
        for name, smallest in (("days", 0), ("count", 1), ("frequency_days", 1)):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or value < smallest):
                raise ValueError(f"request {name} must be a whole number >= {smallest}, got {value!r}")
        pct = self.waiver_percent
        if pct is not None and (not isinstance(pct, Decimal) or not ZERO <= pct <= 100):
            raise ValueError(f"request waiver_percent must be a Decimal 0-100, got {pct!r}")


def _words(kinds: tuple) -> tuple[str, ...]:
    return tuple(k.value for k in kinds)
