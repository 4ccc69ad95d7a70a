"""What the bot does on each move: plain functions (turn, reply, session, tracker) -> events.

Each handler reads the turn, writes the records it must (in the caller's
transaction) and queues its texts on `reply`; `actions.turns` checks and
sends them.
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ConversationPaused, SlotSet
from sqlalchemy.orm import Session

from actions.turns import Reply, move_for
from bot.channels import widget_token
from bot.compliance import detect_opt_out
from bot.dialogue.escalation import RISING_ANGER, legal_or_regulator
from bot.dialogue.moves import Turn, local_today, other_loan
from bot.dialogue.offers import RECORD_KIND, from_slot, schedule_text, summary, to_slot
from bot.negotiation.limits import limits_for
from bot.negotiation.money import fmt
from bot.negotiation.plans import validate
from bot.records import audit, queries, writes
from bot.settings import crisis_line, lender

MAX_VERIFY_ATTEMPTS = 3
OPTIONS = [
    {"title": "Pay in full", "payload": "/pay_in_full"},
    {"title": "Pay on a date", "payload": "/promise_to_pay"},
    {"title": "More time", "payload": "/request_deferral"},
    {"title": "Instalments", "payload": "/request_instalments"},
]
YES_NO = [{"title": "Yes, set it up", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
_REFERENCE = re.compile(r"\b[A-Z]{2,4}[-\s]?\d{4,8}\b", re.IGNORECASE)


# --- identity ----------------------------------------------------------------

def greet(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    if turn.slot("verified"):
        reply.say("greet_verified", OPTIONS, loan_id=turn.slot("loan_id"))
        return []
    vouched = _channel_identity(session, tracker)
    reply.say("greet_linked" if vouched else "greet")
    return [SlotSet("candidate_borrower", vouched)] if vouched else []


def _channel_identity(session: Session, tracker: Tracker) -> str | None:
    """The borrower a channel vouches for: the phone number the sender shared
    from their own Telegram account, or a Telegram account the lender linked.
    It names the borrower; the date of birth still has to match."""
    meta = latest_metadata(tracker)
    borrower = None
    if meta.get("telegram_phone"):
        borrower = queries.find_borrower_by_phone(session, str(meta["telegram_phone"]))
    if borrower is None and meta.get("telegram_user_id"):
        borrower = queries.find_borrower_by_telegram(session, int(meta["telegram_user_id"]))
    return borrower.borrower_id if borrower else None


def latest_metadata(tracker: Tracker) -> dict:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return event.get("metadata") or {}
    return {}


def ask_identity(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    reply.say("ask_identity")
    return []


def verification_locked(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    reply.say("verification_locked")
    return []


def verify(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    token = latest_metadata(tracker).get("auth_token")
    if token and not turn.slot("token_refused"):
        loan, why = _loan_from_token(session, str(token))
        if loan is not None:
            return _verified(loan, "signed token", turn, reply, session, tracker)
        audit.append(session, actor="bot", kind="verification_token_refused", payload={"reason": why},
                     conversation_id=tracker.sender_id)
        if not (turn.first("loan_reference") or turn.first("date_of_birth")):
            reply.say("token_refused")
            return [SlotSet("token_refused", True)]
    reference = turn.first("loan_reference") or _reference_in(turn.text) or turn.slot("candidate_reference")
    dob = _iso(turn.first("date_of_birth")) or turn.slot("candidate_dob")
    vouched = turn.slot("candidate_borrower") or _channel_identity(session, tracker)
    if not (dob and (reference or vouched)):
        events = [SlotSet("candidate_reference", reference), SlotSet("candidate_dob", dob),
                  SlotSet("candidate_borrower", vouched)]
        if vouched:
            reply.say("ask_dob_linked")
        elif latest_metadata(tracker).get("telegram_phone"):
            reply.say("phone_not_found")
        else:
            reply.say("ask_missing_dob" if reference else "ask_missing_reference")
        return events
    if reference:
        loan = queries.verify_borrower(session, str(reference), date.fromisoformat(dob))
    else:
        loan = queries.verify_borrower_by_dob(session, vouched, date.fromisoformat(dob))
    if loan is None:
        attempts = int(turn.slot("verify_attempts", 0)) + 1
        audit.append(session, actor="bot", kind="verification_failed", payload={"attempt": attempts},
                     conversation_id=tracker.sender_id)
        # The channel's word on who is writing stays; the typed details are asked again.
        events = [SlotSet("verify_attempts", attempts), SlotSet("candidate_reference", None),
                  SlotSet("candidate_dob", None), SlotSet("candidate_borrower", vouched)]
        if attempts >= MAX_VERIFY_ATTEMPTS:
            reply.say("verification_locked")
            return events + [SlotSet("verify_locked", True)]
        reply.say("verify_failed" if reference else "verify_failed_dob", left=MAX_VERIFY_ATTEMPTS - attempts)
        return events
    return _verified(loan, "reference and date of birth" if reference else "channel and date of birth",
                     turn, reply, session, tracker)


def _loan_from_token(session: Session, token: str):
    """The borrower's most overdue open loan when the lender's signed token is valid."""
    key = widget_token.secret()
    if key is None:
        return None, "no WIDGET_TOKEN_SECRET configured"
    borrower_id, why = widget_token.borrower_from(token, key)
    if borrower_id is None:
        return None, why
    loan = queries.open_loan_of(session, borrower_id)
    return (loan, "ok") if loan else (None, "token names an unknown borrower")


def _verified(loan, how: str, turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    """Identity confirmed: say what is owed, and remember the loan for the rest of the talk."""
    state = _loan_slot(session, loan.loan_id, turn)
    audit.append(session, actor="bot", kind="verification_passed", payload={"by": how},
                 loan_id=loan.loan_id, borrower_id=state["borrower_id"], conversation_id=tracker.sender_id)
    writes.record_contact(session, borrower_id=state["borrower_id"], loan_id=loan.loan_id,
                          channel=tracker.get_latest_input_channel() or "rest", direction="in", kind="conversation")
    key = "verified_statement" if state["days_overdue"] > 0 else "verified_statement_not_overdue"
    reply.say(key, OPTIONS, **_money_fills(state))
    if state.get("other_loan_ids"):
        reply.say("other_loans", count=len(state["other_loan_ids"]), loan_ids=", ".join(state["other_loan_ids"]))
    if state.get("active_arrangement"):
        reply.say("active_arrangement", **_arrangement_fills(state))
    return [SlotSet("verified", True), SlotSet("verify_attempts", 0), SlotSet("loan_id", loan.loan_id),
            SlotSet("loan", state), SlotSet("candidate_reference", None), SlotSet("candidate_dob", None),
            SlotSet("candidate_borrower", None)]


def _reference_in(text: str) -> str | None:
    match = _REFERENCE.search(text or "")
    return match.group(0) if match else None


def _iso(value: Any) -> str | None:
    try:
        return date.fromisoformat(str(value)[:10]).isoformat() if value else None
    except ValueError:
        return None


# What negotiating the borrower's other loans needs to know about each; nothing personal.
OTHER_LOAN_FIELDS = ("loan_id", "currency", "total", "accrued_interest", "late_fees", "product_code",
                     "arrangements_count", "due_date", "status")
# Loans the bot may not negotiate: settled, or collection paused (a dispute, a hold).
NOT_NEGOTIABLE = {"paid", "disputed", "paused"}


def _loan_slot(session: Session, loan_id: str, turn: Turn) -> dict:
    """The loan as the dialogue carries it; the borrower's name stays in the records.

    `others` holds the borrower's other open loans, so "split both loans" can
    be decided (and offered) without another trip to the records.
    """
    state = queries.loan_state(session, loan_id)
    state.pop("full_name", None)
    others = (queries.loan_state(session, other) for other in state.get("other_loan_ids") or ())
    state["others"] = [{k: other[k] for k in OTHER_LOAN_FIELDS} for other in others
                       if other and other["status"] not in NOT_NEGOTIABLE]
    return state


def _money_fills(state: dict) -> dict[str, Any]:
    currency = state["currency"]
    return {
        "loan_id": state["loan_id"],
        "total": fmt(state["total"], currency),
        "principal": fmt(state["outstanding_principal"], currency),
        "interest": fmt(state["accrued_interest"], currency),
        "fees": fmt(state["late_fees"], currency),
        "due_date": date.fromisoformat(state["due_date"]).strftime("%d %B %Y"),
        "days_overdue": state["days_overdue"],
    }


def _arrangement_fills(state: dict) -> dict[str, Any]:
    active = state["active_arrangement"]
    lines = [f"{s['due_date']}: {fmt(s['amount'], state['currency'])}" for s in active["schedule"]]
    return {"kind": active["kind"].replace("_", " "), "schedule": "; ".join(lines)}


# --- the debt ----------------------------------------------------------------

def state_balance(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    other = other_loan(turn)  # the borrower named another of their loans: talk about that one now
    state = _loan_slot(session, other or turn.slot("loan_id"), turn)
    reply.say("balance", OPTIONS, **_money_fills(state))
    if state.get("active_arrangement"):
        reply.say("active_arrangement", **_arrangement_fills(state))
    if other:
        return [SlotSet("loan_id", other), SlotSet("loan", state), SlotSet("pending_offer", None),
                SlotSet("awaiting", None), SlotSet("request_kind", None)]
    return [SlotSet("loan", state)]


def pay_in_full(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    state = turn.slot("loan")
    reply.say("pay_in_full", total=fmt(state["total"], state["currency"]), instructions=_instructions(state))
    return []


def payment_methods(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    reply.say("payment_methods", instructions=_instructions(turn.slot("loan")))
    return []


def _instructions(state: dict) -> str:
    return lender()["payment_instructions"].format(loan_id=state["loan_id"])


def explain_fees(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    if not turn.slot("verified"):
        reply.say("fees_unverified")
    else:
        reply.say("fees", **_money_fills(turn.slot("loan")))
    return []


def consequences(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    reply.say("consequences")
    return []


# --- negotiation -------------------------------------------------------------

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
            SlotSet("loan", _loan_slot(session, state["loan_id"], turn))]


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
            SlotSet("loan", _loan_slot(session, state["loan_id"], turn))]


def decline_offer(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    """A bare "no": the next step down the ladder, and an open door to say what works."""
    return offer(turn, reply, session, tracker, key="offer_counter")


def _products():
    from actions.context import products
    return products()


# --- people, pauses and preferences -----------------------------------------

def handoff(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    if legal_or_regulator(turn.text):
        why = "borrower mentions a lawyer or a regulator"
    elif turn.angry_in_row >= RISING_ANGER:
        why = "anger keeps rising"
    else:
        why = {"request_human": "borrower asked for a person", "nlu_fallback": "bot did not understand twice"}.get(
            turn.intent, f"bot cannot agree: {turn.intent}")
    return handoff_reason(turn, reply, session, tracker, why)


def handoff_reason(turn: Turn, reply: Reply, session: Session, tracker: Tracker, reason: str,
                   message: str = "handoff", **fills: Any) -> list[dict]:
    state = turn.slot("loan") or {}
    writes.open_handoff(
        session, loan_id=state.get("loan_id"), borrower_id=state.get("borrower_id"),
        conversation_id=tracker.sender_id, reason=reason, summary=case_summary(turn, tracker),
    )
    if message:
        reply.say(message, **fills)
    return [SlotSet("handed_off", True), ConversationPaused()]


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
    if turn.self_harm:
        return handoff_reason(turn, reply, session, tracker, "self-harm risk", "self_harm",
                              crisis_line=crisis_line(state.get("jurisdiction")))
    return handoff_reason(turn, reply, session, tracker, "vulnerability disclosed", "vulnerability")


def dispute(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    state = turn.slot("loan")
    writes.set_loan_status(session, state["loan_id"], "disputed", actor="bot", reason=f"borrower: {turn.text[:200]}")
    return handoff_reason(turn, reply, session, tracker, "debt disputed", "dispute")


def already_paid(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    state = _loan_slot(session, turn.slot("loan_id"), turn)
    if Decimal(state["payments_since_import"]) > 0:
        reply.say("already_paid_found", amount=fmt(state["payments_since_import"], state["currency"]),
                  paid_at="our records", total=fmt(state["total"], state["currency"]))
        return [SlotSet("loan", state)]
    return handoff_reason(turn, reply, session, tracker, "borrower says already paid; payment not found",
                          "already_paid_unknown")


def refuse_to_pay(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    reply.say("refuse_to_pay")
    return [SlotSet("awaiting", "affordability"), SlotSet("request_kind", "affordability")]


def complain(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    state = turn.slot("loan") or {}
    audit.append(session, actor="borrower", kind="complaint", payload={"text": turn.text},
                 loan_id=state.get("loan_id"), conversation_id=tracker.sender_id)
    return handoff_reason(turn, reply, session, tracker, "complaint", "complain")


def abuse(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    if not turn.slot("abuse_warned"):
        reply.say("abuse_warning")
        return [SlotSet("abuse_warned", True)]
    return handoff_reason(turn, reply, session, tracker, "abusive conversation paused", "abuse_pause")


def stop_contact(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    kind = detect_opt_out(turn.text) or "cease"
    state = turn.slot("loan") or {}
    channel = tracker.get_latest_input_channel() or "rest"
    if state.get("borrower_id"):
        writes.set_contact_preferences(
            session, borrower_id=state["borrower_id"], actor="bot", reason=f"borrower wrote: {turn.text[:200]}",
            opt_out=[channel] if kind == "channel" else [], cease_contact=True if kind == "cease" else None,
            loan_id=state.get("loan_id"), conversation_id=tracker.sender_id,
        )
    else:
        audit.append(session, actor="borrower", kind="opt_out_unverified", payload={"kind": kind, "channel": channel},
                     conversation_id=tracker.sender_id)
    reply.say("stop_contact_cease" if kind == "cease" else "stop_contact_channel")
    return []


def wrong_person(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    audit.append(session, actor="borrower", kind="wrong_person", payload={}, conversation_id=tracker.sender_id)
    reply.say("wrong_person")
    return [SlotSet("verified", False), SlotSet("loan", None), SlotSet("loan_id", None)]


def third_party(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    audit.append(session, actor="borrower", kind="third_party", payload={}, conversation_id=tracker.sender_id)
    reply.say("third_party")
    return [SlotSet("verified", False), SlotSet("loan", None), SlotSet("loan_id", None)]


def busy_later(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    when = turn.first("date")
    if when:
        state = turn.slot("loan") or {}
        audit.append(session, actor="borrower", kind="preferred_contact_time", payload={"date": when, "text": turn.text},
                     loan_id=state.get("loan_id"), conversation_id=tracker.sender_id)
        reply.say("busy_later_noted")
    else:
        reply.say("busy_later")
    return []


def simple(key: str):
    """A handler that only says one message."""
    def handler(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
        reply.say(key)
        return []
    handler.__name__ = key
    return handler
