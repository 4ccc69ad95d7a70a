"""Every text the bot can send, in every emotion variant and with every kind of
fill, passes the prohibited-language check of every jurisdiction.

The bot's words live in config/messages.yml; an operator editing them must not
be able to ship a threat, so this test renders all of them.
"""
from __future__ import annotations

import string
from datetime import date
from decimal import Decimal

import pytest

from bot.compliance import check_text, load_profiles
from bot.dialogue.messages import load, render, variants
from bot.dialogue.offers import schedule_text, summary
from bot.negotiation.limits import limits_for, load_products
from bot.negotiation.plans import Request, propose
from bot.settings import ROOT, crisis_line, lender, settings

JURISDICTIONS = sorted(load_profiles(ROOT / "config" / "compliance.yml"))
TODAY = date(2026, 11, 30)


def offers():
    """Real offers (and their adjustment reasons) for every request kind, in and out of limits."""
    products = load_products(ROOT / "config" / "products.yml")
    out = []
    for product in products.values():
        for hardship in (False, True):
            limits = limits_for(product, hardship)
            for request in (
                Request("promise_to_pay", days=3), Request("promise_to_pay", days=400),
                Request("deferral", days=7), Request("deferral", days=300),
                Request("instalment_plan", count=3), Request("instalment_plan", count=40),
                Request("part_payment", amount=Decimal("1")), Request("fee_waiver"),
            ):
                offer = propose(request, balance=Decimal("13860.00"), fees_and_interest=Decimal("1360.00"),
                                currency="KES", limits=limits, today=TODAY, arrangements_so_far=0, hardship=hardship)
                if offer:
                    out.append(offer)
    return out


OFFERS = offers()
SAMPLES = {
    "reason": sorted({o.reason for o in OFFERS if o.reason}) or ["the longest deferral I can offer is 14 days"],
    "summary": sorted({summary(o, "KES") for o in OFFERS}),
    "schedule": [schedule_text(OFFERS[0], "KES")],
    "crisis_line": sorted({crisis_line(j) for j in JURISDICTIONS} | {settings()["crisis_lines"]["DEFAULT"]}),
    "instructions": [lender()["payment_instructions"].format(loan_id="LN-20931")],
}
DEFAULT_FILL = {
    "lender": lender()["name"], "assistant": lender()["assistant_name"], "contact": lender()["contact"],
    "response_time": "one working day", "loan_id": "LN-20931", "total": "KES 13,860.00",
    "principal": "KES 12,500.00", "interest": "KES 860.00", "fees": "KES 500.00", "due_date": "12 November 2026",
    "days_overdue": 18, "left": 2, "count": 1, "loan_ids": "LN-20932", "kind": "instalment plan",
    "amount": "KES 1,000.00", "paid_at": "our records", **{k: v[0] for k, v in SAMPLES.items()},
}


def renderings():
    for key, emotion, template in variants():
        fields = {f for _, f, _, _ in string.Formatter().parse(template) if f}
        texts = [template.format(**DEFAULT_FILL)]
        for field in fields & SAMPLES.keys():
            texts += [template.format(**{**DEFAULT_FILL, field: value}) for value in SAMPLES[field]]
        for text in texts:
            yield f"{key}:{emotion}", text


RENDERINGS = list(renderings())


def test_every_message_has_all_its_fills():
    for key, emotion, template in variants():
        template.format(**DEFAULT_FILL)  # KeyError names a placeholder nobody fills


@pytest.mark.parametrize("jurisdiction", JURISDICTIONS)
def test_every_rendering_passes_prohibited_language(jurisdiction):
    blocked = [(name, text, check_text(text, jurisdiction)) for name, text in RENDERINGS]
    blocked = [(name, d.rule, d.reason, text) for name, text, d in blocked if not d.allowed]
    assert not blocked, blocked
    assert len(RENDERINGS) > 100


def test_toned_messages_change_with_emotion():
    fills = {**DEFAULT_FILL}
    neutral = render("ask_affordability", "neutral", **fills)
    angry = render("ask_affordability", "angry", **fills)
    assert neutral != angry and neutral in angry
    assert "tone" in load()
