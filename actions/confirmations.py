"""Record changes the borrower confirms, undoes or never asked for; who we are; someone who is not the borrower.

The policy decides (bot/dialogue/record_moves.py); these handlers ask, write
and undo. Every undo is audited with what it restored, so the trail shows the
misreading and its correction, not only the final state.
"""
from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from sqlalchemy.orm import Session

from actions.people import handoff_reason
from actions.turns import Reply
from bot.dialogue import during_handoff, record_moves
from bot.dialogue.move import InvalidMove
from bot.dialogue.moves import Turn
from bot.dialogue.reasons import case_reason
from bot.dialogue.wording import limits_text
from bot.records import audit, handoffs, writes


def confirm_record(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    """Names the change and waits for one tap; nothing is written yet."""
    return _ask(turn, reply, "confirm")


def clarify_record(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    """Asks what the borrower meant; a yes makes the change, as a confirmation would."""
    return _ask(turn, reply, "clarify")


def ask_after(turn: Turn, reply: Reply, how: str, intent: str) -> list[dict]:
    """The one-tap question about a change the message asked for beside terms just recorded."""
    return _ask(turn, reply, how, intent)


def _ask(turn: Turn, reply: Reply, how: str, intent: str | None = None) -> list[dict]:
    intent = intent or reply.decided.detail
    if intent not in record_moves.RECORDS:
        raise InvalidMove(f"{reply.decided.action} for {intent!r}, which changes no record")
    claim = record_moves.pending_claim(turn, intent)
    key, fills = f"{how}_{intent}", {}
    if intent == "stop_contact" and claim["opt_out"] == "limits" and claim.get("limits"):
        key, fills = f"{how}_stop_contact_limits", {"limits": limits_text(claim["limits"], reply.language)}
    elif intent == "stop_contact" and claim["opt_out"] == "channel" and how == "confirm":
        key = "confirm_stop_contact_channel"
    elif intent == "complain" and claim["family_contact"]:
        key = f"{how}_complain_family"
    reply.say(key, "confirm", **fills)
    return [SlotSet(record_moves.PENDING, claim)]


def record_declined(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    state = turn.slot("loan") or {}
    audit.append(session, actor="borrower", kind="record_change_declined",
                 payload={"claim": (turn.slot(record_moves.PENDING) or {}).get("intent")},
                 loan_id=state.get("loan_id"), conversation_id=tracker.sender_id)
    reply.say("record_declined", "options" if turn.slot("verified") else None)
    return [SlotSet(record_moves.PENDING, None)]


def revert_record(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    """'No, I didn't say that': the last change is undone, and the case it opened is handed back."""
    last = turn.slot(record_moves.LAST) or {}
    intent, undo = last.get("intent"), last.get("undo") or {}
    if intent not in record_moves.RECORDS:
        raise InvalidMove(f"nothing to undo ({intent!r})")
    state = turn.slot("loan") or {}
    events: list[dict] = [SlotSet(record_moves.LAST, None), SlotSet(record_moves.PENDING, None)]
    if intent == "stop_contact" and undo.get("borrower_id"):
        opt_in = [undo["channel"]] if undo.get("kind") == "channel" and not undo.get("channel_before") else []
        opt_in += list(undo.get("newly_blocked") or ())  # contact limits: only the channels this change blocked
        writes.set_contact_preferences(
            session, borrower_id=undo["borrower_id"], actor="bot", reason="borrower says they did not ask for this",
            opt_in=opt_in,
            cease_contact=False if undo.get("kind") == "cease" and not undo.get("cease_before") else None,
            loan_id=state.get("loan_id"), conversation_id=tracker.sender_id,
        )
    if intent == "dispute_debt" and undo.get("loan_id"):
        writes.set_loan_status(session, undo["loan_id"], undo.get("status") or "active", actor="bot",
                               reason="borrower says they did not dispute the debt")
    if intent == "wrong_person":
        if undo.get("borrower_id"):
            writes.set_contact_preferences(session, borrower_id=undo["borrower_id"], actor="bot",
                                           opt_in=[undo["channel"]], conversation_id=tracker.sender_id,
                                           reason="the sender says they are the borrower after all")
        events.append(SlotSet(record_moves.CLOSED, False))
    case = undo.get("case")
    if case:  # the case this change opened, unless a person already has it
        open_case = handoffs.open_case(session, tracker.sender_id)
        if open_case is not None and open_case.id == case and open_case.status == "open":
            handoffs.finish_handoff(session, case, actor="bot", outcome="handed_back")
            events += [SlotSet(during_handoff.HANDED_OFF, False), SlotSet(during_handoff.CASE_INTENT, None)]
        elif open_case is not None:
            handoffs.reflag(session, tracker.sender_id, reason=f"borrower says this was misread: {open_case.reason}")
    audit.append(session, actor="bot", kind="record_change_reverted",
                 payload={"intent": intent, "undo": undo, "text": turn.text},
                 loan_id=state.get("loan_id"), conversation_id=tracker.sender_id)
    reply.say("record_reverted")
    return events


def third_party_closed(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    if turn.intent == "provide_identity" or turn.entities:
        audit.append(session, actor="borrower", kind="third_party_identity_refused", payload={},
                     conversation_id=tracker.sender_id)
    reply.say("third_party_closed")
    return []


def third_party_message(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    """Kept for the account holder's file; the words are the borrower-side record, not shown back."""
    audit.append(session, actor="borrower", kind="third_party_message", payload={"text": turn.text[:500]},
                 conversation_id=tracker.sender_id)
    reply.say("third_party_message")
    return []


def review_first(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    """A paused account gets no new plan from the bot: a person reviews it, and the borrower is told so."""
    if reply.decided.escalation is None:
        raise InvalidMove("action_review_first without its reason")
    return handoff_reason(turn, reply, session, tracker, case_reason(reply.decided.escalation), "review_first")
