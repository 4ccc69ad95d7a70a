"""The `arrest` signal (bot/nlu/signals.py, data/lexicons/signals.yml) and the bereavement reason.

A frightened borrower's "can I be arrested?" is answered directly
(actions/debt.py), so the NLU must tell a question about arrest, jail or the
police from a general consequences question; a death must reach the hardship
signal so the bot's next text starts with a condolence.
"""
from __future__ import annotations

import pytest
import yaml

from bot.nlu import signals
from bot.nlu.signals import arrest, hardship_reason, read_signals


@pytest.mark.parametrize("text", [
    "can I be arrested?", "am I going to be arrested??", "can I go to jail for this loan?",
    "will the police come for me? please be honest", "una go carry me go police for this small money?",
    "is it a crime not to pay?", "will they lock me up", "nitakamatwa?", "makukulong ba ako?",
    "apa saya bisa dipenjara?", "kya mujhe giraftar karenge", "Will I be IMPRISONED",
    "So siwezi kamatwa?", "watanikamata kweli?", "police wale utha lenge kya",
])
def test_arrest_jail_or_police_is_read(text):
    assert arrest(text) is True
    assert read_signals(text)["arrest"] is True


@pytest.mark.parametrize("text", [
    "what will happen if I default?", "will this show on my CIBIL score", "I am in arrears",
    "what is your policy on late fees", "will my boss get a call?", "copy of my statement please", "",
])
def test_a_general_consequences_question_is_not_arrest(text):
    assert arrest(text) is False
    assert read_signals(text)["arrest"] is False


def test_an_arrest_word_added_to_the_lexicon_is_read(tmp_path, monkeypatch):
    """The words are data: a new one in data/lexicons/signals.yml is read with no code change."""
    data = yaml.safe_load(signals.LEXICON.read_text(encoding="utf-8"))
    assert not arrest("will the gendarmes come")
    data["arrest"].append("gendarme*")
    path = tmp_path / "signals.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(signals, "LEXICON", path)
    signals.lexicon.cache_clear()
    signals._words_or_han.cache_clear()
    try:
        assert arrest("will the gendarmes come")
    finally:
        monkeypatch.undo()
        signals.lexicon.cache_clear()
        signals._words_or_han.cache_clear()
    assert not arrest("will the gendarmes come")


def test_a_lexicon_without_arrest_words_fails_loudly(tmp_path, monkeypatch):
    data = yaml.safe_load(signals.LEXICON.read_text(encoding="utf-8"))
    data.pop("arrest")
    path = tmp_path / "signals.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(signals, "LEXICON", path)
    signals.lexicon.cache_clear()
    try:
        with pytest.raises(ValueError, match="arrest"):
            signals.lexicon()
    finally:
        monkeypatch.undo()
        signals.lexicon.cache_clear()


@pytest.mark.parametrize("text", [
    "my husband died last month", "my mother passed away, I can't pay now", "I had to pay for the funeral",
    "I lost my son in march", "we buried my father on sunday",
])
def test_a_death_is_the_bereavement_reason(text):
    assert hardship_reason(text) == "bereavement"
