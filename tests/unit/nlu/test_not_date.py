"""A date the borrower rules out is the entity `not_date` (bot/nlu/normalise/negation.py).

Issue 13: "not tomorrow" was read as tomorrow, and a first instalment fell due
today right after "I can't pay today". The refused day keeps its value and
relative form; only its name changes, so the dialogue never offers it.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.nlu import lexicons
from bot.nlu.entities import merge_entities
from bot.nlu.normalise import EXTRACTOR, extract
from bot.nlu.normalise import negation

MONDAY = datetime(2026, 11, 30, 9, tzinfo=timezone.utc)  # a Monday: tomorrow 2026-12-01, friday 2026-12-04
NEGATION = lexicons.load("negation")


def _kinds(text: str) -> list:
    return [(e["entity"], e["text"]) for e in extract(text, MONDAY, "UTC") if e["entity"] in ("date", "not_date")]


@pytest.mark.parametrize("text, expected", [
    ("not tomorrow", [("not_date", "tomorrow")]),
    ("not today, maybe friday", [("not_date", "today"), ("date", "friday")]),
    ("I can't pay today", [("not_date", "today")]),
    ("I can’t pay today, I can do 2000 a week", [("not_date", "today")]),
    ("anytime but Monday", [("not_date", "Monday")]),
    ("si leo", [("not_date", "leo")]),
    ("hindi bukas", [("not_date", "bukas")]),
    ("jangan besok", [("not_date", "besok")]),
    ("aaj nahi", [("not_date", "aaj")]),
    ("I won't be able to pay tomorrow", [("not_date", "tomorrow")]),
    ("I can pay friday, not monday", [("date", "friday"), ("not_date", "monday")]),
    ("friday not monday", [("date", "friday"), ("not_date", "monday")]),
    ("kesho siwezi, ijumaa sawa", [("not_date", "kesho"), ("date", "ijumaa")]),
    ("besok tidak bisa", [("not_date", "besok")]),
    ("hindi ako makakabayad bukas", [("not_date", "bukas")]),
    ("sitaweza kulipa leo", [("not_date", "leo")]),
    ("tomorrow is not possible for me", [("not_date", "tomorrow")]),
    ("I cannot pay 2,000 today", [("not_date", "today")]),
    ("I cnt pay 2moro", [("not_date", "2moro")]),
    ("I can't make it tomorrow, how about friday", [("not_date", "tomorrow"), ("date", "friday")]),
    ("not today and not tomorrow", [("not_date", "today"), ("not_date", "tomorrow")]),
    # Chinese, read a character at a time (issue 15: 明天不行 used to be offered as tomorrow)
    ("明天不行", [("not_date", "明天")]),
    ("明天不行，后天可以", [("not_date", "明天"), ("date", "后天")]),
    ("我明天还不上", [("not_date", "明天")]),
    ("不是明天", [("not_date", "明天")]),
    ("我明天还不了，下周五可以吗", [("not_date", "明天"), ("date", "下周五")]),
    # a date taken back by the next one (issue 13 panel: "the 18th, wait no, the 17th" offered the 18th)
    ("I get paid the 18th, wait no, the 17th", [("not_date", "the 18th"), ("date", "the 17th")]),
    ("friday, i mean saturday", [("not_date", "friday"), ("date", "saturday")]),
    ("kesho, hapana, ijumaa", [("not_date", "kesho"), ("date", "ijumaa")]),
    ("明天，不对，后天", [("not_date", "明天"), ("date", "后天")]),
    ("ya kwanza iwe Friday, leo sina kitu kabisa", [("date", "Friday"), ("not_date", "leo")]),
])
def test_a_refused_date_is_a_not_date(text, expected):
    assert _kinds(text) == expected


@pytest.mark.parametrize("text", [
    "I'll pay tomorrow", "why not tomorrow?", "no, tomorrow", "tomorrow no problem",
    "I can't pay until friday", "I can't pay anything before friday", "don't worry I'll pay friday",
    "I don't know if I can pay friday", "can't I pay friday?", "not later than friday",
    "I lost my husband last month and I can't think straight", "sorry I was busy, I'll pay today",
    "bakit hindi bukas?", "kwa nini si kesho",
    "明天我会还", "别担心明天我会还", "不能晚于明天", "明天没问题", "不是说好了我明天还吗",
    "能不能宽限到12月20号", "可不可以明天还", "Kalau tanggal 26 bisa ga, jaga-jaga",
])
def test_an_offered_or_limiting_date_stays_a_date(text):
    kinds = _kinds(text)
    assert kinds and all(kind == "date" for kind, _ in kinds), kinds


@pytest.mark.parametrize("phrase", ["tomorrow", "friday", "the 28th", "end of month", "next week", "in 3 days"])
def test_a_not_date_has_the_value_and_relative_form_the_date_would_have(phrase):
    [date_] = [e for e in extract(f"I'll pay {phrase}", MONDAY, "UTC") if e["entity"] == "date"]
    [refused] = [e for e in extract(f"I can't pay {phrase}", MONDAY, "UTC") if e["entity"] == "not_date"]
    assert refused["value"] == date_["value"]
    assert refused.get("relative") == date_.get("relative") and refused.get("relative") is not None
    assert refused["extractor"] == EXTRACTOR and refused["text"] == date_["text"]
    assert refused["negated"] is True and "negated" not in date_


def test_a_dated_year_refused_is_a_not_date_without_a_relative_form():
    [refused] = [e for e in extract("not on 15/12/2026", MONDAY, "UTC") if e["entity"] == "not_date"]
    assert refused["value"] == "2026-12-15" and "relative" not in refused


def test_a_birth_date_is_never_a_not_date():
    assert [e["entity"] for e in extract("I was not born on 12 march 1990", MONDAY, "UTC")] == ["date_of_birth"]


# --- every lexicon entry is read ------------------------------------------------------------------

BEFORE = sorted({w for words in NEGATION["before"].values() for w in words})
AFTER = sorted({w for words in NEGATION["after"].values() for w in words})


@pytest.mark.parametrize("word", BEFORE)
def test_every_negator_before_a_date_is_read(word):
    assert _kinds(f"{word} tomorrow") == [("not_date", "tomorrow")]


@pytest.mark.parametrize("word", AFTER)
def test_every_negator_after_a_date_is_read(word):
    assert _kinds(f"tomorrow {word}") == [("not_date", "tomorrow")]


@pytest.mark.parametrize("word", NEGATION["clause_breaks"])
def test_every_clause_break_ends_the_negation(word):
    assert _kinds(f"not today {word} tomorrow") == [("not_date", "today"), ("date", "tomorrow")]


@pytest.mark.parametrize("word", NEGATION["resets"])
def test_every_reset_word_makes_the_date_a_limit(word):
    assert _kinds(f"I can't pay {word} tomorrow") == [("date", "tomorrow")]


@pytest.mark.parametrize("phrase", NEGATION["not_negations"])
def test_every_not_negation_phrase_refuses_nothing(phrase):
    assert _kinds(f"{phrase} tomorrow") == [("date", "tomorrow")]
    assert _kinds(f"tomorrow {phrase}") == [("date", "tomorrow")]


def test_a_message_full_of_dates_stays_fast():
    import time
    started = time.perf_counter()
    extract("not tomorrow, friday not monday " * 40, MONDAY, "UTC")
    assert time.perf_counter() - started < 1.0


def test_the_gap_is_bounded():
    gap = NEGATION["max_gap"]
    near = "not " + " ".join(["really"] * gap) + " tomorrow"
    far = "not " + " ".join(["really"] * (gap + 1)) + " tomorrow"
    assert _kinds(near) == [("not_date", "tomorrow")] and _kinds(far) == [("date", "tomorrow")]


def test_a_broken_negation_lexicon_fails_loudly(monkeypatch):
    negation._lexicon.cache_clear()
    negation._window.cache_clear()
    monkeypatch.setattr(lexicons, "load", lambda name, directory=lexicons.DIRECTORY: {"after": {}})
    try:
        with pytest.raises(ValueError, match="negation.yml"):
            negation.check_lexicon()
    finally:
        monkeypatch.undo()
        negation._lexicon.cache_clear()
        negation._window.cache_clear()
    negation.check_lexicon()


# --- downstream --------------------------------------------------------------------------------

def test_a_trained_date_on_the_same_span_does_not_undo_the_not_date():
    text = "not tomorrow"
    ours = extract(text, MONDAY, "UTC")
    trained = [{"entity": "date", "value": "tomorrow", "start": 4, "end": 12, "extractor": "DIETClassifier"}]
    merged = merge_entities(ours, trained, text, MONDAY, "UTC")
    assert [(e["entity"], e["value"]) for e in merged] == [("not_date", "2026-12-01")]


def test_the_dialogue_turn_carries_the_refused_day_apart_from_the_offered_ones():
    from bot.dialogue.moves import turn_from_parse
    from tests.unit.dialogue.test_dialogue_moves import VERIFIED
    text = "not today, maybe friday"
    parse = {"text": text, "intent": {"name": "promise_to_pay"}, "entities": extract(text, MONDAY, "UTC"),
             "signals": {}}
    turn = turn_from_parse(parse, VERIFIED, MONDAY)
    assert turn.entities["not_date"] == ["2026-11-30"] and turn.entities["date"] == ["2026-12-04"]


def test_the_friday_after_is_a_week_after_the_friday_ruled_out():
    """"not this Friday, the Friday after" gave the refused Friday as the date (issue 13 panel, round 3)."""
    said = [(e["entity"], e["value"]) for e in extract("not this Friday, the Friday after. salary comes late",
                                                       MONDAY, "UTC") if e["entity"] in ("date", "not_date")]
    assert said == [("not_date", "2026-12-04"), ("date", "2026-12-11")]
    assert [e["value"] for e in extract("friday after next", MONDAY, "UTC")] == ["2026-12-11"]
    assert [e["value"] for e in extract("the friday after payday", MONDAY, "UTC")] == ["2026-12-04"]


@pytest.mark.parametrize("phrase", NEGATION["corrections"])
def test_every_correction_takes_back_the_date_before_it(phrase):
    assert _kinds(f"tomorrow, {phrase} friday") == [("not_date", "tomorrow"), ("date", "friday")]


@pytest.mark.parametrize("text", [
    "5000 tomorrow, actually the rest on friday", "tomorrow and friday", "pay tomorrow, and the rest friday",
])
def test_two_dates_without_a_correction_between_are_both_offered(text):
    assert [k for k, _ in _kinds(text)] == ["date", "date"]
