"""A move: what the bot does next, with its terms and its reasons, and the move as JSON.

The policy decides the move once (`moves.decide`) and hands it to the action
server in the `move` slot, as the plain JSON of `to_dict`; the action reads
it back with `from_dict` and executes exactly that move. So the terms said
and recorded are the ones the policy chose, decided in one process from one
copy of the configuration. The JSON is versioned: an action server never
guesses at a move it does not understand (`InvalidMove`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from bot.dialogue.offers import from_slot, notes_from_json, notes_to_json, to_slot
from bot.dialogue.reasons import Escalation
from bot.negotiation.kinds import Kind, LadderStep, RequestKind, word
from bot.negotiation.notes import Note
from bot.negotiation.plans import Offer, Request

MOVE_SLOT = "move"
OWN_TERMS = "own_terms"  # detail of an action_offer recorded as the borrower said it (bot/dialogue/own_terms.py)
VERSION = 1


class Ask(Kind):
    """What the bot asks for next (and then waits for: the `awaiting` slot)."""

    DATE = "date"
    DURATION = "duration"
    AMOUNT = "amount"
    AFFORDABILITY = "affordability"
    COUNT = "count"
    OPTIONS = "options"  # nothing in particular: the options again


@dataclass(frozen=True)
class Move:
    action: str
    request: Request | None = None
    offer: Offer | None = None
    ask: Ask | None = None
    request_kind: RequestKind | None = None
    hardship_reason: str | None = None
    # All of the borrower's loans at once: (loan_id, offer) per loan, the current
    # loan first; `offer` is then the current loan's.
    offers: tuple[tuple[str, Offer], ...] = ()
    # Why a person takes over (a hand-off, a vulnerability, a dispute, an abuse
    # pause...); `detail` completes it (the intent no arrangement was possible for).
    escalation: Escalation | None = None
    detail: str | None = None
    ladder_step: LadderStep | None = None  # the rung a counter-offer stands on (person: none left)
    loan_id: str | None = None  # the borrower's other loan their message named (action_state_balance)
    # Why no offer is made, said to the borrower before a hand-off: e.g. nothing
    # within the limits fits the budget they gave (codes, worded by wording.note_text).
    notes: tuple[Note, ...] = ()
    # Second questions the same message asked, answered after the move's own reply (ALSO): "ok the
    # 15th works. where do I pay?" gets the plan and how to pay, not one of the two.
    also: tuple[str, ...] = ()


# What a move may answer besides its own: how to pay, "can I be arrested?" and "will you tell my
# family?" answered "no".
ALSO = ("payment_methods", "arrest", "contacts", "visits", "contact_time", "fees",
        # a change to the record the same message asked for, put to them after their own terms were
        # recorded ("I will clear everything on 15th. Now stop calling"): the one-tap question
        "confirm_stop_contact", "clarify_stop_contact", "confirm_complain", "clarify_complain",
        # the crisis line offered last when the self-harm classifier alone found the message worrying
        "crisis_check",
        # the offer waiting for a yes, asked about again after a change to contact was recorded
        "offer_again")


class InvalidMove(ValueError):
    """The move slot is missing, stale, or not a move this code can execute."""


# Moves that cannot be executed without their terms, or without their reason.
_NEEDS = {"action_offer": "offer", "action_decline_offer": "offer", "action_ask_details": "ask",
          "action_handoff": "escalation", "action_vulnerability": "escalation", "action_dispute": "escalation",
          "action_complain": "escalation"}


def to_dict(move: Move, for_message: str | None = None) -> dict[str, Any]:
    """The move as plain JSON (Decimals as strings, dates ISO); `for_message` is the
    id of the borrower message it answers, so a stale move is never executed."""
    return {
        "v": VERSION,
        "action": move.action,
        "for_message": for_message,
        "request": _request_dict(move.request),
        "offer": to_slot(move.offer) if move.offer else None,
        "offers": [[loan_id, to_slot(offer)] for loan_id, offer in move.offers],
        "ask": word(move.ask),
        "request_kind": word(move.request_kind),
        "hardship_reason": move.hardship_reason,
        "escalation": word(move.escalation),
        "detail": move.detail,
        "ladder_step": word(move.ladder_step),
        "loan_id": move.loan_id,
        "notes": notes_to_json(move.notes),
        "also": list(move.also),
    }


def from_dict(data: Any) -> Move:
    """The move `to_dict` wrote; InvalidMove for anything else."""
    if not isinstance(data, Mapping):
        raise InvalidMove(f"no move (slot {MOVE_SLOT!r} holds {type(data).__name__})")
    if data.get("v") != VERSION:
        raise InvalidMove(f"move version {data.get('v')!r}; this code reads version {VERSION}")
    action = data.get("action")
    if not isinstance(action, str) or not action:
        raise InvalidMove(f"move without an action: {action!r}")
    try:
        move = Move(
            action=action,
            request=_request(data.get("request")),
            offer=from_slot(data["offer"]) if data.get("offer") else None,
            offers=tuple((str(loan_id), from_slot(offer)) for loan_id, offer in data.get("offers") or ()),
            ask=_enum(Ask, data.get("ask")),
            request_kind=_enum(RequestKind, data.get("request_kind")),
            hardship_reason=_text(data.get("hardship_reason")),
            escalation=_enum(Escalation, data.get("escalation")),
            detail=_text(data.get("detail")),
            ladder_step=_enum(LadderStep, data.get("ladder_step")),
            loan_id=_text(data.get("loan_id")),
            notes=notes_from_json(data.get("notes") or ()),
            also=tuple(str(a) for a in data.get("also") or ()),
        )
    except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
        raise InvalidMove(f"unreadable {action} move: {exc!r}") from None
    unknown = [a for a in move.also if a not in ALSO]
    if unknown:
        raise InvalidMove(f"{action} move with unknown second answers {unknown}")
    needed = _NEEDS.get(action)
    if needed and getattr(move, needed) is None:
        raise InvalidMove(f"{action} move without its {needed}")
    return move


def for_message(data: Any) -> str | None:
    """The borrower message a move's JSON answers (None: not known)."""
    return data.get("for_message") if isinstance(data, Mapping) else None


def _enum(kind: type[Kind], value: Any) -> Any:
    return None if value is None else kind(value)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _request_dict(request: Request | None) -> dict[str, Any] | None:
    if request is None:
        return None
    return {
        "kind": request.kind.value,
        "amount": None if request.amount is None else str(request.amount),
        "date": None if request.date is None else request.date.isoformat(),
        "days": request.days,
        "count": request.count,
        "frequency_days": request.frequency_days,
        "waiver_percent": None if request.waiver_percent is None else str(request.waiver_percent),
        "first_date": None if request.first_date is None else request.first_date.isoformat(),
        "rest_amount": None if request.rest_amount is None else str(request.rest_amount),
    }


def _request(data: Any) -> Request | None:
    if data is None:
        return None
    decimal = lambda value: None if value is None else Decimal(str(value))  # noqa: E731
    return Request(
        kind=data["kind"], amount=decimal(data.get("amount")),
        date=None if data.get("date") is None else date.fromisoformat(data["date"]),
        days=data.get("days"), count=data.get("count"), frequency_days=data.get("frequency_days"),
        waiver_percent=decimal(data.get("waiver_percent")),
        first_date=None if data.get("first_date") is None else date.fromisoformat(data["first_date"]),
        rest_amount=decimal(data.get("rest_amount")),
    )
