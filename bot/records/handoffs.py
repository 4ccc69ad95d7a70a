"""The hand-off console's case life cycle: take, close, hand back (audited),
and what the bot's thin layer adds while the case waits for or is with a person.

open -> taken (by one agent) -> closed (outcome "closed" or "handed_back").
A supervisor may take over a case another agent holds; an agent may not,
so two people never answer one borrower at once.

While a case is unfinished the bot still reads every borrower message
(bot/dialogue/during_handoff.py): it appends each one to the case, re-flags
the case on self-harm or a correction, links it to the loan once the borrower
verifies, and escalates a case nobody took in time. One unfinished case per
conversation (writes.open_handoff), so these all work on that one case.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit
from .errors import NotFound, RecordError
from .models import HANDOFF_OUTCOMES, Handoff
from .queries import find_loan
from .types import utcnow
from .writes import _borrower_or_fail, _check_actor

# Case priorities (the console lists higher first).
PRIORITY_NORMAL = 0
PRIORITY_ESCALATED = 1  # nobody took it within `handoff.take_within_minutes`
PRIORITY_HIGH = 1  # a complaint about contact with the borrower's family or employer
PRIORITY_TOP = 2  # self-harm risk
# What a case keeps of the borrower's messages while it waits (the newest).
MAX_MESSAGES = 200
MAX_MESSAGE_CHARS = 2000


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


def open_case(session: Session, conversation_id: str, lock: bool = True) -> Handoff | None:
    """The conversation's unfinished (open or taken) case, row-locked; None when it has none."""
    query = (select(Handoff).where(Handoff.conversation_id == conversation_id, Handoff.status != "closed")
             .order_by(Handoff.id).limit(1))
    if lock:
        query = query.with_for_update()
    return session.execute(query).scalar_one_or_none()


def append_message(session: Session, conversation_id: str, *, text: str, intent: str | None,
                   at: datetime | None = None, actor: str = "borrower") -> Handoff | None:
    """Add what the borrower wrote to their unfinished case (audited), so the console shows it
    with the case; None when the conversation has no unfinished case."""
    handoff = open_case(session, conversation_id)
    if handoff is None:
        return None
    entry = {"at": (at or utcnow()).isoformat(), "text": (text or "")[:MAX_MESSAGE_CHARS], "intent": intent}
    handoff.messages = [*(handoff.messages or []), entry][-MAX_MESSAGES:]  # a new list: JSON changes are seen
    _audit(session, handoff, actor, {"change": "handoff_message", "intent": intent, "text": entry["text"]})
    session.flush()
    return handoff


def reflag(session: Session, conversation_id: str, *, reason: str, priority: int | None = None,
           actor: str = "bot") -> Handoff | None:
    """Change the unfinished case's reason (and raise its priority, never lower it), audited
    with both; unchanged cases are not audited again. None when there is no unfinished case."""
    _check_actor(actor)
    handoff = open_case(session, conversation_id)
    if handoff is None:
        return None
    before = {"reason": handoff.reason, "priority": handoff.priority or PRIORITY_NORMAL}
    after = {"reason": reason[:200], "priority": max(before["priority"], priority or PRIORITY_NORMAL)}
    if after != before:
        handoff.reason, handoff.priority = after["reason"], after["priority"]
        _audit(session, handoff, actor, {"change": "handoff_reflagged", "from": before, "to": after})
        session.flush()
    return handoff


def link_loan(session: Session, conversation_id: str, *, loan_id: str, borrower_id: str | None = None,
              actor: str = "bot") -> Handoff | None:
    """The borrower verified after the case opened: the case names their loan now (audited once)."""
    _check_actor(actor)
    handoff = open_case(session, conversation_id)
    if handoff is None:
        return None
    loan = find_loan(session, loan_id)
    if loan is None:
        raise NotFound(f"no loan {loan_id!r}")
    borrower = _borrower_or_fail(session, borrower_id) if borrower_id else loan.borrower
    if handoff.loan_pk == loan.id and handoff.borrower_pk == borrower.id:
        return handoff
    before = handoff.loan.loan_id if handoff.loan else None
    handoff.loan_pk, handoff.borrower_pk = loan.id, borrower.id
    session.flush()
    session.refresh(handoff)
    _audit(session, handoff, actor, {"change": "handoff_linked", "from_loan": before, "loan_id": loan.loan_id,
                                     "borrower_id": borrower.borrower_id})
    return handoff


def overdue_cases(session: Session, *, within: timedelta, now: datetime | None = None) -> list[int]:
    """Open cases nobody took within `within` and not yet escalated, oldest first."""
    cutoff = (now or utcnow()) - within
    return list(session.execute(
        select(Handoff.id).where(Handoff.status == "open", Handoff.escalated_at.is_(None),
                                 Handoff.created_at <= cutoff).order_by(Handoff.created_at, Handoff.id)
    ).scalars())


def escalate_unanswered(session: Session, handoff_id: int, *, minutes: int, actor: str = "bot") -> Handoff | None:
    """Nobody took the case in time: raise its priority once (audited). None when it was
    taken, closed or already escalated meanwhile (another process got there first)."""
    _check_actor(actor)
    handoff = get_handoff(session, handoff_id, lock=True)
    if handoff.status != "open" or handoff.escalated_at is not None:
        return None
    old = handoff.priority or PRIORITY_NORMAL
    handoff.escalated_at, handoff.priority = utcnow(), min(old + 1, PRIORITY_TOP)
    _audit(session, handoff, actor, {"change": "handoff_escalated", "from_priority": old,
                                     "to_priority": handoff.priority, "not_taken_within_minutes": minutes})
    session.flush()
    return handoff


def case_extras(session: Session, handoff_ids: list[int]) -> dict[int, dict]:
    """What the thin layer adds to each case, for the console: priority, escalation, messages."""
    if not handoff_ids:
        return {}
    rows = session.execute(select(Handoff).where(Handoff.id.in_(handoff_ids))).scalars()
    return {h.id: {"priority": h.priority or PRIORITY_NORMAL,
                   "escalated_at": h.escalated_at.isoformat() if h.escalated_at else None,
                   "messages": list(h.messages or [])} for h in rows}
