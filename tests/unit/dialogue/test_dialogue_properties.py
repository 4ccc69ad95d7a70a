"""Property tests of the dialogue's decisions (bot.dialogue.moves.decide).

tests/unit/negotiation/test_negotiation_properties.py holds `propose` to the limits; these hold
the layer above it, where the borrower's words become a request: whatever a
verified borrower types (any negotiation intent, any amounts, counts, days,
dates, hardship or not, whatever the bot was waiting for), an offer `decide`
returns is within the limits that apply to that borrower, its schedule sums
exactly to the balance minus the waiver, its dates increase from today on,
it survives the trip through the `pending_offer` slot unchanged (what
`action_accept_offer` records), and there is no offer at all once the loan's
arrangements are used up.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal as D

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.dialogue.moves import REQUESTS_BY_INTENT, Turn, decide, local_today
from bot.dialogue.offers import from_slot, to_slot
from bot.negotiation.limits import Limits, Product, limits_for
from bot.negotiation.money import EXPONENTS, quantize
from bot.negotiation.plans import validate
from bot.nlu.signals import read_signals

SETTINGS = settings(max_examples=600, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
CURRENCIES = sorted(EXPONENTS)
ZONES = ["Africa/Nairobi", "Africa/Lagos", "Asia/Manila", "Asia/Kolkata", "America/New_York", "UTC",
         "Pacific/Kiritimati", "Pacific/Pago_Pago"]
INTENTS = sorted(REQUESTS_BY_INTENT) * 3 + ["affirm", "deny", "nlu_fallback", "provide_identity", "ask_fees"]
HARDSHIP_TEXTS = ["I lost my job", "I was retrenched last month", "my mother passed away",
                  "I've been in hospital", "my shop burnt down", "my business failed"]
PLAIN_TEXTS = ["can we sort this out", "please", "ok", "I want to pay", "help me", ""]
PERIOD_TEXTS = ["", " a week", " every month", " per fortnight", " each week", " monthly", " by payday"]


def _widen(standard: Limits, draw) -> Limits:
    """Hardship limits at least as generous as `standard` in every key (as products.yml demands)."""
    more = lambda n, top: n + draw(st.integers(0, top))  # noqa: E731
    less = lambda pct: pct * draw(st.sampled_from([D(1), D("0.5"), D(0)]))  # noqa: E731
    return replace(
        standard,
        max_deferral_days=more(standard.max_deferral_days, 60),
        max_instalments=more(standard.max_instalments, 12),
        max_plan_days=more(standard.max_plan_days, 300),
        min_instalment_amounts=tuple((c, less(v)) for c, v in standard.min_instalment_amounts),
        min_instalment_percent=less(standard.min_instalment_percent),
        min_down_payment_percent=less(standard.min_down_payment_percent),
        max_waiver_percent=min(D(100), standard.max_waiver_percent + draw(st.integers(0, 80))),
        max_arrangements=more(standard.max_arrangements, 2),
        promise_window_days=more(standard.promise_window_days, 14),
        frequencies_days=tuple(sorted(set(standard.frequencies_days) | set(draw(st.sets(st.sampled_from([7, 14, 30])))))),
    )


@st.composite
def products(draw, currency: str) -> Product:
    floor = D(draw(st.sampled_from([0, 1, 5, 100, 2000]) | st.integers(0, 500)))
    own = draw(st.none() | st.integers(0, 5000))
    amounts = (("default", floor),) + (() if own is None else ((currency, quantize(D(own), currency)),))
    standard = Limits(
        max_deferral_days=draw(st.integers(0, 60)),
        max_instalments=draw(st.integers(1, 12)),
        max_plan_days=draw(st.integers(0, 200)),
        min_instalment_amounts=tuple(sorted(amounts)),
        min_instalment_percent=D(draw(st.integers(0, 250))) / 10,
        min_down_payment_percent=D(draw(st.integers(0, 300))) / 10,
        max_waiver_percent=D(draw(st.integers(0, 100))),
        max_arrangements=draw(st.sampled_from([0, 1, 2, 2, 3])),
        promise_window_days=draw(st.integers(1, 21)),
        frequencies_days=tuple(sorted(draw(st.sets(st.sampled_from([7, 14, 30]), min_size=1)))),
    )
    return Product("P-1", "random product", standard, _widen(standard, draw), "test")


@st.composite
def loans(draw) -> dict:
    currency = draw(st.sampled_from(CURRENCIES))
    exp = EXPONENTS[currency]
    principal = draw(st.integers(0, 10 ** 4) | st.integers(10 ** 4, 10 ** 11))
    interest, fees = draw(st.integers(0, 10 ** 6)), draw(st.integers(0, 10 ** 6))
    if principal + interest + fees == 0:
        principal = 1
    money = lambda minor: str(D(minor).scaleb(-exp))  # noqa: E731
    return {
        "loan_id": "LN-1", "borrower_id": "BR-1", "currency": currency, "product_code": "P-1",
        "total": money(principal + interest + fees), "outstanding_principal": money(principal),
        "accrued_interest": money(interest), "late_fees": money(fees),
        "timezone": draw(st.sampled_from(ZONES)), "arrangements_count": draw(st.sampled_from([0, 0, 0, 1, 2, 4])),
    }


_amounts = st.none() | st.integers(1, 10 ** 5).map(str) | st.integers(1, 10 ** 7).map(str) | st.integers(1, 10 ** 9).map(lambda n: str(D(n) / 1000))
_counts = st.none() | st.integers(2, 12).map(str) | st.integers(-1, 30).map(str)
_days = st.none() | st.integers(0, 400).map(str)
_offsets = st.none() | st.integers(-30, 400)


@st.composite
def turns(draw, loan: dict) -> Turn:
    now = draw(st.datetimes(datetime(2025, 1, 1), datetime(2030, 12, 31), timezones=st.just(timezone.utc)))
    text = draw(st.sampled_from(HARDSHIP_TEXTS + PLAIN_TEXTS * 2)) + draw(st.sampled_from(PERIOD_TEXTS))
    entities = {}
    for name, values in (("amount", _amounts), ("instalments", _counts), ("duration_days", _days)):
        value = draw(values)
        if value is not None:
            entities[name] = [value]
    offset = draw(_offsets)
    if offset is not None:
        entities["date"] = [(now.date() + timedelta(days=offset)).isoformat()]
    slots = {
        "verified": True, "loan_id": "LN-1", "loan": loan,
        "awaiting": draw(st.sampled_from([None, "date", "duration", "amount", "affordability", "count"])),
        "request_kind": draw(st.sampled_from([None, *REQUESTS_BY_INTENT.values()])),
        "hardship_reason": draw(st.sampled_from([None, None, None, None, "job_loss", "illness"])),
        "pending_offer": draw(st.sampled_from([None, {"kind": "deferral"}])),
    }
    return Turn(intent=draw(st.sampled_from(INTENTS)), text=text, now=now, slots=slots, entities=entities,
                fallbacks_in_row=draw(st.integers(0, 1)), signals=read_signals(text))


@st.composite
def cases(draw):
    loan = draw(loans())
    return loan, draw(products(loan["currency"])), draw(turns(loan))


def _applying_limits(turn: Turn, product: Product) -> Limits:
    hardship = bool(turn.slot("hardship_reason") or turn.signal("hardship"))
    return limits_for(product, hardship)


@SETTINGS
@given(case=cases())
def test_every_offer_the_dialogue_makes_is_within_the_limits(case):
    loan, product, turn = case
    move = decide(turn, {"P-1": product})
    if move.offer is None:
        return
    offer, today, limits = move.offer, local_today(turn), _applying_limits(turn, product)
    # A bare "no" to a pending offer makes the next offer down the ladder (bot/dialogue/negotiate.py).
    assert move.action in ("action_offer", "action_decline_offer")
    assert offer.hardship == (limits is product.hardship)
    balance = D(loan["total"])
    fees = D(loan["accrued_interest"]) + D(loan["late_fees"])
    problems = validate(offer, balance=balance, fees_and_interest=fees, currency=loan["currency"],
                        limits=limits, today=today, arrangements_so_far=loan["arrangements_count"])
    assert problems == [], (turn.intent, turn.text, turn.entities, offer)
    assert sum(i.amount for i in offer.schedule) == balance - offer.waiver
    dues = [i.due for i in offer.schedule]
    assert dues[0] >= today and all(a < b for a, b in zip(dues, dues[1:]))
    assert from_slot(to_slot(offer)) == offer  # what action_accept_offer reads back and records


@SETTINGS
@given(case=cases())
def test_no_offer_once_the_arrangements_are_used_up(case):
    loan, product, turn = case
    limits = _applying_limits(turn, product)
    used_up = {**loan, "arrangements_count": limits.max_arrangements + turn.fallbacks_in_row}
    move = decide(replace(turn, slots={**turn.slots, "loan": used_up}), {"P-1": product})
    assert move.offer is None
    if move.request_kind is not None and move.action != "action_ask_details":
        assert move.action == "action_handoff"


@SETTINGS
@given(case=cases(), intent=st.sampled_from(sorted(REQUESTS_BY_INTENT)))
def test_nothing_is_offered_before_verification(case, intent):
    _, product, turn = case
    unverified = replace(turn, intent=intent, slots={k: v for k, v in turn.slots.items() if k != "verified"})
    move = decide(unverified, {"P-1": product})
    assert move.offer is None and move.action in ("action_ask_identity", "action_verify")


def test_the_strategies_reach_offers_and_hardship():
    """Guards the properties above against vacuity: the strategies must produce real offers."""
    loan = {"loan_id": "LN-1", "borrower_id": "BR-1", "currency": "KES", "product_code": "P-1", "total": "1000.00",
            "outstanding_principal": "900.00", "accrued_interest": "60.00", "late_fees": "40.00",
            "timezone": "Africa/Nairobi", "arrangements_count": 0}
    standard = Limits(14, 3, 60, (("default", D(1)),), D(10), D(10), D(0), 2, 7, (7, 14, 30))
    product = Product("P-1", "p", standard, replace(standard, max_instalments=6, max_arrangements=3), "t")
    now = datetime(2026, 11, 30, 9, tzinfo=timezone.utc)
    turn = Turn("request_instalments", "I lost my job", now, {"verified": True, "loan": loan},
                {"instalments": ["6"]}, signals=read_signals("I lost my job"))
    move = decide(turn, {"P-1": product})
    assert move.offer is not None and move.offer.hardship and len(move.offer.schedule) == 6
    assert validate(move.offer, balance=D("1000.00"), fees_and_interest=D("100.00"), currency="KES",
                    limits=product.hardship, today=date(2026, 11, 30)) == []
