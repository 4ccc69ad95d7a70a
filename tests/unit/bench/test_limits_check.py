"""bench/limits_check.py: the simulator's own statement of the product limits.

Hand-computed offers that each break exactly one rule (and valid ones that
break none), the YAML read the same way the bot reads it, and a cross-check:
whatever bot.negotiation.propose offers passes this independent check. The
test may import bot.negotiation; the module under test must not.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import fields
from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.limits_check import Offer, absolute_floor, load_limits, offer_from_slot, violations
from bot.dialogue.offers import to_slot
from bot.negotiation.limits import Limits, load_products
from bot.negotiation.plans import REQUEST_KINDS, Request, plan_from_affordability, propose

ROOT = Path(__file__).resolve().parents[3]
LIMITS = load_limits()
T = date(2026, 12, 1)


def day(n: int) -> date:
    return T + timedelta(days=n)


def rules(kind: str, schedule: list[tuple[int, str]], *, product: str = "WALLET-30", hardship_limits: bool = False,
          hardship: bool | None = None, waiver: str = "0", balance: str = "3500.00", fees: str = "500.00",
          currency: str = "KES", so_far: int = 0) -> set[str]:
    """The names of the rules broken by `kind` with payments (days from T, amount)."""
    offer = Offer(kind, tuple((day(n), D(a)) for n, a in schedule), D(waiver),
                  hardship_limits if hardship is None else hardship)
    found = violations(offer, balance=D(balance), fees_and_interest=D(fees), currency=currency,
                       limits=LIMITS[product]["hardship" if hardship_limits else "standard"], today=T,
                       arrangements_so_far=so_far)
    return {problem.split(":")[0] for problem in found}


# WALLET-30 standard, KES 3,500.00 of which 500.00 fees and interest: promise window 7 days, deferral
# 14, at most 3 instalments over 60 days every 7/14/30 days, each at least max(KES 200, 10 % = 350.00),
# down payment 10 % = 350.00, no waiver, 2 arrangements. Hardship: window 14, deferral 30, 6
# instalments over 120 days, max(KES 100, 5 %), down 5 %, waiver up to 50 %, 3 arrangements.
VALID = {
    "monthly on the 5th (31 days apart)": dict(kind="instalment_plan", schedule=[(4, "1750.00"), (35, "1750.00")]),
    "pay in full today, even after the last arrangement": dict(kind="pay_in_full", schedule=[(0, "3500.00")],
                                                               so_far=2),
    "a promise on the window's last day": dict(kind="promise_to_pay", schedule=[(7, "3500.00")]),
    "a promise today": dict(kind="promise_to_pay", schedule=[(0, "3500.00")]),
    "the longest deferral": dict(kind="deferral", schedule=[(14, "3500.00")]),
    "the down payment today, the rest on the window's edge": dict(
        kind="part_payment", schedule=[(0, "350.00"), (7, "3150.00")]),
    "a small rest: the rest has no minimum": dict(kind="part_payment", schedule=[(0, "3400.00"), (7, "100.00")]),
    "three weekly, the remainder on the last": dict(
        kind="instalment_plan", schedule=[(7, "1166.66"), (14, "1166.66"), (21, "1166.68")]),
    "two monthly ending within 60 days": dict(kind="instalment_plan", schedule=[(7, "1750.00"), (37, "1750.00")]),
    "the first instalment today": dict(kind="instalment_plan", schedule=[(0, "1750.00"), (30, "1750.00")]),
    "hardship: six weekly after the widest waiver": dict(
        kind="hardship_plan", hardship_limits=True, waiver="250.00",
        schedule=[(14, "541.66"), (21, "541.66"), (28, "541.66"), (35, "541.66"), (42, "541.66"), (49, "541.70")]),
    "hardship: a promise on the wider window": dict(kind="promise_to_pay", hardship_limits=True,
                                                    schedule=[(14, "3500.00")], so_far=2),
    "SME-180: down payment 10 % with a 5 % instalment floor": dict(
        kind="part_payment", product="SME-180", balance="100000.00", fees="0",
        schedule=[(0, "10000.00"), (14, "90000.00")]),
    "JPY has no minor unit": dict(kind="instalment_plan", currency="JPY", balance="5000", fees="0",
                                  schedule=[(7, "2500"), (14, "2500")]),
}

ONE_RULE = {
    "promise a day past the window": ("promise_window_days", dict(kind="promise_to_pay", schedule=[(8, "3500.00")])),
    "pay in full a day past the window": ("promise_window_days",
                                          dict(kind="pay_in_full", schedule=[(8, "3500.00")])),
    "deferral a day too long": ("max_deferral_days", dict(kind="deferral", schedule=[(15, "3500.00")])),
    "deferral to today": ("max_deferral_days", dict(kind="deferral", schedule=[(0, "3500.00")])),
    "promise yesterday": ("past_date", dict(kind="promise_to_pay", schedule=[(-1, "3500.00")])),
    "plan starting yesterday": ("past_date", dict(kind="instalment_plan", schedule=[(-1, "1750.00"),
                                                                                   (6, "1750.00")])),
    "one cent short": ("sum", dict(kind="promise_to_pay", schedule=[(7, "3499.99")])),
    "a waiver where none is allowed": ("max_waiver_percent", dict(kind="promise_to_pay", waiver="100.00",
                                                                  schedule=[(7, "3400.00")])),
    "a waiver one cent over 50 %": ("max_waiver_percent", dict(kind="promise_to_pay", hardship_limits=True,
                                                               waiver="250.01", schedule=[(7, "3249.99")])),
    "a third arrangement": ("max_arrangements", dict(kind="promise_to_pay", schedule=[(7, "3500.00")], so_far=2)),
    "SME-180: part one cent under the down payment": ("min_down_payment_percent", dict(
        kind="part_payment", product="SME-180", balance="100000.00", fees="0",
        schedule=[(0, "9999.99"), (14, "90000.01")])),
    "the last instalment one cent under the floor": ("min_instalment", dict(
        kind="instalment_plan", schedule=[(7, "3150.01"), (14, "349.99")])),
    "the part tomorrow": ("part_today", dict(kind="part_payment", schedule=[(1, "350.00"), (7, "3150.00")])),
    "the rest past the window": ("promise_window_days", dict(kind="part_payment",
                                                             schedule=[(0, "350.00"), (8, "3150.00")])),
    "a part payment in three": ("count", dict(kind="part_payment",
                                              schedule=[(0, "350.00"), (3, "350.00"), (7, "2800.00")])),
    "a promise in two": ("count", dict(kind="promise_to_pay", schedule=[(1, "1750.00"), (2, "1750.00")])),
    "four instalments where three are allowed": ("max_instalments", dict(
        kind="instalment_plan", schedule=[(7, "875.00"), (14, "875.00"), (21, "875.00"), (28, "875.00")])),
    "a plan of one": ("max_instalments", dict(kind="instalment_plan", schedule=[(7, "3500.00")])),
    "first instalment past the window": ("promise_window_days", dict(
        kind="instalment_plan", schedule=[(8, "1166.66"), (15, "1166.66"), (22, "1166.68")])),
    "last instalment past 60 days": ("max_plan_days", dict(
        kind="instalment_plan", schedule=[(7, "1166.66"), (37, "1166.66"), (67, "1166.68")])),
    "29 days apart, not one day of each month": ("frequencies_days", dict(
        kind="instalment_plan", schedule=[(7, "1750.00"), (36, "1750.00")])),
    "every 10 days": ("frequencies_days", dict(kind="instalment_plan", schedule=[(7, "1750.00"), (17, "1750.00")])),
    "weekly then fortnightly": ("frequencies_days", dict(
        kind="instalment_plan", schedule=[(7, "1166.66"), (14, "1166.66"), (28, "1166.68")])),
    "a hardship plan without hardship": ("hardship", dict(
        kind="hardship_plan", hardship=False, schedule=[(7, "1750.00"), (14, "1750.00")])),
    "a hardship-limits plan called instalment_plan": ("hardship", dict(
        kind="instalment_plan", hardship_limits=True, schedule=[(7, "1750.00"), (14, "1750.00")])),
    "half a yen": ("amount", dict(kind="instalment_plan", currency="JPY", balance="5000", fees="0",
                                  schedule=[(7, "2500.5"), (14, "2499.5")])),
    "the rest due the same day as the part": ("dates", dict(kind="part_payment",
                                                            schedule=[(0, "350.00"), (0, "3150.00")])),
    "an unknown kind": ("kind", dict(kind="loan_forgiveness", schedule=[(7, "3500.00")])),
}


@pytest.mark.parametrize("case", sorted(VALID))
def test_offers_within_the_limits_pass(case):
    assert rules(**VALID[case]) == set()


@pytest.mark.parametrize("case", sorted(ONE_RULE))
def test_each_offer_breaks_exactly_its_one_rule(case):
    rule, offer = ONE_RULE[case]
    assert rules(**offer) == {rule}


def test_percent_floors_are_of_the_amount_to_pay_and_rounded_up():
    # SME-180 hardship USD: floor max(USD 10, 2 % of 1,000.01 - 0 = 20.0002 -> 20.01); 50 instalments
    # are not allowed (12), so two: the second one cent under 20.01 breaks the floor only.
    assert rules("hardship_plan", [(7, "980.01"), (14, "20.00")], product="SME-180", hardship_limits=True,
                 balance="1000.01", fees="0", currency="USD") == {"min_instalment"}
    assert rules("hardship_plan", [(7, "980.00"), (14, "20.01")], product="SME-180", hardship_limits=True,
                 balance="1000.01", fees="0", currency="USD") == set()


def test_the_slot_shape_is_read_as_the_bot_writes_it():
    slot = {"kind": "part_payment", "schedule": [["2026-12-01", "350.00"], ["2026-12-08", "3150.00"]],
            "waiver": "0.00", "hardship": True, "adjusted": False, "notes": [], "request_kind": "part_payment"}
    assert offer_from_slot(slot) == Offer("part_payment", ((T, D("350.00")), (day(7), D("3150.00"))),
                                          D("0.00"), True)


def test_the_yaml_is_read_as_the_bot_reads_it():
    """Same numbers as bot.config's strict loader, so a disagreement is about rules, not reading."""
    products = load_products(ROOT / "config" / "products.yml")
    assert set(products) == set(LIMITS)
    for code, product in products.items():
        for block in ("standard", "hardship"):
            ours, theirs = LIMITS[code][block], getattr(product, block)
            for f in fields(Limits):
                if f.name == "min_instalment_amounts":
                    for currency, _ in theirs.min_instalment_amounts:
                        ccy = "XXX" if currency == "default" else currency
                        assert absolute_floor(ours, ccy) == theirs.min_instalment_amount(ccy), (code, ccy)
                elif f.name == "frequencies_days":
                    assert tuple(ours["frequencies_days"]) == theirs.frequencies_days
                else:
                    assert D(str(ours[f.name])) == D(str(getattr(theirs, f.name))), (code, block, f.name)


def test_a_plain_number_floor_is_the_default_for_every_currency():
    assert absolute_floor({"min_instalment_amount": 5}, "KES") == D("5.00")
    assert absolute_floor({"min_instalment_amount": {"default": 2, "JPY": 300}}, "JPY") == D(300)


def test_it_shares_no_code_with_the_negotiation_core():
    source = (ROOT / "bench" / "limits_check.py").read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
    assert not any(name == "bot" or name.startswith(("bot.", "actions")) for name in imported), imported
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, bench.limits_check; print(any(m.startswith('bot') for m in sys.modules))"],
        cwd=ROOT, capture_output=True, text=True, check=True, env={"PYTHONPATH": str(ROOT)})
    assert loaded.stdout.strip() == "False"


# --- cross-check: what the bot's negotiation core offers passes the independent check ----------

EXAMPLES = settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
SHIPPED = load_products(ROOT / "config" / "products.yml")
CURRENCIES = ["KES", "NGN", "INR", "PHP", "USD", "GBP", "IDR", "CNY", "EUR", "GHS", "UGX", "TZS", "ZAR", "JPY"]
EXPONENT = {"UGX": 0, "JPY": 0}
_offsets = st.none() | st.sampled_from([-1, 0, 1, 7, 14, 21, 30]) | st.integers(-30, 400)


@st.composite
def loans(draw):
    currency = draw(st.sampled_from(CURRENCIES))
    minor = draw(st.integers(1, 100) | st.integers(10 ** 4, 10 ** 10))
    fees_minor = minor * draw(st.integers(0, 1000)) // 1000
    exp = -EXPONENT.get(currency, 2)
    return currency, D(minor).scaleb(exp), D(fees_minor).scaleb(exp)


@st.composite
def requests(draw, today):
    offset = draw(_offsets)
    return Request(draw(st.sampled_from(REQUEST_KINDS + ("instalment_plan",) * 2)),
                   amount=draw(st.none() | st.integers(1, 10 ** 9).map(lambda n: D(n) / 100)),
                   date=None if offset is None else today + timedelta(days=offset),
                   days=draw(st.none() | st.integers(0, 400)), count=draw(st.none() | st.integers(1, 30)),
                   frequency_days=draw(st.none() | st.integers(1, 120)),
                   waiver_percent=draw(st.none() | st.integers(0, 100).map(D)))


def _checked(offer, *, code, hardship, balance, fees, currency, today, so_far) -> list[str]:
    plain = offer_from_slot(to_slot(offer))  # the shape the simulator reads back from the slots
    return violations(plain, balance=balance, fees_and_interest=fees, currency=currency,
                      limits=LIMITS[code]["hardship" if hardship else "standard"], today=today,
                      arrangements_so_far=so_far)


@EXAMPLES
@given(loan=loans(), code=st.sampled_from(sorted(SHIPPED)), hardship=st.booleans(),
       today=st.dates(date(2025, 1, 1), date(2030, 12, 31)), data=st.data())
def test_every_offer_propose_makes_passes_the_independent_check(loan, code, hardship, today, data):
    currency, balance, fees = loan
    product = SHIPPED[code]
    limits = product.hardship if hardship else product.standard
    so_far = data.draw(st.integers(0, limits.max_arrangements - 1))
    offer = propose(data.draw(requests(today)), balance=balance, fees_and_interest=fees, currency=currency,
                    limits=limits, today=today, arrangements_so_far=so_far, hardship=hardship)
    assert offer is not None
    assert _checked(offer, code=code, hardship=hardship, balance=balance, fees=fees, currency=currency,
                    today=today, so_far=so_far) == []


@EXAMPLES
@given(loan=loans(), code=st.sampled_from(sorted(SHIPPED)), hardship=st.booleans(),
       today=st.dates(date(2025, 1, 1), date(2030, 12, 31)), per=st.integers(1, 10 ** 9),
       period=st.integers(1, 120), first=_offsets)
def test_every_affordability_plan_passes_the_independent_check(loan, code, hardship, today, per, period, first):
    currency, balance, _ = loan
    product = SHIPPED[code]
    limits = product.hardship if hardship else product.standard
    first_due = None if first is None else today + timedelta(days=first)
    offer = plan_from_affordability(D(per).scaleb(-EXPONENT.get(currency, 2)), period, balance=balance,
                                    currency=currency, limits=limits, today=today, hardship=hardship,
                                    first_due=first_due)
    assert _checked(offer, code=code, hardship=hardship, balance=balance, fees=D(0), currency=currency,
                    today=today, so_far=0) == []


def test_the_cross_check_can_fail():
    """The property above would catch propose breaking a limit: one unit moved between payments does."""
    product = SHIPPED["WALLET-30"]
    offer = propose(Request("instalment_plan", count=3, frequency_days=7), balance=D("3500.00"),
                    fees_and_interest=D("500.00"), currency="KES", limits=product.standard, today=T,
                    arrangements_so_far=0, hardship=False)
    assert _checked(offer, code="WALLET-30", hardship=False, balance=D("3500.00"), fees=D("500.00"),
                    currency="KES", today=T, so_far=0) == []
    assert _checked(offer, code="WALLET-30", hardship=False, balance=D("3500.01"), fees=D("500.00"),
                    currency="KES", today=T, so_far=0) != []
