"""An offer as the conversation carries it (a slot) and as the borrower reads it."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from bot.negotiation.money import fmt
from bot.negotiation.plans import Instalment, Offer, describe

# What the records call each kind of offer once it is agreed.
RECORD_KIND = {
    "promise_to_pay": "promise_to_pay",
    "pay_in_full": "promise_to_pay",
    "part_payment": "part_payment",
    "deferral": "deferral",
    "instalment_plan": "instalment_plan",
    "hardship_plan": "instalment_plan",
}


def to_slot(offer: Offer, **extra: Any) -> dict[str, Any]:
    return {
        "kind": offer.kind,
        "schedule": [[i.due.isoformat(), str(i.amount)] for i in offer.schedule],
        "waiver": str(offer.waiver),
        "hardship": offer.hardship,
        "adjusted": offer.adjusted,
        "reason": offer.reason,
        **extra,
    }


def from_slot(data: dict[str, Any]) -> Offer:
    schedule = tuple(Instalment(date.fromisoformat(d), Decimal(a)) for d, a in data["schedule"])
    return Offer(
        data["kind"], schedule, Decimal(data.get("waiver", "0")), bool(data.get("hardship")),
        bool(data.get("adjusted")), data.get("reason", ""),
    )


def summary(offer: Offer, currency: str) -> str:
    """One sentence naming the arrangement, for the offer and the confirmation."""
    first = offer.schedule[0]
    waived = f", with {fmt(offer.waiver, currency)} of fees and interest waived" if offer.waiver else ""
    if offer.kind in ("instalment_plan", "hardship_plan"):
        label = "a hardship plan" if offer.kind == "hardship_plan" else "an instalment plan"
        return f"{label} of {len(offer.schedule)} payments, {fmt(offer.total, currency)} in total{waived}:"
    if offer.kind == "deferral":
        return f"moving your due date to {first.due:%A %d %B %Y}, paying {fmt(first.amount, currency)} then{waived}:"
    if offer.kind == "part_payment":
        return f"a part payment now and the rest later, {fmt(offer.total, currency)} in total{waived}:"
    return f"paying {fmt(offer.total, currency)} by {first.due:%A %d %B %Y}{waived}:"


def schedule_text(offer: Offer, currency: str) -> str:
    return "\n".join(describe(offer, currency))
