"""The campaign run against real records: sends happen once, bookkeeping follows the payments.

The provider is the edge: `deliver` here records what would have gone out.
The clock is BOT_NOW, so rows written "now" carry the simulated time.
"""
from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.campaigns import run as campaign
from bot.channels.providers import ProviderError, SendResult
from bot.compliance.decision import ALLOW
from bot.records import audit, sends, views, writes
from bot.records.models import Borrower, ContactEvent, Handoff, Loan, OutboundSend
from bot.records.queries import loan_key

ALL = frozenset({"sms", "whatsapp", "email", "telegram"})


@pytest.fixture(autouse=True)
def words_allowed(monkeypatch):
    """The guard's context rules run for real; the words of the catalogue are tested in test_plan."""
    monkeypatch.setattr(campaign.plan.TextChecks, "__call__", lambda self, text, profile: ALLOW)


class Provider:
    def __init__(self, fail: Exception | None = None):
        self.sent: list[tuple] = []
        self.fail = fail
        self.lock = threading.Lock()

    def __call__(self, channel, to, text, key):
        if self.fail:
            raise self.fail
        with self.lock:
            self.sent.append((channel, to, text, key))
        return SendResult("fake", f"id-{len(self.sent)}-{key}", True)


def add(db, loan_id: str, *, due: date, tz="Africa/Nairobi", jurisdiction="KE", status="overdue", **money):
    with db.session() as s:
        borrower = Borrower(borrower_id=f"B-{loan_id}", full_name="Amina Otieno", phone="+254700000111",
                            date_of_birth=date(1990, 1, 2), timezone=tz, jurisdiction=jurisdiction, language="en",
                            cease_contact=False, opted_out_channels=[], email="amina@example.com")
        s.add(borrower)
        s.add(Loan(loan_id=loan_id, loan_key=loan_key(loan_id), borrower=borrower, currency="KES",
                   principal=Decimal("5000"), outstanding_principal=money.get("principal", Decimal("3000")),
                   accrued_interest=Decimal("0"), late_fees=Decimal("0"), due_date=due, product_code="WALLET-30",
                   status=status, balances_as_of=datetime(2026, 9, 1, tzinfo=timezone.utc)))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)


def go(db, monkeypatch, now: str, loan_id: str, provider: Provider):
    monkeypatch.setenv("BOT_NOW", now)
    return campaign.run(db.factory, at(now), deliver=provider, loan_ids=[loan_id], channels=ALL)


def rows(db, loan_id: str) -> list[OutboundSend]:
    with db.session() as s:
        return list(s.execute(select(OutboundSend).join(Loan).where(Loan.loan_id == loan_id)
                              .order_by(OutboundSend.id)).scalars())


def test_a_due_send_goes_out_once_however_often_and_on_however_many_workers_the_job_runs(records_db, monkeypatch):
    add(records_db, "CR-1", due=date(2026, 12, 10))
    provider = Provider()
    go(records_db, monkeypatch, "2026-12-11T10:30:00+03:00", "CR-1", provider)  # contact_d+1 at 10:00
    go(records_db, monkeypatch, "2026-12-11T10:35:00+03:00", "CR-1", provider)
    workers = [threading.Thread(target=campaign.run, args=(records_db.factory, at("2026-12-11T10:40:00+03:00")),
                                kwargs=dict(deliver=provider, loan_ids=["CR-1"], channels=ALL)) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert [(c, to) for c, to, _, _ in provider.sent] == [("sms", "+254700000111")]
    assert "Tawi" in provider.sent[0][2]
    [row] = rows(records_db, "CR-1")
    assert (row.step, row.status, row.provider) == ("contact_d+1", "sent", "fake")
    with records_db.session() as s:
        events = s.execute(select(ContactEvent).join(Loan, ContactEvent.loan_pk == Loan.id).where(
            ContactEvent.kind == "campaign", Loan.loan_id == "CR-1")).scalars().all()
        assert [(e.channel, e.direction) for e in events] == [("sms", "out")]
        kinds = [e["kind"] for e in views.loan_audit(s, "CR-1")]
    assert kinds.count("message_out") == 1


def test_a_worker_that_dies_mid_send_never_causes_a_second_text(records_db, monkeypatch):
    add(records_db, "CR-2", due=date(2026, 12, 10))
    with pytest.raises(KeyboardInterrupt):  # the worker is killed while the provider call is in flight
        go(records_db, monkeypatch, "2026-12-11T10:30:00+03:00", "CR-2", Provider(fail=KeyboardInterrupt()))
    assert [r.status for r in rows(records_db, "CR-2")] == ["sending"]
    again = Provider()
    go(records_db, monkeypatch, "2026-12-11T10:45:00+03:00", "CR-2", again)
    go(records_db, monkeypatch, "2026-12-11T11:30:00+03:00", "CR-2", again)
    assert again.sent == []
    [row] = rows(records_db, "CR-2")
    assert row.status == "unknown" and "not resent" in row.reason


def test_a_provider_failure_is_left_unknown_not_retried_blindly(records_db, monkeypatch):
    add(records_db, "CR-3", due=date(2026, 12, 10))
    go(records_db, monkeypatch, "2026-12-11T10:30:00+03:00", "CR-3", Provider(fail=ProviderError("timeout")))
    [row] = rows(records_db, "CR-3")
    assert (row.status, row.reason) == ("unknown", "timeout")


def test_a_send_blocked_at_sending_time_moves_to_the_next_window(records_db, monkeypatch):
    add(records_db, "CR-4", due=date(2026, 12, 10))
    provider = Provider()
    # The worker was down all day: at 20:30 Kenyan contact hours are over; the send waits for the morning.
    go(records_db, monkeypatch, "2026-12-11T20:30:00+03:00", "CR-4", provider)
    [row] = rows(records_db, "CR-4")
    assert (row.status, row.rule, provider.sent) == ("planned", "contact_window", [])
    assert row.send_at == at("2026-12-12T08:00:00+03:00")
    go(records_db, monkeypatch, "2026-12-12T08:05:00+03:00", "CR-4", provider)
    assert len(provider.sent) == 1 and rows(records_db, "CR-4")[0].status == "sent"


def test_an_opt_out_after_planning_drops_the_send_at_sending_time(records_db, monkeypatch):
    add(records_db, "CR-5", due=date(2026, 12, 10))
    monkeypatch.setenv("BOT_NOW", "2026-12-11T06:00:00+03:00")
    campaign.prepare(records_db.factory, at("2026-12-11T06:00:00+03:00"), ["CR-5"], channels=ALL)
    with records_db.session() as s:
        writes.set_contact_preferences(s, borrower_id="B-CR-5", actor="bot", reason="STOP", cease_contact=True)
    provider = Provider()
    go(records_db, monkeypatch, "2026-12-11T10:30:00+03:00", "CR-5", provider)
    [row] = rows(records_db, "CR-5")
    assert (row.status, row.rule, provider.sent) == ("dropped", "cease_contact", [])


def plan_of(db, loan_id: str, schedule: list[tuple[date, str]], key: str) -> None:
    with db.session() as s:
        writes.record_arrangement(s, loan_id=loan_id, kind="instalment_plan", actor="bot", idempotency_key=key,
                                  schedule=[(d, Decimal(a)) for d, a in schedule], terms={})


def pay(db, loan_id: str, reference: str, amount: str, when: str, reverses: str | None = None):
    with db.session() as s:
        writes.record_payment(s, reference=reference, loan_id=loan_id, amount=Decimal(amount), currency="KES",
                              paid_at=at(when), reverses=reverses)


def test_a_missed_instalment_breaks_the_plan_and_the_follow_up_goes_out(records_db, monkeypatch):
    add(records_db, "CR-6", due=date(2026, 11, 1))
    monkeypatch.setenv("BOT_NOW", "2026-12-01T09:00:00+03:00")
    plan_of(records_db, "CR-6", [(date(2026, 12, 5), "1500"), (date(2026, 12, 19), "1500")], "k-CR-6")
    pay(records_db, "CR-6", "P-6a", "1000", "2026-12-05T12:00:00+03:00")  # part of the first instalment
    provider = Provider()
    go(records_db, monkeypatch, "2026-12-08T10:30:00+03:00", "CR-6", provider)  # within 3 grace days
    with records_db.session() as s:
        summary = views.loan_summary(s, "CR-6")
        assert summary["active_arrangement"] is not None
        assert [i["state"] for i in summary["instalments"]] == ["part_paid", "due"]
    go(records_db, monkeypatch, "2026-12-09T10:30:00+03:00", "CR-6", provider)  # the day after grace
    with records_db.session() as s:
        summary = views.loan_summary(s, "CR-6")
        assert summary["status"] == "overdue" and summary["active_arrangement"] is None
        assert [a["status"] for a in summary["past_arrangements"]] == ["broken"]
        assert [i["state"] for i in summary["instalments"]] == ["missed", "due"]
    assert [r.step for r in rows(records_db, "CR-6") if r.status == "sent"] == ["upkeep_missed"]


def test_a_plan_paid_on_time_is_kept_and_thanked(records_db, monkeypatch):
    add(records_db, "CR-7", due=date(2026, 11, 1), principal=Decimal("2000"))
    monkeypatch.setenv("BOT_NOW", "2026-12-01T09:00:00+03:00")
    plan_of(records_db, "CR-7", [(date(2026, 12, 5), "1000"), (date(2026, 12, 15), "1000")], "k-CR-7")
    provider = Provider()
    go(records_db, monkeypatch, "2026-12-04T10:30:00+03:00", "CR-7", provider)  # the day before the first
    pay(records_db, "CR-7", "P-7a", "1000", "2026-12-05T09:00:00+03:00")
    go(records_db, monkeypatch, "2026-12-05T10:30:00+03:00", "CR-7", provider)
    pay(records_db, "CR-7", "P-7b", "1000", "2026-12-16T09:00:00+03:00")  # a day late, within grace
    go(records_db, monkeypatch, "2026-12-16T10:30:00+03:00", "CR-7", provider)
    with records_db.session() as s:
        summary = views.loan_summary(s, "CR-7")
    assert summary["status"] == "paid" and summary["past_arrangements"][0]["status"] == "kept"
    assert summary["stage"] == "follow_up"
    sent = [r.step for r in rows(records_db, "CR-7") if r.status == "sent"]
    assert sent == ["upkeep_instalment_d-1", "upkeep_paid", "upkeep_paid", "follow_up_thanks"]


def test_a_step_falling_on_a_sunday_in_kenya_waits_for_monday_morning(records_db, monkeypatch):
    add(records_db, "CR-11", due=date(2026, 12, 12))  # D+1 is Sunday 13 December
    provider = Provider()
    go(records_db, monkeypatch, "2026-12-13T10:30:00+03:00", "CR-11", provider)
    [row] = rows(records_db, "CR-11")
    assert (row.status, row.rule, provider.sent) == ("planned", "contact_window", [])
    go(records_db, monkeypatch, "2026-12-14T08:00:00+03:00", "CR-11", provider)
    assert [r.status for r in rows(records_db, "CR-11")] == ["sent"]


def test_a_charge_back_reopens_what_it_had_paid(records_db, monkeypatch):
    add(records_db, "CR-8", due=date(2026, 11, 1), principal=Decimal("1000"))
    monkeypatch.setenv("BOT_NOW", "2026-12-01T09:00:00+03:00")
    plan_of(records_db, "CR-8", [(date(2026, 12, 5), "1000")], "k-CR-8")
    pay(records_db, "CR-8", "P-8", "1000", "2026-12-04T09:00:00+03:00")
    with records_db.session() as s:
        assert views.loan_summary(s, "CR-8")["status"] == "paid"
    pay(records_db, "CR-8", "R-8", "1000", "2026-12-06T09:00:00+03:00", reverses="P-8")
    pay(records_db, "CR-8", "R-8", "1000", "2026-12-06T09:00:00+03:00", reverses="P-8")  # provider retry
    with records_db.session() as s:
        summary = views.loan_summary(s, "CR-8")
        assert summary["status"] == "in_arrangement" and summary["balances"]["total"] == "1000.00"
        assert [i["state"] for i in summary["instalments"]] == ["due"]
        changes = [e["payload"].get("change") for e in views.loan_audit(s, "CR-8")]
    assert changes.count("payment_reversed") == 1
    with pytest.raises(Exception, match="already reversed"):
        pay(records_db, "CR-8", "R-8b", "1000", "2026-12-06T10:00:00+03:00", reverses="P-8")


def test_two_broken_arrangements_send_the_loan_to_a_person_for_legal_review_and_pause_contact(records_db, monkeypatch):
    add(records_db, "CR-9", due=date(2026, 10, 1))
    provider = Provider()
    for n, (due_on, check_on) in enumerate([(date(2026, 12, 2), "2026-12-06"), (date(2026, 12, 9), "2026-12-13")]):
        monkeypatch.setenv("BOT_NOW", f"{due_on - timedelta(days=1)}T09:00:00+03:00")
        plan_of(records_db, "CR-9", [(due_on, "1000")], f"k-CR-9-{n}")
        go(records_db, monkeypatch, f"{check_on}T10:30:00+03:00", "CR-9", provider)
    with records_db.session() as s:
        loan = s.execute(select(Loan).where(Loan.loan_id == "CR-9")).scalar_one()
        assert loan.stage == "legal_review"
        [case] = s.execute(select(Handoff).where(Handoff.loan_pk == loan.id)).scalars().all()
        assert case.status == "open" and case.reason.startswith("legal review: 2 arrangements broken")
        assert case.summary["kind"] == "legal_review"
    before = len(provider.sent)
    go(records_db, monkeypatch, "2026-12-17T10:30:00+03:00", "CR-9", provider)  # the missed plan's 4-day follow-up
    assert len(provider.sent) == before
    assert [(r.step, r.status, r.rule) for r in rows(records_db, "CR-9") if r.local_date >= date(2026, 12, 14)] \
        == [("upkeep_missed_d+4", "dropped", "legal_review_pause")]
    # A person closes the review: the loan goes back to the process, and what they reviewed does not
    # send it back; a third broken arrangement does not either until the count is reached again.
    with records_db.session() as s:
        loan = s.execute(select(Loan).where(Loan.loan_id == "CR-9")).scalar_one()
        [case] = s.execute(select(Handoff).where(Handoff.loan_pk == loan.id)).scalars().all()
        writes.set_handoff_status(s, case.id, "closed", actor="agent:rita")
        loan.planned_on = None
    go(records_db, monkeypatch, "2027-01-04T10:30:00+03:00", "CR-9", provider)
    with records_db.session() as s:
        loan = s.execute(select(Loan).where(Loan.loan_id == "CR-9")).scalar_one()
        assert loan.stage == "contact"
        assert len(s.execute(select(Handoff).where(Handoff.loan_pk == loan.id)).scalars().all()) == 1
        stages = [e["payload"] for e in views.loan_audit(s, "CR-9") if e["payload"].get("change") == "loan_stage"]
    assert stages[-1]["from"] == "legal_review" and stages[-1]["reason"] == "legal review closed by a person"


def test_a_delivery_receipt_only_moves_a_send_forward(records_db, monkeypatch):
    add(records_db, "CR-10", due=date(2026, 12, 10))
    go(records_db, monkeypatch, "2026-12-11T10:30:00+03:00", "CR-10", Provider())
    [row] = rows(records_db, "CR-10")
    with records_db.session() as s:
        assert sends.record_delivery(s, provider="fake", provider_id=row.provider_id, status="delivered")
        sends.record_delivery(s, provider="fake", provider_id=row.provider_id, status="sent")  # late and stale
        assert sends.record_delivery(s, provider="fake", provider_id="nope", status="delivered") is None
    [row] = rows(records_db, "CR-10")
    assert row.status == "delivered" and row.delivered_at is not None
    with records_db.session() as s:
        receipts = [e for e in views.loan_audit(s, "CR-10") if e["kind"] == "delivery_receipt"]
    assert len(receipts) == 1 and audit is not None


class RefusingSms(Provider):
    def __call__(self, channel, to, text, key):
        if channel == "sms":
            return SendResult("fake", "", False, "21610: unsubscribed recipient")
        return super().__call__(channel, to, text, key)


def test_a_refused_send_tries_the_steps_next_channel_up_to_its_most_sends(records_db, monkeypatch, tmp_path):
    from pathlib import Path
    shipped = (Path(__file__).resolve().parents[3] / "config" / "campaigns.yml").read_text()
    line = "- {step: contact_d+1, anchor: due_date, offset_days: 1, channels: [sms, whatsapp, telegram, email], " \
           "message: campaign_contact_first, max_sends: 1}"
    assert line in shipped
    (tmp_path / "campaigns.yml").write_text(shipped.replace(line, line.replace("max_sends: 1", "max_sends: 2")))
    monkeypatch.setenv("CAMPAIGNS_YML", str(tmp_path / "campaigns.yml"))
    add(records_db, "CR-12", due=date(2026, 12, 10))
    provider = RefusingSms()
    go(records_db, monkeypatch, "2026-12-11T10:30:00+03:00", "CR-12", provider)
    [row] = rows(records_db, "CR-12")
    assert (row.status, row.channel, row.attempts) == ("planned", "whatsapp", 1)
    go(records_db, monkeypatch, "2026-12-11T10:35:00+03:00", "CR-12", provider)
    [row] = rows(records_db, "CR-12")
    assert (row.status, row.channel, [c for c, *_ in provider.sent]) == ("sent", "whatsapp", ["whatsapp"])
    with records_db.session() as s:
        kinds = [e["kind"] for e in views.loan_audit(s, "CR-12") if e["kind"] in ("send_failed", "message_out")]
    assert kinds == ["send_failed", "message_out"]


def test_with_one_send_allowed_a_refusal_stays_failed(records_db, monkeypatch):
    add(records_db, "CR-13", due=date(2026, 12, 10))
    provider = RefusingSms()
    go(records_db, monkeypatch, "2026-12-11T10:30:00+03:00", "CR-13", provider)
    go(records_db, monkeypatch, "2026-12-11T10:35:00+03:00", "CR-13", provider)
    [row] = rows(records_db, "CR-13")
    assert (row.status, row.reason, provider.sent) == ("failed", "21610: unsubscribed recipient", [])


def test_an_answer_to_the_satisfaction_question_is_recorded_once_and_only_from_that_phone(records_db, monkeypatch):
    add(records_db, "CR-14", due=date(2026, 12, 10))
    with records_db.session() as s:
        loan = s.execute(select(Loan).where(Loan.loan_id == "CR-14")).scalar_one()
        line = sends.Planned(loan_pk=loan.id, stage="follow_up", step="follow_up_satisfaction",
                             message="campaign_satisfaction", channel="sms", local_date=date(2026, 12, 20),
                             send_at=at("2026-12-20T10:00:00+03:00"))
        sends.plan_many(s, [line])
        row = s.execute(select(OutboundSend).where(OutboundSend.key == line.key)).scalar_one()
        row.status, row.sent_at = "sent", at("2026-12-20T10:00:00+03:00")
    later = at("2026-12-21T09:00:00+03:00")
    with records_db.session() as s:
        assert not sends.record_feedback(s, phone="+254799999999", text="great", at=later)
        assert sends.record_feedback(s, phone="+254700000111", text="great, thanks", at=later)
        assert not sends.record_feedback(s, phone="+254700000111", text="and another thing", at=later)
    with records_db.session() as s:
        answers = [e["payload"]["answer"] for e in views.loan_audit(s, "CR-14") if e["kind"] == "satisfaction_answer"]
    assert answers == ["great, thanks"]


def test_a_campaign_message_on_telegram_goes_through_the_bot_api(monkeypatch):
    """The real python-telegram-bot client against the local fake Bot API (tests/support/fake_telegram.py)."""
    from tests.support.fake_telegram import FakeTelegram

    token = "123456789:CAMPAIGN-token_abcdefghijklmnop"
    fake = FakeTelegram(token).start()
    try:
        monkeypatch.setenv("TELEGRAM_TOKEN", token)
        monkeypatch.setenv("TELEGRAM_BASE_URL", fake.base_url)
        result = campaign.deliver("telegram", "5551234567", "Hello, this is Tawi Assistant.", "7:contact_d+1:2026-12-11")
        assert result.accepted and result.provider == "telegram"
        [call] = fake.sent("sendMessage", 5551234567)
        assert call["text"] == "Hello, this is Tawi Assistant."
        monkeypatch.delenv("TELEGRAM_TOKEN")
        with pytest.raises(ProviderError, match="TELEGRAM_TOKEN"):
            campaign.deliver("telegram", "5551234567", "Hello.", "k")
    finally:
        fake.stop()
