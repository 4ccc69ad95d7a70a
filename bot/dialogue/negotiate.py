"""The negotiation moves: a request on one loan or all of them, and the counter-offer after a "no".

Every offer comes from bot.negotiation (propose) inside the product's limits;
when the limits leave none, the move hands over with its reason (no
arrangement, or the ladder exhausted).

The borrower's own terms come first (issue 13, docs/negotiation.md): an
affordability offer is never above the budget they gave (else a person takes
over with the figures), nothing falls due today unless they said today (else
the move asks for their date), dates they ruled out are never used, and a
waiver on the table stays when they change another term.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from bot.dialogue.move import MOVE_SLOT, Ask, InvalidMove, Move, from_dict
from bot.dialogue.reasons import Escalation
from bot.dialogue.turn import Turn, local_today
from bot.negotiation.budget import Budget, fits, shortfall
from bot.negotiation.kinds import LadderStep, OfferKind, RequestKind
from bot.negotiation.ladder import LADDER, next_step
from bot.negotiation.limits import Product, limits_for
from bot.negotiation.money import fmt, quantize_down
from bot.negotiation.notes import Note, NoteCode
from bot.negotiation.plans import Offer, Request, propose


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


def counter_offer(turn: Turn, products: Mapping[str, Product], ladder: tuple[str, ...] = LADDER) -> Move:
    """The borrower said no to the offer on the table.

    A "no" that says what would work ("no, I can do 500 a week") is a new
    request. A bare "no" moves one step down the concession ladder, never
    further: the next offer concedes only what the refusal showed was needed;
    past the last step a person takes over.
    """
    pending = turn.slot("pending_offer") or {}
    if any(turn.first(e) is not None for e in ("amount", "date", "duration_days", "instalments")):
        move = negotiate(turn, products, request_kind_of(pending.get("request_kind")))
        return _budget_refused(turn, move) or move
    reason = hardship_of(turn)
    # Every offer kind is a rung; an offer slot without one stands where a promise does.
    current = pending.get("kind") if pending.get("kind") in tuple(LadderStep) else LadderStep.PROMISE_TO_PAY
    step = next_step(current, hardship=bool(reason), ladder=ladder)
    if step == LadderStep.PERSON:
        return Move("action_handoff", request_kind=_request_kind_or_none(pending.get("request_kind")),
                    hardship_reason=reason, escalation=Escalation.LADDER_EXHAUSTED, ladder_step=step)
    kind = RequestKind.INSTALMENT_PLAN if step in (LadderStep.INSTALMENT_PLAN, LadderStep.HARDSHIP_PLAN) \
        else RequestKind(step.value)
    move = negotiate(turn, products, kind, request=Request(kind=kind))  # keeps a waiver on the table
    if move.action == "action_offer":
        return Move("action_decline_offer", move.request, move.offer, request_kind=kind, hardship_reason=reason,
                    ladder_step=step)
    return move


def _budget_refused(turn: Turn, move: Move) -> Move | None:
    """"no. 40. not 80" to a plan already built on their 40 a week: the same budget said again is a
    refusal of what the limits allow at it, so a person takes over with the figures (issue 13 panel:
    the bot asked them to say it another way, then recorded a promise of the whole balance)."""
    previous = _previous_request(turn)
    request, offer = move.request, move.offer
    if (move.action != "action_offer" or offer is None or request is None or previous is None
            or previous.kind != RequestKind.INSTALMENT_PLAN or previous.amount is None
            or (request.amount, request.frequency_days) != (previous.amount, previous.frequency_days)):
        return None
    dues = [i.due for i in offer.schedule]
    every = (dues[1] - dues[0]).days if len(dues) > 1 else request.frequency_days or 30
    currency = (turn.slot("loan") or {}).get("currency", "")
    note = Note.of(NoteCode.OVER_BUDGET, amount=request.amount, period=request.frequency_days or 30,
                   smallest=max(i.amount for i in offer.schedule), every=every)
    return Move("action_handoff", request=request, request_kind=move.request_kind, hardship_reason=move.hardship_reason,
                escalation=Escalation.OVER_BUDGET, detail=_figures(note, currency), notes=(note,))


def _request_kind_or_none(value: Any) -> RequestKind | None:
    return request_kind_of(value) if value else None


def negotiate(turn: Turn, products: Mapping[str, Product], kind: RequestKind,
              request: Request | None = None) -> Move:
    loan = turn.slot("loan") or {}
    if request is None and loan.get("others") and about_all_loans(turn):
        return _negotiate_all(turn, products, all_loans_kind(turn, kind), [loan, *loan["others"]])
    return _negotiate_loan(turn, products, kind, loan, request, positive_decimal(turn.first("amount")))


def _negotiate_loan(turn: Turn, products: Mapping[str, Product], kind: RequestKind, loan: Mapping[str, Any],
                    request: Request | None, amount: Decimal | None, all_loans: bool = False) -> Move:
    """One loan's move; `amount` is the borrower's amount, or this loan's share of it."""
    product = products.get(loan.get("product_code", ""))
    if product is None:
        return Move("action_handoff", escalation=Escalation.NO_ARRANGEMENT, detail=turn.intent)
    reason = hardship_of(turn)
    hardship = bool(reason)
    limits = limits_for(product, hardship)
    today = local_today(turn)
    currency = loan["currency"]
    balance = Decimal(loan["total"])
    fees = Decimal(loan["accrued_interest"]) + Decimal(loan["late_fees"])
    context = dict(balance=balance, currency=currency, limits=limits, today=today)

    if request is None and not all_loans:  # one loan's terms are not carried to every loan
        request = _continued(turn, kind, today)
        if request is not None and turn.slot("request_kind"):
            kind = request_kind_of(turn.slot("request_kind"))  # still the request on the table
    if request is None:
        built = _request(turn, kind, amount, today, all_loans)
        if isinstance(built, Move):
            return built
        kind, request = built
    request = _keep_waiver(turn, request)
    offer = propose(request, fees_and_interest=fees, arrangements_so_far=int(loan.get("arrangements_count", 0)),
                    hardship=hardship, **context)
    if offer is not None and request.kind == RequestKind.INSTALMENT_PLAN and request.amount is not None:
        budget = Budget(request.amount, request.frequency_days or 30)
        if not fits(offer, budget, today, currency):  # never put a plan above what they can pay
            note = shortfall(budget, offer.total, currency, limits, today, request.date)
            return Move("action_handoff", request=request, request_kind=kind, hardship_reason=reason,
                        escalation=Escalation.OVER_BUDGET, detail=_figures(note, currency), notes=(note,))
    return _offer_move(turn, kind, offer, reason, request, today)


def _request(turn: Turn, kind: RequestKind, amount: Decimal | None, today: date,
             all_loans: bool) -> tuple[RequestKind, Request] | Move:
    """The request this message makes, from its entities and signals (or the question to ask first)."""
    count = _int(turn.first("instalments"))
    days = _int(turn.first("duration_days"))
    when = as_date(turn.first("date"))
    said = turn.signal("period", {})
    period = _period_days(said, days) if _period_said(said, days) else _budget_period(turn) or _period_days(said, days)
    reason = hardship_of(turn)
    parts = _two_parts(turn, kind, today, all_loans)
    if parts is not None:
        return RequestKind.PART_PAYMENT, parts
    if kind == RequestKind.AFFORDABILITY and count and not amount:
        kind = RequestKind.INSTALMENT_PLAN
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
    if (all_loans or kind not in _PARTS_KINDS or not isinstance(parts, list) or len(parts) != 2
            or turn.signal("period", {}).get("per") or turn.first("instalments") is not None):
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
    return _previous_request(turn) if turn.slot("pending_offer") else None


def _previous_request(turn: Turn) -> Request | None:
    """The request of the move before this message (the `move` slot still holds it when the
    policy decides): the terms the borrower is negotiating, with their budget and concessions."""
    try:
        return from_dict(turn.slot(MOVE_SLOT)).request
    except InvalidMove:
        return None


def _continued(turn: Turn, kind: RequestKind, today: date) -> Request | None:
    """The request on the table with only its date changed, when that is all this message says.

    "Can I pay on the 15th instead?" to an offer (or the date the bot asked for)
    keeps the budget, the count and the waiver; only the date is theirs anew.
    """
    previous = _previous_request(turn)
    if previous is None or not (turn.slot("pending_offer") or turn.slot("awaiting")):
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
    if previous.kind != RequestKind.PART_PAYMENT or not turn.slot("pending_offer") or turn.signal("parts") \
            or kind not in (RequestKind.PART_PAYMENT, RequestKind.PROMISE_TO_PAY, RequestKind.DEFERRAL) \
            or turn.first("instalments") is not None or turn.first("duration_days") is not None \
            or len(turn.entities.get("amount") or ()) > 1 or len(turn.entities.get("date") or ()) > 1:
        return None
    amount, when = positive_decimal(turn.first("amount")), as_date(turn.first("date"))
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
    previous = _previous_request(turn)
    if previous is None or previous.amount is None or previous.kind != RequestKind.INSTALMENT_PLAN:
        return None
    return previous.frequency_days


def _keep_waiver(turn: Turn, request: Request) -> Request:
    """A fee waiver on the table stays when another term changes (issue 13: dropped on a new date)."""
    pending = turn.slot("pending_offer") or {}
    if request.waiver_percent is not None or (positive_decimal(pending.get("waiver")) or 0) <= 0:
        return request
    return replace(request, waiver_percent=positive_decimal(pending.get("waiver_percent")) or Decimal(100))


def _figures(note: Note, currency: str) -> str:
    """The case's figures for the person taking over: the budget, and the least the limits allow."""
    said = note.values()
    smallest = f"{fmt(said['smallest'], currency)} every {said['every']} days" if "every" in said \
        else f"{fmt(said['smallest'], currency)} by {said['latest'].isoformat()}"
    return (f"can pay {fmt(said['amount'], currency)} every {said['period']} days; "
            f"the least the limits allow is {smallest}")


# What to ask for when a request comes without it (anything else: what they can afford).
_ASK_FOR = {RequestKind.PROMISE_TO_PAY: Ask.DATE, RequestKind.DEFERRAL: Ask.DURATION,
            RequestKind.PART_PAYMENT: Ask.AMOUNT}


def all_loans_request(turn: Turn) -> bool:
    """"everything together by friday" may read as no intent at all, yet it asks for terms on every loan."""
    loan = turn.slot("loan") or {}
    return bool(turn.slot("verified", False) and loan.get("others") and about_all_loans(turn)
                and all_loans_kind(turn, None))


def all_loans_kind(turn: Turn, kind: RequestKind | None) -> RequestKind | None:
    """What a message about all the loans asks for, from what it carries.

    A count is a plan; an amount keeps the intent's kind (or is what they can
    afford); a date alone ("everything together by friday") is a promise to
    pay every loan by then, not a plan to build.
    """
    if turn.first("instalments") is not None:
        return RequestKind.INSTALMENT_PLAN
    if turn.first("amount") is not None:
        return kind or RequestKind.AFFORDABILITY
    dated = turn.first("date") is not None or turn.first("duration_days") is not None
    if dated and kind in (None, RequestKind.INSTALMENT_PLAN, RequestKind.AFFORDABILITY):
        return RequestKind.PROMISE_TO_PAY
    return kind


def _negotiate_all(turn: Turn, products: Mapping[str, Product], kind: RequestKind,
                   loans: list[Mapping[str, Any]]) -> Move:
    """The same request on every loan, each under its own product's limits and balance.

    An amount ("5,000 a month for both") is what the borrower can pay in all,
    so each loan gets its share in proportion to its balance; with loans in
    different currencies an amount can't be shared and a person takes over.
    If any loan can get no offer, none is made: a person takes over.
    """
    shares = _shares(positive_decimal(turn.first("amount")), loans)
    if shares is None:
        return Move("action_handoff", request_kind=kind, hardship_reason=hardship_of(turn),
                    escalation=Escalation.NO_ARRANGEMENT, detail=turn.intent)
    moves = [_negotiate_loan(turn, products, kind, loan, None, share, all_loans=True)
             for loan, share in zip(loans, shares)]
    for move in moves:
        if move.action != "action_offer":
            return move  # a question to ask first, or a person
    first = moves[0]
    return Move("action_offer", first.request, first.offer, request_kind=first.request_kind,
                hardship_reason=first.hardship_reason,
                offers=tuple((loan["loan_id"], move.offer) for loan, move in zip(loans, moves)))


def _shares(amount: Decimal | None, loans: list[Mapping[str, Any]]) -> list[Decimal | None] | None:
    """Each loan's part of an amount meant for all of them (None: no amount; unshareable: None)."""
    if amount is None:
        return [None] * len(loans)
    currencies = {loan["currency"] for loan in loans}
    if len(currencies) != 1:
        return None
    currency = currencies.pop()
    balances = [Decimal(loan["total"]) for loan in loans]
    whole = sum(balances)
    if whole <= 0:
        return None
    parts = [quantize_down(amount * b / whole, currency) for b in balances]
    parts[0] += amount - sum(parts)  # what rounding left over goes to the current loan
    return parts if all(p > 0 for p in parts) else None


def about_all_loans(turn: Turn) -> bool:
    """Whether the borrower means all their loans at once (the NLU's scope signal)."""
    return turn.signal("scope") == "all_loans"


def _offer_move(turn: Turn, kind: RequestKind, offer: Offer | None, reason: str | None,
                request: Request, today: date) -> Move:
    if offer is None:  # the loan has had all the arrangements its limits allow
        return Move("action_handoff", request=request, request_kind=kind, hardship_reason=reason,
                    escalation=Escalation.NO_ARRANGEMENT, detail=turn.intent)
    if offer.schedule[0].due == today and not _today_said(turn, request, today):
        # Nothing falls due today unless they said today: ask for their date instead.
        if turn.slot("awaiting") == Ask.DATE and request.date is not None and request.date > today:
            # asked already, and the limits can't start on their date: a person looks at it
            return Move("action_handoff", request=request, request_kind=kind, hardship_reason=reason,
                        escalation=Escalation.NO_ARRANGEMENT, detail=turn.intent)
        if offer.kind in _NOW_KINDS:  # a part "now" they can't pay today: ask when they can pay
            return Move("action_ask_details", ask=Ask.DATE, request_kind=RequestKind.PROMISE_TO_PAY,
                        hardship_reason=reason)
        return Move("action_ask_details", ask=Ask.DATE, request=request, request_kind=kind, hardship_reason=reason)
    return Move("action_offer", request=request, offer=offer, request_kind=kind, hardship_reason=reason)


# Offers whose first payment is "now" by their nature (the part now; the whole amount they offered now).
_NOW_KINDS = (OfferKind.PART_PAYMENT, OfferKind.PAY_IN_FULL)


def _today_said(turn: Turn, request: Request, today: date) -> bool:
    """Whether the borrower chose today: their date is today, or they offered a payment now
    (never when they said they can't pay today: a `not_date` entity, see refused_dates)."""
    if today in refused_dates(turn):
        return False
    return request.date == today or request.kind == RequestKind.PART_PAYMENT


def refused_dates(turn: Turn) -> set[date]:
    """Dates the borrower ruled out ("not tomorrow", "I can't pay today").

    The NLU marks a negated date entity (`"negated": true`); the Turn carries
    those under the entity name `not_date` (resolved like `date`), so `date`
    only ever holds dates the borrower offered.
    """
    return {d for d in map(as_date, turn.entities.get("not_date") or ()) if d is not None}


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
