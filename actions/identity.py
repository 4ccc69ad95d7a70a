"""Who is writing: greeting, verification (reference + date of birth, channel identity, lender token).

Failed dates of birth are counted in the records (bot/records/verification.py)
per loan and per sender, not in a slot that /restart or a new sender id would
reset; while a loan or a sender is locked nothing is checked at all.
"""
from __future__ import annotations

from datetime import date

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from sqlalchemy.orm import Session

from actions import contact_times
from actions.turns import Reply
from bot.channels import widget_token
from bot.config.compliance import DATE_ORDERS, date_orders
from bot.dialogue import record_moves
from bot.dialogue.moves import Turn
from bot import clock
from bot.records import audit, handoffs, queries, sends, writes
from bot.records import verification as lockout
from bot.records.models import Loan
from bot.settings import verification as verification_settings

from actions.common import (
    arrangement_fills, iso_date, loan_slot, latest_metadata, statement,
)

# The input channel that authenticates `telegram_user_id` / `telegram_phone`
# (bot.channels.telegram.CHANNEL; not imported here, it pulls in Rasa's
# channel classes). From any other channel those keys are the caller's word.
TELEGRAM = "telegram"
# Read at start, so a broken `verification:` section in config/bot.yml stops the action server, naming the key.
LIMITS = verification_settings()


def greet(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    if turn.slot("verified"):
        reply.say("greet_verified", "options", loan_id=turn.slot("loan_id"))
        return []
    vouched = _channel_identity(session, tracker)
    reply.say("greet_linked" if vouched else "greet")
    return [SlotSet("candidate_borrower", vouched)] if vouched else []


def _channel_identity(session: Session, tracker: Tracker) -> str | None:
    """The borrower a channel vouches for: the phone number the sender shared
    from their own Telegram account, or a Telegram account the lender linked.
    It names the borrower; the date of birth still has to match. Only the
    Telegram channel sets these keys itself; through REST or the web chat
    anyone could type them, so there they name no one."""
    if not _from_telegram(tracker):
        return None
    meta = latest_metadata(tracker)
    borrower = None
    if meta.get("telegram_phone"):
        borrower = queries.find_borrower_by_phone(session, str(meta["telegram_phone"]))
    if borrower is None and meta.get("telegram_user_id"):
        try:
            borrower = queries.find_borrower_by_telegram(session, int(meta["telegram_user_id"]))
        except (TypeError, ValueError):
            borrower = None
    return borrower.borrower_id if borrower else None


channel_identity = _channel_identity  # the borrower a channel vouches for, for the other handlers


def _from_telegram(tracker: Tracker) -> bool:
    return tracker.get_latest_input_channel() == TELEGRAM


def ask_identity(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    reply.say("ask_identity")
    claim = reply.decided.detail
    if claim in record_moves.RECORDS:  # "I paid this on Friday, why the letters?": kept for after verification
        return [SlotSet(record_moves.EARLIER, record_moves.pending_claim(turn, claim))]
    return []


def verification_locked(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    reply.say("verification_locked")
    return []


def verify(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    typed_reference = turn.first("loan_reference") or turn.signal("loan_reference")
    typed_dob = date_of_birth_said(turn, tracker)
    # A failed pair is kept, so "wait typo, LN-52139" is tried with the date of birth
    # already given; it is never tried again as it was (that would only spend a try).
    retry = bool(turn.slot("verify_attempts")) and not (typed_reference or typed_dob)
    reference = typed_reference or (None if retry else turn.slot("candidate_reference"))
    dob = typed_dob or (None if retry else turn.slot("candidate_dob"))
    # A channel's word carried in the slot counts only while the borrower still writes through that channel.
    vouched = (turn.slot("candidate_borrower") if _from_telegram(tracker) else None) \
        or _channel_identity(session, tracker)
    target = _target_loan(session, reference, vouched)
    subject = _guessed_subject(target, reference)
    # Before any audit entry: the loan's row lock comes first, as in every write (bot/records/writes.py).
    lock = lockout.refusal(session, conversation_id=tracker.sender_id, loan_id=subject)
    token = latest_metadata(tracker).get("auth_token")
    if token and not turn.slot("token_refused"):
        # The lender's signed token is its own proof, not a guess: a lock on guessing does not refuse it.
        loan, why = _loan_from_token(session, str(token))
        if loan is not None:
            return _verified(loan, "signed token", turn, reply, session, tracker)
        audit.append(session, actor="bot", kind="verification_token_refused", payload={"reason": why},
                     conversation_id=tracker.sender_id)
        if not (turn.first("loan_reference") or turn.first("date_of_birth")):
            reply.say("token_refused")
            return [SlotSet("token_refused", True)]
    if lock is not None:
        audit.append(session, actor="bot", kind="verification_refused",
                     payload={"scope": lock.scope, "locked_until": lock.locked_until},
                     loan_id=target.loan_id if target else None, conversation_id=tracker.sender_id)
        reply.say("verification_locked")
        return [SlotSet("verify_locked", True), SlotSet("candidate_reference", None), SlotSet("candidate_dob", None)]
    if not (dob and (reference or vouched)):
        events = [SlotSet("candidate_reference", reference), SlotSet("candidate_dob", dob),
                  SlotSet("candidate_borrower", vouched)]
        if vouched:
            reply.say("ask_dob_linked")
        elif _from_telegram(tracker) and latest_metadata(tracker).get("telegram_phone"):
            reply.say("phone_not_found")
        else:
            reply.say("ask_missing_dob" if reference else "ask_missing_reference")
        return events
    typed, readings = dob_check(dob)
    if reference:
        loan = queries.verify_borrower(session, str(reference), typed, **readings)
    else:
        loan = queries.verify_borrower_by_dob(session, vouched, typed, **readings)
    how = "reference and date of birth" if reference else "channel and date of birth"
    if loan is not None:
        return _verified(loan, how, turn, reply, session, tracker)
    failure = lockout.record_failure(
        session, conversation_id=tracker.sender_id, limits=LIMITS, how=how,
        loan_id=subject, borrower_id=target.borrower.borrower_id if target else None)
    # The channel's word on who is writing stays, and so do the typed details: the next
    # message usually corrects one of them, and is tried with the other.
    events = [SlotSet("verify_attempts", failure.sender_failures), SlotSet("candidate_reference", reference),
              SlotSet("candidate_dob", dob), SlotSet("candidate_borrower", vouched)]
    if failure.locked:
        reply.say("verification_locked")
        return events + [SlotSet("verify_locked", True)]
    # Tries left from this sender: the loan's own count is not told, it would say the loan exists.
    reply.say("verify_failed" if reference else "verify_failed_dob", left=LIMITS.max_failures - failure.sender_failures)
    return events


def date_of_birth_said(turn: Turn, tracker: Tracker) -> str | dict | None:
    """This turn's date of birth: its ISO date, or {order: ISO date} when it was typed in
    numbers that read differently by field order ("03/04/1990": the NLU's `readings`,
    bot/nlu/normalise/birthdates.py); the verification picks by the holder's jurisdiction."""
    for entity in (getattr(tracker, "latest_message", None) or {}).get("entities") or []:
        if entity.get("entity") == "date_of_birth":
            readings = entity.get("readings")
            if isinstance(readings, dict) and all(iso_date(v) for v in readings.values()):
                return {o: iso_date(v) for o, v in readings.items() if o in DATE_ORDERS} or None
            break
    return iso_date(turn.first("date_of_birth"))


def dob_check(dob: str | dict):
    """(date, {readings, date_orders}) for queries.verify_borrower / verify_borrower_by_dob."""
    if isinstance(dob, dict):
        readings = {order: date.fromisoformat(v) for order, v in dob.items()}
        return next(iter(readings.values())), {"readings": readings, "date_orders": date_orders()}
    return date.fromisoformat(dob), {}


def _guessed_subject(target: Loan | None, reference: str | None) -> str | None:
    """What the failures of this attempt count against: the loan, or, for a reference
    that names no loan, that reference itself. Counting both the same way means a
    guesser with fresh sender ids cannot tell real references from made-up ones by
    which of them ever locks."""
    if target is not None:
        return target.loan_id
    if reference:
        return (lockout.UNKNOWN_REFERENCE + queries.loan_key(str(reference)))[:64]
    return None


def _target_loan(session: Session, reference: str | None, vouched: str | None) -> Loan | None:
    """The loan an attempt is about, whose failures count against it (None: it names no loan)."""
    if reference:
        return queries.find_loan(session, str(reference))
    return queries.open_loan_of(session, vouched) if vouched else None


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
    if turn.slot("handed_off"):  # verified after the hand-off opened: the case names the loan now
        handoffs.link_loan(session, tracker.sender_id, loan_id=loan.loan_id, borrower_id=state["borrower_id"])
    audit.append(session, actor="bot", kind="verification_passed", payload={"by": how},
                 loan_id=loan.loan_id, borrower_id=state["borrower_id"], conversation_id=tracker.sender_id)
    writes.record_contact(session, borrower_id=state["borrower_id"], loan_id=loan.loan_id,
                          channel=tracker.get_latest_input_channel() or "rest", direction="in", kind="conversation")
    sends.mark_replied(session, loan.id, clock.now())  # the campaign messages of the week led here
    said, fills = statement(state, language=reply.language)  # under an active arrangement: the next payment, not "due …, N days ago"
    if said == "balance_in_arrangement":
        key = "verified_statement_in_arrangement"
    else:
        key = "verified_statement" if state["days_overdue"] > 0 else "verified_statement_not_overdue"
    reply.say(key, "options", **fills)
    if state.get("other_loan_ids"):
        reply.say("other_loans", count=len(state["other_loan_ids"]), loan_ids=", ".join(state["other_loan_ids"]))
    if state.get("active_arrangement"):
        reply.say("active_arrangement", **arrangement_fills(state, reply.language))
    kept = turn.slot(contact_times.PROPOSED_SLOT) or (  # or said with the details themselves
        turn.signal("contact_time") and contact_times.remembered(turn.signal("contact_time"), None, turn.text))
    if isinstance(kept, dict):  # a contact time said before verification: checked against this loan's window
        contact_times.note(kept, state, reply, session, tracker)
    earlier = turn.slot(record_moves.EARLIER) or record_moves.unanswered(turn.slot(record_moves.PENDING)) \
        or _claim_with_details(turn)
    asked = []
    if isinstance(earlier, dict) and earlier.get("intent") in record_moves.RECORDS:
        # the claim they made before verifying is asked about now, one tap, never dropped (issue 13 panel)
        reply.say(f"clarify_{earlier['intent']}", "confirm")
        asked = [SlotSet(record_moves.PENDING, dict(earlier))]
    return asked + [SlotSet(record_moves.EARLIER, None), SlotSet(contact_times.PROPOSED_SLOT, None),
                    SlotSet("verified", True), SlotSet("verify_attempts", 0), SlotSet("verify_locked", False),
            SlotSet("loan_id", loan.loan_id),
            SlotSet("loan", state), SlotSet("candidate_reference", None), SlotSet("candidate_dob", None),
            SlotSet("candidate_borrower", None)]


def _claim_with_details(turn: Turn) -> dict | None:
    """A payment or a dispute claimed in the very message that verifies ("LN-90583, DOB 30/01/1988. Nililipa
    tarehe 5 Desemba kupitia paybill ... code ya M-Pesa ni SKL5HQ27XM"): asked about after the statement, as
    one made before (round 8 (dev): only the statement came back)."""
    evidence = turn.signal("evidence") or ()
    said = next((claim for claim in ("already_paid", "dispute_debt") if claim in evidence), None)
    return record_moves.pending_claim(turn, said) if said else None
