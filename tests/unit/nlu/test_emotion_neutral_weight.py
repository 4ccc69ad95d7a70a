"""The neutral prior correction of the emotion classifier (bot.nlu.emotion.reweigh_neutral).

Why it exists: "neutral" swallowed worried and angry messages (issue 13); the
factor lowers neutral's share before the decision, and everything after it
(``decide``, ``emotion_ranking``) must still see a proper distribution.
"""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

from bot.nlu.emotion import decide, reweigh_neutral  # noqa: E402

RANKING = [
    {"name": "neutral", "confidence": 0.5},
    {"name": "anxious", "confidence": 0.3},
    {"name": "angry", "confidence": 0.2},
]


def test_a_factor_of_one_changes_nothing():
    assert reweigh_neutral(RANKING, 1.0) == RANKING


def test_a_lower_factor_lets_a_close_emotion_win_and_still_sums_to_one():
    ranked = reweigh_neutral(RANKING, 0.5)
    assert [r["name"] for r in ranked] == ["anxious", "neutral", "angry"]
    assert sum(r["confidence"] for r in ranked) == pytest.approx(1.0)
    assert ranked[0]["confidence"] == pytest.approx(0.3 / 0.75)
    assert decide(ranked, 0.35)["name"] == "anxious"
    assert decide(RANKING, 0.35)["name"] == "neutral"


def test_a_clearly_neutral_message_stays_neutral():
    calm = [{"name": "neutral", "confidence": 0.9}, {"name": "positive", "confidence": 0.1}]
    assert reweigh_neutral(calm, 0.5)[0]["name"] == "neutral"


def test_the_input_ranking_is_not_modified():
    before = [dict(r) for r in RANKING]
    reweigh_neutral(RANKING, 0.3)
    assert RANKING == before
