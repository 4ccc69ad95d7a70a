"""The concession ladder: which kind of arrangement to put to the borrower next.

Order (from config/products.yml `ladder:`; this is the default):
pay_in_full -> promise_to_pay -> part_payment -> deferral -> instalment_plan
-> hardship_plan -> person. The bot starts where the borrower's situation
points (someone asking to split the debt starts at instalment_plan, not at
"pay it all now") and moves down one step at a time when an offer is declined,
so it never concedes a step the borrower did not need. hardship_plan is only
reachable with a documented hardship; without one the step after
instalment_plan is a person.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

STEPS = ("pay_in_full", "promise_to_pay", "part_payment", "deferral", "instalment_plan",
         "hardship_plan", "person")
LADDER = STEPS

# Where a borrower's latest intent (NLU contract names) points on the ladder.
_INTENT_STEP = {
    "pay_in_full": "pay_in_full",
    "promise_to_pay": "promise_to_pay",
    "offer_partial_payment": "part_payment",
    "request_deferral": "deferral",
    "request_instalments": "instalment_plan",
    "cannot_pay": "deferral",  # "not now": more time is the smallest concession that helps
    "request_fee_waiver": "promise_to_pay",  # the waiver rides on a promise (plans.propose)
    "disclose_vulnerability": "hardship_plan",
    "request_human": "person",
    "dispute_debt": "person",
}


@dataclass(frozen=True)
class Situation:
    """What the conversation has shown so far about the borrower."""

    intent: str | None = None  # latest negotiation intent (NLU contract name)
    hardship: bool = False  # a documented hardship reason (job loss, illness, bereavement...)


def first_step(situation: Situation, ladder: tuple[str, ...] = LADDER) -> str:
    """The rung to start at. A hardship borrower who cannot pay or asks to split
    goes straight to the hardship plan; anything unknown starts at the top."""
    step = _INTENT_STEP.get(situation.intent or "", ladder[0])
    if situation.hardship and situation.intent in ("cannot_pay", "request_instalments",
                                                    "request_fee_waiver", "disclose_vulnerability"):
        step = "hardship_plan"
    if step == "hardship_plan" and not situation.hardship:
        step = "instalment_plan"
    return _present(step, ladder, situation.hardship)


def next_step(current: str, *, hardship: bool, ladder: tuple[str, ...] = LADDER) -> str:
    """The rung after `current` was declined: exactly one step down ("person" stays)."""
    if current not in ladder:
        raise ValueError(f"unknown ladder step {current!r}; expected one of {ladder}")
    i = ladder.index(current)
    return current if i == len(ladder) - 1 else _present(ladder[i + 1], ladder, hardship)


def _present(step: str, ladder: tuple[str, ...], hardship: bool) -> str:
    """`step` if the ladder has it (and it is allowed), else the next one down that is."""
    for candidate in STEPS[STEPS.index(step):]:
        if candidate in ladder and (hardship or candidate != "hardship_plan"):
            return candidate
    return ladder[-1]


def parse_ladder(value: Any) -> tuple[str, ...]:
    """Validate a configured ladder: known steps, in the canonical order, ending at person.

    An operator may drop steps (e.g. no part payments) but not reorder them:
    reordering would let the bot concede more before it offers less.
    """
    if value is None:
        return LADDER
    if not isinstance(value, list) or not value:
        raise ValueError("ladder: expected a non-empty list of steps")
    unknown = [s for s in value if s not in STEPS]
    if unknown:
        raise ValueError(f"ladder: unknown step(s) {unknown}; known: {list(STEPS)}")
    if len(set(value)) != len(value) or sorted(value, key=STEPS.index) != value:
        raise ValueError(f"ladder: steps must appear once each, in the order {list(STEPS)}")
    if value[-1] != "person":
        raise ValueError("ladder: must end with person (the bot always can hand over)")
    return tuple(value)


def load_ladder(path: str | Path = "config/products.yml") -> tuple[str, ...]:
    """The `ladder:` of products.yml (the default ladder when the key is absent)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping")
    try:
        return parse_ladder(data.get("ladder"))
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
