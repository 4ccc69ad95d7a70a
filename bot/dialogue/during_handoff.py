"""The bot's thin layer while a person has the case: nobody goes unanswered during a hand-off.

Once a conversation is handed off (the `handed_off` slot) the bot no longer
negotiates, but it does not fall silent either: Rasa keeps running and every
borrower message is decided here instead of by the full rule set in moves.py.
Five rules, in this order:

1. self-harm (the safety net's flag or its intent, indirect ideation included
   as the net reads it, and any distressed message once self-harm was spoken
   of): the crisis line at once, the case re-flagged as self-harm risk at top
   priority;
2. "how do I pay" (payment methods, paying in full): always answered, with
   only what the borrower may see given verification; "can I be arrested?"
   answered "no" (round 8 (dev): only added to the case);
3. an identity message from an unverified borrower: the normal verification,
   which links the case to the loan when it succeeds;
4. a change to the record (stop contact, a complaint about contact with the
   family...): confirmed with one tap and recorded, as outside a hand-off
   (record_moves.py), and "I didn't say that" undoes the last one;
5. anything else: appended to the case and acknowledged, the first time with
   when a person will reply, later with a short "added to your case"; a
   correction of what the case is about updates its reason.

While an agent holds the case (`handoff_taken`, set by the console) rules 4
and 5 append without a bot reply: the agent is the one answering. A case opened
on a complaint leaves the debt to the bot: `beside_complaint` lets moves.py
negotiate as usual while no agent holds it. Pure, no I/O.
"""
from __future__ import annotations

from bot.dialogue import record_moves
from bot.dialogue.move import Move
from bot.dialogue.reasons import CORRECTION_DENIED, REASON_OF_INTENT, Escalation
from bot.dialogue.turn import IDENTITY_ENTITIES, Turn

HANDED_OFF = "handed_off"  # set when a case opens, cleared when the agent hands back or closes
ACKNOWLEDGED = "handoff_acknowledged"  # the borrower was told when a person will reply
TAKEN = "handoff_taken"  # an agent holds the case (the console sets and clears it)
CASE_INTENT = "handoff_intent"  # what the case is about, when the borrower's own intent said it
SELF_HARM_CASE = "self_harm_case"  # the borrower spoke of self-harm in this conversation

SELF_HARM_INTENT = "disclose_vulnerability"  # the intent the safety net forces (bot/nlu/safety.py)
HOW_TO_PAY = ("ask_payment_methods", "pay_in_full")

# The thin layer's own actions (domain.yml), besides action_verify.
SELF_HARM = "action_handoff_self_harm"
HOW_TO_PAY_ACTION = "action_handoff_how_to_pay"
ACKNOWLEDGE = "action_handoff_acknowledge"
NOTE = "action_handoff_note"
CORRECTION = "action_handoff_correction"
APPEND = "action_handoff_append"
PAYMENT_REFERENCE = "action_handoff_payment_reference"  # the reference the bot asked for, on the case
DEATH_DETAILS = "action_handoff_death_details"  # the late borrower's loan details: the case linked, nothing said
DEATH_QUESTION = "action_handoff_death_question"  # "must I pay?", "where do I send the certificate?"
ACTIONS = (SELF_HARM, HOW_TO_PAY_ACTION, ACKNOWLEDGE, NOTE, CORRECTION, APPEND, PAYMENT_REFERENCE, DEATH_DETAILS,
           DEATH_QUESTION)
REMINDERS_PAUSED = "reminders_paused"  # NOTE's detail: "no reminders while my payment is checked"
TERMS_CASE = "terms"  # CASE_INTENT of a case opened because no arrangement fitted (ABOUT_TERMS)
ABOUT_TERMS = (Escalation.OVER_BUDGET, Escalation.NO_ARRANGEMENT, Escalation.LADDER_EXHAUSTED)
DEATH_CASE = "death_reported"  # CASE_INTENT of a case opened on a reported death (actions/people.py)
ILLNESS_CASE = "illness_reported"  # ... on an illness reported by someone writing for the borrower


def active(turn: Turn) -> bool:
    """Whether a person has (or is about to take) this conversation."""
    return bool(turn.slot(HANDED_OFF, False))


def beside_complaint(turn: Turn) -> bool:
    """A case opened on a complaint is about how the lender behaved, not about the debt: while no
    agent holds it, a verified borrower may still agree terms with the bot (issue 13 panel: "I'll
    pay the £174 on the 18th, but the complaint stands" was only appended to the case). So may one
    whose case is that nothing fitted their figure and who then names terms that do ("那就分三期，每个月
    还一次": round 7 (dev), only appended). Never after self-harm was spoken of; a paused account still
    goes to a person first (moves.py)."""
    return (turn.slot(CASE_INTENT) in ("complain", TERMS_CASE) and bool(turn.slot("verified", False))
            and not turn.slot(TAKEN, False) and not turn.slot(SELF_HARM_CASE, False)
            and not turn.self_harm and turn.intent != SELF_HARM_INTENT)


def _death_or_illness(turn: Turn) -> bool:
    """The classifier's vulnerability read on a death or an illness, which the safety net did not
    flag ("Surat kematian saya kirim kemana?", where do I send the death certificate): a message
    for the person on the case, never a crisis line to a widow (round 6 (dev))."""
    return turn.signal("hardship") in ("bereavement", "illness")


def decide(turn: Turn) -> Move:
    """The move of a borrower turn while the conversation is handed off."""
    if turn.self_harm or (turn.intent == SELF_HARM_INTENT and not _death_or_illness(turn)):
        return Move(SELF_HARM, escalation=Escalation.SELF_HARM)
    if turn.slot(SELF_HARM_CASE, False) and turn.emotion == "distressed":  # "what's the point", after ideation
        return Move(SELF_HARM, escalation=Escalation.SELF_HARM)
    if turn.slot(CASE_INTENT) in (DEATH_CASE, ILLNESS_CASE) and not turn.slot(TAKEN, False):
        if turn.first("loan_reference") and turn.first("date_of_birth"):
            return Move(DEATH_DETAILS)  # the case linked to the loan, nothing said about it
        if _asks(turn) and turn.slot(CASE_INTENT) == DEATH_CASE:
            return Move(DEATH_QUESTION)
    if turn.intent in HOW_TO_PAY:
        return Move(HOW_TO_PAY_ACTION)
    if turn.signal("arrest") and not turn.slot(TAKEN, False) and not turn.signal("legal_threat"):
        return Move("action_consequences")  # "bisa dipenjara nggak?": "no, you cannot be arrested", to anyone
    if not turn.slot("verified", False) and _identity_attempt(turn) and not turn.slot(record_moves.CLOSED, False) \
            and not turn.signal("someone_else"):  # "his DOB is ...": not the borrower, never verified
        return Move("action_verify")
    if not turn.slot(TAKEN, False) and turn.slot(CASE_INTENT) == "already_paid" \
            and "stop_contact" in (turn.signal("evidence") or ()) and turn.signal("opt_out") != "cease":
        return Move(NOTE, detail=REMINDERS_PAUSED)  # "Msinitumie reminders zingine kama imeonekana"
    if not turn.slot(TAKEN, False):  # stop contact, a complaint...: recorded after a yes, as outside a hand-off
        gated = record_moves.gate(turn)
        already_the_case = gated is not None and (
            (gated.action in (record_moves.CONFIRM, record_moves.CLARIFY) and gated.detail == turn.slot(CASE_INTENT))
            or gated.action == record_moves.RECORDS.get(turn.slot(CASE_INTENT) or ""))  # "I want to complain" again
        if gated is not None and not already_the_case:
            return gated
    if turn.signal("payment_reference") and turn.slot(CASE_INTENT) == "already_paid":
        return Move(PAYMENT_REFERENCE)  # the receipt the bot itself asked for: named back, put on the case
    correction = corrected_intent(turn)
    if correction is not None:
        return Move(CORRECTION, detail=correction)
    if turn.slot(TAKEN, False):
        return Move(APPEND)
    # A question ("Nitajuaje mkishaconfirm?", how will I know?) gets when a person replies, not only "added".
    return Move(NOTE if turn.slot(ACKNOWLEDGED, False) and not _asks(turn) else ACKNOWLEDGE)


def _asks(turn: Turn) -> bool:
    """A question after a reported death ("Apakah saya sebagai istri wajib bayar?", "Surat kematian saya
    kirim kemana?"): answered, not only put on the case (round 6 (dev))."""
    return bool(turn.signal("question")) or turn.intent.startswith("ask_") or turn.intent in HOW_TO_PAY


def corrected_intent(turn: Turn) -> str | None:
    """The intent that corrects what the case is about, if this turn is one.

    Only a case opened on the borrower's own words (the `handoff_intent` slot,
    e.g. already_paid) can be corrected: another reason intent with the NLU's
    `correction` signal is the new reading ("no, I didn't say I paid, I get
    paid on the 15th" -> promise_to_pay), a plain "no" says the reading was
    wrong without a new one. Anything else is just a message.
    """
    opened_on = turn.slot(CASE_INTENT)
    if not opened_on or turn.intent == opened_on:
        return None
    if turn.intent == CORRECTION_DENIED:
        return turn.intent
    # Another reason intent corrects the case only when the borrower says the bot got it wrong (the
    # NLU's `correction`: "no, I didn't say that"); "can you freeze the interest?" is a new message.
    if turn.intent in REASON_OF_INTENT and turn.signal("correction"):
        return turn.intent
    return None


def case_intent(intent: str) -> str | None:
    """What a case opened on `intent` remembers as its subject (None: not the borrower's own words)."""
    return intent if intent in REASON_OF_INTENT else None


def _identity_attempt(turn: Turn) -> bool:
    return (turn.intent == "provide_identity" or any(turn.first(e) for e in IDENTITY_ENTITIES)
            or bool(turn.signal("loan_reference"))
            or (turn.signed_in and not turn.slot("token_refused", False)))
