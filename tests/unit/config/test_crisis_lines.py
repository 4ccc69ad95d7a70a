"""Before verification the bot does not know the borrower's country: the crisis line must still be one
that works where they are (panel conversations in the UK and India got only the worldwide directory)."""
from __future__ import annotations

from bot.settings import crisis_line, settings


def test_a_known_jurisdiction_gets_its_own_line():
    assert crisis_line("UK") == settings()["crisis_lines"]["UK"]
    assert crisis_line("XX") == settings()["crisis_lines"]["DEFAULT"]


def test_an_unknown_one_gets_every_line_the_lender_lists_then_the_directory():
    every = crisis_line(None)
    for code, line in settings()["crisis_lines"].items():
        assert (line if isinstance(line, str) else line["en"]) in every, code
    assert every.endswith(settings()["crisis_lines"]["DEFAULT"])
    assert every.count("988") == 2  # US and US-MA share one line: listed once ("call or text 988")
