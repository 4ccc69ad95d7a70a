"""Moves that change the record on the borrower's word: never on a guess.

Why: misreadings wrote to the record. A Chinese request for instalments set
cease-contact, "I get paid on the 15th" opened an already-paid case, "why is
it 5,600 when I borrowed 5,000?" set the loan disputed, and "who is this?"
was told "we won't contact this number again". So stop contact, dispute,
wrong person, already paid and complaint are recorded only after the
borrower confirms with one tap. With clear evidence in their words and a
sure NLU the bot names what it will record; otherwise it asks what they
meant; a complaint asked for in so many words ("I want that on record as a
complaint") is its own confirmation (round 6 (dev): asked twice, five were lost
as borrowers went on to their plan). "No, I didn't say that" right after a change undoes it (audited by
the action). Pure, no I/O: `decide` (moves.py and during_handoff.py) calls
`gate` before anything else is read from the turn.
"""
from __future__ import annotations

from dataclasses import replace

from typing import Any, Mapping

from bot.dialogue.move import Move
from bot.dialogue.reasons import Escalation
from bot.dialogue.turn import IDENTITY_ENTITIES, Turn, local_today

PENDING = "pending_record"  # {"intent", "text", "opt_out", "limits"}: a change waiting for the borrower's yes
LAST = "last_record"  # {"intent", "undo": {...}}: the last change made, so "I didn't say that" can undo it
CLOSED = "third_party_closed"  # someone said they are not the borrower: no verification in this conversation
EARLIER = "claim_before_verification"  # a debt claim made before verification: asked about once they verify

CONFIRM = "action_confirm_record"  # evidence and a sure reading: "I'll record X. Shall I?"
CLARIFY = "action_clarify_record"  # no evidence or an unsure reading: "Do you mean X?"
DECLINED = "action_record_declined"  # "no": nothing recorded
REVERT = "action_revert_record"  # "I didn't say that": the last change undone
WHO = "action_who_is_this"  # the lender's identity and the verification request
ACTIONS = (CONFIRM, CLARIFY, DECLINED, REVERT, WHO)
ASKED = "asked"  # Move.detail of a change asked for in so many words (a complaint), recorded without a second yes

# The record-changing intents and the action that makes each change once confirmed.
RECORDS = {
    "stop_contact": "action_stop_contact",
    "wrong_person": "action_wrong_person",
    "complain": "action_complain",
    "dispute_debt": "action_dispute",
    "already_paid": "action_already_paid",
}
VERIFIED_ONLY = frozenset({"dispute_debt", "already_paid"})  # about the debt: only for the verified borrower
ESCALATES = {"complain": Escalation.COMPLAINT, "dispute_debt": Escalation.DISPUTE}
# Intents a "who is this?" is often read as; the question itself is what gets answered.
WHO_MISREAD = frozenset({"stop_contact", "wrong_person", "third_party", "bot_challenge", "greet", "nlu_fallback",
                         "out_of_scope", "ask_balance"})

# Intents a claim in the borrower's own words outweighs: questions and small talk the
# classifier reads a claim as ("Nililipa jana kupitia paybill, code ni SLK8Y2H1QZ" read as
# how to pay, "ok paid. confirmation is 9QX-22814" as a balance question: issue 13 panel).
# The bot then asks what they meant (one tap), it never records on the words alone.
# provide_identity only without identity details ("Saya bukan peminjam" read as identity: round 7 (dev));
# "LN-20931, 12 March 1990, I paid yesterday" is verification first (said_instead).
EVIDENCE_OVER = frozenset({
    "ask_payment_methods", "ask_balance", "ask_due_date", "ask_fees", "ask_consequences", "pay_in_full", "provide_identity",
    "nlu_fallback", "out_of_scope", "greet", "thank", "goodbye", "busy_later", "apologize", "refuse_to_pay",
    "bot_challenge", *RECORDS,
})

# How sure the intent classifier must be for the bot to name the change
# outright; below it the bot asks. Either way nothing is written before "yes".
MIN_CONFIDENCE = 0.6


def gate(turn: Turn) -> Move | None:
    """The move when this turn confirms, declines, undoes or claims a record change; None otherwise."""
    pending = turn.slot(PENDING)
    if isinstance(pending, Mapping) and turn.intent == "deny":
        return Move(DECLINED, detail=pending.get("intent"))
    if isinstance(pending, Mapping) and _yes_to(turn, pending):
        return confirmed(turn, pending)
    last = turn.slot(LAST)
    if turn.signal("correction") and isinstance(last, Mapping):
        return Move(REVERT, detail=last.get("intent"))
    if turn.signal("who_is_this") and turn.intent in WHO_MISREAD and not turn.slot("verified", False):
        return Move(WHO)
    instead = said_instead(turn)
    if instead is not None:  # their words claim something other than what the intent read
        if instead in VERIFIED_ONLY and not turn.slot("verified", False):
            return Move("action_ask_identity", detail=instead)  # a debt claim waits for verification
        return Move(CLARIFY, detail=instead)
    if turn.signal("complaint_asked"):  # "I want that on record as a complaint": the request is the yes
        return Move(RECORDS["complain"], escalation=ESCALATES["complain"], detail=ASKED)
    claim = claimed(turn)
    if claim is None:
        return None
    if claim not in (turn.signal("evidence") or ()) and turn.slot("pending_offer") and turn.signal("yes_first"):
        return None  # "sound ta" to an offer, read as a stop with no word of one: a yes (round 9 (dev))
    if fear_not_complaint(turn):
        return None
    sure = claim in (turn.signal("evidence") or ()) and turn.intent_confidence >= MIN_CONFIDENCE
    return Move(CONFIRM if sure else CLARIFY, detail=claim)


def fear_not_complaint(turn: Turn) -> bool:
    """"Je, mtanipeleka polisi? Naogopa sana" read as a complaint with no word of one: a question about
    the police, answered ("no, you cannot be arrested"), never a complaint asked about (round 9 (dev))."""
    return turn.intent == "complain" and "complain" not in (turn.signal("evidence") or ()) \
        and bool(turn.signal("arrest")) and bool(turn.signal("question")) and not turn.signal("threat_reported")


def answers_pending(turn: Turn) -> bool:
    """Whether this turn says yes or no to the change the bot asked about."""
    pending = turn.slot(PENDING)
    return isinstance(pending, Mapping) and (turn.intent == "deny" or _yes_to(turn, pending))


# Claims a promise to pay contradicts: "Fine. I'll pay the whole $636 this Friday" to "are you saying you
# don't owe this debt?" is no yes to a dispute (round 8 (dev): the loan was marked disputed).
_PAYING_CONTRADICTS = frozenset({"dispute_debt", "wrong_person", "already_paid"})


def _yes_to(turn: Turn, pending: Mapping[str, Any]) -> bool:
    """Whether this turn says yes to the change the bot asked about."""
    if pending.get("intent") in _PAYING_CONTRADICTS and turn.signal("pays") and turn.first("date") is not None:
        return False
    if pending.get("intent") in _TERMS_INSTEAD and _terms_without_claim(turn, pending):
        return False
    return (turn.intent == "affirm"
            or bool(turn.signal("yes_first"))  # "Ndio, hakuna simu wala SMS" to "stop contact?", whatever the rest reads as
            or (turn.intent in ("thank", "apologize") and pending.get("intent") == "already_paid")  # "thanks!! sorry again"
            or (pending.get("intent") == "already_paid" and _payment_details(turn))  # "3,450 on Dec 3. GCash ref 5013..."
            or (turn.intent == pending.get("intent") and turn.intent in RECORDS)  # "yes, wrong number": the claim again
            or _claim_said_again(turn, pending))


# Claims a message with terms and no word of the claim does not confirm: "Theek hai, 2000 har mahine, pehli
# payment Thursday 10 Dec ko" to "are you asking us to stop contacting you?" (round 9 (dev): its "Theek hai"
# recorded cease-contact, and the plan was lost).
# "Baik, saya lunasi semuanya hari Kamis tanggal 10 ya" to "would you like to make a complaint?" is their
# promise, not a yes to the complaint (round 9 (dev): the complaint was recorded and the promise lost).
_TERMS_INSTEAD = frozenset({"stop_contact", "dispute_debt", "wrong_person", "complain"})


def _terms_without_claim(turn: Turn, pending: Mapping[str, Any]) -> bool:
    terms = (turn.first("amount") is not None and (
        turn.first("date") is not None or turn.first("instalments") is not None
        or bool((turn.signal("period") or {}).get("per")))) or (bool(turn.signal("pays")) and turn.first("date") is not None)
    return terms and pending.get("intent") not in (turn.signal("evidence") or ()) \
        and not turn.signal("complaint_asked")


def _claim_said_again(turn: Turn, pending: Mapping[str, Any]) -> bool:
    """The claim in the words again, under any intent, with no terms beside it ("麻烦把我的号码从你们系统里删掉"
    to "we reached the wrong person?": round 7 (dev) answered "say it another way"). A message that also
    names a date or an amount has its terms recorded first (moves.py `_terms_first`)."""
    return pending.get("intent") in (turn.signal("evidence") or ()) and pending.get("intent") != "already_paid" \
        and not any(turn.entities.get(e) for e in ("amount", "date", "duration_days", "instalments"))


def _payment_details(turn: Turn) -> bool:
    """The payment's reference, or a day already past: details of a payment made, which answer
    "have you already paid?" (issue 13 panel: they were answered with the statement)."""
    today = local_today(turn).isoformat()
    return bool(turn.signal("payment_reference")) or any(str(d)[:10] < today for d in turn.entities.get("date") or ()) \
        or "already_paid" in (turn.signal("evidence") or ())  # "Nililipa 3,600 yote. Check vizuri"


def said_instead(turn: Turn) -> str | None:
    """The one record change the words give evidence of when the intent read something else
    (or a record change its words do not bear out): "Nishalipa hii! Mbona mnaendelea kunitumia
    messages?" ("I already paid! why do you keep messaging?") read as stop_contact is a payment claim."""
    intent = turn.intent
    evidence = set(turn.signal("evidence") or ())
    if intent == "affirm" and "already_paid" in evidence and turn.signal("payment_reference"):
        return "already_paid"  # "Done. Confirmation 8HT2K9QX" to an offer: a payment made, not a yes to it
    if turn.signal("family_contact") or intent not in EVIDENCE_OVER or intent in evidence:
        return None
    if any(turn.first(e) for e in IDENTITY_ENTITIES):
        return None
    others = evidence - {intent}
    if len(others) > 1 and not turn.slot("verified", False):  # "Saya bukan peminjam. Saya tidak pernah pinjam":
        others -= VERIFIED_ONLY  # before verification, a wrong number, not a dispute of someone else's debt
    return others.pop() if len(others) == 1 else None


def claimed(turn: Turn) -> str | None:
    """The record change this message asks for, if any (before any confirmation).

    A complaint about contact with the family or the employer is a complaint
    whatever intent it was read as; an amount question is never a dispute;
    a debt claim from an unverified sender waits for verification.
    """
    if turn.signal("family_contact"):
        return "complain"
    intent = turn.intent
    if intent not in RECORDS:
        return None
    if intent == "stop_contact" and turn.signal("contact_time") and turn.signal("opt_out") != "cease":
        return None  # "don't call me before 9am", "office time mein call mat karna, raat 8 baje ke baad call karo":
        # a time to contact, not an end to contact (round 6 (dev) asked whether to stop all contact)
    if intent == "dispute_debt" and turn.signal("amount_question") and "dispute_debt" not in (turn.signal("evidence") or ()):
        return None  # "why is it 5,600 when I borrowed 5,000?": the fees explanation answers it
    if intent in VERIFIED_ONLY and not turn.slot("verified", False):
        return None
    return intent


def confirmed(turn: Turn, pending: Mapping[str, Any]) -> Move:
    """The change the borrower just said yes to (its action reads the claim from the `pending_record` slot)."""
    intent = pending.get("intent")
    if intent not in RECORDS:
        return Move(DECLINED, detail=str(intent))
    if intent in VERIFIED_ONLY and not turn.slot("verified", False):
        return Move("action_ask_identity")
    move = Move(RECORDS[intent], escalation=ESCALATES.get(intent), detail="confirmed")
    if intent == "stop_contact" and pending.get("opt_out") in ("limits", "channel") and turn.slot("pending_offer"):
        return replace(move, also=("offer_again",))  # "SMS only" recorded; the plan still waits for its yes
    return move


def unanswered(pending: Any) -> dict[str, Any] | None:
    """A claim the bot asked about before verification that the borrower answered by verifying
    instead ("someone called my workplace" -> "shall I record a complaint?" -> "LN-10487, 04/17/81"):
    kept to ask again once they are verified (issue 13 panel: such complaints were lost). Not a
    wrong number: verifying says it is theirs."""
    if isinstance(pending, Mapping) and pending.get("intent") in RECORDS and pending.get("intent") != "wrong_person":
        return dict(pending)
    return None


def pending_claim(turn: Turn, intent: str) -> dict[str, Any]:
    """What the `pending_record` slot keeps of the claim: the words it was made in, for the record."""
    return {"intent": intent, "text": turn.text[:300], "opt_out": turn.signal("opt_out"),
            "family_contact": bool(turn.signal("family_contact")), "payment_reference": turn.signal("payment_reference"),
            "threat": bool(turn.signal("threat_reported")),
            "limits": turn.signal("contact_limits") if turn.signal("opt_out") == "limits" else None}


def claim_of(turn: Turn) -> Mapping[str, Any]:
    """The claim a confirmed change executes: the pending one, or this turn's own words."""
    pending = turn.slot(PENDING)
    if isinstance(pending, Mapping) and _yes_to(turn, pending):
        limits = turn.signal("contact_limits") if pending.get("intent") == "stop_contact" else None
        if limits:  # "Yes. No calls, no texts. Mail only.": the yes says which channels
            pending = {**pending, "opt_out": "limits", "limits": limits}
        return {**pending, "payment_reference": pending.get("payment_reference") or turn.signal("payment_reference")}
    return pending_claim(turn, turn.intent)
