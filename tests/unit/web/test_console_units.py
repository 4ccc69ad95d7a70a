"""Pure parts of the console: login rate limit, reply compliance context, arrangement form."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from bot.web.console_auth import LoginLimiter
from bot.web.console_rules import BadRequest, arrangement_form, reply_context

CASE = {"summary": {"verified": False},
        "loan": {"status": "overdue", "borrower": {"jurisdiction": "KE", "timezone": "Africa/Nairobi"},
                 "contact_preferences": {"cease_contact": False, "opted_out_channels": []}}}
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)


def test_login_limiter_blocks_after_five_failures_until_the_window_passes():
    now = [0.0]
    limiter = LoginLimiter(max_failures=5, window_s=900, clock=lambda: now[0])
    for _ in range(5):
        assert limiter.blocked_for("bob") == 0
        limiter.failed("bob")
    assert limiter.blocked_for("bob") > 0 and limiter.blocked_for("carol") == 0
    now[0] = 901.0
    assert limiter.blocked_for("bob") == 0


def test_a_success_clears_the_failures():
    limiter = LoginLimiter(max_failures=2, window_s=900)
    limiter.failed("bob")
    limiter.succeeded("bob")
    limiter.failed("bob")
    assert limiter.blocked_for("bob") == 0


@pytest.mark.parametrize("text, debt", [
    ("Hello, I am Bob from the team.", False),
    ("Please tell me your loan reference and date of birth.", False),
    ("You owe KES 13,860.00.", True),
    ("Your balance is overdue.", True),
])
def test_mentions_debt_rule_before_verification(text, debt):
    ctx = reply_context(text, case=CASE, tracker_slots={}, channel="socketio", now=NOW)
    assert ctx.mentions_debt is debt and ctx.initiated_by_borrower and not ctx.verified


def test_a_verified_case_always_counts_as_debt_talk_and_pauses_follow_the_loan():
    case = {**CASE, "loan": {**CASE["loan"], "status": "disputed"}}
    ctx = reply_context("Hello", case=case, tracker_slots={"verified": True}, channel="telegram", now=NOW)
    assert ctx.verified and ctx.mentions_debt and ctx.disputed and ctx.channel == "telegram"
    assert reply_context("Can you pay by Friday?", case=CASE, tracker_slots={}, channel="x", now=NOW).new_demand


def test_arrangement_form_parses_decimals_and_refuses_floats():
    form = arrangement_form({"kind": "instalment_plan", "hardship": True, "hardship_reason": "job loss",
                             "schedule": [{"due": "2026-12-05", "amount": "100.50"},
                                          {"due": "2026-12-19", "amount": "100.50"}],
                             "submission_id": "abcdef123456"})
    assert form.offer.kind == "hardship_plan" and form.offer.schedule[0].amount == Decimal("100.50")
    with pytest.raises(BadRequest, match=r"schedule\[1\].amount"):
        arrangement_form({"kind": "deferral", "schedule": [{"due": "2026-12-05", "amount": 100.5}],
                          "submission_id": "abcdef123456"})
    with pytest.raises(BadRequest, match="kind"):
        arrangement_form({"kind": "fee_waiver", "schedule": [], "submission_id": "abcdef123456"})
    with pytest.raises(BadRequest, match="hardship_reason"):
        arrangement_form({"kind": "deferral", "hardship": True, "schedule": [{"due": "2026-12-05", "amount": "1"}],
                          "submission_id": "abcdef123456"})
    with pytest.raises(BadRequest, match="submission_id"):
        arrangement_form({"kind": "deferral", "schedule": [{"due": "2026-12-05", "amount": "1"}]})
