"""The concession ladder: which kind of arrangement to put to the borrower next.

Order (from config/products.yml `ladder:`; this is the default):
pay_in_full -> promise_to_pay -> part_payment -> deferral -> instalment_plan
-> hardship_plan -> person. The bot starts at what the borrower asked for
(someone asking to split the debt starts at instalment_plan, not at "pay it
all now": bot/dialogue) and moves down one step at a time when an offer is declined,
so it never concedes a step the borrower did not need. hardship_plan is only
reachable with a documented hardship; without one the step after
instalment_plan is a person.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .kinds import LadderStep

STEPS = tuple(LadderStep)
LADDER = STEPS


def next_step(current: str, *, hardship: bool, ladder: tuple[str, ...] = LADDER) -> LadderStep:
    """The rung after `current` was declined: exactly one step down ("person" stays)."""
    if current not in ladder:
        raise ValueError(f"unknown ladder step {current!r}; expected one of {tuple(map(str, ladder))}")
    i = ladder.index(current)
    return LadderStep(current) if i == len(ladder) - 1 else _present(ladder[i + 1], ladder, hardship)


def _present(step: str, ladder: tuple[str, ...], hardship: bool) -> LadderStep:
    """`step` if the ladder has it (and it is allowed), else the next one down that is."""
    for candidate in STEPS[STEPS.index(step):]:
        if candidate in ladder and (hardship or candidate != LadderStep.HARDSHIP_PLAN):
            return candidate
    return LadderStep(ladder[-1])


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
        raise ValueError(f"ladder: unknown step(s) {unknown}; known: {[s.value for s in STEPS]}")
    if len(set(value)) != len(value) or sorted(value, key=STEPS.index) != value:
        raise ValueError(f"ladder: steps must appear once each, in the order {[s.value for s in STEPS]}")
    if value[-1] != LadderStep.PERSON:
        raise ValueError("ladder: must end with person (the bot always can hand over)")
    return tuple(LadderStep(s) for s in value)


def load_ladder(path: str | Path | None = None) -> tuple[str, ...]:
    """The `ladder:` of products.yml (the default ladder when the key is absent),
    read and validated with the rest of the file by bot.config.products."""
    from bot.config.products import load_products_file  # bot.config imports this module

    return load_products_file(path).steps()
