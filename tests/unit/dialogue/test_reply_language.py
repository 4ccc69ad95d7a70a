"""The reply language (bot/dialogue/language.py): the borrower's, switched when they switch, remembered."""
from __future__ import annotations

from bot.dialogue.language import reply_language

HAVE = ("en", "zh", "sw", "tl", "hi")


def test_the_portfolio_language_when_the_message_says_nothing():
    assert reply_language("und", None, "zh", HAVE) == "zh"


def test_writing_two_messages_in_another_supported_language_switches():
    assert reply_language("en", "zh", "zh", HAVE, before="en") == "en"
    assert reply_language("sw", "en", "en", HAVE, before="sw") == "sw"


def test_one_latin_script_message_in_another_language_is_a_guess_not_a_switch():
    """Code-mixed Taglish read once as Swahili, Sheng once as Hinglish: the reply stays."""
    assert reply_language("sw", "tl", "tl", HAVE, before="tl") == "tl"
    assert reply_language("hi-Latn", "sw", None, HAVE, before="sw") == "sw"
    assert reply_language("en", None, "sw", HAVE) == "sw"


def test_chinese_and_devanagari_switch_at_once_their_script_does_not_err():
    assert reply_language("zh", "en", "en", HAVE, before="en") == "zh"
    assert reply_language("hi", "en", None, HAVE) == "hi"
    assert reply_language("hi-Latn", "en", None, HAVE, before="en") == "en"


def test_the_first_language_read_is_taken_when_none_is_known():
    assert reply_language("sw", None, None, HAVE) == "sw"


def test_the_switch_is_remembered_over_undetermined_messages():
    assert reply_language("und", "en", "zh", HAVE) == "en"


def test_a_language_without_a_catalogue_does_not_switch():
    assert reply_language("id", "zh", None, HAVE, before="id") == "zh"


def test_regional_and_script_subtags_answer_from_the_base_catalogue():
    assert reply_language("zh-CN", None, None, HAVE) == "zh"
    assert reply_language("sw-KE", None, None, HAVE) == "sw"


def test_nothing_known_is_none_so_nothing_is_remembered():
    assert reply_language("und", None, None, HAVE) is None
    assert reply_language(None, None, "fr", HAVE) is None


def test_portfolio_aliases_name_the_same_catalogue():
    assert reply_language("und", None, "fil", ("en", "tl")) == "tl"
