"""The escalation numbers and the lender's names come from config/bot.yml, not from code."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.config.bot_file import _load as load_bot_cached
from bot.dialogue.moves import Turn, decide
from bot.dialogue.reasons import Escalation
from bot.negotiation.limits import load_products
from bot.nlu import signals
from tests.support.config_files import write_variant

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)


@pytest.fixture()
def bot_yml(tmp_path, monkeypatch):
    """Point BOT_YML at a variant of the shipped file; caches of the lender's names are dropped around it."""
    def use(changes: dict) -> None:
        monkeypatch.setenv("BOT_YML", str(write_variant(tmp_path / "bot.yml", "bot.yml", changes)))
        signals._legal.cache_clear()
    yield use
    monkeypatch.delenv("BOT_YML", raising=False)
    signals._legal.cache_clear()
    load_bot_cached.cache_clear()


def _escalation(turn: Turn):
    return decide(turn, load_products()).escalation


def test_shipped_numbers_are_three_angry_two_unread_one_warning():
    assert _escalation(Turn("greet", "hello", NOW, {}, angry_in_row=2)) is None
    assert _escalation(Turn("greet", "hello", NOW, {}, angry_in_row=3)) == Escalation.RISING_ANGER
    assert decide(Turn("nlu_fallback", "??", NOW, {}, fallbacks_in_row=1), load_products()).action == "action_fallback"
    assert _escalation(Turn("nlu_fallback", "??", NOW, {}, fallbacks_in_row=2)) == Escalation.NOT_UNDERSTOOD
    assert _escalation(Turn("abuse", "idiot", NOW, {})) is None  # warned first
    assert _escalation(Turn("abuse", "idiot", NOW, {"abuse_warned": True})) == Escalation.ABUSE


def test_the_numbers_follow_the_file(bot_yml):
    bot_yml({"escalation": {"angry_in_a_row": 2, "fallbacks_in_a_row": 3, "abuse_warnings_before_pause": 0}})
    assert _escalation(Turn("greet", "hello", NOW, {}, angry_in_row=2)) == Escalation.RISING_ANGER
    assert _escalation(Turn("nlu_fallback", "??", NOW, {}, fallbacks_in_row=2)) is None
    assert _escalation(Turn("nlu_fallback", "??", NOW, {}, fallbacks_in_row=3)) == Escalation.NOT_UNDERSTOOD
    assert _escalation(Turn("abuse", "idiot", NOW, {})) == Escalation.ABUSE  # no warning at all


def test_the_lenders_names_in_a_legal_threat_come_from_the_file(bot_yml):
    assert signals.legal_threat("I will sue Tawi for this")
    assert signals.legal_threat("im suing tawi credit")
    bot_yml({"lender": {"name": "Acme Loans", "short_name": "Acme"}})
    assert signals.legal_threat("I will sue Acme for this")
    assert signals.legal_threat("I am suing acme loans")
    assert not signals.legal_threat("I will sue Tawi for this")
    assert signals.legal_threat("my lawyer will call you")  # the rest of the rule is unchanged
