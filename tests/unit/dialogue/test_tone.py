"""Tone that fits (issue 13, "What must hold" 5): openers only when the NLU is sure, never on
confirmations or after greetings, no "Let me explain it simply", a condolence after a death.

Reply.say (actions/turns.py) asks bot/dialogue/messages.py `voice` how to answer
the turn and `render` builds the text from config/messages.yml.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from pydantic import ValidationError

from actions.turns import Reply
from bot.compliance import check_text, load_profiles
from bot.config.bot_file import Tone, load_bot
from bot.dialogue.messages import CONDOLENCE, load, render, variants, voice
from bot.dialogue.turn import Turn, turn_from_parse
from bot.settings import ROOT

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
THRESHOLD = load_bot().tone.min_confidence
OPENERS = load()["tone"]
CONFIRMATIONS = ("accepted", "accepted_all", "stop_contact_channel", "stop_contact_cease", "thank", "goodbye")
FILLS = {"summary": "paying KES 100.00 by Friday:", "schedule": "1. Fri 4 Dec 2026: KES 100.00", "lender": "Tawi",
         "response_time": "one working day"}


def turn(emotion: str = "neutral", confidence: float = 1.0, intent: str = "cannot_pay", **signals) -> Turn:
    return Turn(intent, "text", NOW, {}, emotion=emotion, emotion_confidence=confidence, signals=signals)


def said(t: Turn, *keys: str) -> list[str]:
    reply = Reply(t)
    for key in keys:
        reply.say(key, **FILLS)
    return [text for _, text, _ in reply.messages]


def test_the_threshold_is_a_probability_set_in_config():
    assert 0.5 < THRESHOLD < 1
    assert Tone(min_confidence=0.7).min_confidence == 0.7
    for wrong in (True, 1.5, -0.1, "high"):
        with pytest.raises(ValidationError, match="from 0 to 1"):
            Tone(min_confidence=wrong)


def test_an_unsure_emotion_gets_the_plain_text():
    plain = render("ask_affordability")
    unsure = said(turn("anxious", THRESHOLD - 0.01), "ask_affordability")[0]
    sure = said(turn("anxious", THRESHOLD), "ask_affordability")[0]
    assert unsure == plain
    assert sure == OPENERS["anxious"] + " " + plain


def test_an_unsure_emotion_gets_no_full_variant_either():
    greeting = render("greet", "angry")
    assert greeting != render("greet")  # the entry has an angry variant
    assert said(turn("angry", THRESHOLD - 0.01, "greet"), "greet")[0] == render("greet")
    assert said(turn("angry", 0.99, "greet"), "greet")[0] == greeting


@pytest.mark.parametrize("intent", ["greet", "thank", "goodbye"])
def test_no_opener_after_a_greeting_thanks_or_goodbye(intent):
    assert intent in load_bot().tone.never_after
    text = said(turn("angry", 0.99, intent), "ask_affordability")[0]
    assert text == render("ask_affordability")
    assert "frustrated" not in text


@pytest.mark.parametrize("key", CONFIRMATIONS)
@pytest.mark.parametrize("emotion", list(OPENERS))
def test_a_confirmation_never_gets_an_opener(key, emotion):
    """'I understand this is worrying' on a cheerful 'yes please' came from `accepted` being toned."""
    entry = load()[key]
    assert not entry.get("toned") and emotion not in entry
    text = said(turn(emotion, 1.0, "affirm"), key)[0]
    assert text == render(key, **FILLS)
    assert not any(text.startswith(opener) for opener in OPENERS.values())


def test_no_message_says_let_me_explain_it_simply():
    assert "confused" not in OPENERS
    assert not [key for key, _, text in variants() if "explain it simply" in text.lower()]
    assert said(turn("confused", 1.0), "ask_affordability")[0] == render("ask_affordability")


def test_the_confidence_comes_from_the_parse():
    parse = {"intent": {"name": "affirm"}, "text": "yes please", "emotion": {"name": "anxious", "confidence": 0.52}}
    t = turn_from_parse(parse, {}, NOW)
    assert (t.emotion, t.emotion_confidence) == ("anxious", 0.52)
    assert voice(t)["emotion"] == "neutral"
    stated = turn_from_parse({**parse, "emotion": {"name": "anxious"}}, {}, NOW)
    assert stated.emotion_confidence == 1.0  # a hand-written parse without one is taken at its word


def test_a_death_gets_a_condolence_first_once():
    t = turn("distressed", 0.99, "disclose_vulnerability", hardship="bereavement")
    first, second = said(t, "vulnerability", "ask_affordability")
    sorry = load()[CONDOLENCE]["default"]
    assert sorry == "I'm so sorry for your loss."
    assert first == sorry + " " + render("vulnerability", **FILLS)
    assert sorry not in second
    # toned texts: the condolence replaces the emotion opener
    toned = said(turn("distressed", 0.99, "cannot_pay", hardship="bereavement"), "ask_affordability")[0]
    assert toned == sorry + " " + render("ask_affordability")


@pytest.mark.parametrize("signals", [{"hardship": "illness"}, {"hardship": None}, {}])
def test_no_condolence_without_a_death(signals):
    assert not any(CONDOLENCE in t or "your loss" in t for t in said(turn(**signals), "vulnerability"))


def test_no_condolence_for_a_self_harm_message():
    t = Turn("disclose_vulnerability", "text", NOW, {}, self_harm=True, signals={"hardship": "bereavement"})
    assert voice(t)["condolence"] is False
    assert "your loss" not in said(t, "vulnerability")[0]


@pytest.mark.parametrize("jurisdiction", sorted(load_profiles(ROOT / "config" / "compliance.yml")))
def test_the_new_texts_pass_the_compliance_gate(jurisdiction):
    """tests/unit/dialogue/test_messages_compliance.py checks every variant; here: the new ones are among them."""
    found = {(key, emotion): text for key, emotion, text in variants()}
    new = [found[("consequences_arrest", "default")], found[("consequences_again", "default")],
           found[(CONDOLENCE, "default")], found[("vulnerability", CONDOLENCE)]]
    blocked = [(text, d.rule) for text in new for d in [check_text(text.format(**FILLS), jurisdiction)]
               if not d.allowed]
    assert not blocked
