"""Telling a verified borrower about the debt: balance, fees, consequences, how to pay."""
from __future__ import annotations


from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from sqlalchemy.orm import Session

from actions import confirmations, contact_times
from actions.turns import Reply
from bot.dialogue.messages import render
from bot.dialogue.moves import Turn
from bot.dialogue.offers import from_slot
from bot.dialogue.wording import money, schedule_text, summary
from bot.records import audit
from bot.settings import config, crisis_line, lender

from actions.common import (
    arrangement_fills, loan_slot, money_fills, statement,
)


def state_balance(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    other = reply.decided.loan_id  # the borrower named another of their loans: talk about that one now
    state = loan_slot(session, other or turn.slot("loan_id"), turn)
    key, fills = statement(state, language=reply.language)  # under an active arrangement: its next payment, not the old due date
    reply.say(key, "options", **fills)
    if state.get("active_arrangement"):
        reply.say("active_arrangement", **arrangement_fills(state, reply.language))
    if other:
        return [SlotSet("loan_id", other), SlotSet("loan", state), SlotSet("pending_offer", None),
                SlotSet("awaiting", None), SlotSet("request_kind", None)]
    return [SlotSet("loan", state)]


def pay_in_full(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    state = turn.slot("loan")
    reply.say("pay_in_full", total=money(state["total"], state["currency"], reply.language), instructions=_instructions(state, reply.language))
    return []


def payment_methods(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    reply.say("payment_methods", instructions=_instructions(turn.slot("loan"), reply.language))
    return []


def second_answers(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    """The move's `also`, said after the action's own text (bot/dialogue/second_answers.py)."""
    events: list[dict] = []
    for also in reply.move.also if reply.move is not None else ():
        how, _, claim = also.partition("_")
        if how in ("confirm", "clarify") and claim in ("stop_contact", "complain"):
            events += confirmations.ask_after(turn, reply, how, claim)  # after their terms: the change, one tap
        if also == "contact_time" and (turn.slot("loan") or {}).get("jurisdiction"):
            kept = contact_times.remembered(turn.signal("contact_time"), None, turn.text)
            if kept is not None:  # "Sige, 6am na lang": the plan agreed and the time noted, or refused
                contact_times.note(kept, turn.slot("loan"), reply, session, tracker)
        if also == "crisis_check":
            _crisis_check(turn, reply, session, tracker)
        if also == "offer_again" and turn.slot("pending_offer") and (turn.slot("loan") or {}).get("currency"):
            offer, currency = from_slot(turn.slot("pending_offer")), turn.slot("loan")["currency"]
            reply.say("offer_still_open", "yes_no", summary=summary(offer, currency, reply.language),
                      schedule=schedule_text(offer, currency, reply.language))
        if also == "payment_methods" and (turn.slot("loan") or {}).get("loan_id"):
            reply.say("payment_methods", instructions=_instructions(turn.slot("loan"), reply.language))
        elif also == "arrest":
            reply.say("also_arrest")
        elif also == "contacts":
            reply.say("contacts_never")
        elif also == "visits" and not config().lender.field_visits:
            reply.say("visits_never")
        elif also == "fees" and (turn.slot("loan") or {}).get("loan_id"):
            reply.say("fees", **money_fills(turn.slot("loan"), reply.language))
    return events


def _instructions(state: dict, language: str) -> str:
    return lender(language)["payment_instructions"].format(loan_id=state["loan_id"])


def explain_fees(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    reply.say("fees", **money_fills(turn.slot("loan"), reply.language))  # decided for a verified borrower only
    return []


def consequences(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    """Answers the question asked: arrest gets its direct answer; the paragraph is said once.

    Why: a frightened borrower asking "can I be arrested?" was sent the credit
    bureau paragraph three times and never told "no". The NLU names arrest, jail
    or the police (signal `arrest`); a second general question gets a short
    reference to what was already said in this conversation.
    """
    if reply.move is not None and reply.move.detail == "contacts":
        reply.say("contacts_never")  # "will you tell my family?": no (bot/dialogue/second_answers.py)
    elif reply.move is not None and reply.move.detail == "visits" and not config().lender.field_visits:
        reply.say("visits_never")  # "will someone come to my house?": no, where the lender makes no visits
    elif turn.signal("arrest"):
        reply.say("consequences_arrest")
    elif said_before(tracker, "consequences"):
        reply.say("consequences_again")
    else:
        reply.say("consequences")
    return []


def said_before(tracker: Tracker, key: str) -> bool:
    """Whether the bot already sent the text of `key` (one without placeholders) in this conversation,
    with or without an opener before it."""
    text = render(key)
    return any(e.get("event") == "bot" and text in (e.get("text") or "") for e in tracker.events)


def _crisis_check(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> None:
    """The classifier alone found the message worrying: the crisis line offered after the reply, and
    an audit entry a person can find, without stopping a conversation that may be only about money."""
    state = turn.slot("loan") or {}
    reply.say("crisis_check", crisis_line=crisis_line(state.get("jurisdiction"), reply.language))
    audit.append(session, actor="bot", kind="self_harm_possible", payload={"text": turn.text[:500]},
                 loan_id=state.get("loan_id"), conversation_id=tracker.sender_id)
