"""bot/dialogue/wording.py: every offer text worded from the catalogue, byte-identical to the English
the bot said when the words were Python; a second language is a second file; notes survive the slot."""
from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
import yaml

from bot.config.messages import path_for
from bot.dialogue import messages
from bot.dialogue.messages import render
from bot.dialogue.offers import from_slot, notes_to_json, to_slot
from bot.dialogue.wording import (
    arrangement_text, buttons, day, listing, money, note_text, plans_text, schedule_text, summary,
)
from bot.negotiation.money import EXPONENTS, fmt
from bot.negotiation.notes import PARAMS, Note, NoteCode
from bot.negotiation.terms import Instalment, Offer
from tests.support.config_files import shipped, write_variant

PLAN = Offer("instalment_plan", (Instalment(date(2026, 12, 4), D("1166.66")), Instalment(date(2026, 12, 11),
             D("1166.66")), Instalment(date(2026, 12, 18), D("1166.68"))))
DEFERRAL = Offer("deferral", (Instalment(date(2026, 12, 14), D("3250.00")),), waiver=D("250.00"), hardship=True,
                 adjusted=True, notes=(Note.of(NoteCode.WAIVER_CAPPED, percent=D("50"), waiver=D("250.00")),
                                       Note.of(NoteCode.DEFERRAL_MAX, days=14, latest=date(2026, 12, 14))))


@pytest.mark.parametrize("amount", ["0", "1", "0.5", "1166.666", "-5", "-1234567.891", "999999999.995", "12000"])
@pytest.mark.parametrize("currency", sorted(EXPONENTS) + ["xyz", " kes "])
def test_money_is_written_as_before(amount, currency):
    """Babel with the catalogue's pattern gives what fmt always gave, for every minor unit and sign."""
    assert money(D(amount), currency) == fmt(D(amount), currency)


def test_money_examples():
    assert [money(D("1166.67"), "KES"), money(D("12000"), "JPY"), money(D("-5"), "USD"), money(0, "UGX"),
            money(D("1.5"), "KWD")] == ["KES 1,166.67", "JPY 12,000", "-USD 5.00", "UGX 0", "KWD 1.500"]


def test_dates_are_written_as_before():
    """Each style is one of the strftime forms the Python code used (in the C locale)."""
    d = date(2026, 1, 1)
    for _ in range(400):
        short = f"{d:%a} {d.day} {d:%b} {d.year}"
        assert (day(d), day(d, style="long_date"), day(d, style="statement_date"),
                day(d, style="arrangement_date")) == (short, f"{d:%A %d %B %Y}", d.strftime("%d %B %Y"),
                                                      d.isoformat())
        d += timedelta(days=1)
    assert day(date(2026, 9, 4)) == "Fri 4 Sep 2026"  # not en_GB's "Sept"


@pytest.mark.parametrize("percent", ["0", "0.5", "12.5", "33.333333", "50", "100", "50.00"])
def test_percents_are_written_as_before(percent):
    note = Note.of(NoteCode.WAIVER_CAPPED, percent=D(percent), waiver=D("1.00"))
    assert note_text((note,), "KES").startswith(f"the most I can waive is {D(percent).normalize():f}% of ")


def test_lists_say_or_without_a_serial_comma():
    assert [listing([30]), listing([7, 30]), listing((7, 14, 30))] == ["30", "7 or 30", "7, 14 or 30"]


def test_summaries_and_schedules_are_the_sentences_the_bot_always_said():
    assert summary(PLAN, "KES") == "an instalment plan of 3 payments, KES 3,500.00 in total:"
    assert summary(DEFERRAL, "KES") == ("moving your due date to Monday 14 December 2026, paying KES 3,250.00 "
                                        "then, with KES 250.00 of fees and interest waived:")
    single = Instalment(date(2026, 12, 4), D("3500"))
    assert summary(Offer("pay_in_full", (single,)), "JPY") == "paying JPY 3,500 by Friday 04 December 2026:"
    assert summary(Offer("promise_to_pay", (single,)), "KES") == "paying KES 3,500.00 by Friday 04 December 2026:"
    assert summary(Offer("part_payment", (single, Instalment(date(2026, 12, 7), D("1.00")))), "KES") == (
        "a part payment first and the rest later, KES 3,501.00 in total:")
    hard = Offer("hardship_plan", PLAN.schedule, hardship=True)
    assert summary(hard, "KES") == "a hardship plan of 3 payments, KES 3,500.00 in total:"
    assert schedule_text(PLAN, "KES") == ("1. Fri 4 Dec 2026: KES 1,166.66\n2. Fri 11 Dec 2026: KES 1,166.66\n"
                                          "3. Fri 18 Dec 2026: KES 1,166.68")


def test_notes_are_joined_and_the_loans_blocked_as_before():
    assert note_text(DEFERRAL.notes, "KES") == (
        "the most I can waive is 50% of the fees and interest (KES 250.00); "
        "the longest deferral I can offer is 14 days, to Mon 14 Dec 2026")
    assert note_text((), "KES") == ""
    text = plans_text([("LN-1", DEFERRAL, "KES"), ("LN-2", PLAN, "KES")], adjusted=True)
    assert text == (
        "Loan LN-1 (I can't do exactly what you asked here: the most I can waive is 50% of the fees and interest "
        "(KES 250.00); the longest deferral I can offer is 14 days, to Mon 14 Dec 2026): moving your due date to "
        "Monday 14 December 2026, paying KES 3,250.00 then, with KES 250.00 of fees and interest waived:\n"
        "1. Mon 14 Dec 2026: KES 3,250.00\n\n"
        "Loan LN-2: an instalment plan of 3 payments, KES 3,500.00 in total:\n" + schedule_text(PLAN, "KES"))
    assert plans_text([("LN-1", DEFERRAL, "KES")]).startswith("Loan LN-1: moving")  # accepted: no why


def test_buttons_and_arrangements_are_the_ones_the_actions_sent():
    assert buttons("options") == [
        {"title": "Pay in full", "payload": "/pay_in_full"}, {"title": "Pay on a date", "payload": "/promise_to_pay"},
        {"title": "More time", "payload": "/request_deferral"}, {"title": "Instalments", "payload": "/request_instalments"},
    ]
    assert buttons("yes_no") == [{"title": "Yes, set it up", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
    schedule = [{"due_date": "2026-12-07", "amount": "6930.00"}, {"due_date": "2026-12-21", "amount": "6930.00"}]
    assert arrangement_text("instalment_plan", schedule, "KES") == {
        "kind": "instalment plan", "schedule": "2026-12-07: KES 6,930.00; 2026-12-21: KES 6,930.00"}


# --- the slot ------------------------------------------------------------------------

def every_kind_of_note() -> tuple[Note, ...]:
    values = {"money": D("583.33"), "date": date(2027, 2, 28), "count": 9, "percent": D("12.5"), "days": (7, 14)}
    return tuple(Note(code, tuple((n, values[k]) for n, k in PARAMS[code].items())) for code in NoteCode)


def test_notes_survive_the_slot_as_plain_json():
    offer = Offer("deferral", DEFERRAL.schedule, adjusted=True, notes=every_kind_of_note())
    slot = json.loads(json.dumps(to_slot(offer, request_kind="deferral")))  # what Rasa stores
    assert "reason" not in slot and slot["request_kind"] == "deferral"
    assert ["deferral_max", {"days": 9, "latest": "2027-02-28"}] in slot["notes"]
    assert ["waiver_capped", {"percent": "12.5", "waiver": "583.33"}] in slot["notes"]
    assert ["frequency_used", {"allowed": [7, 14], "every": 9}] in slot["notes"]
    back = from_slot(slot)
    assert back == offer and back.notes == offer.notes
    assert type(dict(back.notes[2].params)["waiver"]) is D and type(dict(back.notes[4].params)["latest"]) is date
    assert from_slot(to_slot(PLAN)).notes == () and to_slot(PLAN)["notes"] == []


def test_a_slot_from_before_the_deploy_is_adjusted_without_notes():
    old = {"kind": "deferral", "schedule": [["2026-12-14", "3500.00"]], "waiver": "0.00", "hardship": False,
           "adjusted": True, "reason": "the longest deferral I can offer is 14 days, to Mon 14 Dec 2026"}
    offer = from_slot(old)
    assert offer.adjusted and offer.notes == () and offer.schedule[0].amount == D("3500.00")


def test_a_slot_with_a_bad_note_is_refused():
    with pytest.raises(ValueError, match="no_such_code"):
        from_slot({**to_slot(PLAN), "adjusted": True, "notes": [["no_such_code", {}]]})
    with pytest.raises(ValueError, match="part_min"):
        from_slot({**to_slot(PLAN), "adjusted": True, "notes": [["part_min", {"amont": "1.00"}]]})
    assert notes_to_json(DEFERRAL.notes)[1] == ["deferral_max", {"days": 14, "latest": "2026-12-14"}]


def test_notes_are_well_formed_on_construction():
    with pytest.raises(ValueError, match="unknown note code"):
        Note("haggle")
    with pytest.raises(ValueError, match="amount must be a money value"):
        Note.of(NoteCode.PART_MIN, amount=350)
    with pytest.raises(ValueError, match="expected"):
        Note.of(NoteCode.PART_MIN)
    with pytest.raises(ValueError, match="an offer with notes is adjusted"):
        Offer("deferral", DEFERRAL.schedule, notes=DEFERRAL.notes)
    assert Note.of(NoteCode.PROMISE_WINDOW, latest=date(2026, 12, 7), days=7) == Note.of(
        NoteCode.PROMISE_WINDOW, days=7, latest=date(2026, 12, 7))  # parameter order does not matter


# --- a second language is a second file ------------------------------------------------

@pytest.fixture
def swahili(tmp_path, monkeypatch):
    english = write_variant(tmp_path / "messages.yml", "messages.yml")
    parts = shipped("messages.yml")["parts"]
    parts["locale"] = "sw"
    parts["notes"]["deferral_max"] = "muda mrefu zaidi ninaoweza kukupa ni siku {days}, hadi {latest}"
    parts["summaries"]["deferral"] = "kusogeza tarehe ya malipo hadi {due}, ukilipa {amount}{waived}:"
    parts["buttons"]["yes_set_it_up"] = "Ndiyo, iweke"
    second = {"parts": parts, "thank": {"facts": {"mentions_debt": False, "first_disclosure": False},
                                        "default": "Karibu."}}
    path_for("sw", english).write_text(yaml.safe_dump(second, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("MESSAGES_YML", str(english))
    messages.load.cache_clear()
    yield
    messages.load.cache_clear()


def test_a_second_language_renders_a_note_a_summary_and_a_button(swahili):
    note = (Note.of(NoteCode.DEFERRAL_MAX, days=14, latest=date(2026, 12, 14)),)
    # the words from the file, the day and month names from Babel's Swahili locale
    assert note_text(note, "KES", "sw") == "muda mrefu zaidi ninaoweza kukupa ni siku 14, hadi Jumatatu 14 Des 2026"
    assert summary(DEFERRAL, "KES", "sw") == ("kusogeza tarehe ya malipo hadi Jumatatu 14 Desemba 2026, ukilipa "
                                              "KES 3,250.00, with KES 250.00 of fees and interest waived:")
    assert buttons("yes_no", "sw")[0] == {"title": "Ndiyo, iweke", "payload": "/affirm"}
    assert render("thank", language="sw") == "Karibu."
    assert render("goodbye", language="sw") == render("goodbye")  # a message the file lacks: English
    # English is untouched, and a language without a file is English
    assert note_text(note, "KES") == "the longest deferral I can offer is 14 days, to Mon 14 Dec 2026"
    assert buttons("yes_no", "fr") == buttons("yes_no") and summary(PLAN, "KES", "fr") == summary(PLAN, "KES")
