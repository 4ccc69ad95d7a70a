"""Runs one bot turn: execute the policy's move, speak through the compliance check, write, audit.

Every action is a plain function `(turn, reply, session, tracker) -> events`;
this module wraps them so that each one reads the same Turn the policy decided
on and executes the move the policy decided (the `move` slot, `reply.move`):
nothing is decided twice. Every outgoing text is checked before it is sent,
and the messages, record changes and compliance decisions are written in one
transaction before anything reaches the borrower. The handler and its database
work run in a worker thread, off rasa-sdk's event loop.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from actions.context import sessions
from bot import clock
from bot.compliance import OutboundContext, check_outbound, effective_profile, required_disclosures
from bot.compliance.profiles import disclosures_for
from bot.config.messages import load_messages
from bot.dialogue import record_moves, verification
from bot.config.messages import ENGLISH
from bot.dialogue.language import SLOT as LANGUAGE_SLOT, reply_language
from bot.dialogue.messages import render, voice
from bot.dialogue.move import MOVE_SLOT, InvalidMove, Move, for_message, from_dict
from bot.dialogue.wording import buttons as button_set
from bot.dialogue.moves import Turn, in_a_row, is_angry, is_fallback, turn_from_parse
from bot.dialogue.requests import PAY_PERIOD_SLOT, PERIOD_DAYS
from bot.records import action_runs, audit
from bot.records.db import transaction
from bot.settings import config, lender, verification as verification_settings

log = logging.getLogger(__name__)


def debt_messages() -> frozenset[str]:
    """Messages that say something about the debt (only ever to a verified borrower).

    Read from each entry's `facts.mentions_debt` in config/messages.yml, not a
    list kept here: a new message cannot be forgotten, the loader refuses an
    entry without its facts.
    """
    return load_messages().keys_where("mentions_debt")


def first_disclosure() -> frozenset[str]:
    """Messages that first tell a verified borrower about the debt (`facts.first_disclosure`)."""
    return load_messages().keys_where("first_disclosure")


@dataclass
class Reply:
    """What one action does: the move it executes, and the texts it will send, in order, each with its buttons."""

    turn: Turn
    move: Move | None = None  # the policy's decision; None only for handlers that need none of its terms
    language: str = ENGLISH  # the borrower's (bot/dialogue/language.py): texts, amounts, dates, buttons
    messages: list[tuple[str, str, list[dict]]] = field(default_factory=list)  # (key, text, buttons)

    @property
    def decided(self) -> Move:
        """The move this action executes; a handler that needs its terms reads them here."""
        if self.move is None:
            raise InvalidMove("this handler executes the policy's move, and it was given none")
        return self.move

    def say(self, key: str, buttons: str | None = None, **fills: Any) -> None:
        """Adds the text of `key` and the button set named `buttons` (wording.BUTTON_SETS)."""
        fills = {**common_fills(self.turn, self.language), **fills}
        how = voice(self.turn, first=not self.messages)  # the emotion only when the NLU is sure of it
        titled = button_set(buttons, self.language) if buttons else []
        self.messages.append((key, render(key, **how, language=self.language, **fills), titled))


def common_fills(turn: Turn, language: str = ENGLISH) -> dict[str, Any]:
    who = lender(language)
    return {
        "lender": who["name"], "assistant": who["assistant_name"], "contact": who["contact"],
        "response_time": config().lender_text("handoff_response_time", language),
    }


def message_time(tracker: Tracker) -> datetime:
    """When Rasa stamped the borrower's latest message (the clock verification idle time is read on)."""
    stamp = _latest_user_timestamp(tracker)
    return datetime.fromtimestamp(stamp, timezone.utc) if stamp else datetime.now(timezone.utc)


def current_turn(tracker: Tracker) -> Turn:
    message = tracker.latest_message or {}
    stamped = message_time(tracker)
    # Idle time is measured on the events' own (real) clock; dates on the simulated one when it is set.
    now = clock.now() if clock.is_set() else stamped
    users = [e for e in tracker.events if e.get("event") == "user"]
    parses = [e.get("parse_data") or {} for e in users]
    metadata = users[-1].get("metadata") if users else None
    slots, _ = verification.current_slots(tracker.current_slot_values(), tracker.events, stamped,
                                          verification_settings().idle)
    return turn_from_parse(message, slots, now, in_a_row(parses, is_fallback), metadata, in_a_row(parses, is_angry))


def _latest_user_timestamp(tracker: Tracker) -> float | None:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return event.get("timestamp")
    return None


def decided_move(name: str, tracker: Tracker) -> Move:
    """The move the policy decided for this action and this borrower message (the `move`
    slot); InvalidMove when there is none, or it is another action's or another message's."""
    data = tracker.get_slot(MOVE_SLOT)
    move = from_dict(data)
    if move.action != name:
        raise InvalidMove(f"the move is {move.action}, not {name}")
    decided_for, latest = for_message(data), (tracker.latest_message or {}).get("message_id")
    if decided_for and latest and decided_for != latest:
        raise InvalidMove(f"the move answers message {decided_for}, not the latest one ({latest})")
    return move


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
        now_utc=clock.now(),
        channel=tracker.get_latest_input_channel() or "rest",
        initiated_by_borrower=True,
        verified=verified,
        mentions_debt=key in debt_messages(),
        is_first_message=first,
        cease_contact=bool(loan.get("cease_contact")),
        opted_out_channels=tuple(loan.get("opted_out_channels") or ()),
        disputed=status == "disputed",
        paused=status == "paused",
    )


def _with_disclosures(text: str, key: str, ctx: OutboundContext, said: Iterable[str] = (),
                      language: str = ENGLISH) -> str:
    """Adds what the profile requires: who we are on the first message, and the
    debt-collection notice (e.g. US Regulation F) where the debt is first disclosed.

    `said`: the bot's earlier texts in this conversation. The notice is given once:
    a borrower who re-verifies or switches loans was told already, and hearing the
    same paragraph again buries what the message says (issue 13).
    """
    needed = required_disclosures(ctx, language=language)  # in the borrower's language where the profile has it
    if key in first_disclosure():
        profile = effective_profile(list(ctx.jurisdictions))
        earlier = " ".join(said).lower()
        needed += [d for d in disclosures_for(profile, language).get("debt_collection", ()) if d.lower() not in earlier]
    # On a first message that verifies at once, the notice is asked for twice (first message, first disclosure)
    missing = [d for d in dict.fromkeys(needed) if d.lower() not in text.lower()]
    return " ".join([*missing, text])


def _bot_texts(tracker: Tracker) -> list[str]:
    """What the bot already sent in this conversation (Rasa passes the current session's events)."""
    return [e.get("text") or "" for e in tracker.events if e.get("event") == "bot"]


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


# Actions Rasa itself predicts (RulePolicy's fallback), not our policy: they have no move to execute.
RASAS_OWN = frozenset({"action_default_fallback"})


def _previous_language(tracker: Tracker) -> str | None:
    """The language the borrower's message before this one was read in."""
    said = [e for e in tracker.events if e.get("event") == "user"]
    return ((said[-2].get("parse_data") or {}).get("language")) if len(said) > 1 else None


def _run(name: str, handler: Handler, tracker: Tracker, session: Session) -> dict:
    turn = current_turn(tracker)
    try:
        move, refused = (None if name in RASAS_OWN else decided_move(name, tracker)), None
    except InvalidMove as problem:  # never guess: say the safe text and leave the records alone
        move, refused = None, str(problem)
        log.error("action %s has no move it can execute: %s", name, refused)
    spoken = reply_language((tracker.latest_message or {}).get("language"), turn.slot(LANGUAGE_SLOT),
                            (turn.slot("loan") or {}).get("language"), before=_previous_language(tracker))
    reply = Reply(turn, move, spoken or ENGLISH)
    first = _is_first_bot_message(tracker)
    expired, clearing = _expired_verification(turn, tracker)
    if refused is None:
        events = clearing + handler(turn, reply, session, tracker)
    else:
        reply.say("fallback")
        events = clearing
    events += _expired_record_slots(turn, events) + _remembered_hardship(turn, events) + _remembered_pay_period(turn)
    if spoken and spoken != turn.slot(LANGUAGE_SLOT):
        events.append(SlotSet(LANGUAGE_SLOT, spoken))
    verified = bool(turn.slot("verified")) or any(
        e.get("event") == "slot" and e.get("name") == "verified" and e.get("value") for e in events
    )
    loan_id = _slot_after(events, "loan_id", turn.slot("loan_id"))
    loan = _slot_after(events, "loan", turn.slot("loan")) or {}
    refs = dict(loan_id=loan_id, conversation_id=tracker.sender_id)
    if expired:  # audited after the handler: its loan row locks come before the audit lock
        audit.append(session, actor="bot", kind="verification_expired", payload={"reason": expired},
                     loan_id=tracker.get_slot("loan_id"), conversation_id=tracker.sender_id)
    if refused is not None:
        audit.append(session, actor="bot", kind="move_refused", payload={"action": name, "problem": refused},
                     **refs)
    audit.append(session, actor="borrower", kind="message_in", payload={
        "text": turn.text, "intent": turn.intent, "emotion": turn.emotion, "action": name,
    }, **refs)
    outgoing, said = [], _bot_texts(tracker)
    for index, (key, text, buttons) in enumerate(reply.messages):
        context = _context(tracker, loan, key, verified, first and index == 0)
        text = _with_disclosures(text, key, context, said + [t for t, _ in outgoing], reply.language)
        decision = check_outbound(text, context, language=reply.language)
        if not decision.allowed:
            audit.append(session, actor="bot", kind="compliance_decision", payload={
                "allowed": False, "rule": decision.rule, "reason": decision.reason, "message": key,
                "text": text,
            }, **refs)
            log.warning("compliance blocked message %s: %s", key, decision.rule)
            key, text, buttons = "blocked", render("blocked", language=reply.language, **common_fills(turn, reply.language)), []
        audit.append(session, actor="bot", kind="message_out", payload={"text": text, "message": key}, **refs)
        outgoing.append([text, buttons])
    return {"messages": outgoing, "events": events}


# A claim waiting for its yes, and the last change (which "I didn't say that" undoes), live one turn:
# a "yes" three messages later answers whatever the bot asked last, not a claim it asked about before.
ONE_TURN_SLOTS = (record_moves.PENDING, record_moves.LAST)


def _expired_record_slots(turn: Turn, events: list[dict]) -> list[dict]:
    set_now = {e.get("name") for e in events if e.get("event") == "slot"}
    expired = [SlotSet(name, None) for name in ONE_TURN_SLOTS if turn.slot(name) is not None and name not in set_now]
    kept = record_moves.unanswered(turn.slot(record_moves.PENDING)) if record_moves.PENDING not in set_now else None
    if kept and not turn.slot("verified", False) and not turn.slot(record_moves.EARLIER):
        expired.append(SlotSet(record_moves.EARLIER, kept))  # asked about again once they verify
    return expired


def _remembered_pay_period(turn: Turn) -> list[dict]:
    """How often they are paid or mean to pay, said in any turn ("Freelance na lang ako, sweldo every 15 and
    30"): the period of a budget given later without one ("Max ko po ₱2,000 per sweldo"; round 6 (dev) read
    it as a month, and no monthly plan fitted)."""
    said = turn.signal("period") or {}
    days = None if said.get("payday") else PERIOD_DAYS.get(said.get("unit"))  # "per sweldo" says no rhythm
    return [SlotSet(PAY_PERIOD_SLOT, days)] if days and turn.slot(PAY_PERIOD_SLOT) != days else []


def _remembered_hardship(turn: Turn, events: list[dict]) -> list[dict]:
    """A hardship said in any turn ("I lost my job", before verification too) chooses the limits of
    every later offer in the conversation, not only of an offer made in the same message."""
    said = turn.signal("hardship") or turn.signal("hardship_likely")
    if not said or turn.slot("hardship_reason") or any(e.get("name") == "hardship_reason" for e in events):
        return []
    return [SlotSet("hardship_reason", said)]


def _expired_verification(turn: Turn, tracker: Tracker) -> tuple[str | None, list[dict]]:
    """Why the tracker's verification expired (the turn was decided without it), and the
    events that clear it from the tracker too; (None, []) when it still holds."""
    reason = verification.expiry(tracker.current_slot_values(), verification.since_verified(tracker.events),
                                 message_time(tracker), verification_settings().idle)
    if reason is None:
        return None, []
    return reason, [SlotSet(name, value) for name, value in verification.CLEARED.items()]


def _slot_after(events: list[dict], name: str, default: Any) -> Any:
    for event in events:
        if event.get("event") == "slot" and event.get("name") == name:
            default = event.get("value")
    return default


def make_action(name: str, handler: Handler) -> type[Action]:
    """A rasa-sdk Action class around a plain handler function."""

    async def run(self, dispatcher, tracker, domain):  # noqa: ARG001
        # In a worker thread: a turn waiting on a database lock holds up its own
        # conversation, not the event loop every conversation on this process shares.
        return await asyncio.to_thread(run_turn, name, handler, dispatcher, tracker)

    return type(f"Action_{name}", (Action,), {"name": lambda self: name, "run": run})
