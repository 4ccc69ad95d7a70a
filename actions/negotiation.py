"""Offers, counter-offers and agreements: the terms come from the policy's move, the records from here."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from sqlalchemy.orm import Session

from actions.turns import Reply
from bot.dialogue.move import OWN_TERMS, Ask, Move
from bot.dialogue.moves import Turn, local_today
from bot.dialogue.offers import from_slot, notes_to_json, to_slot
from bot.dialogue.wording import note_text, plans_text, schedule_text, summary
from bot.negotiation.kinds import RECORDED_AS, word
from bot.negotiation.limits import Product, limits_for
from bot.negotiation.plans import Offer, validate
from bot.records import audit, queries, writes

from actions.common import loan_slot

ASK_MESSAGE = {Ask.DATE: "ask_date", Ask.DURATION: "ask_duration", Ask.AMOUNT: "ask_amount",
               Ask.AFFORDABILITY: "ask_affordability"}


def offer(turn: Turn, reply: Reply, session: Session, tracker: Tracker, key: str = "offer") -> list[dict]:
    move = reply.decided
    state = turn.slot("loan")
    currency = state["currency"]
    if move.offers and key == "offer":
        return _offer_all(turn, move, reply, session, tracker)
    fills = {"summary": summary(move.offer, currency, reply.language),
             "schedule": schedule_text(move.offer, currency, reply.language)}
    request_kind = word(move.request_kind)
    if move.detail == OWN_TERMS and key == "offer":  # their own terms, met exactly: noted as said
        audit.append(session, actor="bot", kind="offer_made", loan_id=state["loan_id"], borrower_id=state["borrower_id"],
                     payload={**to_slot(move.offer, request_kind=request_kind), "own_terms": True},
                     conversation_id=tracker.sender_id)
        agreed = to_slot(move.offer, request_kind=request_kind, hardship_reason=move.hardship_reason)
        return [SlotSet("hardship_reason", move.hardship_reason or turn.slot("hardship_reason")),
                *_record(turn, reply, session, tracker, agreed, "accepted_own"),
                SlotSet("request_kind", request_kind)]  # still theirs to change in the next message
    if move.offer.adjusted and key == "offer":
        reply.say("offer_adjusted", "yes_no", reason=note_text(move.offer.notes, currency, reply.language), **fills)
    else:
        reply.say(key, "yes_no", **fills)
    audit.append(session, actor="bot", kind="offer_made", payload=to_slot(move.offer, request_kind=request_kind),
                 loan_id=state["loan_id"], borrower_id=state["borrower_id"], conversation_id=tracker.sender_id)
    # The waiver asked for travels with the offer, so a later change of date keeps it (bot/dialogue/negotiate.py).
    asked = move.request.waiver_percent if move.request is not None else None
    kept = {} if asked is None or not move.offer.waiver else {"waiver_percent": str(asked)}
    return [
        SlotSet("pending_offer", to_slot(move.offer, request_kind=request_kind, hardship_reason=move.hardship_reason,
                                         **kept)),
        SlotSet("awaiting", None), SlotSet("request_kind", request_kind),
        SlotSet("hardship_reason", move.hardship_reason or turn.slot("hardship_reason")),
    ]


def _offer_all(turn: Turn, move: Move, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    """One offer per loan, said together and put on the table together."""
    state = turn.slot("loan")
    currencies = {state["loan_id"]: state["currency"], **{o["loan_id"]: o["currency"] for o in state["others"]}}
    reply.say("offer_all", "yes_no", schedule=plans_text(
        [(loan_id, offer, currencies[loan_id]) for loan_id, offer in move.offers], adjusted=True, language=reply.language))
    request_kind = word(move.request_kind)
    for loan_id, each in move.offers:
        audit.append(session, actor="bot", kind="offer_made",
                     payload=to_slot(each, request_kind=request_kind, all_loans=True),
                     loan_id=loan_id, borrower_id=state["borrower_id"], conversation_id=tracker.sender_id)
    pending = to_slot(move.offer, request_kind=request_kind, hardship_reason=move.hardship_reason,
                      all=[[loan_id, to_slot(each)] for loan_id, each in move.offers])
    return [
        SlotSet("pending_offer", pending), SlotSet("awaiting", None), SlotSet("request_kind", request_kind),
        SlotSet("hardship_reason", move.hardship_reason or turn.slot("hardship_reason")),
    ]


def ask_details(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    move = reply.decided
    ask = move.ask or Ask.OPTIONS
    key = ASK_MESSAGE.get(ask, "ask_options")
    reply.say(key, "options" if key == "ask_options" else None)
    events = [SlotSet("awaiting", None if ask == Ask.OPTIONS else ask.value),
              SlotSet("request_kind", word(move.request_kind))]
    if move.hardship_reason:
        events.append(SlotSet("hardship_reason", move.hardship_reason))
    return events


def thank_pending_offer(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    """"Thanks" is not a yes: the offer stays on the table, unrecorded, and the borrower is told so."""
    offer_on_table, currency = from_slot(turn.slot("pending_offer")), turn.slot("loan")["currency"]
    reply.say("thank_pending_offer", "yes_no", summary=summary(offer_on_table, currency, reply.language),
              schedule=schedule_text(offer_on_table, currency, reply.language))
    return []


def accept_offer(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    """Yes to the offer on the table, for one loan or all of them: one path for both."""
    return _record(turn, reply, session, tracker, turn.slot("pending_offer"), "accepted")


def _record(turn: Turn, reply: Reply, session: Session, tracker: Tracker, pending: dict, said: str) -> list[dict]:
    """The agreed offer(s) checked against the records as they are now, then recorded and read back."""
    state = turn.slot("loan")
    all_loans = bool(pending.get("all"))
    agreed = [(loan_id, from_slot(data)) for loan_id, data in pending["all"]] if all_loans \
        else [(state["loan_id"], from_slot(pending))]
    checked, problems = recheck(session, state["borrower_id"], agreed, local_today(turn))
    if problems:  # e.g. an offer went stale overnight: record none of them and make a fresh one
        audit.append(session, actor="bot", kind="offer_rejected_by_limits", payload={"problems": problems},
                     loan_id=state["loan_id"], conversation_id=tracker.sender_id)
        reply.say("ask_options", "options")
        return [SlotSet("pending_offer", None)]
    message_id = (tracker.latest_message or {}).get("message_id") or str(turn.now.timestamp())
    for loan, each, product in checked:
        writes.record_arrangement(
            session, loan_id=loan["loan_id"], kind=RECORDED_AS[each.kind].value,
            schedule=[(i.due, i.amount) for i in each.schedule],
            terms={"offer_kind": each.kind.value, "waiver": str(each.waiver), "hardship": each.hardship,
                   "adjusted": each.adjusted, "notes": notes_to_json(each.notes), "product_version": product.version,
                   "conversation_id": tracker.sender_id, **({"all_loans": True} if all_loans else {})},
            actor="bot",
            idempotency_key=f"{tracker.sender_id}:{message_id}" + (f":{loan['loan_id']}" if all_loans else ""),
            hardship_reason=pending.get("hardship_reason") if each.hardship else None,
        )
    if all_loans:
        reply.say("accepted_all", schedule=plans_text([(l["loan_id"], a, l["currency"]) for l, a, _ in checked], language=reply.language))
    else:
        loan, each, _ = checked[0]
        reply.say(said, summary=summary(each, loan["currency"], reply.language),
                  schedule=schedule_text(each, loan["currency"], reply.language))
    return [SlotSet("pending_offer", None), SlotSet("awaiting", None), SlotSet("request_kind", None),
            SlotSet("loan", loan_slot(session, state["loan_id"], turn))]


def recheck(session: Session, borrower_id: str, agreed: list[tuple[str, Offer]], today: date,
            ) -> tuple[list[tuple[dict, Offer, Product]], dict[str, list[str]]]:
    """Each agreed offer checked again against its loan as the records have it now.

    The offer was made on the loan slot; since then a payment may have come in,
    or another conversation or an agent may have recorded an arrangement. So the
    balance, the fees and the arrangements so far are read again, under each
    loan's own product limits. Returns (loan, offer, product) per loan, and the
    problems by loan id ({} when every offer still holds).
    """
    products = _products()
    checked, problems = [], {}
    for loan_id, each in agreed:
        loan = queries.loan_state(session, loan_id)
        if loan is None or loan["borrower_id"] != borrower_id:
            problems[loan_id] = ["loan: not this borrower's"]
            continue
        product = products[loan["product_code"]]
        found = validate(
            each, balance=Decimal(loan["total"]),
            fees_and_interest=Decimal(loan["accrued_interest"]) + Decimal(loan["late_fees"]),
            currency=loan["currency"], limits=limits_for(product, each.hardship), today=today,
            arrangements_so_far=int(loan["arrangements_count"]),
        )
        if found:
            problems[loan_id] = found
        checked.append((loan, each, product))
    return checked, problems


def decline_offer(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    """A bare "no": the next step down the ladder, and an open door to say what works."""
    return offer(turn, reply, session, tracker, key="offer_counter")


def _products():
    from actions.context import products
    return products()
