"""Which move answers a borrower's turn: one pure function, no I/O.

The dialogue policy calls `decide` once per borrower message and hands the
move, with its terms and reasons, to the action it chose (the `move` slot,
bot/dialogue/move.py); the action executes it and never decides again. So the
bot can never say or record an offer its policy did not choose, and the whole
negotiation is testable without Rasa. The negotiation moves themselves are in
negotiate.py, the Turn in turn.py.
"""
from __future__ import annotations


import re
from dataclasses import replace
from typing import Mapping

from bot.dialogue import during_handoff, misreads, record_moves, second_answers
from bot.dialogue.misreads import answers, awaited_answer, later_date, today_said
from bot.dialogue.escalation import escalation_settings
from bot.dialogue.move import MOVE_SLOT, OWN_TERMS, Ask, Move
from bot.dialogue.negotiate import all_loans_kind, all_loans_request, counter_offer, negotiate
from bot.dialogue.offer_replies import (
    only_offered_terms, restates_arrangement, takes_the_plan, thanks_for_their_terms, yes_to_offer, yes_with_other_terms,
)
from bot.dialogue.own_terms import arranged
from bot.dialogue.requests import KIND_OF_INTENT, as_date, kept_request, request_kind_of
from bot.dialogue.reasons import Escalation
from bot.dialogue.turn import IDENTITY_ENTITIES, Turn, in_a_row, is_angry, is_fallback, local_today, turn_from_parse
from bot.negotiation.kinds import RequestKind
from bot.negotiation.ladder import LADDER
from bot.negotiation.limits import Product
from bot.negotiation.plans import Request

# The names other modules and the tests have always imported from here.
__all__ = [
    "ANY_TIME", "ESCALATES", "IDENTITY_ENTITIES", "REQUESTS_BY_INTENT", "VERIFIED_ONLY", "Move", "Turn",
    "counter_offer", "decide", "in_a_row", "is_angry", "is_fallback", "local_today",
    "negotiate", "other_loan", "turn_from_parse",
]

# Intents that start or continue a negotiation, and what each asks for (requests.py).
REQUESTS_BY_INTENT = KIND_OF_INTENT


# Turns answered the same way whether or not the borrower is verified: none of
# these answers says anything about the debt.
ANY_TIME = {
    "stop_contact": "action_stop_contact",
    "wrong_person": "action_wrong_person",
    "third_party": "action_third_party",
    "bot_challenge": "action_bot_challenge",
    "request_human": "action_handoff",
    "abuse": "action_abuse",
    "busy_later": "action_busy_later",
    "goodbye": "action_goodbye",
    "thank": "action_thank",
    "complain": "action_complain",
}


# Intents whose answer is a person taking over, and why.
ESCALATES = {
    "request_human": Escalation.REQUEST_HUMAN,
    "complain": Escalation.COMPLAINT,
    "dispute_debt": Escalation.DISPUTE,
}


# Answered at any time, but second to the identity details a message also carries.
_SMALL_TALK = frozenset({"busy_later", "thank", "goodbye", "bot_challenge"})


VERIFIED_ONLY = {
    "greet": "action_greet",
    "ask_balance": "action_state_balance",
    "ask_due_date": "action_state_balance",
    "provide_identity": "action_state_balance",
    "ask_fees": "action_explain_fees",
    "ask_consequences": "action_consequences",
    "ask_payment_methods": "action_payment_methods",
    "pay_in_full": "action_pay_in_full",
    "already_paid": "action_already_paid",
    "dispute_debt": "action_dispute",
    "refuse_to_pay": "action_refuse_to_pay",
    "apologize": "action_apologize_ack",
    "out_of_scope": "action_out_of_scope",
}


# Questions about the debt the bot answers beside a complaint case, as it agrees terms there ("Are you
# going to report me to the credit bureau over this?" was only added to the case: round 6 (dev)).
_ASKED_BESIDE_COMPLAINT = frozenset({"ask_consequences", "ask_balance", "ask_due_date", "ask_fees"})


def decide(turn: Turn, products: Mapping[str, Product], ladder: tuple[str, ...] = LADDER) -> Move:
    """The one decision of a turn: the action, and everything it says, records or hands over."""
    if during_handoff.active(turn) and not (during_handoff.beside_complaint(turn) and _about_the_debt(turn)):
        # a person has the case: the thin layer answers (during_handoff.py)
        return second_answers.with_crisis_check(turn, during_handoff.decide(turn))
    return second_answers.beside(turn, _decide(turn, products, ladder))  # "...and where do I pay?" too


def _decide(turn: Turn, products: Mapping[str, Product], ladder: tuple[str, ...]) -> Move:
    turn = misreads.reread(turn)  # the intent the words show, where the classifier read another
    intent = turn.intent
    reported = None if turn.self_harm else _reported_for_borrower(turn)
    if reported is not None:  # a daughter writing from her late mother's phone, a son about his father's dementia
        return reported
    if turn.self_harm or intent == "disclose_vulnerability" or _unread_hardship(turn):
        return Move("action_vulnerability", hardship_reason=turn.signal("hardship") or "vulnerability",
                    escalation=Escalation.SELF_HARM if turn.self_harm else Escalation.VULNERABILITY)
    if record_moves.answers_pending(turn) and not turn.signal("legal_threat"):
        return record_moves.gate(turn)  # "Take me off your list. Wrong person.": before a hand-off for anger
    if turn.signal("legal_threat") and turn.signal("regulator_only"):  # "Hii ni harassment. Nitawa-report CBK"
        return Move(record_moves.RECORDS["complain"], escalation=Escalation.COMPLAINT, detail=record_moves.ASKED)
    if turn.signal("legal_threat"):
        return Move("action_handoff", escalation=Escalation.LEGAL_OR_REGULATOR)
    if turn.angry_in_row >= escalation_settings().angry_in_a_row and not _engaged(turn) \
            and not turn.signal("complaint_asked"):  # "Tolong catat juga soal WA ancaman itu": recorded, not a hand-off
        return Move("action_handoff", escalation=Escalation.RISING_ANGER)
    if yes_to_offer(turn) and not turn.slot(record_moves.PENDING) and not turn.signal("evidence") \
            and not turn.signal("family_contact"):  # "Ok. And that caller was really not from your side?"
        return Move("action_accept_offer")  # the yes is the record; a question with no claim does not undo it
    if takes_the_plan(turn) and not turn.slot(record_moves.PENDING):
        return Move("action_accept_offer")  # "If the 18th isn't allowed then Thursday the 17th and every fortnight"
    gated = record_moves.gate(turn)  # a change to the record only ever after the borrower's yes
    if gated is not None:
        return _terms_first(turn, gated, products, ladder) or _fear_first(turn, gated) or gated
    if yes_to_offer(turn):  # "Yep, Monday's fine" read as a new promise got the same offer again
        return Move("action_accept_offer")
    if yes_with_other_terms(turn):  # "Oke deh tanggal 25 aja" read as goodbye: their date against the offer
        return counter_offer(turn, products, ladder)
    if turn.signal("contact_time") and (intent not in REQUESTS_BY_INTENT or _answers_contact_question(turn)
                                        or _time_after_agreeing(turn)) \
            and not _reported_contact(turn) and not _closed(turn) and _terms_beside(turn) is None \
            and not any(turn.first(e) for e in IDENTITY_ENTITIES):  # "message me after 7pm", "saturday 10am then"
        return Move("action_busy_later")
    if turn.signal("arrest") and (intent not in REQUESTS_BY_INTENT or not turn.slot("verified", False)) \
            and (intent not in ESCALATES or record_moves.fear_not_complaint(turn)) \
            and not any(turn.first(e) for e in IDENTITY_ENTITIES):  # "will the police come?": answered, to anyone
        return Move("action_consequences")
    if _closed(turn) and (intent not in ANY_TIME or intent in ("third_party", "busy_later")):  # "tell her to call me": a message
        return _third_party(turn)  # not the borrower: even an unreadable message is kept for the account holder
    if intent == "nlu_fallback" and not awaited_answer(turn) and not all_loans_request(turn) \
            and not _counter_terms(turn) and not _identity_unread(turn):
        if turn.fallbacks_in_row >= escalation_settings().fallbacks_in_a_row:
            return Move("action_handoff", escalation=Escalation.NOT_UNDERSTOOD)
        return Move("action_fallback", request=kept_request(turn))
    if intent == "abuse":  # warned (config/bot.yml escalation), abuse after the warning pauses
        warned = turn.slot("abuse_warned") or not escalation_settings().abuse_warnings_before_pause
        return Move("action_abuse", escalation=Escalation.ABUSE if warned else None)
    if intent == "thank" and turn.slot("verified", False) and turn.slot("pending_offer"):
        if thanks_for_their_terms(turn):  # "好的谢谢" to the very terms they asked for: a yes
            return Move("action_accept_offer")
        return Move("action_thank_pending_offer", request=kept_request(turn))  # to terms the bot changed: ask once more
    if intent in _SMALL_TALK and not turn.slot("verified", False) and turn.first("loan_reference") \
            and turn.first("date_of_birth") and not _closed(turn):  # "LN-60284, DOB Oct 21st 1996. text me after 7pm"
        return Move("action_verify")  # verified first; the contact time in it is checked then (actions/identity.py)
    if intent == "stop_contact" and turn.signal("contact_time") and _reported_contact(turn):
        # "Bakit kayo tumatawag ng 11 ng gabi kagabi?? ... wag na kayong tumawag ng ganong oras": a complaint
        # about a call at that hour, asked about (round 6 (dev)), never a stop recorded on the words
        return Move(record_moves.CLARIFY, detail="complain")
    if intent in ANY_TIME and intent in record_moves.RECORDS:
        return Move(record_moves.CLARIFY, detail=intent)  # a change to the record is only ever made after a yes
    if intent in ANY_TIME:
        return Move(ANY_TIME[intent], escalation=ESCALATES.get(intent))
    if not turn.slot("verified", False):
        return _unverified(turn)
    return _verified(turn, products, ladder)


# The changes a message may ask for beside its own terms, put to the borrower after the terms.
_ASKED_AFTER_TERMS = frozenset({"stop_contact", "complain"})


def _terms_first(turn: Turn, gated: Move, products: Mapping[str, Product], ladder: tuple[str, ...]) -> Move | None:
    """"Sijakataa kulipa! I will clear everything on 15th. Now stop calling": their own terms are
    recorded as said and the stop is then put to them with one tap, instead of the question alone
    (round 6 (dev): the promise was lost to "do you mean no more phone calls?")."""
    if gated.action not in (record_moves.CONFIRM, record_moves.CLARIFY) or gated.detail not in _ASKED_AFTER_TERMS \
            or not turn.slot("verified", False):
        return None
    terms = turn if _wants_arrangement(turn) else _terms_beside(turn)
    if terms is None:
        return None
    move = _verified(terms, products, ladder)
    if move.action != "action_offer" or move.offer is None or (move.detail != OWN_TERMS and move.offer.adjusted):
        return None  # their terms, recorded as said or (due today) put to them as said, then the change asked
    return replace(move, also=(*move.also, _asked_after(gated)))


def _terms_beside(turn: Turn) -> Turn | None:
    """The turn read as its terms, when a message read as a stop or a complaint also says they will pay on
    a day ("Saya bisa lunasin semuanya hari Sabtu tanggal 12. Tapi tolong jangan pernah hubungi keluarga
    saya lagi": round 8 (dev), only the stop was asked about and the promise was lost)."""
    if turn.intent in REQUESTS_BY_INTENT or not (turn.signal("pays") or misreads.their_sum(turn)) \
            or not (later_date(turn) or today_said(turn)):
        return None
    return replace(turn, intent=misreads.terms_intent(turn))



def _fear_first(turn: Turn, gated: Move) -> Move | None:
    """"One man call me yesterday say police go come carry me. Na true?", "katanya data saya disebar ke
    semua kontak. Itu dari kalian?": the answer to the fear first ("no, you cannot be arrested", "we never
    contact your contacts"), then the complaint put to them with one tap (round 6 (dev): the threat was
    either answered and never recorded, or only asked about)."""
    if gated.action not in (record_moves.CONFIRM, record_moves.CLARIFY) or gated.detail != "complain" \
            or not turn.signal("threat_reported"):
        return None
    also = (_asked_after(gated),)
    if turn.signal("arrest"):
        return Move("action_consequences", also=also)
    if turn.signal("contacts_worry"):
        return Move("action_consequences", detail="contacts", also=also)
    if turn.signal("visit_worry"):
        return Move("action_consequences", detail="visits", also=also)
    return None


def _asked_after(gated: Move) -> str:
    """The `Move.also` that puts the gated change to them after the move's own reply ("clarify_complain")."""
    return f"{'confirm' if gated.action == record_moves.CONFIRM else 'clarify'}_{gated.detail}"


def _identity_unread(turn: Turn) -> bool:
    """"May sari-sari store ako, yung business loan ko LN-70213" read as nothing: the reference is
    kept for verification, not answered with "say it another way" and lost (round 6 (dev))."""
    return not turn.slot("verified", False) and not _closed(turn) and any(turn.first(e) for e in IDENTITY_ENTITIES)


def _unverified(turn: Turn) -> Move:
    if turn.slot(record_moves.CLOSED, False):  # not the borrower: nothing to verify in this conversation
        return _third_party(turn)
    # Every identity attempt goes to action_verify, which refuses it while the
    # records lock the loan or the sender; `verify_locked` only spares a locked
    # borrower the identity question (and lets a lifted lock take effect).
    if (turn.signed_in and not turn.slot("token_refused")) or turn.intent == "provide_identity" \
            or any(turn.first(e) for e in IDENTITY_ENTITIES):
        return Move("action_verify")
    if turn.slot("verify_locked", False):
        return Move("action_verification_locked")
    if turn.intent in record_moves.VERIFIED_ONLY and (turn.intent in (turn.signal("evidence") or ())
                                                      or turn.intent_confidence >= record_moves.MIN_CONFIDENCE):
        # "I already paid": asked about once they verify; not "nakalimutan ko talaga yung loan ko, sorry po"
        # (I forgot my loan), read as a dispute with no words for one (round 7 (dev): asked "not your debt?")
        return Move("action_ask_identity", detail=turn.intent)
    if turn.intent == "greet":
        return Move("action_greet")
    if turn.intent == "out_of_scope":
        return Move("action_out_of_scope")
    return Move("action_ask_identity")


def _verified(turn: Turn, products: Mapping[str, Product], ladder: tuple[str, ...]) -> Move:
    intent = turn.intent
    awaiting = turn.slot("awaiting")
    other = other_loan(turn)
    if other:  # "what about LN-20932?": switch to the borrower's other loan
        return Move("action_state_balance", loan_id=other)
    if (turn.slot("loan") or {}).get("status") == "paused" and _wants_arrangement(turn):
        return Move("action_review_first", escalation=Escalation.PAUSED_REVIEW)
    if intent == "dispute_debt" and turn.signal("amount_question"):  # "why 5,600 when I borrowed 5,000?"
        return Move("action_explain_fees")
    if restates_arrangement(turn):
        return Move("action_state_balance")  # the statement with the arrangement just recorded
    if turn.slot("pending_offer") and intent in ("affirm", "deny"):
        if intent == "affirm" and only_offered_terms(turn):  # not "yes the 18th, all of it" to an offer for the 11th
            return Move("action_accept_offer")
        return counter_offer(turn, products, ladder)
    if _counter_terms(turn):  # "no. 40. not 80" read as nothing: their figure against the offer
        return counter_offer(turn, products, ladder)
    if intent in REQUESTS_BY_INTENT:
        return negotiate(turn, products, REQUESTS_BY_INTENT[intent])
    if intent == "pay_in_full" and later_date(turn):  # "I'll pay it all on the 12th" is a promise to record
        return negotiate(turn, products, RequestKind.PROMISE_TO_PAY)
    if intent == "pay_in_full" and (today_said(turn) or (  # "cn i just pay it all 2nite?": today, asked or not
            turn.signal("now") and turn.first("date") is None
            and (not turn.signal("question") or turn.signal("how_much")))):  # not "is it cheaper if i pay it all
        # now?"; "bbyaran q n ngaun buo. mgkno b tlga?" (how much, really?) is answered by what is recorded
        return _paying_today(turn, products) or Move(VERIFIED_ONLY[intent])
    if awaiting and answers(turn, awaiting):
        return negotiate(turn, products, request_kind_of(turn.slot("request_kind")))
    if intent in ("out_of_scope", "nlu_fallback") and all_loans_request(turn):
        return negotiate(turn, products, all_loans_kind(turn, None))
    if intent in VERIFIED_ONLY:
        return Move(VERIFIED_ONLY[intent], escalation=ESCALATES.get(intent))
    # A bare yes/no with nothing on the table: show the options again.
    return Move("action_ask_details", ask=Ask.OPTIONS)


def _paying_today(turn: Turn, products: Mapping[str, Product]) -> Move | None:
    """"ok cn i just pay it all 2nite? hw do i do it": their promise of today recorded as said, then how
    to pay (round 8 (dev): only the instructions, and nothing recorded)."""
    today = Request(kind=RequestKind.PROMISE_TO_PAY, date=local_today(turn))  # "ngayon", "2nite": their day is today
    move = negotiate(turn, products, RequestKind.PROMISE_TO_PAY, request=today)
    if move.action != "action_offer" or move.offer is None or move.offer.schedule[0].due != today.date:
        return None
    return replace(move, also=(*move.also, "payment_methods"))


# A question the bot can answer, or terms: an angry borrower who asks "how much is it exactly?" or
# says "Fine. Monday. The whole thing." is working it out, not past talking to (round 5 (dev): the
# question got a hand-off for rising anger and the promise was never recorded).
_ENGAGED = frozenset({*REQUESTS_BY_INTENT, "pay_in_full", "ask_balance", "ask_due_date", "ask_fees",
                      "ask_payment_methods", "ask_consequences"})


def _engaged(turn: Turn) -> bool:
    return bool(turn.slot("verified", False)) and turn.intent in _ENGAGED


def _third_party(turn: Turn) -> Move:
    """After "I'm not the borrower": a message or how payments work, never the account or a verification."""
    if turn.intent in ("ask_payment_methods", "pay_in_full"):
        return Move("action_third_party_payment")
    if turn.intent in ("ask_balance", "ask_due_date", "ask_fees", "dispute_debt"):
        return Move("action_third_party_closed")  # a question about the account: what can be done instead
    if turn.intent in ("greet", "affirm", "deny", "thank", "goodbye"):
        return Move("action_third_party_closed")
    if turn.intent == "provide_identity" or any(turn.first(e) for e in IDENTITY_ENTITIES):
        return Move("action_third_party_closed")
    return Move("action_third_party_message")


def _closed(turn: Turn) -> bool:
    """Someone said they are not the borrower: nothing in this conversation asks them to verify
    (a daughter's "call me after 5pm" was answered with a request for her father's details)."""
    return bool(turn.slot(record_moves.CLOSED, False)) and not turn.slot("verified", False)


def _answers_contact_question(turn: Turn) -> bool:
    """"ok fine, Saturday 10 am" right after "which time suits you?": the time asked for, not a
    promise to pay on Saturday (issue 13 panel, round 2), unless it names an amount."""
    last = turn.slot(MOVE_SLOT)
    return isinstance(last, Mapping) and last.get("action") == "action_busy_later" and turn.first("amount") is None


def _reported_contact(turn: Turn) -> bool:
    """A time in a report of contact that happened ("they messaged my sister on 1 December around
    7pm"), not a time to be contacted: it was noted as a contact preference (issue 13 panel, round 2)."""
    past = any((when := as_date(d)) is not None and when < local_today(turn) for d in turn.entities.get("date") or ()) \
        or bool((turn.signal("contact_time") or {}).get("past"))  # "tumatawag ng 11 ng gabi kagabi"
    return past or bool(turn.signal("family_contact")) or "complain" in (turn.signal("evidence") or ()) \
        or (turn.slot(record_moves.PENDING) or {}).get("intent") == "complain"


def _reported_for_borrower(turn: Turn) -> Move | None:
    """Someone not the borrower reports a death or an illness: a person handles the account, not a
    note for the account holder (issue 13 panel, round 2: a daughter was told her message was noted
    for her mother; round 8 (dev): a son's "he has dementia and your texts keep upsetting him" was only
    noted, and the texts went on)."""
    if not (turn.intent == "third_party" or _closed(turn)):
        return None
    if turn.signal("hardship") == "bereavement":
        return Move("action_death_reported", escalation=Escalation.DEATH_REPORTED)
    if turn.signal("hardship") == "illness":
        return Move("action_illness_reported", escalation=Escalation.ILLNESS_REPORTED)
    return None


def _unread_hardship(turn: Turn) -> bool:
    """A death or an illness the classifier could not read ("Mtoto wangu ameaga wiki iliyopita" came back
    as "say it another way"): a person takes it, as a disclosed vulnerability (issue 13 panel)."""
    return turn.intent in ("nlu_fallback", "out_of_scope", "apologize", "greet") \
        and turn.signal("hardship") in ("bereavement", "illness")


def _time_after_agreeing(turn: Turn) -> bool:
    """"Kalau Minggu ga boleh, ya udah Sabtu jam 7 malam aja" once the terms are agreed: when to
    contact them, not a new promise for Saturday (round 6 (dev): it replaced the agreed part payment)."""
    return arranged(turn) and turn.first("amount") is None and not turn.slot("pending_offer")


def _about_the_debt(turn: Turn) -> bool:
    """Terms or a question about the debt, read as the words show ("钱我会还的，20号一次性还清可以吗" came
    back as nothing and was only added to a complaint case: round 6 (dev))."""
    turn = misreads.reread(turn)
    return _about_the_offer(turn) or turn.intent in _ASKED_BESIDE_COMPLAINT or _terms_beside(turn) is not None \
        or (bool(turn.signal("contact_time")) and not _reported_contact(turn))  # "only contact me Tuesdays 6-8 pm"


def _counter_terms(turn: Turn) -> bool:
    """An unreadable reply to an offer that carries an amount or a date to come ("Hiyo ni mingi sana,
    nimesema elfu moja kwa wiki", "My UC comes in on the 17th of each month, so anything lined up with
    that would help"): the borrower's own terms, answered with an offer on them, not "say it another
    way" or "I can only help with your loan" (round 5 (dev))."""
    return bool(turn.intent in ("nlu_fallback", "out_of_scope") and turn.slot("verified", False)
                and turn.slot("pending_offer") and (turn.first("amount") is not None or later_date(turn))
                and not turn.signal("evidence"))


def _wants_arrangement(turn: Turn) -> bool:
    """Whether this turn would make or accept an arrangement (what a paused account may not get)."""
    if turn.intent in REQUESTS_BY_INTENT or (turn.intent == "pay_in_full" and later_date(turn)):
        return True
    if turn.slot("pending_offer") and (turn.intent == "affirm" or yes_to_offer(turn)):
        return True
    awaiting = turn.slot("awaiting")
    return bool(awaiting and answers(turn, awaiting))


def _about_the_offer(turn: Turn) -> bool:
    """An arrangement, or a reply to the offer on the table ("fine, thanks" is asked once more)."""
    return _wants_arrangement(turn) or bool(turn.slot("pending_offer") and turn.intent == "thank")


def other_loan(turn: Turn) -> str | None:
    """The borrower's other loan this message names, if any (ids compared loosely)."""
    named = turn.first("loan_reference")
    if not named:
        return None
    key = lambda text: re.sub(r"[^0-9A-Z]", "", str(text).upper())  # noqa: E731
    for loan_id in (turn.slot("loan") or {}).get("other_loan_ids") or ():
        if key(loan_id) == key(named):
            return loan_id
    return None
