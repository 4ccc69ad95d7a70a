"""The NLU reads the text once (bot/nlu/signals.py); the dialogue decides from the parse alone.

Pins each signal (with negatives), that a lexicon entry in data/lexicons/
is what the reader uses, that `decide` follows the signals whatever the text
says, and that a relative date is re-resolved in the borrower's zone by
arithmetic on the entity's relative form, not by reading the text again.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import yaml

from bot.dialogue.moves import Turn, decide, turn_from_parse
from bot.dialogue.reasons import Escalation
from bot.nlu import lexicons, signals
from bot.nlu.normalise import extract
from bot.nlu.relative_dates import resolve_relative
from bot.nlu.signals import (
    about_all_loans, hardship_reason, legal_threat, loan_reference, payment_period, read_signals,
)
from tests.unit.dialogue.test_dialogue_moves import LOAN, NOW, PRODUCTS, VERIFIED
from tests.unit.dialogue.test_dialogue_all_loans import TWO_LOANS


@pytest.mark.parametrize("text, scope", [
    ("can I pay both loans in 3 parts", "all_loans"), ("mikopo yangu yote", "all_loans"),
    ("lahat ng utang", "all_loans"), ("al my lons", "all_loans"),
    ("can I pay this loan in 3 parts", "this_loan"), ("both of us are struggling", "this_loan"), ("", "this_loan"),
])
def test_scope(text, scope):
    assert read_signals(text)["scope"] == scope


@pytest.mark.parametrize("text, unit, per, every", [
    ("500 every two weeks", "fortnight", False, True),
    ("1k a week", "week", True, True),
    ("kila week 500", "week", True, True),
    # issue 13 panel: "300rb per minggu" was read as every 30 days
    ("saya sanggup 300rb per minggu", "week", True, True),
    ("kaya ko 500 kada linggo", "week", True, True),
    ("naweza 1000 kila wiki", "week", True, True),
    ("main har hafte 1000 de sakta hoon", "week", True, True),
    ("每周还500", "week", True, True),
    ("每两周还500", "fortnight", True, True),
    ("每个月还1000", "month", True, True),
    # issue 13 panel, round 2: "5k every Friday" was read as 5k every 30 days
    ("Wetin I fit manage na 5k every Friday", "week", True, True),
    ("nitalipa 1000 kila ijumaa", "week", True, True),
    ("500 tuwing biyernes", "week", True, True),
    ("nitalipa 5000 kwa ijumaa", None, False, False),  # "by Friday": once
    ("I will pay on friday", None, False, False),
    ("周五还500", None, False, False),           # Friday, not a week
    ("bayar hari minggu", None, False, False),   # Sunday, not a week
    ("nitalipa kwa mpesa", None, False, False),
    ("I get my sweldo on the 30th", "month", False, False),
    ("I can pay 2000 monthly", "month", True, False),
    ("I can pay 2000", None, False, False),
])
def test_payment_period(text, unit, per, every):
    period = payment_period(text)
    assert {k: period[k] for k in ("unit", "per", "every")} == {"unit": unit, "per": per, "every": every}


@pytest.mark.parametrize("text, weekday", [
    ("Wetin I fit manage na 5k every Friday", 4), ("nitalipa 1000 kila ijumaa", 4), ("500 tuwing sabado", 5),
    ("setiap senin 200rb", 0), ("I can pay 2000 a week", None), ("I'll pay on friday", None),
])
def test_a_weekday_said_as_a_rate_is_kept(text, weekday):
    assert payment_period(text).get("weekday") == weekday


@pytest.mark.parametrize("text, reason", [
    ("I lost my job last month", "job_loss"), ("niko bila kazi", "job_loss"), ("walang trabaho ako", "job_loss"),
    ("the shop is open", None), ("my business collapsed", "business_failure"), ("I was in hospital", "illness"),
    ("my father passed away", "bereavement"), ("our house flooded", "disaster"),
    ("I will pay on friday", None), ("", None),
    # other languages (issue 13 panel: a Swahili bereavement came back as "say it another way")
    ("Mtoto wangu ameaga wiki iliyopita", "bereavement"), ("namatay ang tatay ko", "bereavement"),
    ("ibu saya meninggal minggu lalu", "bereavement"), ("mere papa guzar gaye", "bereavement"),
    ("我妈妈上个月去世了", "bereavement"), ("nimelazwa hospitalini", "illness"), ("kena phk bulan lalu", "job_loss"),
    ("sakit hati aku sama kalian", None), ("habari za asubuhi", None),
])
def test_hardship(text, reason):
    assert hardship_reason(text) == reason


@pytest.mark.parametrize("text, threat", [
    ("I will report you to the central bank", True), ("my lawyer will call you", True),
    ("I'll take you to court", True), ("I am going to sue you", True),
    ("I want to talk to a person", False), ("the bank is closed today", False),
])
def test_legal_threat(text, threat):
    assert legal_threat(text) is threat


@pytest.mark.parametrize("text, kind", [
    ("STOP", "channel"), ("stop please", "channel"), ("I can't stop worrying", None),
    ("hello", None),
])
def test_opt_out(text, kind):
    assert read_signals(text)["opt_out"] == kind


def test_opt_out_cease_phrases_come_from_the_compliance_profiles():
    from bot.compliance.profiles import default_profiles
    phrase = next(p for prof in default_profiles().values() for p in prof.cease_phrases)
    assert read_signals(phrase)["opt_out"] == "cease"


@pytest.mark.parametrize("text, reference", [
    ("my ref is TW-20931", "TW-20931"), ("it's LN 20931", "LN 20931"), ("my reference is lost", None),
    ("ln 20931", "ln 20931"), ("TW 20931 it is", "TW 20931"), ("tw20931", "tw20931"),
    ("DOB 12th March 1990, and my number ends 4471", None), ("can I pay 2000 on friday", None),
    ("KES 5000 by the 12th", None), ("USD 412", None), ("dob 12031990", None),
])
def test_loan_reference_in_free_text(text, reference):
    assert loan_reference(text) == reference


def test_a_lexicon_entry_is_what_the_reader_uses(tmp_path, monkeypatch):
    """A word added to data/lexicons/signals.yml is read, with no code change."""
    data = yaml.safe_load(signals.LEXICON.read_text(encoding="utf-8"))
    assert not about_all_loans("pay the prestamos together")
    data["scope"]["loans"].append("prestamos")
    path = tmp_path / "signals.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    for cached in (signals.lexicon, signals._patterns, signals._hardship_patterns):
        cached.cache_clear()
    monkeypatch.setattr(signals, "LEXICON", path)
    try:
        assert about_all_loans("all my prestamos in 3 parts")
    finally:
        monkeypatch.undo()
        for cached in (signals.lexicon, signals._patterns, signals._hardship_patterns):
            cached.cache_clear()
    assert not about_all_loans("all my prestamos in 3 parts")


def test_a_broken_lexicon_fails_loudly(tmp_path, monkeypatch):
    path = tmp_path / "signals.yml"
    path.write_text("scope: {}\nperiod: {}\n", encoding="utf-8")
    signals.lexicon.cache_clear()
    monkeypatch.setattr(signals, "LEXICON", path)
    try:
        with pytest.raises(ValueError, match="hardship"):
            signals.lexicon()
    finally:
        monkeypatch.undo()
        signals.lexicon.cache_clear()


# --- decide reads the parse, never the text -----------------------------------------------------

def test_decide_follows_the_signals_not_the_text():
    text = "I will sue you, my lawyer says so"
    calm = Turn("ask_balance", text, NOW, VERIFIED, signals=read_signals("what do I owe"))
    assert decide(calm, PRODUCTS).action == "action_state_balance"
    threat = Turn("ask_balance", "what do I owe", NOW, VERIFIED, signals={"legal_threat": True})
    assert decide(threat, PRODUCTS).escalation == Escalation.LEGAL_OR_REGULATOR


def test_all_loans_comes_from_the_scope_signal():
    both = "can I pay both loans in 3 instalments"
    one = Turn("request_instalments", both, NOW, TWO_LOANS, {"instalments": [3]}, signals={"scope": "this_loan"})
    assert decide(one, PRODUCTS).offers == ()
    all_ = Turn("request_instalments", "3 instalments", NOW, TWO_LOANS, {"instalments": [3]},
                signals={"scope": "all_loans"})
    assert [loan_id for loan_id, _ in decide(all_, PRODUCTS).offers] == ["LN-20931", "LN-20932"]


def test_hardship_comes_from_the_signal():
    text = "I lost my job, can I pay in 6 parts"
    said = Turn("request_instalments", text, NOW, VERIFIED, {"instalments": [6]}, signals={"hardship": None})
    assert not decide(said, PRODUCTS).offer.hardship
    read = Turn("request_instalments", "6 parts", NOW, VERIFIED, {"instalments": [6]},
                signals={"hardship": "job_loss"})
    move = decide(read, PRODUCTS)
    assert move.offer.hardship and move.hardship_reason == "job_loss"


def test_payment_period_comes_from_the_signal():
    weekly = {"unit": "week", "per": True, "every": True}
    # 5,000 a week fits a weekly plan on this loan (the borrower's own period comes first when it fits);
    # the text says "a month": the period is the signal's, never re-read from the text.
    text = "I can pay 5000 a month"
    move = decide(Turn("offer_partial_payment", text, NOW, VERIFIED, {"amount": ["5000"]},
                       signals={"period": weekly}), PRODUCTS)
    days = [(b.due - a.due).days for a, b in zip(move.offer.schedule, move.offer.schedule[1:])]
    assert days and set(days) == {7}


def test_turn_from_parse_carries_the_parse_signals_and_reads_a_parse_without_them():
    parse = {"text": "both loans please", "intent": {"name": "request_instalments"}, "entities": [],
             "signals": {"scope": "this_loan"}}
    assert turn_from_parse(parse, VERIFIED, NOW).signals == {"scope": "this_loan"}
    del parse["signals"]  # a test story's given intent: the same NLU reader fills them in
    assert turn_from_parse(parse, VERIFIED, NOW).signal("scope") == "all_loans"


# --- relative dates --------------------------------------------------------------------------

INSTANT = datetime(2026, 12, 6, 11, 30, tzinfo=timezone.utc)  # 01:30 on the 7th at UTC+14, 06:30 on the 6th at UTC-5


def _parse(text: str) -> dict:
    entities = extract(text, INSTANT, "UTC")
    return {"text": text, "intent": {"name": "promise_to_pay"}, "entities": entities, "signals": read_signals(text)}


def _date_for(zone: str, parse: dict) -> str:
    slots = {**VERIFIED, "loan": {**LOAN, "timezone": zone}}
    return turn_from_parse(parse, slots, INSTANT).first("date")


def test_the_entity_carries_the_relative_form():
    [entity] = [e for e in extract("I'll pay tomorrow", INSTANT, "UTC") if e["entity"] == "date"]
    assert entity["relative"] == {"days": 1}
    [eom] = [e for e in extract("by end of month", INSTANT, "UTC") if e["entity"] == "date"]
    assert eom["relative"] == {"month_end": 0}
    [friday] = [e for e in extract("on friday", INSTANT, "UTC") if e["entity"] == "date"]
    assert friday["relative"]["rule"] == "weekday"
    assert not [e for e in extract("on 15/12/2026", INSTANT, "UTC") if e.get("relative")]


def test_tomorrow_is_the_borrowers_tomorrow():
    parse = _parse("I'll pay tomorrow")
    assert _date_for("Pacific/Kiritimati", parse) == "2026-12-08"  # UTC+14: already the 7th there
    assert _date_for("America/Bogota", parse) == "2026-12-07"  # UTC-5: still the 6th


def test_the_date_is_resolved_by_arithmetic_not_by_reading_the_text_again():
    parse = _parse("I'll pay tomorrow")
    parse["text"] = "x" * len(parse["text"])  # nothing left to re-read: the relative form is enough
    assert _date_for("Pacific/Kiritimati", parse) == "2026-12-08"


@pytest.mark.parametrize("text", [
    "friday", "the 28th", "end of month", "next month", "in 3 days", "next week", "dec 15", "by christmas",
    "mid month", "5th of next month", "in march", "tuesday the 12th", "friday next week", "end of the week",
])
def test_every_relative_form_resolves_as_the_normaliser_does(text):
    """For any day, resolving the stored form equals parsing the phrase that day."""
    [entity] = [e for e in extract(text, INSTANT, "UTC") if e["entity"] == "date"]
    for day in range(1, 32):
        now = datetime(2027, 1, day, 12, tzinfo=timezone.utc)
        [again] = [e for e in extract(text, now, "UTC") if e["entity"] == "date"]
        assert resolve_relative(entity["relative"], date(2027, 1, day)).isoformat() == again["value"], day


# --- the pipeline component ---------------------------------------------------------------------

def test_the_component_adds_the_signals_to_every_parse():
    from rasa.shared.nlu.training_data.message import Message

    from bot.nlu.signal_reader import SignalReader
    message = Message(data={"text": "I lost my job, can I pay both loans 500 a week"})
    SignalReader.create({}, None, None, None).process([message])
    assert message.get("signals") == read_signals(message.get("text"))
    assert message.get("signals")["scope"] == "all_loans" and message.get("signals")["hardship"] == "job_loss"
    assert "signals" in message.as_dict(only_output_properties=True)


def test_the_component_runs_after_the_entity_normaliser():
    config = yaml.safe_load((signals.LEXICON.parents[2] / "config.yml").read_text(encoding="utf-8"))
    names = [step["name"] for step in config["pipeline"]]
    assert names.index("bot.nlu.signal_reader.SignalReader") == names.index("bot.nlu.entities.EntityNormaliser") + 1


# --- the normaliser's lexicon (data/lexicons/dates.yml) -----------------------------------------

DATES = lexicons.load("dates")
MONDAY = datetime(2026, 11, 30, 9, tzinfo=timezone.utc)  # a Monday


def _dates(text: str) -> list:
    return [e["value"] for e in extract(text, MONDAY, "UTC") if e["entity"] == "date"]


@pytest.mark.parametrize("word", DATES["tomorrow"])
def test_every_tomorrow_word_of_the_lexicon_is_read(word):
    assert _dates(f"I will pay {word}") == ["2026-12-01"]


@pytest.mark.parametrize("word, weekday", sorted(DATES["weekdays"].items()))
def test_every_local_weekday_of_the_lexicon_is_read(word, weekday):
    [value] = _dates(f"nitalipa {word}")
    assert date.fromisoformat(value).weekday() == weekday


@pytest.mark.parametrize("unit, days", sorted(DATES["swahili_units_days"].items()))
def test_every_swahili_duration_of_the_lexicon_is_read(unit, days):
    for word, n in DATES["swahili_numbers"].items():
        found = [e["value"] for e in extract(f"nipe {unit} {word}", MONDAY, "UTC") if e["entity"] == "duration_days"]
        assert found == [n * days], (unit, word)
