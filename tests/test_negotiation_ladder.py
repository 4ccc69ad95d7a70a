from pathlib import Path

import pytest

from bot.negotiation.ladder import STEPS, Situation, first_step, load_ladder, next_step, parse_ladder


@pytest.mark.parametrize("intent, hardship, step", [
    (None, False, "pay_in_full"),
    ("greet", False, "pay_in_full"),
    ("pay_in_full", False, "pay_in_full"),
    ("promise_to_pay", False, "promise_to_pay"),
    ("offer_partial_payment", False, "part_payment"),
    ("request_deferral", False, "deferral"),
    ("request_instalments", False, "instalment_plan"),
    ("request_instalments", True, "hardship_plan"),
    ("cannot_pay", False, "deferral"),
    ("cannot_pay", True, "hardship_plan"),
    ("disclose_vulnerability", True, "hardship_plan"),
    ("disclose_vulnerability", False, "instalment_plan"),  # no documented hardship yet
    ("request_fee_waiver", False, "promise_to_pay"),
    ("request_fee_waiver", True, "hardship_plan"),
    ("request_deferral", True, "deferral"),  # hardship does not skip steps they did not need
    ("dispute_debt", False, "person"),
    ("request_human", False, "person"),
])
def test_first_step(intent, hardship, step):
    assert first_step(Situation(intent, hardship)) == step


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
    assert first_step(Situation("offer_partial_payment"), ladder) == "deferral"
    assert first_step(Situation("cannot_pay", hardship=True), ladder) == "person"


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
    assert load_ladder(Path(__file__).resolve().parents[1] / "config" / "products.yml") == STEPS
    assert parse_ladder(None) == STEPS
