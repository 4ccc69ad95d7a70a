"""Language identification (bot/nlu/language_id.py) and Chinese segmentation (bot/nlu/segment.py)."""
from __future__ import annotations

import pytest

from bot.nlu.language_id import identify
from bot.nlu.segment import split_token


@pytest.mark.parametrize("text, language", [
    ("你好", "zh"),
    ("能分三期吗", "zh"),
    ("能不能分期 pay", "zh"),  # Chinese with an English word is Chinese
    ("借款编号LN-20931，出生日期1990年3月12日", "zh"),
    ("मैं कल भुगतान करूंगा", "hi"),
    ("main kal paise de dunga bhai", "hi-Latn"),
    ("nitalipa kesho elfu mbili", "sw"),
    ("bukas na lang po ako magbabayad", "tl"),
    ("besok saya bayar setengahnya", "id"),
    ("I will pay the rest next Friday", "en"),
])
def test_the_language_of_a_message(text, language):
    assert identify(text).language == language


@pytest.mark.parametrize("text", ["ok", "LN-20931", "12/03/1990", "👍", "", "   "])
def test_too_short_to_tell_is_undetermined_or_the_prior(text):
    assert identify(text).language == "und"
    assert identify(text, prior="zh").language == "zh"


def test_a_clear_message_outranks_the_prior():
    assert identify("I will pay the rest next Friday", prior="zh").language == "en"


def test_english_words_that_look_hinglish_stay_english():
    assert identify("The main thing is I will pay at par next week").language == "en"


def test_jieba_cuts_han_runs_and_keeps_offsets():
    text = "我明天还五百块pay"
    pieces = list(split_token(text, 7))
    assert [p for p, _ in pieces] == ["我", "明天", "还", "五百块", "pay"]
    assert all(text[start - 7:start - 7 + len(piece)] == piece for piece, start in pieces)


def test_a_token_without_han_is_left_alone():
    assert list(split_token("LN-20931", 3)) == [("LN-20931", 3)]
