"""The reply language (bot/dialogue/language.py): the borrower's, switched when they switch, remembered."""
from __future__ import annotations

from bot.dialogue.language import reply_language

HAVE = ("en", "zh", "sw")


def test_the_portfolio_language_when_the_message_says_nothing():
    assert reply_language("und", None, "zh", HAVE) == "zh"


def test_writing_in_another_supported_language_switches():
    assert reply_language("en", "zh", "zh", HAVE) == "en"
    assert reply_language("zh", "en", "en", HAVE) == "zh"


def test_the_switch_is_remembered_over_undetermined_messages():
    assert reply_language("und", "en", "zh", HAVE) == "en"


def test_a_language_without_a_catalogue_does_not_switch():
    assert reply_language("tl", "zh", None, HAVE) == "zh"


def test_regional_and_script_subtags_answer_from_the_base_catalogue():
    assert reply_language("zh-CN", None, None, HAVE) == "zh"
    assert reply_language("sw-KE", None, None, HAVE) == "sw"


def test_nothing_known_is_none_so_nothing_is_remembered():
    assert reply_language("und", None, None, HAVE) is None
    assert reply_language(None, None, "fr", HAVE) is None


def test_portfolio_aliases_name_the_same_catalogue():
    assert reply_language("und", None, "fil", ("en", "tl")) == "tl"
