"""Why a person takes over: one code per escalation, decided with the move.

The policy decides the hand-off and its reason in the same call
(`moves.decide`); the action only records it. So the reason in the case
queue is the reason the conversation was handed over, not a second guess
from the borrower's last words.
"""
from __future__ import annotations

from bot.negotiation.kinds import Kind


class Escalation(Kind):
    SELF_HARM = "self_harm"
    VULNERABILITY = "vulnerability"
    LEGAL_OR_REGULATOR = "legal_or_regulator"
    RISING_ANGER = "rising_anger"
    NOT_UNDERSTOOD = "not_understood"  # fallbacks in a row
    REQUEST_HUMAN = "request_human"
    LADDER_EXHAUSTED = "ladder_exhausted"  # declined every rung the limits allow
    NO_ARRANGEMENT = "no_arrangement"  # the limits leave nothing the bot may offer
    OVER_BUDGET = "over_budget"  # nothing within the limits fits what the borrower can pay
    ABUSE = "abuse"  # abuse after the warning
    DISPUTE = "dispute"
    COMPLAINT = "complaint"
    PAUSED_REVIEW = "paused_review"  # a paused (vulnerable) account asked for a new arrangement
    DEATH_REPORTED = "death_reported"  # someone writing for the borrower says the borrower has died
    ILLNESS_REPORTED = "illness_reported"  # someone writing for the borrower says the borrower is ill
    WRONG_NUMBER = "wrong_number"  # a wrong number on a channel that names no borrower: only a person can fix it


# What the case queue (the console) shows as the case's reason; `{detail}`
# is the move's detail (the intent no arrangement was possible for).
CASE_REASON = {
    Escalation.SELF_HARM: "self-harm risk",
    Escalation.VULNERABILITY: "vulnerability disclosed",
    Escalation.LEGAL_OR_REGULATOR: "borrower mentions a lawyer or a regulator",
    Escalation.RISING_ANGER: "anger keeps rising",
    Escalation.NOT_UNDERSTOOD: "bot did not understand twice",
    Escalation.REQUEST_HUMAN: "borrower asked for a person",
    Escalation.LADDER_EXHAUSTED: "borrower declined every offer the limits allow",
    Escalation.NO_ARRANGEMENT: "no arrangement the bot may offer ({detail})",
    Escalation.OVER_BUDGET: "no plan within the limits fits what the borrower can pay ({detail})",
    Escalation.ABUSE: "abusive conversation paused",
    Escalation.DISPUTE: "debt disputed",
    Escalation.COMPLAINT: "complaint",
    Escalation.PAUSED_REVIEW: "account paused: a person must review it before any new arrangement",
    Escalation.DEATH_REPORTED: "someone writing for the borrower reports the borrower has died: "
                               "bereavement handling, collection messages to this contact to stop",
    Escalation.ILLNESS_REPORTED: "someone writing for the borrower reports the borrower is ill: "
                                 "a person reviews the account before any collection contact",
    Escalation.WRONG_NUMBER: "wrong number confirmed: correct the contact details so this number is not contacted",
}


def case_reason(escalation: Escalation, detail: str | None = None) -> str:
    """The words the case queue shows for `escalation`."""
    return CASE_REASON[escalation].format(detail=detail or "-")


# Reasons that say how the conversation went, not what it is about: a case opened on one of them
# takes the reason of a later, specific hand-off ("wrong number confirmed" after "did not understand").
VAGUE_REASONS = frozenset({CASE_REASON[Escalation.NOT_UNDERSTOOD], CASE_REASON[Escalation.RISING_ANGER]})


# Intents that say what the borrower's case is about. A case opened on one of
# them remembers it (the `handoff_intent` slot); while the case waits, another
# of them, or a plain "no", is the borrower correcting what the bot understood
# ("no, I didn't say I already paid, I get paid on the 15th").
REASON_OF_INTENT = {
    "already_paid": "borrower says already paid",
    "dispute_debt": "debt disputed",
    "complain": "complaint",
    "promise_to_pay": "borrower says when they can pay",
    "request_deferral": "borrower asks for more time",
    "request_instalments": "borrower asks to pay in instalments",
    "offer_partial_payment": "borrower offers to pay part now",
    "request_fee_waiver": "borrower asks for a fee waiver",
    "cannot_pay": "borrower says they cannot pay now",
    "refuse_to_pay": "borrower refuses to pay",
}
CORRECTION_DENIED = "deny"  # "no, that's not what I said": the reason is wrong, no new one given


def corrected_reason(previous: str, intent: str) -> str:
    """The case's reason after the borrower corrected it: the new reading, with the old one kept."""
    if intent == CORRECTION_DENIED:
        return f"borrower says this is wrong: {previous}"[:200]
    return f"corrected by the borrower: {REASON_OF_INTENT[intent]} (was: {previous})"[:200]
