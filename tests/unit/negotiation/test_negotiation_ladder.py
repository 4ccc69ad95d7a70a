from pathlib import Path

import pytest

from bot.negotiation.ladder import STEPS, load_ladder, next_step, parse_ladder


def walk(start, hardship, ladder=STEPS):
    steps = [start]
    while steps[-1] != "person":
        steps.append(next_step(steps[-1], hardship=hardship, ladder=ladder))
    return steps


def test_next_step_goes_one_rung_down():
    assert walk("pay_in_full", hardship=True) == list(STEPS)
    assert walk("pay_in_full", hardship=False) == [s for s in STEPS if s != "hardship_plan"]
    assert walk("deferral", hardship=False) == ["deferral", "instalment_plan", "person"]
    assert next_step("person", hardship=True) == "person"


def test_configured_ladder_without_part_payment():
    ladder = parse_ladder(["pay_in_full", "promise_to_pay", "deferral", "instalment_plan", "person"])
    assert next_step("promise_to_pay", hardship=False, ladder=ladder) == "deferral"
    assert next_step("pay_in_full", hardship=False, ladder=ladder) == "promise_to_pay"
    assert next_step("instalment_plan", hardship=True, ladder=ladder) == "person"  # no hardship_plan rung


def test_next_step_unknown():
    with pytest.raises(ValueError):
        next_step("sell_the_house", hardship=False)


@pytest.mark.parametrize("value, message", [
    ([], "non-empty"),
    (["pay_in_full", "haggle", "person"], "unknown step"),
    (["deferral", "pay_in_full", "person"], "in the order"),
    (["pay_in_full", "pay_in_full", "person"], "once each"),
    (["pay_in_full", "deferral"], "must end with person"),
])
def test_parse_ladder_errors(value, message):
    with pytest.raises(ValueError, match=message):
        parse_ladder(value)


def test_shipped_ladder():
    assert load_ladder(Path(__file__).resolve().parents[3] / "config" / "products.yml") == STEPS
    assert parse_ladder(None) == STEPS
