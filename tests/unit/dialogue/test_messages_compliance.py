"""Every text the bot can send, in every emotion variant and with every kind of
fill, passes the prohibited-language check of every jurisdiction; so does
every piece in the catalogue's `parts:` (each offer note with sample values,
summaries, schedules, per-loan blocks, button titles), rendered through
bot/dialogue/wording.py.

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
from bot.dialogue.wording import (
    BUTTON_SETS, arrangement_text, buttons, note, note_text, plans_text, schedule_text, summary,
)
from bot.negotiation.kinds import ArrangementKind
from bot.negotiation.limits import limits_for, load_products
from bot.negotiation.notes import PARAMS, Note, NoteCode
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


def sample_note(code: NoteCode) -> Note:
    """A note of `code` with a plausible value of each parameter's kind."""
    values = {"money": Decimal("1166.67"), "date": date(2026, 12, 4), "count": 14, "percent": Decimal("50"),
              "days": (7, 14, 30)}
    return Note(code, tuple((name, values[kind]) for name, kind in PARAMS[code].items()))


OFFERS = offers()
NOTES = [note(sample_note(code), "KES") for code in NoteCode]
SAMPLES = {
    "reason": sorted({note_text(o.notes, "KES") for o in OFFERS if o.notes} | set(NOTES)),
    "summary": sorted({summary(o, "KES") for o in OFFERS}),
    "schedule": [schedule_text(OFFERS[0], "KES")],
    "crisis_line": sorted({crisis_line(j) for j in JURISDICTIONS} | {settings()["crisis_lines"]["DEFAULT"],
                                                                       crisis_line(None)}),
    "instructions": [lender()["payment_instructions"].format(loan_id="LN-20931")],
}
DEFAULT_FILL = {
    "lender": lender()["name"], "assistant": lender()["assistant_name"], "contact": lender()["contact"],
    "response_time": "one working day", "loan_id": "LN-20931", "total": "KES 13,860.00",
    "principal": "KES 12,500.00", "interest": "KES 860.00", "fees": "KES 500.00", "due_date": "12 November 2026",
    "days_overdue": 18, "left": 2, "count": 1, "loan_ids": "LN-20932", "kind": "instalment plan",
    "amount": "KES 1,000.00", "paid_at": "our records", "start": "08:00", "end": "19:00", "reference": "9QX-22814",
    **{k: v[0] for k, v in SAMPLES.items()},
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


def parts_renderings():
    """Every piece of `parts:` as the borrower reads it (the messages above embed some of them too)."""
    yield from ((f"parts.notes.{code.value}", text) for code, text in zip(NoteCode, NOTES))
    yield from (("parts.summaries", summary(o, "KES")) for o in OFFERS)
    yield from (("parts.summaries", summary(o, "JPY")) for o in OFFERS[:3])
    yield "parts.schedule_line", schedule_text(OFFERS[0], "KES")
    yield "parts.loan_block", plans_text([("LN-20931", o, "KES") for o in OFFERS[:4]], adjusted=True)
    for kind in ArrangementKind:
        yield "parts.arrangement_kinds", " ".join(arrangement_text(
            kind.value, [{"due_date": "2026-12-07", "amount": "6930.00"}], "KES").values())
    yield from ((f"parts.buttons.{name}", b["title"]) for name in BUTTON_SETS for b in buttons(name))


PARTS = list(parts_renderings())


def test_every_message_has_all_its_fills():
    for key, emotion, template in variants():
        template.format(**DEFAULT_FILL)  # KeyError names a placeholder nobody fills


@pytest.mark.parametrize("jurisdiction", JURISDICTIONS)
def test_every_rendering_passes_prohibited_language(jurisdiction):
    blocked = [(name, text, check_text(text, jurisdiction)) for name, text in RENDERINGS]
    blocked = [(name, d.rule, d.reason, text) for name, text, d in blocked if not d.allowed]
    assert not blocked, blocked
    assert len(RENDERINGS) > 100


@pytest.mark.parametrize("jurisdiction", JURISDICTIONS)
def test_every_part_passes_prohibited_language(jurisdiction):
    blocked = [(name, text, check_text(text, jurisdiction)) for name, text in PARTS]
    blocked = [(name, d.rule, d.reason, text) for name, text, d in blocked if not d.allowed]
    assert not blocked, blocked
    assert {name for name, _ in PARTS} >= {f"parts.notes.{code.value}" for code in NoteCode}
    assert all(text and "{" not in text for _, text in PARTS)


def test_a_blocked_part_would_be_caught():
    """The check above can fail: a threat worded as a note is blocked in every jurisdiction."""
    threat = "we will send the police to your house unless you pay"
    assert not any(check_text(threat, j).allowed for j in JURISDICTIONS)


def test_toned_messages_change_with_emotion():
    fills = {**DEFAULT_FILL}
    neutral = render("ask_affordability", "neutral", **fills)
    angry = render("ask_affordability", "angry", **fills)
    assert neutral != angry and neutral in angry
    assert "tone" in load()
