"""Entity extraction + normalisation: the pure normaliser, then both components in a real Rasa pipeline."""
from __future__ import annotations

import asyncio
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from bot.nlu.normalise import (
    MAX_SCAN_CHARS, extract, normalise_entity, parse_amount, parse_date, parse_dob, parse_duration_days,
    parse_instalments, parse_loan_reference,
)

UTC = timezone.utc
WED = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # a Wednesday


def values(text, now=WED, tz="UTC", kind=None):
    ents = extract(text, now, tz)
    return [(e["entity"], e["value"]) for e in ents if kind is None or e["entity"] == kind]


# ---------------------------------------------------------------- amounts
@pytest.mark.parametrize("text, amount, currency", [
    ("I can pay 2.5k", 2500, None),
    ("KES 3,500 is all I have", 3500, "KES"),
    ("50 dollars", 50, "USD"),
    ("1.2m", 1200000, None),
    ("I'll send 5 thousand", 5000, None),
    ("ksh 2000/=", 2000, "KES"),
    ("Ksh.1500 tomorrow", 1500, "KES"),
    ("kes3500", 3500, "KES"),
    ("500 bob", 500, "KES"),
    ("₦5,000", 5000, "NGN"),
    ("N20,000 abeg", 20000, "NGN"),
    ("300 naira", 300, "NGN"),
    ("Rs. 500", 500, "INR"),
    ("₹2,00,000", 200000, "INR"),  # Indian digit grouping
    ("₱1,500 po", 1500, "PHP"),
    ("1000 pesos", 1000, "PHP"),
    ("£20", 20, "GBP"),
    ("Rp 50.000", 50000, "IDR"),
    ("200 rmb", 200, "CNY"),
    ("¥300", 300, "CNY"),
    ("3000 cedis", 3000, "GHS"),
    ("$75", 75, "USD"),
    ("can I pay five hundred", 500, None),
    ("two thousand five hundred shillings", 2500, "KES"),
    ("I can pay 1,200,000", 1200000, None),
    ("pay 2 lakh", 200000, None),
])
def test_amount_and_currency(text, amount, currency):
    ents = extract(text, WED)
    amounts = [e["value"] for e in ents if e["entity"] == "amount"]
    currencies = [e["value"] for e in ents if e["entity"] == "currency"]
    if amount is not None:
        assert amounts[:1] == [amount]
        assert isinstance(amounts[0], int)
    assert currencies[:1] == ([currency] if currency else [])


def test_fractional_amount_keeps_exact_text():
    [ent] = [e for e in extract("I can pay 1,250.75 now", WED) if e["entity"] == "amount"]
    assert ent["value"] == 1250.75 and ent["value_text"] == "1250.75"
    assert Decimal(ent["value_text"]) == Decimal("1250.75")


@pytest.mark.parametrize("text, expected", [
    ("2.5k", Decimal("2500")), ("KES 3,500", Decimal("3500")), ("50 dollars", Decimal("50")),
    ("1.2m", Decimal("1200000")), ("5 thousand", Decimal("5000")), ("0.5k", Decimal("500")),
    ("a thousand", Decimal("1000")), ("12.50", Decimal("12.50")), ("nothing here", None),
])
def test_parse_amount_returns_decimal(text, expected):
    got = parse_amount(text)
    assert got == expected and (got is None or isinstance(got, Decimal))


@pytest.mark.parametrize("text", [
    "I have 2 kids", "my number is 0712345678", "call me at 5pm", "I paid in 2024", "wait 2 minutes",
])
def test_numbers_that_are_not_money(text):
    assert values(text, kind="amount") == []


def test_currency_alone():
    assert values("do you take dollars?", kind="currency") == [("currency", "USD")]
    assert values("can I pay in naira", kind="currency") == [("currency", "NGN")]
    assert values("bob said hi", kind="currency") == []  # "bob" is money only next to a number


# ---------------------------------------------------------------- dates
@pytest.mark.parametrize("text, iso", [
    ("I will pay on friday", "2026-11-27"),
    ("wednesday", "2026-12-02"),            # today is Wednesday: the next one
    ("by this sunday", "2026-11-29"),
    ("on sat", "2026-11-28"),
    ("next monday", "2026-11-30"),
    ("next week monday", "2026-11-30"),
    ("friday next week", "2026-12-04"),
    ("the 28th", "2026-11-28"),
    ("on the 24th", "2026-12-24"),           # already past this month
    ("25th", "2026-11-25"),                  # today counts
    ("end of month", "2026-11-30"),
    ("end of the month", "2026-11-30"),
    ("end of next month", "2026-12-31"),
    ("mid month", "2026-12-15"),
    ("tomorrow", "2026-11-26"), ("tmrw", "2026-11-26"), ("2moro", "2026-11-26"),
    ("tomorow", "2026-11-26"), ("kesho", "2026-11-26"), ("bukas", "2026-11-26"), ("besok", "2026-11-26"),
    ("day after tomorrow", "2026-11-27"), ("kesho kutwa", "2026-11-27"),
    ("today", "2026-11-25"), ("tonight", "2026-11-25"),
    ("15/12", "2026-12-15"),
    ("12/15", "2026-12-15"),                 # day-first impossible -> month-first
    ("3/4", "2027-04-03"),                   # day-first
    ("1/11", "2027-11-01"),                  # already past this year
    ("dec 15", "2026-12-15"), ("15 dec", "2026-12-15"), ("15th of december", "2026-12-15"),
    ("december 15th", "2026-12-15"), ("jan 5", "2027-01-05"), ("may 15th", "2027-05-15"),
    ("in 3 days", "2026-11-28"), ("in two weeks", "2026-12-09"), ("in a week", "2026-12-02"),
    ("in a month", "2026-12-25"),
    ("next week", "2026-11-30"), ("next month", "2026-12-01"), ("end of the week", "2026-11-27"),
    ("15/12/2026", "2026-12-15"), ("2026-12-15", "2026-12-15"),
])
def test_dates(text, iso):
    assert values(text, kind="date") == [("date", iso)]


@pytest.mark.parametrize("text", ["I may pay 15 later", "I sat down", "we'd like to pay", "2000/="])
def test_not_dates(text):
    assert values(text, kind="date") == []


def test_ordinal_day_already_passed_rolls_to_next_month():
    assert parse_date("the 28th", datetime(2026, 11, 29, 9, tzinfo=UTC)) == date(2026, 12, 28)


@pytest.mark.parametrize("now, text, expected", [
    (datetime(2027, 1, 31, 9, tzinfo=UTC), "the 30th", date(2027, 2, 28)),   # clamp to February
    (datetime(2027, 1, 31, 9, tzinfo=UTC), "in a month", date(2027, 2, 28)),
    (datetime(2028, 2, 10, 9, tzinfo=UTC), "end of month", date(2028, 2, 29)),  # leap year
    (datetime(2027, 2, 10, 9, tzinfo=UTC), "end of month", date(2027, 2, 28)),
    (datetime(2026, 11, 5, 9, tzinfo=UTC), "the 31st", date(2026, 11, 30)),
    (datetime(2026, 12, 31, 9, tzinfo=UTC), "tomorrow", date(2027, 1, 1)),
    (datetime(2026, 12, 20, 9, tzinfo=UTC), "next month", date(2027, 1, 1)),
])
def test_month_ends(now, text, expected):
    assert parse_date(text, now) == expected


@pytest.mark.parametrize("tz, expected", [
    ("Africa/Nairobi", date(2026, 11, 27)),     # 02:30 on the 26th there
    ("America/New_York", date(2026, 11, 26)),   # 18:30 on the 25th there
    ("UTC", date(2026, 11, 26)),
    ("Asia/Manila", date(2026, 11, 27)),
])
def test_tomorrow_late_evening_utc_depends_on_borrower_zone(tz, expected):
    assert parse_date("tomorrow", datetime(2026, 11, 25, 23, 30, tzinfo=UTC), tz) == expected


def test_weekday_depends_on_borrower_zone():
    now = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)  # Thursday in UTC, already Friday in Nairobi
    assert parse_date("friday", now, "America/New_York") == date(2026, 11, 27)
    assert parse_date("friday", now, "Africa/Nairobi") == date(2026, 12, 4)


def test_naive_now_is_utc():
    assert parse_date("tomorrow", datetime(2026, 11, 25, 23, 30), "Africa/Nairobi") == date(2026, 11, 27)


def test_unknown_zone_is_a_clear_error():
    with pytest.raises(ValueError, match="time zone"):
        parse_date("tomorrow", WED, "Mars/Olympus")


# ---------------------------------------------------------------- durations & instalments
@pytest.mark.parametrize("text, days", [
    ("give me two weeks", 14), ("a month", 30), ("10 days", 10), ("2 wks", 14), ("a fortnight", 14),
    ("3 months", 90), ("a week", 7), ("1.5 months", 45), ("half a month", 15), ("a couple of weeks", 14),
    ("one year", 365), ("twenty one days", 21), ("7days", 7),
])
def test_duration_days(text, days):
    assert values(text, kind="duration_days") == [("duration_days", days)]
    assert parse_duration_days(text) == days


@pytest.mark.parametrize("text, n", [
    ("3 payments", 3), ("six instalments", 6), ("4 parts", 4), ("split in 3", 3),
    ("can I pay in 3 installments", 3), ("pay in 2 monthly payments", 2), ("divide it into four", 4),
    ("split it into 5", 5), ("twelve installments", 12),
])
def test_instalments(text, n):
    assert values(text, kind="instalments") == [("instalments", n)]


@pytest.mark.parametrize("text", ["over 3 months", "pay in 3 days", "split it in 3 weeks"])
def test_time_spans_are_not_instalments(text):
    assert values(text, kind="instalments") == []


def test_parse_instalments_bare():
    assert parse_instalments("3") == 3 and parse_instalments("six") == 6 and parse_instalments("1") is None


# ---------------------------------------------------------------- identity
@pytest.mark.parametrize("text", ["LN-20931", "ln 20931", "loan no 20931", "my loan number is 20931",
                                  "LN20931", "ref: LN 20931", "loan ref #20931"])
def test_loan_reference(text):
    assert values(text, kind="loan_reference") == [("loan_reference", "LN-20931")]


def test_loan_reference_needs_four_to_eight_digits():
    assert values("LN-123", kind="loan_reference") == [] and parse_loan_reference("20931") == "LN-20931"


@pytest.mark.parametrize("text", ["last four digits are 4821", "the last 4 digits of my phone: 4821",
                                  "my number ends with 4821", "last 4 is 4821"])
def test_phone_last4(text):
    assert values(text, kind="phone_last4") == [("phone_last4", "4821")]


@pytest.mark.parametrize("text, iso", [
    ("12 march 1990", "1990-03-12"), ("04/07/1985", "1985-07-04"), ("1990-03-12", "1990-03-12"),
    ("born on 5th june 88", "1988-06-05"), ("my dob is 3/4/05", "2005-04-03"),
    ("march 12, 1990", "1990-03-12"), ("DOB 31.12.1979", "1979-12-31"),
])
def test_date_of_birth(text, iso):
    assert values(text) == [("date_of_birth", iso)]


@pytest.mark.parametrize("text, iso", [("I'll pay on 15/12/2026", "2026-12-15"),
                                       ("I paid on 12 march 2020", "2020-03-12")])
def test_recent_dated_is_a_date_not_a_birth_date(text, iso):
    assert values(text) == [("date", iso)]


def test_parse_dob():
    assert parse_dob("born 5th june 88", WED) == date(1988, 6, 5)
    assert parse_dob("on friday", WED) is None


# ---------------------------------------------------------------- whole messages
def test_mixed_message_shape_and_spans():
    text = "Hi, loan LN-20931: can I pay KES 3,500 on friday and the rest in 3 payments over 2 months?"
    ents = extract(text, WED, "Africa/Nairobi")
    assert [(e["entity"], e["value"]) for e in ents] == [
        ("loan_reference", "LN-20931"), ("currency", "KES"), ("amount", 3500),
        ("date", "2026-11-27"), ("instalments", 3), ("duration_days", 60)]
    for e in ents:
        assert text[e["start"]:e["end"]] == e["text"] and e["extractor"] == "EntityNormaliser"
    spans = sorted((e["start"], e["end"]) for e in ents)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


@pytest.mark.parametrize("entity, text, value", [
    ("duration_days", "two weeks", 14), ("amount", "2.5k", 2500), ("date", "friday", "2026-11-27"),
    ("instalments", "three", 3), ("currency", "bob", "KES"), ("loan_reference", "ln 20931", "LN-20931"),
    ("date_of_birth", "12 march 1990", "1990-03-12"), ("phone_last4", "0712 344 821", "4821"),
])
def test_normalise_foreign_entity(entity, text, value):
    msg = f"xx {text} yy"
    ent = {"entity": entity, "value": text, "start": 3, "end": 3 + len(text), "extractor": "CRFEntityExtractor"}
    out = normalise_entity(ent, msg, WED)
    assert out["value"] == value and out["extractor"] == "CRFEntityExtractor"


def test_unnormalisable_foreign_entity_is_kept_unchanged():
    ent = {"entity": "date", "value": "someday", "start": 0, "end": 7}
    assert normalise_entity(ent, "someday", WED) == ent


def test_merge_prefers_our_overlapping_span_and_normalises_the_rest():
    from bot.nlu.entities import merge_entities
    text = "I need two weeks and three instalments"
    ours = extract(text, WED)
    theirs = [{"entity": "duration_days", "value": "two weeks", "start": 7, "end": 16, "extractor": "CRF"},
              {"entity": "instalments", "value": "three", "start": 21, "end": 26, "extractor": "CRF"},
              {"entity": "name", "value": "Ann", "start": 0, "end": 1, "extractor": "CRF"}]
    merged = merge_entities(ours, theirs, text, WED, "UTC")
    kinds = [(e["entity"], e["value"], e["extractor"]) for e in merged]
    assert ("duration_days", 14, "EntityNormaliser") in kinds
    assert not any(k[0] == "duration_days" and k[2] == "CRF" for k in kinds)
    assert ("name", "Ann", "CRF") in kinds


# ---------------------------------------------------------------- a real Rasa pipeline
NLU_YML = """version: "3.1"
nlu:
- intent: promise_to_pay
  examples: |
    - I will pay on friday
    - I can pay 2.5k tomorrow
    - let me pay 500 next week
    - I'll clear it end of month
    - I promise to pay on the 28th
- intent: greet
  examples: |
    - hello
    - hi there
    - good morning
    - hey
    - habari
- intent: disclose_vulnerability
  examples: |
    - I am in hospital
    - my mother died last week
    - I am very sick
    - I lost my husband
    - I have a disability
"""

CONFIG_YML = """recipe: default.v1
assistant_id: test-entities
language: en
pipeline:
  - name: WhitespaceTokenizer
  - name: bot.nlu.entities.EntityNormaliser
    timezone: Africa/Nairobi
  - name: CountVectorsFeaturizer
  - name: LogisticRegressionClassifier
  - name: FallbackClassifier
    threshold: 0.1
  - name: bot.nlu.safety.SelfHarmSafetyNet
policies: []
"""


@pytest.fixture(scope="module")
def agent(tmp_path_factory):
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu

    tmp = tmp_path_factory.mktemp("tiny_nlu")
    mp = pytest.MonkeyPatch()
    mp.setenv("RASA_TELEMETRY_ENABLED", "false")
    mp.setenv("RASA_CACHE_DIRECTORY", str(tmp / "cache"))
    (tmp / "nlu.yml").write_text(NLU_YML)
    (tmp / "config.yml").write_text(CONFIG_YML)
    model = train_nlu(str(tmp / "config.yml"), str(tmp / "nlu.yml"), str(tmp / "models"))
    yield Agent.load(model)
    mp.undo()


def parse(agent, text, metadata=None):
    from rasa.core.channels.channel import UserMessage
    return asyncio.run(agent.processor.parse_message(UserMessage(text, metadata=metadata)))


def test_pipeline_returns_normalised_entities(agent):
    result = parse(agent, "I can pay 2.5k tomorrow in 3 payments")
    got = {e["entity"]: e["value"] for e in result["entities"]}
    assert got["amount"] == 2500 and got["instalments"] == 3
    assert date.fromisoformat(got["date"]) > date(2026, 1, 1)
    assert result["safety"] == {"self_harm": False, "self_harm_possible": False}
    assert result["intent"]["name"] != "disclose_vulnerability"


def test_pipeline_uses_borrower_zone_from_metadata(agent):
    """25 hours apart, the two zones are one calendar day apart most of the day
    and two between 10:00 and 11:00 UTC: each "tomorrow" must be its own zone's."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):  # UTC+14, UTC-11
        before = datetime.now(ZoneInfo(zone)).date()
        got = date.fromisoformat(parse(agent, "tomorrow", {"timezone": zone})["entities"][0]["value"])
        after = datetime.now(ZoneInfo(zone)).date()
        assert got in {before + timedelta(days=1), after + timedelta(days=1)}, zone
    assert parse(agent, "tomorrow", {"timezone": "Pacific/Kiritimati"})["entities"][0]["value"] != parse(
        agent, "tomorrow", {"timezone": "Pacific/Pago_Pago"})["entities"][0]["value"]


def test_pipeline_forces_vulnerability_on_self_harm(agent):
    result = parse(agent, "I will pay 2.5k on friday but honestly I want to kill myself")
    assert result["intent"] == {"name": "disclose_vulnerability", "confidence": 1.0}
    assert result["intent_ranking"][0] == {"name": "disclose_vulnerability", "confidence": 1.0}
    assert [r["name"] for r in result["intent_ranking"]].count("disclose_vulnerability") == 1
    assert result["safety"] == {"self_harm": True, "self_harm_possible": False}
    assert any(e["entity"] == "amount" and e["value"] == 2500 for e in result["entities"])


def test_normaliser_imports_without_rasa():
    """The action server re-resolves dates with it; it must not drag in Rasa/TensorFlow."""
    import subprocess
    import sys
    code = "import sys, bot.nlu.normalise; assert not any(m.split('.')[0] in ('rasa', 'tensorflow') for m in sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=str(__import__("pathlib").Path(__file__).parents[2]))


# ---------------------------------------------------------------- forms fixed against the labelled data
# (bench/entity_eval.py measures them on data/nlu and tests/nlu/heldout; WED = Wednesday 2026-11-25)
@pytest.mark.parametrize("text, iso", [
    ("ok my dob is 2 may 1993, please tell me", "1993-05-02"),   # a comma or full stop after the year
    ("dob 6 april 1975. I can barely think", "1975-04-06"),
    ("DOB 01/01/1980. ENOUGH QUESTIONS", "1980-01-01"),
    ("my dob? 11/09/1989... why?", "1989-09-11"),
    ("born march 12, 1990.", "1990-03-12"),
])
def test_birth_date_followed_by_punctuation_is_one_entity(text, iso):
    assert values(text) == [("date_of_birth", iso)]  # no stray amount 1993, no year-less date


@pytest.mark.parametrize("text, iso", [
    ("I'll pay on Tuesday the 12th", "2026-12-12"), ("5th of next month", "2026-12-05"),
    ("the 20th of this month", "2026-11-20"),
    ("paid yesterday", "2026-11-24"), ("I paid kahapon", "2026-11-24"), ("robbed last night", "2026-11-24"),
    ("paid 2 weeks ago", "2026-11-11"), ("I paid 5 days ago", "2026-11-20"), ("a month ago", "2026-10-25"),
    ("last week", "2026-11-16"), ("last month", "2026-10-01"), ("last year", "2025-01-01"),
    ("due this week", "2026-11-27"),
    ("in march", "2027-03-01"), ("by december", "2026-12-01"), ("since march", "2026-03-01"),
    ("in november", "2026-11-25"), ("end of december", "2026-12-31"),
    ("after christmas", "2026-12-26"), ("by christmas", "2026-12-25"), ("by new year", "2027-01-01"),
    ("will pay nxt wk", "2026-11-30"), ("i can do it 2day", "2026-11-25"),
    ("nitalipa ijumaa", "2026-11-27"), ("magbabayad ako sa Biyernes", "2026-11-27"),
    ("jumatatu", "2026-11-30"), ("I'm paying everything leo", "2026-11-25"),
])
def test_more_date_forms(text, iso):
    assert values(text, kind="date") == [("date", iso)]


@pytest.mark.parametrize("text", [
    "can I pay 1,500 bob every friday until it's done", "Is Jumia delivering on Sundays?",
    "for the 5th time I am not Mary", "for the 10th time", "this may be wrong", "Happy new year to you guys",
    "Merry christmas", "Leo is my brother",
])
def test_recurrences_counts_and_greetings_are_not_dates(text):
    assert values(text, kind="date") == []


@pytest.mark.parametrize("text, days", [
    ("can I pay after two weeks?", 14), ("what happens after 30 days overdue?", 30),
    ("if I pay after a month", 30), ("please I need 2 more weeks", 14), ("two more weeks", 14),
    ("can I have another week?", 7), ("could I get an extra week?", 7), ("one more week", 7),
    ("naomba wiki moja more", 7), ("siku 10", 10), ("wiki mbili", 14),
])
def test_after_n_units_and_more_time_are_durations(text, days):
    assert values(text, kind="duration_days") == [("duration_days", days)]
    assert values(text, kind="date") == []
    assert parse_duration_days(text) == days


@pytest.mark.parametrize("text", [
    "your bot spams me 20 times a day", "I can do 1k a week", "dialysis three times a week",
    "on the 30th. not a day before",
])
def test_rates_and_idioms_are_not_durations(text):
    assert values(text, kind="duration_days") == []


@pytest.mark.parametrize("text", [
    "I've typed it a hundred times already", "Is the 15% interest monthly?", "a loan with 40 percent interest",
    "I typed it 100 times", "300 people were cheated",
])
def test_counts_and_rates_are_not_amounts(text):
    assert values(text, kind="amount") == []


@pytest.mark.parametrize("text", [
    "loan 77310", "I think it's loan 77310? not sure", "my loan 77310", "ref is 77310",
    "reference no. 77310", "account number 77310",
])
def test_loan_reference_without_prefix_when_context_names_it(text):
    assert values(text, kind="loan_reference") == [("loan_reference", "LN-77310")]
    assert values(text, kind="amount") == []


@pytest.mark.parametrize("text, amount, currency", [
    ("I took loan 50000 last month", 50000, []), ("loan 5000", 5000, []),
    ("loan 50000 ksh", 50000, ["KES"]), ("I TOOK LOAN 50000", 50000, []),  # the N ending "LOAN" is not naira
])
def test_loan_amounts_are_not_references(text, amount, currency):
    assert values(text, kind="loan_reference") == [] and values(text, kind="amount") == [("amount", amount)]
    assert [v for _, v in values(text, kind="currency")] == currency


@pytest.mark.parametrize("text, digits", [
    ("ends in 9081. can we get on with it", "9081"), ("last digits are 2290, is this safe?", "2290"),
    ("last 4 is 4 8 2 1", "4821"), ("the last digits: 48-21", "4821"), ("number ending with 0937", "0937"),
])
def test_phone_last4_more_forms(text, digits):
    assert values(text, kind="phone_last4") == [("phone_last4", digits)]
    assert values(text, kind="amount") == []


@pytest.mark.parametrize("text", ["my loan ends in 2027", "last four months I paid 2000 each",
                                  "last week I sent 2500"])
def test_not_phone_digits(text):
    assert values(text, kind="phone_last4") == []


@pytest.mark.parametrize("text, n", [
    ("can we do 3 months installments", 3), ("I want to convert into 3 EMIs", 3),
    ("pwede po bang hulugan? like 4 times", 4),
    ("instead of one big payment, could it be like 4 smaller ones?", 4),
])
def test_instalments_more_forms(text, n):
    assert values(text, kind="instalments") == [("instalments", n)]
    assert values(text, kind="duration_days") == []


def test_split_keeps_the_amount_free():
    assert values("split the 12k into 4") == [("amount", 12000), ("instalments", 4)]


def test_times_asked_is_not_an_instalment_count():
    assert values("split into two, I've asked like five times already", kind="instalments") == [("instalments", 2)]


@pytest.mark.parametrize("text, codes", [
    ("I'm not paying another shilling", []), ("a pound of sugar", []),
    ("what's the exchange rate dollar to naira", ["USD", "NGN"]),
])
def test_singular_currency_words(text, codes):
    assert [v for _, v in values(text, kind="currency")] == codes


# ---------------------------------------------------------------- input length cap
def test_only_the_first_max_scan_chars_are_read():
    text = "pay 2k tomorrow " + "x" * (MAX_SCAN_CHARS + 500) + " KES 500 on friday"
    assert values(text, kind="amount") == [("amount", 2000)]
    assert values(text, kind="currency") == [] and len(values(text, kind="date")) == 1
    assert parse_amount("x" * MAX_SCAN_CHARS + " 2.5k") is None


def test_pathological_input_is_cut_to_the_cap():
    text = "pay 500 on the 5th " * 20_000  # 380,000 characters
    ents = extract(text, WED)
    assert ents == extract(text[:MAX_SCAN_CHARS], WED)
    assert ents and max(e["end"] for e in ents) <= MAX_SCAN_CHARS
