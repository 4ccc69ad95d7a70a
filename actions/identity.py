"""Who is writing: greeting, verification (reference + date of birth, channel identity, lender token)."""
from __future__ import annotations

from datetime import date

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from sqlalchemy.orm import Session

from actions.turns import Reply
from bot.channels import widget_token
from bot.dialogue.moves import Turn
from bot.records import audit, queries, writes

from actions.common import (
    MAX_VERIFY_ATTEMPTS, OPTIONS, arrangement_fills, iso_date, loan_slot, money_fills, reference_in,
    latest_metadata,
)


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
    reference = turn.first("loan_reference") or reference_in(turn.text) or turn.slot("candidate_reference")
    dob = iso_date(turn.first("date_of_birth")) or turn.slot("candidate_dob")
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
    state = loan_slot(session, loan.loan_id, turn)
    audit.append(session, actor="bot", kind="verification_passed", payload={"by": how},
                 loan_id=loan.loan_id, borrower_id=state["borrower_id"], conversation_id=tracker.sender_id)
    writes.record_contact(session, borrower_id=state["borrower_id"], loan_id=loan.loan_id,
                          channel=tracker.get_latest_input_channel() or "rest", direction="in", kind="conversation")
    key = "verified_statement" if state["days_overdue"] > 0 else "verified_statement_not_overdue"
    reply.say(key, OPTIONS, **money_fills(state))
    if state.get("other_loan_ids"):
        reply.say("other_loans", count=len(state["other_loan_ids"]), loan_ids=", ".join(state["other_loan_ids"]))
    if state.get("active_arrangement"):
        reply.say("active_arrangement", **arrangement_fills(state))
    return [SlotSet("verified", True), SlotSet("verify_attempts", 0), SlotSet("loan_id", loan.loan_id),
            SlotSet("loan", state), SlotSet("candidate_reference", None), SlotSet("candidate_dob", None),
            SlotSet("candidate_borrower", None)]
