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
from datetime import date
from decimal import Decimal
from typing import Any, Mapping

from bot.dialogue.move import OWN_TERMS, Ask, Move
from bot.dialogue.reasons import Escalation
from bot.dialogue.own_terms import own_terms
from bot.dialogue.requests import (
    KIND_OF_INTENT, as_date, continued, hardship_of, positive_decimal, previous_request, read_request, request_kind_of, their_amount,
)
from bot.dialogue.turn import Turn, local_today
from bot.negotiation.budget import Budget, fits, shortfall
from bot.negotiation.kinds import LadderStep, OfferKind, RequestKind
from bot.negotiation.ladder import LADDER, next_step
from bot.negotiation.limits import Product, limits_for
from bot.negotiation.money import fmt, quantize_down
from bot.negotiation.notes import Note, NoteCode
from bot.negotiation.plans import Offer, Request, propose
from bot.negotiation.schedule import every_days


def counter_offer(turn: Turn, products: Mapping[str, Product], ladder: tuple[str, ...] = LADDER) -> Move:
    """The borrower said no to the offer on the table.

    A "no" that says what would work ("no, I can do 500 a week") is a new
    request. A bare "no" moves one step down the concession ladder, never
    further: the next offer concedes only what the refusal showed was needed;
    past the last step a person takes over.
    """
    pending = turn.slot("pending_offer") or {}
    if any(turn.first(e) is not None for e in ("amount", "date", "duration_days", "instalments")):
        kind = request_kind_of(pending.get("request_kind"))
        if kind == RequestKind.FEE_WAIVER and not positive_decimal(pending.get("waiver")) \
                and turn.intent != "request_fee_waiver":
            # "Fine. I'll pay the full 5,750 on Friday 11th" after the waiver was refused: their terms, not
            # the waiver again (round 9 (dev): refused once more, on their own date, and never recorded)
            kind = KIND_OF_INTENT.get(turn.intent, RequestKind.PROMISE_TO_PAY)
        move = negotiate(turn, products, kind)
        previous = previous_request(turn)
        if _same_budget(move, previous) and _on_table_within(turn, previous) \
                and not any(turn.first(e) is not None for e in ("date", "duration_days", "instalments")):
            # "1,200 is my limit a week" to a plan of 1,200 a week: said again, the same plan and dates
            return negotiate(turn, products, kind, request=previous)
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
    previous = previous_request(turn)
    request, offer = move.request, move.offer
    if turn.first("amount") is None or any(turn.first(e) is not None for e in ("date", "duration_days", "instalments")):
        # a date or a count against a plan built on their budget is a new term, not a refusal, with the budget
        # said again too ("2000 har mahine, pehli payment Thursday 10 Dec ko": round 9 (dev) handed over)
        return None
    if (move.action != "action_offer" or offer is None or request is None or previous is None
            or previous.kind != RequestKind.INSTALMENT_PLAN or previous.amount is None
            or (request.amount, request.frequency_days) != (previous.amount, previous.frequency_days)):
        return None
    every = every_days([i.due for i in offer.schedule]) or request.frequency_days or 30
    currency = (turn.slot("loan") or {}).get("currency", "")
    note = Note.of(NoteCode.OVER_BUDGET, amount=request.amount, period=request.frequency_days or 30,
                   smallest=max(i.amount for i in offer.schedule), every=every)
    return Move("action_handoff", request=request, request_kind=move.request_kind, hardship_reason=move.hardship_reason,
                escalation=Escalation.OVER_BUDGET, detail=_figures(note, currency), notes=(note,))


def _budget_said_again(turn: Turn, amount: Decimal | None) -> Request | None:
    """Their budget said again, and nothing else, while the plan built on it waits: that plan, same dates
    (round 8 (dev): "no more than 1.2 million" to a plan of 1.2 million a fortnight became a part payment)."""
    previous = previous_request(turn)
    if previous is None or previous.kind != RequestKind.INSTALMENT_PLAN or previous.amount is None:
        previous = _plan_on_table(turn)  # a question answered since ("will a plan hurt my credit?")
    if (amount is None or previous is None or previous.kind != RequestKind.INSTALMENT_PLAN
            or previous.amount != amount or not turn.slot("pending_offer")
            or any(turn.first(e) is not None for e in ("date", "duration_days", "instalments"))):
        return None
    return previous if _on_table_within(turn, previous) else None


def _plan_on_table(turn: Turn) -> Request | None:
    """The plan waiting for a yes, as the request of its own amount, rhythm and first date."""
    pending = turn.slot("pending_offer") or {}
    if pending.get("kind") not in (OfferKind.INSTALMENT_PLAN.value, OfferKind.HARDSHIP_PLAN.value):
        return None
    try:
        dues = [as_date(due) for due, _ in pending.get("schedule") or ()]
        most = max(Decimal(str(amount)) for _, amount in pending.get("schedule") or ())
    except (ArithmeticError, TypeError, ValueError):
        return None
    if len(dues) < 2 or None in dues:
        return None
    return Request(kind=RequestKind.INSTALMENT_PLAN, amount=most, frequency_days=every_days(dues), date=dues[0])


def _same_budget(move: Move, previous: Request | None) -> bool:
    request = move.request
    return (request is not None and previous is not None and previous.kind == RequestKind.INSTALMENT_PLAN
            and previous.amount is not None and request.amount is not None
            and (request.amount, request.frequency_days) == (previous.amount, previous.frequency_days))


def _on_table_within(turn: Turn, request: Request) -> bool:
    """Whether the offer on the table pays their own amount at their own rhythm (the plan built on the
    budget they say again); a plan at another interval ("no. 1000. not 3465") is refused by it."""
    schedule = (turn.slot("pending_offer") or {}).get("schedule") or []
    try:
        amounts = [Decimal(str(amount)) for _, amount in schedule]
        dues = [as_date(due) for due, _ in schedule]
    except (ArithmeticError, TypeError, ValueError):
        return False
    if not amounts or None in dues:
        return False
    every = every_days(dues)
    return every == (request.frequency_days or 30) and max(amounts) == request.amount


def _request_kind_or_none(value: Any) -> RequestKind | None:
    return request_kind_of(value) if value else None


def negotiate(turn: Turn, products: Mapping[str, Product], kind: RequestKind,
              request: Request | None = None) -> Move:
    loan = turn.slot("loan") or {}
    if request is None and loan.get("others") and about_all_loans(turn):
        return _negotiate_all(turn, products, all_loans_kind(turn, kind), [loan, *loan["others"]])
    return _negotiate_loan(turn, products, kind, loan, request, their_amount(turn, loan))


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

    if request is None and not all_loans and _budget_said_again(turn, amount) is not None:
        request = _budget_said_again(turn, amount)  # "Jangan lebih dari 1,2 juta ya kak": the same plan
        kind = request_kind_of(turn.slot("request_kind"))
    if request is None and not all_loans:  # one loan's terms are not carried to every loan
        request = continued(turn, kind, today)
        if request is not None and turn.slot("request_kind"):
            kind = request_kind_of(turn.slot("request_kind"))  # still the request on the table
    if request is None:
        built = read_request(turn, kind, amount, today, all_loans)
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
    return _offer_move(turn, kind, offer, reason, request, today, balance)


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
                request: Request, today: date, balance: Decimal) -> Move:
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
    return Move("action_offer", request=request, offer=offer, request_kind=kind, hardship_reason=reason,
                detail=OWN_TERMS if own_terms(turn, offer, today, balance) else None)


# Offers whose first payment is "now" by their nature (the part now; the whole amount they offered now).
_NOW_KINDS = (OfferKind.PART_PAYMENT, OfferKind.PAY_IN_FULL)


def _today_said(turn: Turn, request: Request, today: date) -> bool:
    """Whether the borrower chose today: their date is today, or they offered a payment now
    (never when they said they can't pay today: a `not_date` entity, see refused_dates)."""
    if today in refused_dates(turn):
        return False
    said_today = bool(turn.signal("now")) or any(as_date(d) == today for d in turn.entities.get("date") or ())
    # a part "now" only when they say now or today ("500 now, the rest in two weeks"): "1,500 on 14th, then
    # mbili za 2,125" put 1,500 due today (round 9 (dev))
    return request.date == today or (request.kind == RequestKind.PART_PAYMENT and (said_today or _no_day(turn)))


def _no_day(turn: Turn) -> bool:
    """A part payment with no day named at all ("I can pay 2,000 and the rest in two weeks"): now; or
    the part now already on the table, with only the rest moved ("actually make it saturday")."""
    previous = previous_request(turn)
    return not turn.entities.get("date") or (
        previous is not None and previous.kind == RequestKind.PART_PAYMENT and previous.first_date is None)


def refused_dates(turn: Turn) -> set[date]:
    """Dates the borrower ruled out ("not tomorrow", "I can't pay today").

    The NLU marks a negated date entity (`"negated": true`); the Turn carries
    those under the entity name `not_date` (resolved like `date`), so `date`
    only ever holds dates the borrower offered.
    """
    return {d for d in map(as_date, turn.entities.get("not_date") or ()) if d is not None}
