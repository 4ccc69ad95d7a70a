"""An offer as the conversation carries it: the `pending_offer` and `move` slots, the audit and the records.

Plain JSON, language-free: an offer's notes travel as codes with parameters
(`[code, {param: value}]`), money as decimal strings and dates as ISO strings.
The kind of each value is the one bot/negotiation/notes.py declares for that
code's parameter, so the slot needs no type tags and `from_slot` gives back
exactly the typed note. Wording is bot/dialogue/wording.py's job.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from bot.negotiation.notes import PARAMS, Note, NoteCode
from bot.negotiation.terms import Instalment, Offer


def _encode(kind: str, value: Any) -> Any:
    if kind in ("money", "percent"):
        return str(value)
    if kind == "date":
        return value.isoformat()
    if kind == "days":
        return list(value)
    return value


def _decode(kind: str, value: Any) -> Any:
    if kind in ("money", "percent"):
        return Decimal(str(value))
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "days":
        return tuple(value)
    return value


def notes_to_json(notes: tuple[Note, ...]) -> list[list[Any]]:
    return [[n.code.value, {name: _encode(PARAMS[n.code][name], value) for name, value in n.params}]
            for n in notes]


def notes_from_json(data: list[Any]) -> tuple[Note, ...]:
    out = []
    for code, params in data:
        kinds = PARAMS[NoteCode(code)]  # ValueError names an unknown code
        out.append(Note(code, tuple((name, _decode(kinds.get(name, ""), value)) for name, value in params.items())))
    return tuple(out)


def to_slot(offer: Offer, **extra: Any) -> dict[str, Any]:
    return {
        "kind": offer.kind.value,
        "schedule": [[i.due.isoformat(), str(i.amount)] for i in offer.schedule],
        "waiver": str(offer.waiver),
        "hardship": offer.hardship,
        "adjusted": offer.adjusted,
        "notes": notes_to_json(offer.notes),
        **extra,
    }


def from_slot(data: dict[str, Any]) -> Offer:
    """The offer a slot carries.

    A slot written before notes were codes carries `"reason": "<English>"`
    instead of `"notes"` (a conversation in flight during the deploy): it is
    read as adjusted (its own `adjusted` flag) with no notes. The reason was
    already said when the offer was made; a pending offer is only accepted,
    declined or recorded afterwards, and the records keep the (empty) notes.
    """
    schedule = tuple(Instalment(date.fromisoformat(d), Decimal(a)) for d, a in data["schedule"])
    return Offer(
        data["kind"], schedule, Decimal(data.get("waiver", "0")), bool(data.get("hardship")),
        bool(data.get("adjusted")), notes_from_json(data.get("notes") or ()),
    )
