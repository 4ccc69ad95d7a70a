"""Runs one bot turn: decide, speak through the compliance check, write, audit.

Every action is a plain function `(turn, reply, session) -> events`; this
module wraps them so that each one reads the same Turn the policy decided on,
every outgoing text is checked before it is sent, and the messages, record
changes and compliance decisions are written in one transaction before
anything reaches the borrower.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from actions.context import ladder, products, sessions
from bot.compliance import OutboundContext, check_outbound, effective_profile, required_disclosures
from bot.dialogue.messages import render
from bot.dialogue.moves import Move, Turn, decide, in_a_row, is_angry, is_fallback, turn_from_parse
from bot.records import action_runs, audit
from bot.records.db import transaction
from bot.settings import lender, settings

log = logging.getLogger(__name__)

# Messages that say something about the debt: only ever to a verified borrower.
DEBT_MESSAGES = {
    "verified_statement", "verified_statement_not_overdue", "balance", "active_arrangement",
    "pay_in_full", "offer", "offer_adjusted", "accepted", "fees", "already_paid_found", "other_loans",
    "greet_verified", "offer_all", "accepted_all", "offer_counter",
}
# The message that first tells a verified borrower about the debt.
FIRST_DISCLOSURE = {"verified_statement", "verified_statement_not_overdue"}


@dataclass
class Reply:
    """The texts one action will send, in order, each with its buttons."""

    turn: Turn
    messages: list[tuple[str, str, list[dict]]] = field(default_factory=list)  # (key, text, buttons)

    def say(self, key: str, buttons: list[dict] | None = None, **fills: Any) -> None:
        fills = {**common_fills(self.turn), **fills}
        self.messages.append((key, render(key, self.turn.emotion, **fills), buttons or []))


def common_fills(turn: Turn) -> dict[str, Any]:
    who = lender()
    return {
        "lender": who["name"], "assistant": who["assistant_name"], "contact": who["contact"],
        "response_time": settings().get("handoff_response_time", "one working day"),
    }


def current_turn(tracker: Tracker) -> Turn:
    message = tracker.latest_message or {}
    stamp = _latest_user_timestamp(tracker)
    now = datetime.fromtimestamp(stamp, timezone.utc) if stamp else datetime.now(timezone.utc)
    users = [e for e in tracker.events if e.get("event") == "user"]
    parses = [e.get("parse_data") or {} for e in users]
    metadata = users[-1].get("metadata") if users else None
    return turn_from_parse(message, tracker.current_slot_values(), now, in_a_row(parses, is_fallback), metadata,
                           in_a_row(parses, is_angry))


def _latest_user_timestamp(tracker: Tracker) -> float | None:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return event.get("timestamp")
    return None


def move_for(turn: Turn) -> Move:
    return decide(turn, products(), ladder())


def _is_first_bot_message(tracker: Tracker) -> bool:
    return not any(e.get("event") == "bot" for e in tracker.events)


def _context(tracker: Tracker, loan: dict, key: str, verified: bool, first: bool) -> OutboundContext:
    """The facts the compliance check needs about this message.

    Every action answers a borrower who has just written, so each text is a
    reply (`initiated_by_borrower`) that makes no new demand: an offer is only
    ever what the borrower asked for, or the nearest allowed to it. Proactive
    messages (campaigns) build their own context with their attempt history.
    """
    status = loan.get("status")
    return OutboundContext(
        jurisdictions=(loan.get("jurisdiction") or "DEFAULT",),
        borrower_tz=loan.get("timezone") or "UTC",
        now_utc=datetime.now(timezone.utc),
        channel=tracker.get_latest_input_channel() or "rest",
        initiated_by_borrower=True,
        verified=verified,
        mentions_debt=key in DEBT_MESSAGES,
        is_first_message=first,
        cease_contact=bool(loan.get("cease_contact")),
        opted_out_channels=tuple(loan.get("opted_out_channels") or ()),
        disputed=status == "disputed",
        paused=status == "paused",
    )


def _with_disclosures(text: str, key: str, ctx: OutboundContext) -> str:
    """Adds what the profile requires: who we are on the first message, and the
    debt-collection notice (e.g. US Regulation F) where the debt is first disclosed."""
    needed = required_disclosures(ctx)
    if key in FIRST_DISCLOSURE:
        profile = effective_profile(list(ctx.jurisdictions))
        needed += list(profile.disclosures.get("debt_collection", ()))
    missing = [d for d in needed if d.lower() not in text.lower()]
    return " ".join([*missing, text])


Handler = Callable[[Turn, Reply, Session, Tracker], list[dict]]


def run_turn(name: str, handler: Handler, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict]:
    """Runs the action once per borrower message: a retry replays the first run."""
    key = run_key(name, tracker)
    try:
        with transaction(sessions()) as session:
            done = action_runs.previous_result(session, key) if key else None
            if done is None:
                done = _run(name, handler, tracker, session)
                if key:
                    action_runs.keep_result(session, key, conversation_id=tracker.sender_id, action=name, result=done)
    except IntegrityError:  # a concurrent retry stored its run first: replay that one
        with transaction(sessions()) as session:
            done = action_runs.previous_result(session, key)
        if done is None:
            raise
    for text, buttons in done["messages"]:
        dispatcher.utter_message(text=text, buttons=buttons or None)
    return done["events"]


def run_key(name: str, tracker: Tracker) -> str | None:
    """(conversation, borrower message, action); None when the message has no id."""
    message_id = (tracker.latest_message or {}).get("message_id")
    return f"{tracker.sender_id}:{message_id}:{name}" if message_id else None


def _run(name: str, handler: Handler, tracker: Tracker, session: Session) -> dict:
    turn = current_turn(tracker)
    reply = Reply(turn)
    first = _is_first_bot_message(tracker)
    events = handler(turn, reply, session, tracker)
    verified = bool(turn.slot("verified")) or any(
        e.get("event") == "slot" and e.get("name") == "verified" and e.get("value") for e in events
    )
    loan_id = _slot_after(events, "loan_id", turn.slot("loan_id"))
    loan = _slot_after(events, "loan", turn.slot("loan")) or {}
    refs = dict(loan_id=loan_id, conversation_id=tracker.sender_id)
    audit.append(session, actor="borrower", kind="message_in", payload={
        "text": turn.text, "intent": turn.intent, "emotion": turn.emotion, "action": name,
    }, **refs)
    outgoing = []
    for index, (key, text, buttons) in enumerate(reply.messages):
        context = _context(tracker, loan, key, verified, first and index == 0)
        text = _with_disclosures(text, key, context)
        decision = check_outbound(text, context)
        if not decision.allowed:
            audit.append(session, actor="bot", kind="compliance_decision", payload={
                "allowed": False, "rule": decision.rule, "reason": decision.reason, "message": key,
                "text": text,
            }, **refs)
            log.warning("compliance blocked message %s: %s", key, decision.rule)
            key, text, buttons = "blocked", render("blocked", **common_fills(turn)), []
        audit.append(session, actor="bot", kind="message_out", payload={"text": text, "message": key}, **refs)
        outgoing.append([text, buttons])
    return {"messages": outgoing, "events": events}


def _slot_after(events: list[dict], name: str, default: Any) -> Any:
    for event in events:
        if event.get("event") == "slot" and event.get("name") == name:
            default = event.get("value")
    return default


def make_action(name: str, handler: Handler) -> type[Action]:
    """A rasa-sdk Action class around a plain handler function."""

    async def run(self, dispatcher, tracker, domain):  # noqa: ARG001
        return run_turn(name, handler, dispatcher, tracker)

    return type(f"Action_{name}", (Action,), {"name": lambda self: name, "run": run})
