"""SMS shorthand (issue 13): "cn i pay 30k nxt fri" gives the amount and the date that
"can i pay 30k next fri" gives, through the real entity normaliser, spans in the typed text."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.nlu import lexicons
from bot.nlu.normalise import extract
from bot.nlu.normalise.shorthand import expand

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc)  # a Wednesday


def found(text: str) -> list:
    return [(e["entity"], e["value"]) for e in extract(text, NOW)]


@pytest.mark.parametrize("text, entities", [
    ("cn i pay 30k nxt fri", [("amount", 30000), ("date", "2026-11-27")]),
    ("pls giv me 2 wks", [("duration_days", 14)]),
    ("i will pay tmrw", [("date", "2026-11-26")]),
    ("2moro", [("date", "2026-11-26")]),
    ("nxt wk", [("date", "2026-11-30")]),
    ("i can pay b4 fri", [("date", "2026-11-27")]),
    ("i can pay 1.5k", [("amount", 1500)]),
    ("can u give me 2 mnths", [("duration_days", 60)]),
    ("cn i pay in 2 wks", [("date", "2026-12-09")]),  # a day, not 2 instalments
    ("i pay nxt mnth", [("date", "2026-12-01")]),
    ("i can pay 10k b4 end of mnth", [("amount", 10000), ("date", "2026-11-30")]),
    ("i'll pay thurs", [("date", "2026-11-26")]),
    ("pay 5k by nxt tues", [("amount", 5000), ("date", "2026-12-01")]),
    ("wil pay aftr 2 wks", [("duration_days", 14)]),
    ("Nxt Fri i pay 2k", [("date", "2026-11-27"), ("amount", 2000)]),
    ("ur system says 5k", [("amount", 5000)]),
])
def test_shorthand_reads_as_its_words(text, entities):
    assert found(text) == entities


def test_spans_and_texts_are_what_was_typed():
    text = "cn i pay 30k nxt fri pls"
    ents = extract(text, NOW)
    assert [(e["text"], text[e["start"]:e["end"]]) for e in ents] == [("30k", "30k"), ("nxt fri", "nxt fri")]


def test_the_same_message_in_full_words_gives_the_same_values():
    short = found("cn u giv me 2 wks, i pay 30k b4 nxt fri")
    full = found("can you give me 2 weeks, i pay 30k before next fri")
    assert short == full and short


@pytest.mark.parametrize("text", ["I have to uphold my word", "our plan", "the cnn news", "u2 concert",
                                  "my wk-end job", "U.S. dollars", "LN-u", "it's u's"])
def test_only_whole_words_are_rewritten(text):
    assert expand(text).text == text


def test_shorthand_at_the_end_of_a_sentence_is_read():
    assert expand("i pay b4 fri. thx u.").text == "i pay before friday. thx you."


def test_every_lexicon_entry_is_read():
    """A word in data/lexicons/shorthand.yml is rewritten, whatever its case, and maps back whole."""
    for short, word in lexicons.load("shorthand")["words"].items():
        for typed in (str(short), str(short).upper()):
            text = f"ok {typed} ok"
            got = expand(text)
            assert got.text == f"ok {word} ok", typed
            assert got.span(3, 3 + len(str(word))) == (3, 3 + len(typed))
