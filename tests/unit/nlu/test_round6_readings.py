"""Readings round 6 (dev) showed missing: a range of hours, a weekday before 一次, plain agreement
after the terms, a doubt, a cut in hours with words between, and Swahili job loss."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.nlu.contact_time import contact_time
from bot.nlu.normalise import dates
from bot.nlu.signals import read_signals


@pytest.mark.parametrize("text, hour", [
    ("Ok fine, 8 to 9pm then. Weekdays only", 20),  # was 21:00, the window's very end, and refused
    ("only contact me Tuesdays between 6 and 8 pm", 18),
    ("call me 7-9 pm", 19),
    ("text me after 7pm", 19),
    ("message me at 10am", 10),
])
def test_a_range_of_hours_starts_where_it_starts(text, hour):
    assert contact_time(text)["hour"] == hour


@pytest.mark.parametrize("text, day", [
    ("哦算错了，剩下是2280，下周四一次还清", date(2026, 12, 17)),  # was Monday 14th: 四一 read as one number
    ("剩下2000下周四还", date(2026, 12, 17)),
    ("周五一起还", date(2026, 12, 11)),
    ("星期三十点打给我", date(2026, 12, 16)),
])
def test_a_weekday_numeral_is_one_numeral(text, day):
    assert dates.parse_date(text, datetime(2026, 12, 10, 4, 10), "Asia/Shanghai") == day


@pytest.mark.parametrize("text, agrees", [
    ("230 each is fine", True), ("£130 each, yes", True), ("sounds good, the 15th", True),
    ("230 each is not fine", False), ("that's too much", False), ("Can I pay 230 each?", False),
])
def test_plain_agreement_after_the_terms(text, agrees):
    assert read_signals(text)["agrees"] is agrees


@pytest.mark.parametrize("text, hedged", [
    ("I might manage Friday", True), ("labda Ijumaa", True), ("可能周五还", True), ("thanks, let me think about it", True),
    ("I'll pay the full 452 on Friday", False), ("Nitalipa yote Ijumaa", False), ("20号一次性还清可以吗", False),
])
def test_a_doubt_in_the_words(text, hedged):
    assert read_signals(text)["hedged"] is hedged


@pytest.mark.parametrize("text, hardship, likely", [
    ("Hi there, my hours at the care home have been cut in half since October", None, "reduced_income"),
    ("customers wamepungua, biashara iko chini like half", None, "reduced_income"),
    ("Nilipoteza kazi ya site mwezi uliopita", "job_loss", None),
    ("I cut my hair in half", None, None),
])
def test_hardship_said_with_words_between(text, hardship, likely):
    said = read_signals(text)
    assert (said["hardship"], said["hardship_likely"]) == (hardship, likely)


@pytest.mark.parametrize("text, limits", [
    ("Sitaki calls tena. Kama mnataka kuniambia kitu tumia SMS tu", {"no": ["voice"], "only": ["sms"]}),
    ("And stop contacting me by phone. Everything in writing by mail only", {"no": ["voice"], "only": ["post"]}),
    ("Please make sure nobody calls my work again", {"no": ["workplace"], "only": []}),
    ("别打电话了，发短信就行", {"no": ["voice"], "only": ["sms"]}),
    ("Stop calling me, text me instead", {"no": ["voice"], "only": ["sms"]}),
    ("stop messaging me", None), ("I have no work now", None), ("can I pay by sms only?", None),
])
def test_contact_limited_not_stopped(text, limits):
    said = read_signals(text)
    assert said["contact_limits"] == limits
    assert (said["opt_out"] == "limits") is (limits is not None)
    if limits:
        assert "stop_contact" in said["evidence"]


def test_how_often_is_no_limit():
    assert "stop_contact" not in read_signals("Abeg make una stop to dey call me every time. I go pay 17,250 by Wednesday")["evidence"]


@pytest.mark.parametrize("text, reason", [
    ("Hey, I work doubles at the hospital. Only text me after 10pm please", None),
    ("I was in hospital last week", "illness"),
    ("my son is at the hospital", "illness"),
])
def test_work_at_a_hospital_is_no_illness(text, reason):
    assert read_signals(text)["hardship"] == reason


def test_a_date_ruled_out_before_the_one_that_replaces_it():
    from bot.nlu.normalise.negation import negated
    text = "If the 18th isn't allowed then Thursday the 17th and every fortnight after that"
    start, other = text.index("the 18th"), text.index("Thursday the 17th")
    assert negated(text, start, start + 8, [(other, other + 17)])
    assert not negated("friday not monday", 0, 6, [(11, 17)])  # the "not" belongs to monday
    tl = "Kung bawal ang January 5, sige December 26 na lang ang una"
    assert negated(tl, tl.index("January 5"), tl.index("January 5") + 9)
