"""The hand-off console's case life cycle: take, close, hand back (audited).

open -> taken (by one agent) -> closed (outcome "closed" or "handed_back").
A supervisor may take over a case another agent holds; an agent may not,
so two people never answer one borrower at once.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from . import audit
from .errors import NotFound, RecordError
from .models import HANDOFF_OUTCOMES, Handoff
from .types import utcnow
from .writes import _check_actor


def _audit(session: Session, handoff: Handoff, actor: str, payload: dict) -> None:
    audit.append(
        session, actor=actor, kind="handoff", conversation_id=handoff.conversation_id,
        loan_id=handoff.loan.loan_id if handoff.loan else None,
        borrower_id=handoff.borrower.borrower_id if handoff.borrower else None,
        payload={"handoff_id": handoff.id, **payload},
    )


def get_handoff(session: Session, handoff_id: int, lock: bool = False) -> Handoff:
    handoff = session.get(Handoff, handoff_id, with_for_update=lock)
    if handoff is None:
        raise NotFound(f"no hand-off case {handoff_id}")
    return handoff


def take_handoff(session: Session, handoff_id: int, *, actor: str, channel: str | None = None,
                 may_take_over: bool = False) -> Handoff:
    """Assign an open case to `actor` (agent:<name>); idempotent for its holder."""
    _check_actor(actor)
    handoff = get_handoff(session, handoff_id, lock=True)
    if handoff.status == "closed":
        raise RecordError(f"case {handoff_id} is closed")
    if handoff.status == "taken" and handoff.taken_by == actor:
        return handoff
    if handoff.status == "taken" and not may_take_over:
        raise RecordError(f"case {handoff_id} is already taken by {handoff.taken_by}")
    previous = handoff.taken_by if handoff.status == "taken" else None
    old = handoff.status
    handoff.status, handoff.taken_by, handoff.taken_at = "taken", actor, utcnow()
    if channel:
        handoff.channel = channel[:32]
    _audit(session, handoff, actor, {"change": "handoff_status", "from": old, "to": "taken",
                                     "taken_over_from": previous, "channel": handoff.channel})
    session.flush()
    return handoff


def finish_handoff(session: Session, handoff_id: int, *, actor: str, outcome: str) -> Handoff:
    """Close a case: outcome "closed" (agent done) or "handed_back" (bot answers again)."""
    _check_actor(actor)
    if outcome not in HANDOFF_OUTCOMES:
        raise RecordError(f"outcome must be one of {', '.join(HANDOFF_OUTCOMES)}")
    handoff = get_handoff(session, handoff_id, lock=True)
    if handoff.status == "closed":
        raise RecordError(f"case {handoff_id} is already closed")
    old = handoff.status
    handoff.status, handoff.outcome, handoff.closed_at = "closed", outcome, utcnow()
    _audit(session, handoff, actor, {"change": "handoff_status", "from": old, "to": "closed",
                                     "outcome": outcome})
    session.flush()
    return handoff
