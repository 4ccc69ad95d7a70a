"""The day's plan: the right steps on the right local dates and times, moved or dropped by the guard.

Most tests judge the words with a stub that allows them, so what is tested is
the timing and the context rules; one test runs the real guard on the real texts.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.campaigns import plan
from bot.campaigns.facts import LoanFacts
from bot.compliance.decision import ALLOW
from bot.config.campaigns import load_campaigns
from bot.records.allocation import InstalmentState

ALL = frozenset({"sms", "whatsapp", "email", "telegram"})


def allow(_text, _profile):
    return ALLOW


def facts(**overrides) -> LoanFacts:
    values = dict(loan_pk=1, loan_id="LN-1", borrower_pk=1, product_code="WALLET-30", jurisdiction="KE",
                  timezone="Africa/Nairobi", language="en", status="overdue", stage="contact",
                  due_date=date(2026, 12, 10), phone="+254700000001", email="a@example.com")
    values.update(overrides)
    return LoanFacts(**values)


def lines(f: LoanFacts, day: date, channels=ALL, texts=allow):
    return plan.plan_loan(f, day, texts, load_campaigns(), channels)


def only(f: LoanFacts, day: date, **kw) -> plan.Line:
    found = lines(f, day, **kw)
    assert len(found) == 1, found
    return found[0]


def test_a_reminder_falls_on_its_offset_and_goes_out_at_the_local_send_time():
    line = only(facts(), date(2026, 12, 7))  # D-3 of 10 December (a Monday)
    assert (line.step, line.stage, line.status, line.channel) == ("reminder_d-3", "reminder", "planned", "sms")
    assert line.local_time == "2026-12-07T10:00+03:00"
    assert line.send_at == datetime(2026, 12, 7, 7, 0, tzinfo=timezone.utc)
    assert lines(facts(), date(2026, 12, 8)) == []  # no step on D-2


def test_a_us_ma_borrower_is_planned_in_boston_time_across_the_dst_change():
    ma = dict(jurisdiction="US-MA", timezone="America/New_York", phone="+16175550100")
    winter = only(facts(**ma, due_date=date(2027, 3, 4)), date(2027, 3, 1))   # EST, UTC-5
    summer = only(facts(**ma, due_date=date(2027, 3, 17)), date(2027, 3, 14))  # the day clocks go forward
    assert winter.local_time.endswith("11:00-05:00") and winter.send_at.hour == 16
    assert summer.local_time.endswith("11:00-04:00") and summer.send_at.hour == 15


def test_a_borrower_at_utc_plus_14_gets_their_own_date_which_is_the_previous_utc_day():
    kiribati = facts(jurisdiction="DEFAULT", timezone="Pacific/Kiritimati", phone="+68675000000",
                     due_date=date(2026, 12, 10))
    line = only(kiribati, date(2026, 12, 7))
    assert line.local_time == "2026-12-07T10:00+14:00"
    assert line.send_at == datetime(2026, 12, 6, 20, 0, tzinfo=timezone.utc)


def test_a_step_on_a_day_without_contact_hours_moves_to_the_next_window():
    # Kenya allows no contact on Sundays: D+1 of Saturday 12 December is Sunday the 13th.
    line = only(facts(due_date=date(2026, 12, 12)), date(2026, 12, 13))
    assert (line.status, line.rule) == ("moved", "contact_window")
    assert line.moved_from == "2026-12-13T10:00+03:00"
    assert line.local_time == "2026-12-14T08:00+03:00"  # Monday, when the window opens


def test_the_frequency_cap_moves_a_send_until_an_attempt_falls_out_of_the_window():
    ma = dict(jurisdiction="US-MA", timezone="America/New_York", phone="+16175550100")
    day = date(2026, 12, 12)  # contact_d+2 of 10 December
    ten_am = datetime(2026, 12, 12, 16, 0, tzinfo=timezone.utc)
    earlier = [ten_am - timedelta(days=5), ten_am - timedelta(days=2)]  # Massachusetts: 2 in 7 days
    line = only(facts(**ma, recent_attempts=earlier), day)
    assert (line.status, line.rule) == ("moved", "frequency_cap")
    assert line.send_at >= earlier[0] + timedelta(days=7)  # the oldest attempt has left the window
    local = line.send_at.astimezone(ZoneInfo("America/New_York"))
    assert 8 <= local.hour < 21


def test_a_recent_conversation_moves_the_send_past_the_cool_down():
    talked = datetime(2026, 12, 11, 15, 0, tzinfo=timezone.utc)
    line = only(facts(last_conversation_at=talked), date(2026, 12, 11))  # contact_d+1
    assert (line.status, line.rule) == ("moved", "conversation_cooldown")
    assert line.send_at >= talked + timedelta(days=2)


def test_an_opt_out_on_one_channel_uses_the_next_one_in_the_steps_order():
    line = only(facts(opted_out_channels=("sms",)), date(2026, 12, 10))  # reminder_d0: sms, whatsapp, ...
    assert (line.status, line.channel) == ("planned", "whatsapp")


def test_opted_out_of_every_reachable_channel_drops_the_send_with_the_rule():
    line = only(facts(opted_out_channels=("sms", "whatsapp", "email"), telegram_user_id=None), date(2026, 12, 10))
    assert (line.status, line.rule, line.channel) == ("dropped", "opted_out_channel", None)


def test_cease_contact_drops_the_send_and_says_why():
    line = only(facts(cease_contact=True), date(2026, 12, 11))
    assert (line.status, line.rule) == ("dropped", "cease_contact")
    assert "stop all contact" in line.reason


def test_a_paused_account_gets_no_proactive_message():
    line = only(facts(paused=True), date(2026, 12, 11))
    assert (line.status, line.rule) == ("dropped", "vulnerability_pause")


def test_a_disputed_or_arranged_loan_gets_no_overdue_contact():
    assert lines(facts(status="disputed"), date(2026, 12, 11)) == []
    assert lines(facts(status="in_arrangement"), date(2026, 12, 11)) == []


def test_legal_review_pauses_contact_with_a_recorded_reason():
    line = only(facts(stage="legal_review"), date(2026, 12, 11))
    assert (line.status, line.rule) == ("dropped", "legal_review_pause")


def test_without_a_configured_provider_nothing_is_planned_on_that_channel():
    line = only(facts(), date(2026, 12, 11), channels=frozenset({"email"}))
    assert line.channel == "email"
    line = only(facts(email=None), date(2026, 12, 11), channels=frozenset({"email"}))
    assert (line.status, line.rule) == ("dropped", "no_address")
    line = only(facts(), date(2026, 12, 11), channels=frozenset())
    assert (line.status, line.rule) == ("dropped", "no_channel_configured")


def instalment(seq, due, state, paid_on=None):
    from decimal import Decimal
    return InstalmentState(seq, due, Decimal("1000"), Decimal("1000") if paid_on else Decimal("0"), paid_on, state)


def test_arrangement_upkeep_reminds_before_each_instalment_thanks_when_paid_and_follows_up_a_miss():
    arranged = dict(status="in_arrangement", stage="negotiation", arrangement_kind="instalment_plan",
                    arrangement_status="active")
    f = facts(**arranged, instalments=[instalment(1, date(2026, 12, 15), "paid", date(2026, 12, 14)),
                                       instalment(2, date(2026, 12, 22), "due")])
    assert [x.step for x in lines(f, date(2026, 12, 21))] == ["upkeep_instalment_d-1"]
    assert [x.step for x in lines(f, date(2026, 12, 14))] == ["upkeep_paid"]  # the paid one is not reminded
    missed = facts(**{**arranged, "arrangement_status": "broken", "status": "overdue", "due_date": date(2026, 11, 1)},
                   instalments=[instalment(1, date(2026, 12, 15), "missed")])
    # WALLET-30 has 3 grace days: missed on the 19th, followed up that day and four days later.
    assert [x.step for x in lines(missed, date(2026, 12, 19))] == ["upkeep_missed"]
    assert [x.step for x in lines(missed, date(2026, 12, 23))] == ["upkeep_missed_d+4"]


def test_a_promise_is_reminded_as_a_promise():
    f = facts(status="promise_pending", stage="negotiation", arrangement_kind="promise_to_pay",
              arrangement_status="active", instalments=[instalment(1, date(2026, 12, 18), "due")])
    assert [x.step for x in lines(f, date(2026, 12, 17))] == ["upkeep_promise_d-1"]


def test_a_paid_loan_gets_the_thank_you_and_later_the_satisfaction_question():
    f = facts(status="paid", stage="follow_up", paid_off_on=date(2026, 12, 20))
    assert [x.step for x in lines(f, date(2026, 12, 20))] == ["follow_up_thanks"]
    assert [x.step for x in lines(f, date(2026, 12, 22))] == ["follow_up_satisfaction"]


def test_two_sends_on_one_day_count_against_the_daily_cap_of_the_profile():
    # DEFAULT allows one proactive attempt a day: a thank-you and a reminder the same day cannot both go now.
    f = facts(jurisdiction="DEFAULT", status="in_arrangement", stage="negotiation", arrangement_kind="instalment_plan",
              arrangement_status="active", instalments=[instalment(1, date(2026, 12, 15), "paid", date(2026, 12, 14)),
                                                       instalment(2, date(2026, 12, 15), "due")])
    found = lines(f, date(2026, 12, 14))
    assert [x.status for x in found] == ["planned", "moved"]
    assert found[1].rule == "frequency_cap"


def test_the_real_guard_passes_every_campaign_text_in_every_profile():
    texts = plan.TextChecks()
    for jurisdiction, tz in [("KE", "Africa/Nairobi"), ("US", "America/Chicago"), ("UK", "Europe/London"),
                             ("IN", "Asia/Kolkata"), ("CN", "Asia/Shanghai"), ("PH", "Asia/Manila")]:
        line = only(facts(jurisdiction=jurisdiction, timezone=tz), date(2026, 12, 11), texts=texts)
        assert line.status == "planned", (jurisdiction, line.rule, line.reason)
    assert texts.seen, "the real text check ran"
    assert all(d.allowed for d in texts.seen.values())


@pytest.mark.parametrize("env, expected", [
    ({}, set()),
    ({"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t", "TWILIO_SMS_FROM": "+15550001"}, {"sms"}),
    ({"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t", "TWILIO_WHATSAPP_FROM": "+15550001",
      "SMTP_HOST": "localhost", "SMTP_FROM": "bot@example.com", "TELEGRAM_TOKEN": "1:x"},
     {"whatsapp", "email", "telegram"}),
])
def test_the_channels_a_deployment_can_send_on_follow_its_provider_settings(env, expected):
    assert plan.available_channels(env) == expected


def test_an_unpaid_instalment_gets_one_nudge_inside_the_grace_days_and_none_once_paid():
    arranged = dict(status="in_arrangement", stage="negotiation", arrangement_kind="instalment_plan",
                    arrangement_status="active")
    unpaid = facts(**arranged, instalments=[instalment(1, date(2026, 12, 15), "due")])
    assert [x.step for x in lines(unpaid, date(2026, 12, 16))] == ["upkeep_late_d+1"]
    paid = facts(**arranged, instalments=[instalment(1, date(2026, 12, 15), "paid", date(2026, 12, 16))])
    assert "upkeep_late_d+1" not in [x.step for x in lines(paid, date(2026, 12, 16))]
