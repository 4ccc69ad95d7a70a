"""The vocabulary of a negotiation: one enum per kind of thing, one name per member.

Three different things share words like "deferral": what the borrower asks
for (a request), what the bot puts to them (an offer) and what the records
keep once it is agreed (an arrangement). Spelled as loose strings they drifted
into about eight tables, and two tables of the same name meant different
things. Each is an enum here; every table of ours is keyed by these members.

The members are `str`s (`OfferKind.DEFERRAL == "deferral"`), so slots, JSON
and the records keep the plain words they always had.
"""
from __future__ import annotations

from enum import Enum


class Kind(str, Enum):
    """A `str` enum whose str() is its value, so f-strings and logs read as the word itself."""

    def __str__(self) -> str:
        return self.value


def word(kind: Kind | None) -> str | None:
    """The plain word of a kind, for slots and JSON (None stays None)."""
    return None if kind is None else kind.value


class RequestKind(Kind):
    """What the borrower asks for (the `request_kind` slot)."""

    PROMISE_TO_PAY = "promise_to_pay"
    DEFERRAL = "deferral"
    INSTALMENT_PLAN = "instalment_plan"
    PART_PAYMENT = "part_payment"
    FEE_WAIVER = "fee_waiver"
    # "I can pay 2,000 a week": what they can afford, which becomes a plan
    # (a `Request` of INSTALMENT_PLAN with an amount), so no Request has this kind.
    AFFORDABILITY = "affordability"


# The kinds a `plans.Request` carries (propose builds each directly).
PROPOSABLE = (RequestKind.PROMISE_TO_PAY, RequestKind.DEFERRAL, RequestKind.INSTALMENT_PLAN,
              RequestKind.PART_PAYMENT, RequestKind.FEE_WAIVER)


class OfferKind(Kind):
    """What the bot puts to the borrower (an `Offer`'s kind)."""

    PAY_IN_FULL = "pay_in_full"
    PROMISE_TO_PAY = "promise_to_pay"
    PART_PAYMENT = "part_payment"
    DEFERRAL = "deferral"
    INSTALMENT_PLAN = "instalment_plan"
    HARDSHIP_PLAN = "hardship_plan"


PLAN_KINDS = (OfferKind.INSTALMENT_PLAN, OfferKind.HARDSHIP_PLAN)
SINGLE_KINDS = (OfferKind.PAY_IN_FULL, OfferKind.PROMISE_TO_PAY, OfferKind.DEFERRAL)


class ArrangementKind(Kind):
    """What the records keep once an offer is agreed (bot/records/models.py ARRANGEMENT_KINDS,
    which imports nothing of ours; tests/unit/negotiation/test_negotiation_kinds.py holds the two equal)."""

    PROMISE_TO_PAY = "promise_to_pay"
    PART_PAYMENT = "part_payment"
    DEFERRAL = "deferral"
    INSTALMENT_PLAN = "instalment_plan"
    FEE_WAIVER = "fee_waiver"


# The arrangement an agreed offer is recorded as.
RECORDED_AS = {
    OfferKind.PAY_IN_FULL: ArrangementKind.PROMISE_TO_PAY,
    OfferKind.PROMISE_TO_PAY: ArrangementKind.PROMISE_TO_PAY,
    OfferKind.PART_PAYMENT: ArrangementKind.PART_PAYMENT,
    OfferKind.DEFERRAL: ArrangementKind.DEFERRAL,
    OfferKind.INSTALMENT_PLAN: ArrangementKind.INSTALMENT_PLAN,
    OfferKind.HARDSHIP_PLAN: ArrangementKind.INSTALMENT_PLAN,
}


class LadderStep(Kind):
    """A rung of the concession ladder (bot/negotiation/ladder.py): an offer kind, or a person."""

    PAY_IN_FULL = "pay_in_full"
    PROMISE_TO_PAY = "promise_to_pay"
    PART_PAYMENT = "part_payment"
    DEFERRAL = "deferral"
    INSTALMENT_PLAN = "instalment_plan"
    HARDSHIP_PLAN = "hardship_plan"
    PERSON = "person"
