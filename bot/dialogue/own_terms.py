"""A borrower's own terms, met exactly, are recorded when they say them.

Why: on unseen conversations (issue 13, blind panels) borrowers wrote "I'll pay
the full 452 on Friday", "Babayaran ko po buo sa Sabado", "20k this Friday, the
remaining next week Friday", were asked "Shall I set this up?", and answered
"thx", another question, or nothing: the promise they made was never recorded.
A collector notes a promise when it is made and reads it back. So an offer
that is exactly what this message said (every date theirs, every amount theirs
or the balance, at most two payments, nothing adjusted, no waiver, no doubt in
the words) is recorded at once and read back with "tell me if it's wrong".
Whatever the bot worked out itself (an adjusted date, a plan it built, a
waiver, a hardship plan) still waits for their yes. Pure, no I/O.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from bot.dialogue.requests import as_date, positive_decimal
from bot.dialogue.turn import Turn
from bot.negotiation.kinds import OfferKind
from bot.negotiation.plans import Offer

_KINDS = (OfferKind.PROMISE_TO_PAY, OfferKind.DEFERRAL, OfferKind.PART_PAYMENT, OfferKind.INSTALMENT_PLAN,
          OfferKind.PAY_IN_FULL)
_ARRANGED = ("in_arrangement", "promise_pending")


def own_terms(turn: Turn, offer: Offer, today: date, balance: Decimal) -> bool:
    """Whether `offer` is exactly the terms this message states, plainly, for this loan."""
    if offer.adjusted or offer.waiver or offer.hardship or offer.kind not in _KINDS or not 0 < len(offer.schedule) <= 2:
        return False
    if turn.signal("hedged") or turn.signal("contact_time") or turn.first("not_date") is not None \
            or not turn.slot("verified", False):
        return False  # "Sabtu jam 7 malam aja" is when to call them, not a new promise to record
    if arranged(turn):
        return False  # a change to what they agreed is put to them first, never recorded on one reading
    dates = _dates_said(turn, today)
    if not dates or any(each.due not in dates for each in offer.schedule):
        return False
    amounts = {a for a in (positive_decimal(v) for v in turn.entities.get("amount") or ()) if a is not None}
    offered = {each.amount for each in offer.schedule}
    if not amounts <= offered | {balance}:
        return False
    *first, _rest = offer.schedule  # the last payment may be "the rest", unnamed
    return all(each.amount in amounts for each in first)


def arranged(turn: Turn) -> bool:
    """Whether the loan already has a promise or an arrangement the borrower agreed."""
    return (turn.slot("loan") or {}).get("status") in _ARRANGED


def _dates_said(turn: Turn, today: date) -> set[date]:
    """The days this message names: its dates, and its durations counted from today."""
    said = {d for d in (as_date(v) for v in turn.entities.get("date") or ()) if d is not None}
    for value in turn.entities.get("duration_days") or ():
        days = positive_decimal(value)
        if days is not None and days == int(days):
            said.add(today + timedelta(days=int(days)))
    return said
