"""What a borrower's turn asks for: the Request read from its entities and signals.

Why apart from negotiate.py: reading the request (their amount, their dates,
their period, the request on the table that this message only changes) is one
job; answering it inside the limits is another. Pure, no I/O.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from bot.dialogue.move import MOVE_SLOT, OWN_TERMS, Ask, InvalidMove, Move, from_dict
from bot.dialogue.turn import Turn
from bot.negotiation.kinds import RequestKind
from bot.negotiation.plans import Request


# Intents that start or continue a negotiation, and what each asks for.
KIND_OF_INTENT = {
    "promise_to_pay": RequestKind.PROMISE_TO_PAY,
    "request_deferral": RequestKind.DEFERRAL,
    "request_instalments": RequestKind.INSTALMENT_PLAN,
    "offer_partial_payment": RequestKind.PART_PAYMENT,
    "request_fee_waiver": RequestKind.FEE_WAIVER,
    "cannot_pay": RequestKind.AFFORDABILITY,
}


def request_kind_of(value: Any) -> RequestKind:
    """The request a conversation carries in its slots (what it is about when unsaid: affordability)."""
    try:
        return RequestKind(value) if value else RequestKind.AFFORDABILITY
    except ValueError:
        return RequestKind.AFFORDABILITY


def hardship_of(turn: Turn) -> str | None:
    """The hardship the limits are chosen for: recorded, stated, or likely ("my hours were cut",
    "business is down 50%": income reduced, read by the NLU as `hardship_likely`)."""
    return turn.slot("hardship_reason") or turn.signal("hardship") or turn.signal("hardship_likely")


def their_amount(turn: Turn, loan: Mapping[str, Any]) -> Decimal | None:
    """The borrower's own figure: among several amounts, not the balance they quote back ("Siwezi
    lipa 9k yote mara moja. Naeza toa 1,500 kila wiki" became a promise of the whole 9,000)."""
    amounts = [a for a in (positive_decimal(v) for v in turn.entities.get("amount") or ()) if a is not None]
    total = positive_decimal(loan.get("total"))
    if turn.signal("amount_question"):  # "为什么比我借的多了380块?": the figures asked about are no budget
        asked = {positive_decimal(loan.get(k)) for k in ("total", "outstanding_principal", "principal")}
        extra = (positive_decimal(loan.get("accrued_interest")) or 0) + (positive_decimal(loan.get("late_fees")) or 0)
        amounts = [a for a in amounts if a not in asked and a != extra]
    own = [a for a in amounts if a != total]
    return (own or amounts or [None])[0] if len(amounts) > 1 else (amounts or [None])[0]


def read_request(turn: Turn, kind: RequestKind, amount: Decimal | None, today: date,
             all_loans: bool) -> tuple[RequestKind, Request] | Move:
    """The request this message makes, from its entities and signals (or the question to ask first)."""
    count = _int(turn.first("instalments"))
    days = _int(turn.first("duration_days"))
    when = _first_to_come(turn, today)
    said = turn.signal("period", {})
    rhythm = _int(turn.slot(PAY_PERIOD_SLOT))
    if said.get("payday") and rhythm:  # "2,000 per sweldo" after "sweldo every 15 and 30": every 14 days
        period = rhythm
    else:
        period = _period_days(said, days) if _period_said(said, days) else \
            _budget_period(turn) or rhythm or _period_days(said, days)
    reason = hardship_of(turn)
    parts = _two_parts(turn, kind, today, all_loans)
    if parts is not None:
        return RequestKind.PART_PAYMENT, parts
    if kind == RequestKind.AFFORDABILITY and count and not amount:
        kind = RequestKind.INSTALMENT_PLAN
    if kind in (RequestKind.PROMISE_TO_PAY, RequestKind.DEFERRAL) and amount and _a_rate(turn, amount):
        kind = RequestKind.AFFORDABILITY  # "i cn do $60 a wk ... start nxt monday": a budget, not a promise
    if kind == RequestKind.PART_PAYMENT and amount and (said.get("per")
                                                        or turn.slot("awaiting") == Ask.AFFORDABILITY):
        kind = RequestKind.AFFORDABILITY  # "35,000 a month" is what they can afford each month, not a part now
    if kind in (RequestKind.AFFORDABILITY, RequestKind.INSTALMENT_PLAN) and amount:
        # What they can pay per period; a date they gave is the first instalment's, and
        # "every Friday" is the next Friday after today.
        return kind, Request(kind=RequestKind.INSTALMENT_PLAN, amount=amount, frequency_days=period,
                             date=when or _next_weekday(said.get("weekday"), today))
    if kind == RequestKind.INSTALMENT_PLAN and (count or days):
        # "split it over 3 months": the span bounds the plan, the limits pick the count.
        return kind, Request(kind=RequestKind.INSTALMENT_PLAN, count=count, days=None if count else days,
                             frequency_days=period if said.get("unit") and count else None, date=when)
    if kind == RequestKind.PROMISE_TO_PAY and (when or days):
        return kind, Request(kind=RequestKind.PROMISE_TO_PAY, date=when or today + timedelta(days=days))
    if kind == RequestKind.DEFERRAL and (days or when):
        # The date as said: a deferral "to today" is named and moved by the core, never silently.
        return kind, Request(kind=RequestKind.DEFERRAL, days=days) if days else \
            Request(kind=RequestKind.DEFERRAL, date=when)
    if kind == RequestKind.PART_PAYMENT and amount:
        # "500 now, the rest in two weeks": the duration is the rest's date.
        rest = when or (today + timedelta(days=days) if days else None)
        return kind, Request(kind=RequestKind.PART_PAYMENT, amount=amount, date=rest)
    if kind == RequestKind.FEE_WAIVER:
        due = when or (today + timedelta(days=days) if days else None)
        return kind, Request(kind=RequestKind.FEE_WAIVER, date=due, waiver_percent=Decimal(100))
    if kind == RequestKind.INSTALMENT_PLAN and all_loans:
        # "split both loans": one answer can't be carried to every loan, so each
        # loan's own limits pick its plan instead of asking.
        return kind, Request(kind=RequestKind.INSTALMENT_PLAN)
    return Move("action_ask_details", ask=_ASK_FOR.get(kind, Ask.AFFORDABILITY), request_kind=kind,
                hardship_reason=reason)


# Requests a payment in two dated parts answers ("2,000 today and the rest on the 15th").
_PARTS_KINDS = (RequestKind.PART_PAYMENT, RequestKind.PROMISE_TO_PAY, RequestKind.AFFORDABILITY,
                RequestKind.INSTALMENT_PLAN, RequestKind.DEFERRAL)


def _two_parts(turn: Turn, kind: RequestKind, today: date, all_loans: bool) -> Request | None:
    """A part payment with each part's own date, when the NLU read two dated parts (the `parts` signal).

    Not for a rate ("1,000 a week"), a count of instalments, or several loans at once
    (one loan's dates are not carried to every loan)."""
    parts = turn.signal("parts")
    said = turn.signal("period", {})
    if (all_loans or kind not in _PARTS_KINDS or not isinstance(parts, list) or len(parts) != 2
            or said.get("per") or (said.get("every") and said.get("unit"))  # "1,2 juta tiap dua minggu"
            or _int(turn.first("instalments")) not in (None, 2)):  # "dicicil 2x aja: 500rb tgl 14, sisanya ..."
        return None
    first, second = parts
    amount = positive_decimal(_entity(turn, "amount", first.get("amount")))
    rest = second.get("amount")
    rest_amount = None if rest == "rest" else positive_decimal(_entity(turn, "amount", rest))
    first_date = _when(turn, first.get("when"), today)
    rest_date = _when(turn, second.get("when"), today)
    if amount is None or amount <= 0 or rest_date is None or (rest != "rest" and rest_amount is None):
        return None
    if rest_amount is not None and rest_amount <= 0:
        return None
    return Request(kind=RequestKind.PART_PAYMENT, amount=amount, date=rest_date,
                   first_date=None if first_date == today else first_date, rest_amount=rest_amount)


def _first_to_come(turn: Turn, today: date) -> date | None:
    """The first date of the message that is not past: "cut in half in October ... Next payday is Dec 18"
    pays on the 18th (round 8 (dev): October was the date asked about)."""
    dates = [d for d in (as_date(v) for v in turn.entities.get("date") or ()) if d is not None]
    return next((d for d in dates if d >= today), dates[0] if dates else None)


def _a_rate(turn: Turn, amount: Decimal) -> bool:
    """An amount said per period ("a wk", "tiap dua minggu", "each payday" beside "every other Friday")
    and below what they owe: what they can pay each time (round 8 (dev): a promise of the whole balance)."""
    said = turn.signal("period", {})
    total = positive_decimal((turn.slot("loan") or {}).get("total"))
    rate = said.get("per") or (said.get("every") and said.get("unit")) or said.get("weekday") is not None
    return bool(rate) and total is not None and amount < total


def _next_weekday(weekday: Any, today: date) -> date | None:
    """The first of the weekday a rate names ("2000 every Friday"), after today: nothing falls due today unasked."""
    if not isinstance(weekday, int) or isinstance(weekday, bool) or not 0 <= weekday <= 6:
        return None
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def _entity(turn: Turn, name: str, index: Any) -> Any:
    values = turn.entities.get(name) or []
    return values[index] if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(values) \
        else None


def _when(turn: Turn, where: Any, today: date) -> date | None:
    """The date a part's `when` points at: a date entity, or a duration counted from today."""
    if not isinstance(where, (list, tuple)) or len(where) != 2 or where[0] not in ("date", "duration_days"):
        return None
    value = _entity(turn, where[0], where[1])
    if where[0] == "date":
        return as_date(value)
    days = _int(value)
    return today + timedelta(days=days) if days is not None and days >= 0 else None


def kept_request(turn: Turn) -> Request | None:
    """The request on the table, for a move that answers something else while an offer waits
    ("say it another way", "you're welcome, shall I set it up?"): the budget survives the detour
    (issue 13 panel: "$40 a week" was lost after one unreadable reply)."""
    return previous_request(turn) if turn.slot("pending_offer") else None


def previous_request(turn: Turn) -> Request | None:
    """The request of the move before this message (the `move` slot still holds it when the
    policy decides): the terms the borrower is negotiating, with their budget and concessions."""
    try:
        return from_dict(turn.slot(MOVE_SLOT)).request
    except InvalidMove:
        return None


def on_the_table(turn: Turn) -> bool:
    """An offer waiting for a yes, or their own terms the move just before recorded as said: still
    theirs to change in the next message ("Actually make Friday's payment £120" right after "£100 this
    Friday and the rest next Tuesday" was noted changes the first part, not the whole balance)."""
    if turn.slot("pending_offer"):
        return True
    try:
        last = from_dict(turn.slot(MOVE_SLOT))
    except InvalidMove:
        return False
    return last.action == "action_offer" and last.detail == OWN_TERMS


def continued(turn: Turn, kind: RequestKind, today: date) -> Request | None:
    """The request on the table with only its date changed, when that is all this message says.

    "Can I pay on the 15th instead?" to an offer (or the date the bot asked for)
    keeps the budget, the count and the waiver; only the date is theirs anew.
    """
    previous = previous_request(turn)
    if previous is None or not (on_the_table(turn) or turn.slot("awaiting")):
        return None
    restated = _part_restated(turn, previous, kind, today)
    if restated is not None:
        return restated
    if kind != request_kind_of(turn.slot("request_kind")) and not _budget_dated(previous, kind):
        return None  # they asked for something else
    if any(turn.first(e) is not None for e in ("amount", "instalments")):
        return None
    when = as_date(turn.first("date"))
    days = _int(turn.first("duration_days"))
    if when is None and days is not None and turn.slot("awaiting") == Ask.DATE:
        when = today + timedelta(days=days)  # "in two weeks" answers "which date?"
    if when is None or (days is not None and turn.slot("awaiting") != Ask.DATE):
        return None
    said = turn.signal("period", {})
    if previous.kind == RequestKind.INSTALMENT_PLAN and previous.amount is None and said.get("unit"):
        # "每月还一次，从12月20号开始" (monthly, from the 20th): the count's plan, at their interval and date
        previous = replace(previous, frequency_days=_period_days(said, None))
    return replace(previous, date=when, days=None if previous.kind != RequestKind.INSTALMENT_PLAN else previous.days)


def _part_restated(turn: Turn, previous: Request, kind: RequestKind, today: date) -> Request | None:
    """One part of a two-part offer said again: "make it 2,500 sa Saturday" changes the first part
    and keeps the rest's date; "make it the 15th" moves the rest (issue 13 panel: the first became
    today and the rest Saturday; the 15th became a deferral of the whole balance)."""
    if previous.kind != RequestKind.PART_PAYMENT or not on_the_table(turn) or turn.signal("parts") \
            or kind not in (RequestKind.PART_PAYMENT, RequestKind.PROMISE_TO_PAY, RequestKind.DEFERRAL) \
            or turn.first("instalments") is not None or turn.first("duration_days") is not None \
            or len(turn.entities.get("amount") or ()) > 1 or len(turn.entities.get("date") or ()) > 1:
        return None
    amount, when = positive_decimal(turn.first("amount")), as_date(turn.first("date"))
    total = positive_decimal((turn.slot("loan") or {}).get("total"))
    if amount is not None and previous.amount is not None and total is not None and amount == total - previous.amount:
        # "So that leaves £128.70 on Tuesday 15th, right?": the rest, said with its day
        return replace(previous, date=when or previous.date, rest_amount=amount)
    if amount is not None:
        first = previous.first_date if when is None else (None if when == today else when)
        return replace(previous, amount=amount, first_date=first, rest_amount=None)
    return replace(previous, date=when) if when is not None else None


def _budget_dated(previous: Request, kind: RequestKind) -> bool:
    """"Can it start next friday?" to a plan on their budget or count: the plan's first date, read as a
    promise by the NLU (issue 13 panel: the $40-a-week budget became a promise of the whole balance,
    and "每月还一次，从12月20号开始" turned a 3-instalment plan into a promise)."""
    return (previous.kind == RequestKind.INSTALMENT_PLAN and (previous.amount is not None or previous.count)
            and kind in (RequestKind.PROMISE_TO_PAY, RequestKind.DEFERRAL, RequestKind.AFFORDABILITY,
                         RequestKind.INSTALMENT_PLAN))


def _period_said(said: Mapping[str, Any], days: int | None) -> bool:
    return bool(said.get("unit")) or (days in (7, 14, 30) and bool(said.get("every")))


def _budget_period(turn: Turn) -> int | None:
    """The period of the budget on the table: "no. 40. not 80" after "$40 a week" is still a week."""
    previous = previous_request(turn)
    if previous is None or previous.amount is None or previous.kind != RequestKind.INSTALMENT_PLAN:
        return None
    return previous.frequency_days


# What to ask for when a request comes without it (anything else: what they can afford).
_ASK_FOR = {RequestKind.PROMISE_TO_PAY: Ask.DATE, RequestKind.DEFERRAL: Ask.DURATION,
            RequestKind.PART_PAYMENT: Ask.AMOUNT}


PAY_PERIOD_SLOT = "pay_period_days"  # how often they are paid or mean to pay, said earlier in the conversation
PERIOD_DAYS = {"fortnight": 14, "week": 7, "month": 30}


def _period_days(said: Mapping[str, Any], days: int | None) -> int:
    """How often the borrower means to pay (the NLU's period signal): 'every two weeks' beats 'a week'."""
    if said.get("unit") == "fortnight":
        return 14
    if days in (7, 14, 30) and said.get("every"):
        return days
    if said.get("unit") == "week":
        return 7
    return 30


def positive_decimal(value: Any) -> Decimal | None:
    """An entity's or a slot's amount as a Decimal; None when absent, not a number or not positive."""
    if value is None:
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and amount > 0 else None


def _int(value: Any) -> int | None:
    try:
        number = int(Decimal(str(value)))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number > 0 else None


def as_date(value: Any) -> date | None:
    """An entity's ISO date (or None when it is absent or not one)."""
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None
