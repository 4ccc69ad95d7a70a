"""Offers, counter-offers and agreements: the terms come from moves.decide, the records from here."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from sqlalchemy.orm import Session

from actions.turns import Reply, move_for
from bot.dialogue.moves import Turn, local_today
from bot.dialogue.offers import RECORD_KIND, from_slot, schedule_text, summary, to_slot
from bot.negotiation.limits import limits_for
from bot.negotiation.plans import validate
from bot.records import audit, queries, writes

from actions.common import (
    OPTIONS, YES_NO, loan_slot,
)
from actions.people import handoff_reason


def offer(turn: Turn, reply: Reply, session: Session, tracker: Tracker, key: str = "offer") -> list[dict]:
    move = move_for(turn)
    state = turn.slot("loan")
    currency = state["currency"]
    if move.offer is None:  # the policy and this action disagree: never improvise
        return handoff_reason(turn, reply, session, tracker, "no arrangement the bot may offer")
    if move.offers and key == "offer":
        return _offer_all(turn, move, reply, session, tracker)
    fills = {"summary": summary(move.offer, currency), "schedule": schedule_text(move.offer, currency)}
    if move.offer.adjusted and key == "offer":
        reply.say("offer_adjusted", YES_NO, reason=move.offer.reason, **fills)
    else:
        reply.say(key, YES_NO, **fills)
    audit.append(session, actor="bot", kind="offer_made", payload=to_slot(move.offer, request_kind=move.request_kind),
                 loan_id=state["loan_id"], borrower_id=state["borrower_id"], conversation_id=tracker.sender_id)
    return [
        SlotSet("pending_offer", to_slot(move.offer, request_kind=move.request_kind, hardship_reason=move.hardship_reason)),
        SlotSet("awaiting", None), SlotSet("request_kind", move.request_kind),
        SlotSet("hardship_reason", move.hardship_reason or turn.slot("hardship_reason")),
    ]


def _offer_all(turn: Turn, move, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    """One offer per loan, said together and put on the table together."""
    state = turn.slot("loan")
    currencies = {state["loan_id"]: state["currency"], **{o["loan_id"]: o["currency"] for o in state["others"]}}
    reply.say("offer_all", YES_NO, schedule=_plans_text(
        [(loan_id, offer, currencies[loan_id]) for loan_id, offer in move.offers], adjusted=True))
    for loan_id, each in move.offers:
        audit.append(session, actor="bot", kind="offer_made",
                     payload=to_slot(each, request_kind=move.request_kind, all_loans=True),
                     loan_id=loan_id, borrower_id=state["borrower_id"], conversation_id=tracker.sender_id)
    pending = to_slot(move.offer, request_kind=move.request_kind, hardship_reason=move.hardship_reason,
                      all=[[loan_id, to_slot(each)] for loan_id, each in move.offers])
    return [
        SlotSet("pending_offer", pending), SlotSet("awaiting", None), SlotSet("request_kind", move.request_kind),
        SlotSet("hardship_reason", move.hardship_reason or turn.slot("hardship_reason")),
    ]


def _plans_text(plans: list[tuple[str, Any, str]], adjusted: bool = False) -> str:
    """Each loan's arrangement under its reference, saying why where it differs from the request."""
    blocks = []
    for loan_id, each, currency in plans:
        why = f" (I can't do exactly what you asked here: {each.reason})" if adjusted and each.adjusted else ""
        blocks.append(f"Loan {loan_id}{why}: {summary(each, currency)}\n{schedule_text(each, currency)}")
    return "\n\n".join(blocks)


def ask_details(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    move = move_for(turn)
    ask = move.ask or "options"
    key = {"date": "ask_date", "duration": "ask_duration", "amount": "ask_amount",
           "affordability": "ask_affordability"}.get(ask, "ask_options")
    reply.say(key, OPTIONS if key == "ask_options" else None)
    events = [SlotSet("awaiting", None if ask == "options" else ask), SlotSet("request_kind", move.request_kind)]
    if move.hardship_reason:
        events.append(SlotSet("hardship_reason", move.hardship_reason))
    return events


def accept_offer(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    pending = turn.slot("pending_offer")
    state = turn.slot("loan")
    if pending.get("all"):
        return _accept_all(turn, pending, reply, session, tracker)
    currency = state["currency"]
    agreed = from_slot(pending)
    product = _products()[state["product_code"]]
    limits = limits_for(product, agreed.hardship)
    problems = validate(
        agreed, balance=Decimal(state["total"]),
        fees_and_interest=Decimal(state["accrued_interest"]) + Decimal(state["late_fees"]),
        currency=currency, limits=limits, today=local_today(turn),
    )
    if problems:  # e.g. the offer went stale overnight: make a fresh one instead of recording it
        audit.append(session, actor="bot", kind="offer_rejected_by_limits", payload={"problems": problems},
                     loan_id=state["loan_id"], conversation_id=tracker.sender_id)
        reply.say("ask_options", OPTIONS)
        return [SlotSet("pending_offer", None)]
    message_id = (tracker.latest_message or {}).get("message_id") or str(turn.now.timestamp())
    writes.record_arrangement(
        session, loan_id=state["loan_id"], kind=RECORD_KIND[agreed.kind],
        schedule=[(i.due, i.amount) for i in agreed.schedule],
        terms={"offer_kind": agreed.kind, "waiver": str(agreed.waiver), "hardship": agreed.hardship,
               "adjusted": agreed.adjusted, "reason": agreed.reason, "product_version": product.version,
               "conversation_id": tracker.sender_id},
        actor="bot", idempotency_key=f"{tracker.sender_id}:{message_id}",
        hardship_reason=pending.get("hardship_reason") if agreed.hardship else None,
    )
    reply.say("accepted", summary=summary(agreed, currency), schedule=schedule_text(agreed, currency))
    return [SlotSet("pending_offer", None), SlotSet("awaiting", None), SlotSet("request_kind", None),
            SlotSet("loan", loan_slot(session, state["loan_id"], turn))]


def _accept_all(turn: Turn, pending: dict, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    """Every loan's arrangement checked again against its own limits, then all recorded, or none."""
    state = turn.slot("loan")
    products = _products()
    checked, problems = [], {}
    for loan_id, data in pending["all"]:
        loan = queries.loan_state(session, loan_id)  # today's balance, not the one offered on
        if loan is None or loan["borrower_id"] != state["borrower_id"]:
            problems[loan_id] = ["loan: not this borrower's"]
            continue
        agreed = from_slot(data)
        product = products[loan["product_code"]]
        found = validate(
            agreed, balance=Decimal(loan["total"]),
            fees_and_interest=Decimal(loan["accrued_interest"]) + Decimal(loan["late_fees"]),
            currency=loan["currency"], limits=limits_for(product, agreed.hardship), today=local_today(turn),
            arrangements_so_far=int(loan["arrangements_count"]),
        )
        if found:
            problems[loan_id] = found
        checked.append((loan, agreed, product))
    if problems:  # one loan's offer went stale: record none of them and start again
        audit.append(session, actor="bot", kind="offer_rejected_by_limits", payload={"problems": problems},
                     loan_id=state["loan_id"], conversation_id=tracker.sender_id)
        reply.say("ask_options", OPTIONS)
        return [SlotSet("pending_offer", None)]
    message_id = (tracker.latest_message or {}).get("message_id") or str(turn.now.timestamp())
    for loan, agreed, product in checked:
        writes.record_arrangement(
            session, loan_id=loan["loan_id"], kind=RECORD_KIND[agreed.kind],
            schedule=[(i.due, i.amount) for i in agreed.schedule],
            terms={"offer_kind": agreed.kind, "waiver": str(agreed.waiver), "hardship": agreed.hardship,
                   "adjusted": agreed.adjusted, "reason": agreed.reason, "product_version": product.version,
                   "conversation_id": tracker.sender_id, "all_loans": True},
            actor="bot", idempotency_key=f"{tracker.sender_id}:{message_id}:{loan['loan_id']}",
            hardship_reason=pending.get("hardship_reason") if agreed.hardship else None,
        )
    reply.say("accepted_all", schedule=_plans_text([(l["loan_id"], a, l["currency"]) for l, a, _ in checked]))
    return [SlotSet("pending_offer", None), SlotSet("awaiting", None), SlotSet("request_kind", None),
            SlotSet("loan", loan_slot(session, state["loan_id"], turn))]


def decline_offer(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    """A bare "no": the next step down the ladder, and an open door to say what works."""
    return offer(turn, reply, session, tracker, key="offer_counter")


def _products():
    from actions.context import products
    return products()
