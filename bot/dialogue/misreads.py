"""What a turn means where the intent classifier read something else: one place, before any move.

Why: the classifier misreads SMS spelling, code-mixed text and messages that say two things; the
entities and signals the NLU reads by rule are surer. Each rereading here names the panel case it
came from (issue 13). Pure, no I/O; `moves.decide` calls `reread` first.
"""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from bot.dialogue import record_moves
from bot.dialogue.move import Ask
from bot.dialogue.requests import KIND_OF_INTENT, as_date
from bot.dialogue.turn import IDENTITY_ENTITIES, Turn, local_today


def reread(turn: Turn) -> Turn:
    """The turn with the intent its words and entities show, where the classifier read another one.

    Not a message the self-harm classifier found worrying: "Kal se main kisi pe bojh nahi rahunga... Sab
    khatam ho jayega" is no promise for tomorrow (round 8 (dev): recorded as one)."""
    if turn.self_harm_possible:
        return turn
    if turn.intent in ("nlu_fallback", "out_of_scope") and turn.signal("amount_question"):
        return replace(turn, intent="ask_fees")  # "22,500 kaise ho gaya? Maine 20k liya tha": the fees explained
    if turn.intent == "request_fee_waiver" and turn.signal("amount_question") and turn.intent_confidence < 0.6:
        return replace(turn, intent="ask_fees")  # "Bunga berapa, denda berapa?": what each charge is (round 9 (dev))
    if _paying_now_unread(turn):  # "bbyaran q n ngaun buo. mgkno b tlga?" read as a consequences question
        turn = replace(turn, intent="pay_in_full")
    if _payday(turn):  # "I get paid on the 15th": a date to pay on, not a payment made (issue 13)
        turn = replace(turn, intent="promise_to_pay")
    if _instalments_said(turn):  # "3 EMI kar do, har 2 hafte, pehli wali is Saturday" read as a promise
        turn = replace(turn, intent="request_instalments")
    if _payment_read_as_later(turn):  # "ok cn i py 10k 2moro n d rest on mon" read as "talk later"
        turn = replace(turn, intent="offer_partial_payment")
    if _terms_read_as_identity(turn):  # "yep, 214 on the 15th" once verified: terms, not details
        turn = replace(turn, intent=terms_intent(turn))
    if _budget_unread(turn):  # "Naeza toa 1,500 kila wiki, sio zaidi" came back as "say it another way"
        turn = replace(turn, intent="cannot_pay")
    elif _terms_unread(turn):  # "cn i pay 150 2day n the rest fri?", "cn u giv me 2wks?": terms no intent read
        turn = replace(turn, intent=terms_intent(turn))
    if _terms_read_as_other(turn):  # "I'll pay £300 today and the rest next Friday. And texts only, after 2pm"
        turn = replace(turn, intent=terms_intent(turn))
    claim = _claim_unread(turn)
    if claim:  # "Saya bukan Sari, ini nomor saya sudah 2 tahun" came back as fallback
        turn = replace(turn, intent=claim)  # asked once, with a one-tap yes (record_moves)
    if turn.intent == "request_human" and turn.signal("visit_worry"):  # "Apa benar ada DC yang mau datang ke rumah?"
        turn = replace(turn, intent="ask_consequences")
    if _writes_for_someone(turn):  # "Aman ka bada bhai bol raha hoon... uska loan number LN-65817": not the borrower
        turn = replace(turn, intent="third_party")
    return turn


# Intents a message with a count of instalments is misread as; the count says what they ask for.
_NOT_A_PLAN = frozenset({"promise_to_pay", "request_deferral", "offer_partial_payment", "pay_in_full"})


def _instalments_said(turn: Turn) -> bool:
    try:
        count = int(turn.first("instalments") or 0)
    except (TypeError, ValueError):
        return False
    parts = turn.signal("parts") or ()
    if len(parts) == count and all(isinstance(p.get("amount"), int) for p in parts):
        return False  # "dicicil 2x aja: 500rb tanggal 14, sisanya 880rb tanggal 28": the two parts as said
    return turn.intent in _NOT_A_PLAN and count >= 2


def _payment_read_as_later(turn: Turn) -> bool:
    """"Talk later" that names an amount and two dated parts is a payment offer."""
    return turn.intent == "busy_later" and turn.first("amount") is not None and bool(turn.signal("parts"))


def _terms_read_as_identity(turn: Turn) -> bool:
    """A verified borrower's amount or date read as identity details ("Iya, semuanya 944 ribu tanggal
    25 Desember" got the statement again): with no reference or date of birth in it, they are terms."""
    return turn.intent == "provide_identity" and bool(turn.slot("verified", False)) \
        and not any(turn.first(e) for e in IDENTITY_ENTITIES) and not turn.signal("loan_reference") \
        and (turn.first("amount") is not None or turn.first("date") is not None)


# Intents a message with a payment promised on a day is misread as (round 8 (dev): the terms were
# lost to "talk to you then" when a contact time came with them).
_READ_PAST_TERMS = frozenset({"busy_later", "nlu_fallback", "out_of_scope", "thank", "goodbye", "greet",
                              "ask_payment_methods"})


def _terms_read_as_other(turn: Turn) -> bool:
    return bool(turn.slot("verified", False) and turn.intent in _READ_PAST_TERMS and turn.signal("pays")
                and (later_date(turn) or today_said(turn)) and not turn.signal("evidence"))


def terms_intent(turn: Turn) -> str:
    """What terms said without a readable intent ask: an answer to the offer on the table, two
    parts, more time, or a payment on a date."""
    if turn.slot("pending_offer"):
        return "affirm"  # the offer's terms accept it, any other term is a counter (_verified)
    if turn.signal("parts") or len({str(d)[:10] for d in turn.entities.get("date") or ()}) >= 2:  # not "20号...20号"
        return "offer_partial_payment"
    if turn.first("duration_days") is not None and turn.first("amount") is None and turn.first("date") is None:
        return "request_deferral"  # "cn u giv me 2wks?"
    return "promise_to_pay"


def _terms_unread(turn: Turn) -> bool:
    """A verified borrower's amount, date or span of time that no intent read (SMS spelling, code-mixed):
    terms, never "say it another way" twice and a hand-off (round 5 (dev): "cn i pay 150 2day n the
    rest fri?", then "fri the 11th yeah", went to a person as not understood). Not while the bot waits
    for an answer it can read itself, nor with an offer on the table (a counter: _counter_terms)."""
    coming = any((when := as_date(d)) is not None and when >= local_today(turn) for d in turn.entities.get("date") or ())
    unread = turn.intent in ("nlu_fallback", "out_of_scope") \
        or (turn.intent == "goodbye" and coming)  # "iya sampai tanggal 21 ya": "sampai" is no "sampai jumpa"
    return unread and bool(turn.slot("verified", False)) \
        and not turn.slot("pending_offer") and not awaited_answer(turn) \
        and (coming or turn.first("amount") is not None or turn.first("duration_days") is not None) \
        and turn.signal("hardship") not in ("bereavement", "illness") and not turn.signal("evidence") \
        and (turn.slot("loan") or {}).get("status") != "paused"


# Claims whose words alone are read back to the borrower as a question before anything is recorded.
_ASKED_BACK = frozenset({"wrong_person", "stop_contact"})


def _claim_unread(turn: Turn) -> str | None:
    """One claim the words make plainly that no intent read (round 5 (dev): an Indonesian "I'm not
    Sari, this has been my number for 2 years" was "not understood" twice and went to a person): the
    claim, which record_moves asks about with a one-tap confirmation, never records on its own."""
    return _plain_claim(turn) if turn.intent in ("nlu_fallback", "out_of_scope") else None


def _plain_claim(turn: Turn) -> str | None:
    """The one claim the words make, if one: "not me, I never borrowed anything" is a wrong person
    (whoever is not the borrower never borrowed), not a dispute beside it."""
    evidence = set(turn.signal("evidence") or ())
    if "wrong_person" in evidence:
        evidence.discard("dispute_debt")
    return next(iter(evidence)) if len(evidence) == 1 and evidence <= _ASKED_BACK else None


def _writes_for_someone(turn: Turn) -> bool:
    """Someone who says they write for the borrower, or gives the borrower's details as someone else's,
    before verifying: verification closes, whatever intent the message read as (issue 13 panel, round 5
    (dev): a brother's Hinglish was read as a greeting, then his brother's details verified him)."""
    return bool(turn.signal("someone_else")) and not turn.slot("verified", False) \
        and not turn.slot(record_moves.CLOSED, False) and turn.intent not in ("third_party", "wrong_person") \
        and not turn.self_harm


_NOT_PAYING_NOW = frozenset({"pay_in_full", "already_paid", "dispute_debt", "stop_contact", "wrong_person",
                             "third_party", "complain", "abuse", "disclose_vulnerability", "request_human"})


def _paying_now_unread(turn: Turn) -> bool:
    """They pay now, in their words ("send q n ngaun"), with no terms of another kind: paying it all today
    (round 9 (dev): read as a consequences question, then "say it another way")."""
    return bool(turn.slot("verified", False)) and bool(turn.signal("pays")) and bool(turn.signal("now")) \
        and turn.intent not in _NOT_PAYING_NOW and turn.intent not in KIND_OF_INTENT \
        and not any(turn.first(e) is not None for e in ("amount", "date", "duration_days", "instalments"))


def _budget_unread(turn: Turn) -> bool:
    """An amount said as a rate ("1,500 kila wiki") by a verified borrower that no intent read,
    with no offer on the table (then it is a counter): what they can afford each period."""
    return turn.intent in ("nlu_fallback", "out_of_scope") and bool(turn.slot("verified", False)) \
        and not turn.slot("pending_offer") and turn.first("amount") is not None \
        and bool(turn.signal("period", {}).get("per"))


def _payday(turn: Turn) -> bool:
    """Read as already paid, with no word of a payment made and a date still to come."""
    return (turn.intent == "already_paid" and "already_paid" not in (turn.signal("evidence") or ())
            and later_date(turn))


def later_date(turn: Turn) -> bool:
    when = as_date(turn.first("date"))
    return when is not None and when > local_today(turn)


def today_said(turn: Turn) -> bool:
    """"pay it all 2nite", "nitalipa yote leo": their own day is today."""
    return as_date(turn.first("date")) == local_today(turn)


def awaited_answer(turn: Turn) -> bool:
    """'about 10 days' may not read as any intent, but it answers the bot's question."""
    awaiting = turn.slot("awaiting")
    return bool(turn.slot("verified", False) and awaiting and answers(turn, awaiting))


def answers(turn: Turn, awaiting: str) -> bool:
    """Whether the message carries what the bot was waiting for."""
    wanted = {
        Ask.DATE: ("date", "duration_days"),
        Ask.DURATION: ("duration_days", "date"),
        Ask.AMOUNT: ("amount",),
        Ask.AFFORDABILITY: ("amount", "instalments"),
        Ask.COUNT: ("instalments", "amount"),
    }.get(awaiting, ())
    return any(turn.first(e) is not None for e in wanted)


def their_sum(turn: Turn) -> bool:
    """"Yes, £177 on Friday the 11th. And I want it noted that ... is harassment": the whole balance, or a
    sum after a yes, is terms with no "I'll pay" (round 9 (dev): only the complaint was asked about)."""
    amount, total = turn.first("amount"), (turn.slot("loan") or {}).get("total")
    try:
        whole = amount is not None and total is not None and Decimal(str(amount)) == Decimal(str(total))
    except (ArithmeticError, ValueError):
        whole = False
    return whole or (amount is not None and bool(turn.signal("yes_first")))
