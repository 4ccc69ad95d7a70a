"""An offer as the conversation carries it (a slot) and as the borrower reads it."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from bot.negotiation.kinds import PLAN_KINDS, OfferKind
from bot.negotiation.money import fmt
from bot.negotiation.plans import Instalment, Offer, describe


def to_slot(offer: Offer, **extra: Any) -> dict[str, Any]:
    return {
        "kind": offer.kind.value,
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
    if offer.kind in PLAN_KINDS:
        label = "a hardship plan" if offer.kind == OfferKind.HARDSHIP_PLAN else "an instalment plan"
        return f"{label} of {len(offer.schedule)} payments, {fmt(offer.total, currency)} in total{waived}:"
    if offer.kind == OfferKind.DEFERRAL:
        return f"moving your due date to {first.due:%A %d %B %Y}, paying {fmt(first.amount, currency)} then{waived}:"
    if offer.kind == OfferKind.PART_PAYMENT:
        return f"a part payment now and the rest later, {fmt(offer.total, currency)} in total{waived}:"
    return f"paying {fmt(offer.total, currency)} by {first.due:%A %d %B %Y}{waived}:"


def schedule_text(offer: Offer, currency: str) -> str:
    return "\n".join(describe(offer, currency))
