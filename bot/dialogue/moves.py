"""Which move answers a borrower's turn: one pure function, no I/O.

The dialogue policy calls `decide` to choose the next action; that action
calls it again on the same turn to get the terms it must say and record.
One function for both means the bot can never say or record an offer its
policy did not choose, and the whole negotiation is testable without Rasa.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from bot.dialogue.escalation import RISING_ANGER, legal_or_regulator
from bot.dialogue.hardship import hardship_reason
from bot.negotiation.ladder import LADDER, next_step
from bot.negotiation.limits import Product, limits_for
from bot.negotiation.money import quantize_down
from bot.negotiation.plans import Offer, Request, plan_from_affordability, propose

# Intents that start or continue a negotiation, and the request each makes.
REQUEST_KINDS = {
    "promise_to_pay": "promise_to_pay",
    "request_deferral": "deferral",
    "request_instalments": "instalment_plan",
    "offer_partial_payment": "part_payment",
    "request_fee_waiver": "fee_waiver",
    "cannot_pay": "affordability",
}

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

IDENTITY_ENTITIES = ("loan_reference", "date_of_birth", "phone_last4")


@dataclass(frozen=True)
class Turn:
    """What the dialogue knows when the borrower has just spoken."""

    intent: str
    text: str
    now: datetime  # UTC, when the message arrived
    slots: Mapping[str, Any]
    entities: Mapping[str, list] = field(default_factory=dict)  # entity -> values, in order
    emotion: str = "neutral"
    self_harm: bool = False
    fallbacks_in_row: int = 0
    signed_in: bool = False  # the channel passed a lender-signed token (checked by action_verify)
    angry_in_row: int = 0  # borrower messages in a row, up to this one, read as angry

    def slot(self, name: str, default: Any = None) -> Any:
        value = self.slots.get(name)
        return default if value is None else value

    def first(self, entity: str) -> Any:
        values = self.entities.get(entity) or []
        return values[0] if values else None


@dataclass(frozen=True)
class Move:
    action: str
    request: Request | None = None
    offer: Offer | None = None
    ask: str | None = None  # what the bot asks for next: date, duration, amount, affordability
    request_kind: str | None = None
    hardship_reason: str | None = None
    # All of the borrower's loans at once: (loan_id, offer) per loan, the current
    # loan first; `offer` is then the current loan's.
    offers: tuple[tuple[str, Offer], ...] = ()


def decide(turn: Turn, products: Mapping[str, Product], ladder: tuple[str, ...] = LADDER) -> Move:
    intent = turn.intent
    if turn.self_harm or intent == "disclose_vulnerability":
        return Move("action_vulnerability", hardship_reason=hardship_reason(turn.text) or "vulnerability")
    if legal_or_regulator(turn.text) or turn.angry_in_row >= RISING_ANGER:
        return Move("action_handoff")
    if intent == "nlu_fallback" and not _awaited_answer(turn) and not _all_loans_request(turn):
        return Move("action_handoff" if turn.fallbacks_in_row >= 2 else "action_fallback")
    if intent in ANY_TIME:
        return Move(ANY_TIME[intent])
    if not turn.slot("verified", False):
        return _unverified(turn)
    return _verified(turn, products, ladder)


def _unverified(turn: Turn) -> Move:
    if turn.slot("verify_locked", False):
        return Move("action_verification_locked")
    if (turn.signed_in and not turn.slot("token_refused")) or turn.intent == "provide_identity" \
            or any(turn.first(e) for e in IDENTITY_ENTITIES):
        return Move("action_verify")
    if turn.intent == "greet":
        return Move("action_greet")
    if turn.intent == "out_of_scope":
        return Move("action_out_of_scope")
    return Move("action_ask_identity")


def _verified(turn: Turn, products: Mapping[str, Product], ladder: tuple[str, ...]) -> Move:
    intent = turn.intent
    awaiting = turn.slot("awaiting")
    if other_loan(turn):  # "what about LN-20932?": switch to the borrower's other loan
        return Move("action_state_balance")
    if turn.slot("pending_offer") and intent in ("affirm", "deny"):
        return Move("action_accept_offer") if intent == "affirm" else counter_offer(turn, products, ladder)
    if intent in REQUEST_KINDS:
        return negotiate(turn, products, REQUEST_KINDS[intent])
    if awaiting and _answers(turn, awaiting):
        return negotiate(turn, products, turn.slot("request_kind") or "affordability")
    if intent in ("out_of_scope", "nlu_fallback") and _all_loans_request(turn):
        return negotiate(turn, products, _all_loans_kind(turn, None))
    if intent in VERIFIED_ONLY:
        return Move(VERIFIED_ONLY[intent])
    # A bare yes/no with nothing on the table: show the options again.
    return Move("action_ask_details", ask="options")


def _awaited_answer(turn: Turn) -> bool:
    """'about 10 days' may not read as any intent, but it answers the bot's question."""
    awaiting = turn.slot("awaiting")
    return bool(turn.slot("verified", False) and awaiting and _answers(turn, awaiting))


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


# Where each kind of offer stands on the concession ladder.
LADDER_STEP = {"pay_in_full": "pay_in_full", "promise_to_pay": "promise_to_pay", "part_payment": "part_payment",
               "deferral": "deferral", "instalment_plan": "instalment_plan", "hardship_plan": "hardship_plan"}


def counter_offer(turn: Turn, products: Mapping[str, Product], ladder: tuple[str, ...] = LADDER) -> Move:
    """The borrower said no to the offer on the table.

    A "no" that says what would work ("no, I can do 500 a week") is a new
    request. A bare "no" moves one step down the concession ladder, never
    further: the next offer concedes only what the refusal showed was needed;
    past the last step a person takes over.
    """
    pending = turn.slot("pending_offer") or {}
    if any(turn.first(e) is not None for e in ("amount", "date", "duration_days", "instalments")):
        return negotiate(turn, products, pending.get("request_kind") or "affordability")
    reason = turn.slot("hardship_reason") or hardship_reason(turn.text)
    current = LADDER_STEP.get(pending.get("kind", ""), "promise_to_pay")
    step = next_step(current, hardship=bool(reason), ladder=ladder)
    if step == "person":
        return Move("action_handoff", request_kind=pending.get("request_kind"), hardship_reason=reason)
    kind = "instalment_plan" if step in ("instalment_plan", "hardship_plan") else step
    move = negotiate(turn, products, kind, request=Request(kind=kind))
    if move.action == "action_offer":
        return Move("action_decline_offer", move.request, move.offer, request_kind=kind, hardship_reason=reason)
    return move


def _answers(turn: Turn, awaiting: str) -> bool:
    """Whether the message carries what the bot was waiting for."""
    wanted = {
        "date": ("date", "duration_days"),
        "duration": ("duration_days", "date"),
        "amount": ("amount",),
        "affordability": ("amount", "instalments"),
        "count": ("instalments", "amount"),
    }.get(awaiting, ())
    return any(turn.first(e) is not None for e in wanted)


def local_today(turn: Turn) -> date:
    tz = (turn.slot("loan") or {}).get("timezone") or "UTC"
    return turn.now.astimezone(ZoneInfo(tz)).date()


def negotiate(turn: Turn, products: Mapping[str, Product], kind: str, request: Request | None = None) -> Move:
    loan = turn.slot("loan") or {}
    if request is None and loan.get("others") and about_all_loans(turn.text):
        return _negotiate_all(turn, products, _all_loans_kind(turn, kind), [loan, *loan["others"]])
    return _negotiate_loan(turn, products, kind, loan, request, _decimal(turn.first("amount")))


def _negotiate_loan(turn: Turn, products: Mapping[str, Product], kind: str, loan: Mapping[str, Any],
                    request: Request | None, amount: Decimal | None, all_loans: bool = False) -> Move:
    """One loan's move; `amount` is the borrower's amount, or this loan's share of it."""
    product = products.get(loan.get("product_code", ""))
    if product is None:
        return Move("action_handoff")
    reason = turn.slot("hardship_reason") or hardship_reason(turn.text)
    hardship = bool(reason)
    limits = limits_for(product, hardship)
    today = local_today(turn)
    currency = loan["currency"]
    balance = Decimal(loan["total"])
    fees = Decimal(loan["accrued_interest"]) + Decimal(loan["late_fees"])
    context = dict(balance=balance, currency=currency, limits=limits, today=today)

    count = _int(turn.first("instalments"))
    days = _int(turn.first("duration_days"))
    when = _date(turn.first("date"))
    period = _period_days(turn.text, days)

    if request is not None:  # a counter-offer: the kind is chosen, the limits shape it
        offer = propose(request, fees_and_interest=fees, arrangements_so_far=int(loan.get("arrangements_count", 0)),
                        hardship=hardship, **context)
        return _offer_move(kind, offer, reason, request)
    if kind == "affordability" and count and not amount:
        kind = "instalment_plan"
    if kind == "part_payment" and amount and (_PER_PERIOD.search(turn.text) or turn.slot("awaiting") == "affordability"):
        kind = "affordability"  # "35,000 a month" is what they can afford each month, not a part now
    if kind in ("affordability", "instalment_plan") and amount:
        offer = plan_from_affordability(
            amount, period, hardship=hardship, arrangements_so_far=int(loan.get("arrangements_count", 0)), **context,
        )
        return _offer_move(kind, offer, reason)
    if kind == "instalment_plan" and (count or days):
        # "split it over 3 months": the span bounds the plan, the limits pick the count.
        request = Request(kind="instalment_plan", count=count, days=None if count else days,
                          frequency_days=period if _said_period(turn.text) and count else None)
    elif kind == "promise_to_pay" and (when or days):
        request = Request(kind="promise_to_pay", date=when or today + timedelta(days=days))
    elif kind == "deferral" and (days or when):
        request = Request(kind="deferral", days=days if days else max((when - today).days, 1))
    elif kind == "part_payment" and amount:
        request = Request(kind="part_payment", amount=amount, date=when)
    elif kind == "fee_waiver":
        request = Request(kind="fee_waiver")
    elif kind == "instalment_plan" and all_loans:
        # "split both loans": one answer can't be carried to every loan, so each
        # loan's own limits pick its plan instead of asking.
        request = Request(kind="instalment_plan")
    else:
        ask = {"promise_to_pay": "date", "deferral": "duration", "part_payment": "amount"}.get(kind, "affordability")
        return Move("action_ask_details", ask=ask, request_kind=kind, hardship_reason=reason)
    offer = propose(
        request, fees_and_interest=fees, arrangements_so_far=int(loan.get("arrangements_count", 0)),
        hardship=hardship, **context,
    )
    return _offer_move(kind, offer, reason, request)


def _all_loans_request(turn: Turn) -> bool:
    """"everything together by friday" may read as no intent at all, yet it asks for terms on every loan."""
    loan = turn.slot("loan") or {}
    return bool(turn.slot("verified", False) and loan.get("others") and about_all_loans(turn.text)
                and _all_loans_kind(turn, None))


def _all_loans_kind(turn: Turn, kind: str | None) -> str | None:
    """What a message about all the loans asks for, from what it carries.

    A count is a plan; an amount keeps the intent's kind (or is what they can
    afford); a date alone ("everything together by friday") is a promise to
    pay every loan by then, not a plan to build.
    """
    if turn.first("instalments") is not None:
        return "instalment_plan"
    if turn.first("amount") is not None:
        return kind or "affordability"
    dated = turn.first("date") is not None or turn.first("duration_days") is not None
    if dated and kind in (None, "instalment_plan", "affordability"):
        return "promise_to_pay"
    return kind


def _negotiate_all(turn: Turn, products: Mapping[str, Product], kind: str, loans: list[Mapping[str, Any]]) -> Move:
    """The same request on every loan, each under its own product's limits and balance.

    An amount ("5,000 a month for both") is what the borrower can pay in all,
    so each loan gets its share in proportion to its balance; with loans in
    different currencies an amount can't be shared and a person takes over.
    If any loan can get no offer, none is made: a person takes over.
    """
    shares = _shares(_decimal(turn.first("amount")), loans)
    if shares is None:
        return Move("action_handoff", request_kind=kind, hardship_reason=turn.slot("hardship_reason")
                    or hardship_reason(turn.text))
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


# "all my loans", "both loans", "all of them", "everything together", "mikopo yote".
_ALL = r"(?:all|al|alll|every|each)"
_BOTH = r"(?:both|bothe|boht|bth|borh|the\s+two|two|2)"
_LOANS = r"(?:loans?|loanz|lonz|lons?|laons?|loands?|loasn|lones|loams?|debts?|accounts?|mikopo|utang)"
_ABOUT_ALL = re.compile("|".join((
    rf"\b(?:{_ALL}|{_BOTH})\s+(?:of\s+)?(?:(?:my|the|your|ma|mine|these|those)\s+)?{_LOANS}\b",
    rf"\b(?:{_ALL}|{_BOTH})\s+of\s+(?:them|those|these)\b",
    r"\bthem\s+(?:both|all)\b",
    r"\b(?:everything|evrything|everythin|all|al|both|boht)\s+(?:together|togather|togeter|at\s+once|combined)\b",
    r"\bboth\b(?!\s+(?:of\s+)?(?:us|you|we|ways|sides|hands|parents|options|dates|days|times)\b)",
    r"\bmikopo\s+(?:yangu\s+)?(?:yote|zote|miwili|yote\s+miwili)\b",
    r"\b(?:yote|zote)\s+(?:pamoja|mawili|miwili|mbili)\b",
    r"\blahat\s+ng\s+(?:loans?|utang)\b",
)), re.IGNORECASE)


def about_all_loans(text: str) -> bool:
    """Whether the borrower means all their loans at once, not just the one talked about."""
    return bool(_ABOUT_ALL.search(text or ""))


def _offer_move(kind: str, offer: Offer | None, reason: str | None, request: Request | None = None) -> Move:
    if offer is None:
        return Move("action_handoff", request=request, request_kind=kind, hardship_reason=reason)
    return Move("action_offer", request=request, offer=offer, request_kind=kind, hardship_reason=reason)


_WEEK = re.compile(r"\b(week|weekly|wk|wks|wiki|linggo)\b", re.IGNORECASE)
_FORTNIGHT = re.compile(r"\b(fortnight\w*|bi-?weekly|two weeks|2 weeks)\b", re.IGNORECASE)
_PER_PERIOD = re.compile(r"\b(a|per|every|each|kila)\s+(week|wk|fortnight|month)\b|\b(weekly|fortnightly|monthly)\b",
                         re.IGNORECASE)
_MONTH = re.compile(r"\b(month\w*|mwezi|buwan|salary|payday|sweldo)\b", re.IGNORECASE)


def _said_period(text: str) -> bool:
    return bool(_WEEK.search(text) or _FORTNIGHT.search(text) or _MONTH.search(text))


def _period_days(text: str, days: int | None) -> int:
    """How often the borrower means to pay: 'every two weeks' beats 'a week'."""
    if _FORTNIGHT.search(text):
        return 14
    if days in (7, 14, 30) and re.search(r"\b(every|each|per|a)\b", text, re.IGNORECASE):
        return days
    if _WEEK.search(text):
        return 7
    return 30


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount > 0 else None


def _int(value: Any) -> int | None:
    try:
        number = int(Decimal(str(value)))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number > 0 else None


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def turn_from_parse(
    parse: Mapping[str, Any], slots: Mapping[str, Any], now: datetime, fallbacks_in_row: int = 0,
    metadata: Mapping[str, Any] | None = None, angry_in_row: int = 0,
) -> Turn:
    """Builds a Turn from a Rasa parse result (tracker.latest_message).

    Used identically by the policy (Rasa's tracker) and the actions
    (rasa-sdk's tracker), which is what keeps their decisions equal.
    """
    intent = (parse.get("intent") or {}).get("name") or "nlu_fallback"
    text = parse.get("text") or ""
    entities: dict[str, list] = {}
    for entity in parse.get("entities") or []:
        value = entity.get("value_text", entity.get("value"))
        if entity.get("entity") == "date":
            value = _resolve_date(entity, text, now, (slots.get("loan") or {}).get("timezone"))
        entities.setdefault(entity.get("entity"), []).append(value)
    emotion = (parse.get("emotion") or {}).get("name") or "neutral"
    self_harm = bool((parse.get("safety") or {}).get("self_harm"))
    return Turn(
        intent=intent, text=text, now=now, slots=slots, entities=entities, emotion=emotion,
        self_harm=self_harm, fallbacks_in_row=fallbacks_in_row, signed_in=bool((metadata or {}).get("auth_token")),
        angry_in_row=angry_in_row,
    )


def _resolve_date(entity: Mapping[str, Any], text: str, now: datetime, tz: str | None) -> Any:
    """Re-reads a relative date ("tomorrow") in the borrower's own time zone.

    The NLU resolves dates before it knows who is writing; once the loan is
    known, "tomorrow" must mean tomorrow where the borrower lives.
    """
    if not tz or entity.get("start") is None:
        return entity.get("value")
    try:
        from bot.nlu.normalise import parse_date
    except ImportError:
        return entity.get("value")
    span = text[entity["start"]:entity["end"]]
    resolved = parse_date(span, now, tz)
    return resolved.isoformat() if resolved else entity.get("value")


def in_a_row(parses: list[Mapping[str, Any]], test) -> int:
    """How many of the latest borrower messages (newest last) in a row pass `test`."""
    count = 0
    for parse in reversed(parses):
        if not test(parse):
            break
        count += 1
    return count


def is_fallback(parse: Mapping[str, Any]) -> bool:
    return ((parse or {}).get("intent") or {}).get("name") == "nlu_fallback"


def is_angry(parse: Mapping[str, Any]) -> bool:
    return ((parse or {}).get("emotion") or {}).get("name") == "angry"
