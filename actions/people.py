"""Hand-offs, pauses and preferences: the turns where a person, or silence, is the right answer."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from sqlalchemy.orm import Session

from actions.turns import Reply
from bot.dialogue import during_handoff, record_moves
from bot.dialogue.move import InvalidMove
from bot.dialogue.moves import Turn
from bot.dialogue.reasons import CORRECTION_DENIED, VAGUE_REASONS, Escalation, case_reason, corrected_reason
from bot.dialogue.wording import limits_text, money, note_text
from bot.nlu import contact_limits
from bot.records import audit, handoffs, queries, writes
from bot.settings import crisis_line, lender

from actions import contact_times
from actions.common import loan_slot
from actions.identity import channel_identity


def handoff(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    notes, currency = reply.decided.notes, (turn.slot("loan") or {}).get("currency")
    if notes and currency:  # nothing within the limits fits their budget: say so, with the figures, first
        reply.say("no_offer", reason=note_text(notes, currency, reply.language))
    events = handoff_reason(turn, reply, session, tracker, _why(reply))
    if reply.decided.escalation in during_handoff.ABOUT_TERMS:  # the figures are the case: terms may still be agreed
        events.append(SlotSet(during_handoff.CASE_INTENT, during_handoff.TERMS_CASE))
    return events


def _why(reply: Reply) -> str:
    """The case's reason, as the policy decided it with the move (never re-read from the text)."""
    move = reply.decided
    if move.escalation is None:
        raise InvalidMove(f"{move.action} hands over without a reason")
    return case_reason(move.escalation, move.detail)


def handoff_reason(turn: Turn, reply: Reply, session: Session, tracker: Tracker, reason: str,
                   message: str | None = "handoff", priority: int = handoffs.PRIORITY_NORMAL,
                   **fills: Any) -> list[dict]:
    """Open the conversation's case (or keep the one already open, raising it to `priority`).

    Rasa is not paused: the `handed_off` slot hands the following turns to the
    thin layer (bot/dialogue/during_handoff.py), so nobody goes unanswered.
    """
    state = turn.slot("loan") or {}
    case = writes.open_handoff(
        session, loan_id=state.get("loan_id"), borrower_id=state.get("borrower_id"),
        conversation_id=tracker.sender_id, reason=reason, summary=case_summary(turn, tracker), priority=priority,
    )
    # A case already open (after /restart, say) is re-flagged when this one is more urgent, or when
    # it only said how the conversation went ("bot did not understand twice") and this says what about.
    if priority > handoffs.PRIORITY_NORMAL or case.reason in VAGUE_REASONS:
        handoffs.reflag(session, tracker.sender_id, reason=reason, priority=priority)
    if message:
        reply.say(message, **fills)
    return [SlotSet(during_handoff.HANDED_OFF, True), SlotSet(during_handoff.ACKNOWLEDGED, False),
            SlotSet(during_handoff.TAKEN, False), SlotSet(during_handoff.CASE_INTENT, during_handoff.case_intent(turn.intent))]


def case_summary(turn: Turn, tracker: Tracker) -> dict:
    """What a person needs at a glance: the loan, and how the conversation went."""
    timeline = []
    for event in tracker.events:
        if event.get("event") == "user":
            parse = event.get("parse_data") or {}
            timeline.append({
                "intent": (parse.get("intent") or {}).get("name"),
                "emotion": (parse.get("emotion") or {}).get("name"),
                "text": event.get("text"),
            })
    state = turn.slot("loan") or {}
    return {
        "loan": {k: state.get(k) for k in ("loan_id", "currency", "total", "due_date", "days_overdue", "status")},
        "verified": bool(turn.slot("verified")),
        "timeline": timeline[-20:],
        "pending_offer": turn.slot("pending_offer"),
        "last_message": turn.text,
    }


def vulnerability(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    state = turn.slot("loan") or {}
    if state.get("loan_id"):
        writes.set_loan_status(session, state["loan_id"], "paused", actor="bot", reason="vulnerability disclosed")
    if reply.decided.escalation == Escalation.SELF_HARM:
        return handoff_reason(turn, reply, session, tracker, _why(reply), "self_harm" + _unknown(state),
                              priority=handoffs.PRIORITY_TOP, crisis_line=crisis_line(state.get("jurisdiction"), reply.language)) \
            + [SlotSet(during_handoff.SELF_HARM_CASE, True)]
    return handoff_reason(turn, reply, session, tracker, _why(reply), "vulnerability" + _unknown(state))


def _unknown(state: dict) -> str:
    """The text's variant for a sender whose loan is not known: nothing about an account was paused,
    and nothing may tell a relative writing from the phone that there is one (issue 13 panel)."""
    return "" if state.get("loan_id") else "_unverified"


def recorded(intent: str, undo: dict | None) -> list[dict]:
    """The slots after a confirmed change: nothing pending, and how to undo it ("I didn't say that")."""
    return [SlotSet(record_moves.PENDING, None), SlotSet(record_moves.LAST, {"intent": intent, "undo": undo or {}})]


def _case_id(session: Session, tracker: Tracker) -> int | None:
    case = handoffs.open_case(session, tracker.sender_id, lock=False)
    return case.id if case else None


def _opening(session: Session, tracker: Tracker, hand_off: Callable[[], list[dict]]) -> tuple[list[dict], int | None]:
    """Hands off; also the id of the case this opened (None when one was already open, which an undo leaves open)."""
    before = _case_id(session, tracker)
    events = hand_off()
    return events, None if before else _case_id(session, tracker)


def dispute(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    claim = record_moves.claim_of(turn)
    state = turn.slot("loan")
    writes.set_loan_status(session, state["loan_id"], "disputed", actor="bot", reason=f"borrower: {claim['text'][:200]}")
    events, case = _opening(session, tracker, lambda: handoff_reason(turn, reply, session, tracker, _why(reply),
                                                                     "dispute"))
    return events + recorded("dispute_debt", {"loan_id": state["loan_id"], "status": state.get("status") or "active",
                                              "case": case})


def already_paid(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    state = loan_slot(session, turn.slot("loan_id"), turn)
    if Decimal(state["payments_since_import"]) > 0:
        reply.say("already_paid_found", amount=money(state["payments_since_import"], state["currency"], reply.language),
                  paid_at="our records", total=money(state["total"], state["currency"], reply.language))
        return [SlotSet("loan", state), SlotSet(record_moves.PENDING, None)]
    reference = (record_moves.claim_of(turn).get("payment_reference") or "")[:40]
    said = _payment_said(turn, state["currency"])
    if reference:  # they gave it already: named back, on the case, not asked for again
        reason, key, fills = (f"borrower says already paid (reference {reference}{said}); payment not found",
                              "already_paid_reference", {"reference": reference})
    else:
        reason, key, fills = (f"borrower says already paid{f' ({said[2:]})' if said else ''}; payment not found",
                              "already_paid_unknown", {})
    events, case = _opening(session, tracker, lambda: handoff_reason(turn, reply, session, tracker, reason, key,
                                                                     **fills))
    # The case is the payment claim, whatever words confirmed it: its receipt and "no reminders meanwhile" go on it.
    return events + [SlotSet(during_handoff.CASE_INTENT, "already_paid")] + recorded("already_paid", {"case": case})


def _payment_said(turn: Turn, currency: str) -> str:
    """The amount and the day of the payment as the borrower gave them, for the person checking it
    (round 6 (dev): "Nililipa jana jioni kwa paybill. Code ni SLB4XK29QH, 3450 bob" kept only the code)."""
    amount = turn.first("amount")
    paid_on = next((str(d)[:10] for d in turn.entities.get("date") or () if str(d)[:10] <= turn.now.date().isoformat()),
                   None)
    parts = ([f"{currency} {amount}"] if amount is not None else []) + ([f"paid {paid_on}"] if paid_on else [])
    return "".join(f", {p}" for p in parts)


def refuse_to_pay(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    reply.say("refuse_to_pay")
    return [SlotSet("awaiting", "affordability"), SlotSet("request_kind", "affordability")]


def complain(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    """Recorded with the words it was made in; contact with the family or the employer comes first in the queue."""
    claim = record_moves.claim_of(turn)
    state = turn.slot("loan") or {}
    family, threat = bool(claim.get("family_contact")), bool(claim.get("threat"))
    audit.append(session, actor="borrower", kind="complaint",
                 payload={"text": claim.get("text") or turn.text, "family_contact": family, "threat": threat},
                 loan_id=state.get("loan_id"), conversation_id=tracker.sender_id)
    if family:  # an open case gets the message, and handoff_reason re-flags it at the higher priority
        _append(turn, session, tracker)
        events, case = _opening(session, tracker, lambda: handoff_reason(
            turn, reply, session, tracker, "complaint: contact with the borrower's family or employer",
            "complain_family", priority=handoffs.PRIORITY_HIGH))
    elif threat:  # a threat made in the lender's name (police, contacts, a visit): looked into first
        _append(turn, session, tracker)
        events, case = _opening(session, tracker, lambda: handoff_reason(
            turn, reply, session, tracker, f"complaint: a threat made in the lender's name: {claim.get('text', '')[:120]}",
            "complain", priority=handoffs.PRIORITY_HIGH))
    else:
        events, case = _opening(session, tracker, lambda: handoff_reason(turn, reply, session, tracker, _why(reply),
                                                                         "complain"))
    if case is not None:  # the case is the complaint, whatever words confirmed it: the debt stays the bot's
        events.append(SlotSet(during_handoff.CASE_INTENT, "complain"))
    return events + recorded("complain", {"case": case})


def abuse(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    if reply.decided.escalation is None:  # the policy chose to warn first
        reply.say("abuse_warning")
        return [SlotSet("abuse_warned", True)]
    return handoff_reason(turn, reply, session, tracker, _why(reply), "abuse_pause")


def stop_contact(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    """Cease-contact or one channel's opt-out, as the borrower confirmed it; during a hand-off too."""
    claim = record_moves.claim_of(turn)
    kind = claim.get("opt_out") or "cease"  # read by the NLU (bot/nlu/signals.py)
    state = turn.slot("loan") or {}
    channel = tracker.get_latest_input_channel() or "rest"
    if during_handoff.active(turn):
        _append(turn, session, tracker)  # the case row first, as in the thin layer's other handlers
    limits = claim.get("limits") if kind == "limits" else None
    if kind == "limits" and not limits:
        kind = "cease"  # a limit whose channels were not kept: the plain stop the borrower confirmed
    opt_out = contact_limits.blocked(limits) if limits else [channel] if kind == "channel" else []
    undo: dict = {"kind": kind, "channel": channel}
    if state.get("borrower_id"):
        borrower = queries.find_borrower(session, state["borrower_id"])
        before = set(borrower.opted_out_channels or []) if borrower else set()
        undo.update(borrower_id=state["borrower_id"], cease_before=bool(borrower and borrower.cease_contact),
                    channel_before=channel in before, newly_blocked=sorted(set(opt_out) - before) if limits else [])
        writes.set_contact_preferences(
            session, borrower_id=state["borrower_id"], actor="bot", reason=f"borrower wrote: {claim['text'][:200]}",
            opt_out=opt_out, cease_contact=True if kind == "cease" else None,
            loan_id=state.get("loan_id"), conversation_id=tracker.sender_id,
        )
    else:
        audit.append(session, actor="borrower", kind="opt_out_unverified",
                     payload={"kind": kind, "channel": channel, "channels": opt_out}, conversation_id=tracker.sender_id)
    if limits:
        reply.say("stop_contact_limits", limits=limits_text(limits, reply.language))
    else:
        reply.say("stop_contact_cease" if kind == "cease" else "stop_contact_channel")
    return recorded("stop_contact", undo)


def wrong_person(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    """Recorded as said: the conversation is closed to verification, and an account the channel
    vouches for (a Telegram number) gets no more messages on that channel."""
    channel = tracker.get_latest_input_channel() or "rest"
    named = channel_identity(session, tracker)
    if named:
        writes.set_contact_preferences(session, borrower_id=named, actor="bot", opt_out=[channel],
                                       reason="someone on this channel says they are not the borrower",
                                       conversation_id=tracker.sender_id)
    # Which borrower this number belongs to is not known here (web chat, REST): the bot cannot stop
    # the messages itself, so it does not say it will; a person corrects the contact details.
    opened, case = ([], None) if named else _opening(session, tracker, lambda: handoff_reason(
        turn, reply, session, tracker, case_reason(Escalation.WRONG_NUMBER), message=None))
    audit.append(session, actor="borrower", kind="wrong_person", payload={"channel": channel, "opted_out": bool(named)},
                 conversation_id=tracker.sender_id)
    reply.say("wrong_person" if named else "wrong_person_handoff")
    return [SlotSet("verified", False), SlotSet("loan", None), SlotSet("loan_id", None), SlotSet(record_moves.CLOSED, True),
            *opened, *recorded("wrong_person", {"borrower_id": named, "channel": channel, "case": case})]


def third_party(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    """Someone says they are not the borrower: nothing about the account, and no verification in this conversation."""
    audit.append(session, actor="borrower", kind="third_party", payload={}, conversation_id=tracker.sender_id)
    reply.say("third_party")
    return [SlotSet("verified", False), SlotSet("loan", None), SlotSet("loan_id", None),
            SlotSet(record_moves.CLOSED, True)]


def death_reported(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    """A relative reports the borrower's death: condolence, a person at once, nothing about the account.
    The loan is not known here (nobody verified), so the person links and pauses it."""
    return _reported(turn, reply, session, tracker, "death_reported", during_handoff.DEATH_CASE)


def illness_reported(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    """"He has dementia and your texts keep upsetting him": a person reviews the account before any
    collection contact; the loan's details typed next link the case, as after a death (round 8 (dev))."""
    return _reported(turn, reply, session, tracker, "illness_reported", during_handoff.ILLNESS_CASE)


def _reported(turn: Turn, reply: Reply, session: Session, tracker: Tracker, kind: str, case: str) -> list[dict]:
    events = handoff_reason(turn, reply, session, tracker, _why(reply), kind,
                            priority=handoffs.PRIORITY_HIGH)  # the case first: it is locked before any audit entry
    audit.append(session, actor="borrower", kind=kind, payload={"text": turn.text[:300]},
                 conversation_id=tracker.sender_id)
    return events + [SlotSet("verified", False), SlotSet("loan", None), SlotSet("loan_id", None),
                     SlotSet(record_moves.CLOSED, True), SlotSet(during_handoff.CASE_INTENT, case)]


def busy_later(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    """A better time to talk, noted only when the loan's contact window allows it (contact_times.py)."""
    kept = contact_times.remembered(turn.signal("contact_time"), turn.first("date"), turn.text)
    state = turn.slot("loan") or {}
    if kept is None:
        reply.say("busy_later")
        return []
    if not state.get("jurisdiction"):  # whose window applies is known only once they verify
        reply.say("contact_time_verify_first")
        return [SlotSet(contact_times.PROPOSED_SLOT, kept)]
    contact_times.note(kept, state, reply, session, tracker)
    return []


# The thin layer while a person has the case (bot/dialogue/during_handoff.py).
# Each handler appends the borrower's message to the case first: the case row
# is locked before the loan's and before any audit entry, as in the console.

def _append(turn: Turn, session: Session, tracker: Tracker) -> handoffs.Handoff | None:
    return handoffs.append_message(session, tracker.sender_id, text=turn.text, intent=turn.intent, at=turn.now)


def handoff_self_harm(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    """The crisis line at once; the case becomes a self-harm risk at top priority (one case per conversation)."""
    state = turn.slot("loan") or {}
    handoffs.open_case(session, tracker.sender_id)  # lock order: the case, the loan, then the audit chain
    if state.get("loan_id"):
        writes.set_loan_status(session, state["loan_id"], "paused", actor="bot", reason="self-harm risk disclosed")
    case = _append(turn, session, tracker)
    fills = {"crisis_line": crisis_line(state.get("jurisdiction"), reply.language)}
    flagged = [SlotSet(during_handoff.SELF_HARM_CASE, True)]
    if case is None:  # the slot says handed off but the case was finished meanwhile: open a new one
        return handoff_reason(turn, reply, session, tracker, case_reason(Escalation.SELF_HARM),
                              "self_harm" + _unknown(state), priority=handoffs.PRIORITY_TOP, **fills) + flagged
    handoffs.reflag(session, tracker.sender_id, reason=case_reason(Escalation.SELF_HARM),
                    priority=handoffs.PRIORITY_TOP)
    reply.say("self_harm" + _unknown(state), **fills)
    return flagged


def handoff_how_to_pay(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    """How to pay, always: the instructions for the verified borrower's loan, otherwise how to get them."""
    _append(turn, session, tracker)
    state = turn.slot("loan") or {}
    if turn.slot("verified") and state.get("loan_id"):
        reply.say("payment_methods", instructions=lender(reply.language)["payment_instructions"].format(loan_id=state["loan_id"]))
    else:
        reply.say("handoff_pay_unverified")
    return []


def handoff_acknowledge(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    """The first message while waiting: added to the case, and when a person will reply."""
    _append(turn, session, tracker)
    if not _crisis_reminder(turn, reply):
        reply.say("handoff_acknowledge")
    return [SlotSet(during_handoff.ACKNOWLEDGED, True)]


def handoff_note(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    _append(turn, session, tracker)
    if reply.decided.detail == during_handoff.REMINDERS_PAUSED:  # the open case already holds the reminders
        reply.say("handoff_reminders_paused")
    elif not _crisis_reminder(turn, reply):
        reply.say("handoff_noted")
    return []


def _crisis_reminder(turn: Turn, reply: Reply) -> bool:
    """After self-harm was spoken of, every acknowledgement carries the crisis line again ("What's the
    point" after "I won't be around much longer" got only "added to your case": issue 13 panel)."""
    if not turn.slot(during_handoff.SELF_HARM_CASE, False):
        return False
    state = turn.slot("loan") or {}
    reply.say("handoff_noted_self_harm", crisis_line=crisis_line(state.get("jurisdiction"), reply.language))
    return True


def handoff_payment_reference(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    """The payment reference the bot asked for: on the case (its reason names it) and named back."""
    reference = str(turn.signal("payment_reference"))[:40]
    case = _append(turn, session, tracker)
    if case is not None:
        handoffs.reflag(session, tracker.sender_id, reason=f"{case.reason} (reference {reference})"[:200])
    reply.say("handoff_payment_reference", reference=reference)
    return [SlotSet(during_handoff.ACKNOWLEDGED, True)]


def handoff_append(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    """An agent holds the case and is the one answering: the message only goes on the case."""
    _append(turn, session, tracker)
    return []


def handoff_correction(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    """The borrower corrected what the case is about: its reason says so (audited with the old one)."""
    intent = reply.decided.detail
    if not intent:
        raise InvalidMove(f"{reply.decided.action} without the correcting intent")
    case = _append(turn, session, tracker)
    if case is not None:
        handoffs.reflag(session, tracker.sender_id, reason=corrected_reason(case.reason, intent))
    reply.say("handoff_reason_updated")
    return [SlotSet(during_handoff.CASE_INTENT, None if intent == CORRECTION_DENIED else intent)]
