"""Which amount goes with which date when a payment is said in two parts (bot/nlu/payment_parts.py)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.nlu.normalise import extract
from bot.nlu.payment_parts import parts_of

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
REST_ON_SECOND_DATE = [{"amount": 0, "when": ["date", 0]}, {"amount": "rest", "when": ["date", 1]}]


def parts(text: str):
    return parts_of(text, extract(text, now=NOW, tz="Africa/Nairobi"))


@pytest.mark.parametrize("text", [
    "I can pay 2000 today and the rest on friday",
    "cn i pay 30k nxt fri n bal on 23rd",                                # SMS: "bal" is the balance
    "Mshahara ni tarehe 15, nitalipa 5,000 then the balance end month",  # the date before the first part
    "today 2000 and on friday the rest",                                 # every date before its part
    "nitalipa 2,000 leo na iliyobaki ijumaa",                            # Swahili
    "2,000 po today tapos yung natitira sa Dec 10",                      # Taglish
    "main aaj 2000 dunga, baaki 15 tarikh ko",                           # Hinglish
    "我今天还500，剩下的月底还",                                            # Chinese
])
def test_the_rest_takes_the_second_date(text):
    assert parts(text) == REST_ON_SECOND_DATE


def test_a_duration_is_the_rest_s_date():
    assert parts("aku bayar 500rb hari ini, sisanya dua minggu lagi") == [
        {"amount": 0, "when": ["date", 0]}, {"amount": "rest", "when": ["duration_days", 0]}]


@pytest.mark.parametrize("text", [
    "nitatuma 2k leo then 2.7k tarehe 15",
    "Yes leo 1000, the other 3,600 on the 16th",  # the rest's amount written after its word: one part
    "2,000 today and the remaining 2,720 on the 10th",
])
def test_two_amounts_two_dates(text):
    assert parts(text) == [{"amount": 0, "when": ["date", 0]}, {"amount": 1, "when": ["date", 1]}]


def test_a_first_part_without_a_date_is_now():
    assert parts("500 now, the rest in two weeks") == [{"amount": 0, "when": None},
                                                        {"amount": "rest", "when": ["date", 0]}]


@pytest.mark.parametrize("text", [
    "I can pay 1000 a week",
    "why is it 5,600 when I borrowed 5,000?",
    "I will pay 3000 on friday",
    "what is my balance on friday",       # "balance" with no amount before it is not a part
    "2000 now and the rest later",
    "pay 1000 on monday, 1000 on friday and the rest on the 15th",  # three parts: not this reader's
    "",
])
def test_not_two_parts(text):
    assert parts(text) is None


def test_nothing_without_entities():
    assert parts_of("the rest on friday", []) is None and parts_of(None, None) is None
