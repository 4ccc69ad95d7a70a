"""The campaign routes of the web server: the plan (admin), payments with reversals and
instalment states, the loan's stage and contact history, and the providers' delivery receipts."""
from __future__ import annotations

import dataclasses
import json
import time
from datetime import date, datetime, timezone

import pytest

from bot.channels.providers.twilio import compute_signature
from bot.records import db, sends, views
from bot.records.models import Loan, OutboundSend
from bot.web.payment_signature import header_value
from tests.support.web_app import ADMIN_TOKEN, PAYMENT_SECRET, InProcessWeb, demo_database, web_config

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
TWILIO_TOKEN = "twilio-auth-token-0123456789"
STATUS_URL = "https://bot.example.com/webhooks/providers/twilio/status"
AT_SECRET = "at-delivery-secret-0123456789"


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    url = demo_database(tmp_path_factory.mktemp("campaign-web"))
    config = dataclasses.replace(web_config(url), twilio_auth_token=TWILIO_TOKEN,
                                 twilio_status_callback_url=STATUS_URL, at_delivery_secret=AT_SECRET)
    with InProcessWeb(config) as app:
        app.database_url = url
        yield app


def body(answer) -> dict:
    return json.loads(answer.body)


def test_the_plan_needs_the_admin_token_and_a_date(web):
    assert web.request("GET", "/api/campaigns/plan?date=2026-12-07").status == 401
    answer = web.request("GET", "/api/campaigns/plan?date=07/12/2026", headers=AUTH)
    assert answer.status == 400 and "YYYY-MM-DD" in body(answer)["error"]


def test_the_plan_lists_each_contact_with_channel_local_time_and_rule(web, monkeypatch):
    monkeypatch.setenv("SMTP_HOST", "localhost")
    monkeypatch.setenv("SMTP_FROM", "bot@example.com")
    answer = web.request("GET", "/api/campaigns/plan?date=2026-12-12", headers=AUTH)
    assert answer.status == 200
    contacts = body(answer)["contacts"]
    assert contacts, "the demo portfolio has steps on 12 December"
    for line in contacts:
        assert {"loan_id", "step", "channel", "local_send_time", "status", "rule", "reason"} <= set(line)
        assert line["channel"] in ("email", None)  # email is the only channel with a provider here
        if line["status"] == "dropped":
            assert line["rule"] and line["reason"]


def signed(payload: dict, seconds_ago: int = 0) -> dict:
    """Signed as the provider signs each delivery (a retry is signed afresh)."""
    raw = json.dumps(payload).encode()
    stamp = int(time.time()) - seconds_ago
    return dict(data=raw, headers={"X-Payment-Signature": header_value(PAYMENT_SECRET, stamp, raw),
                                   "Content-Type": "application/json"})


def test_a_reversal_through_the_callback_reopens_the_payment_and_is_idempotent(web):
    paid = {"reference": "CB-1", "loan_id": "LN-20931", "amount": "100.00", "currency": "KES",
            "paid_at": "2026-12-06T09:00:00+03:00"}
    first = web.request("POST", "/api/payments", **signed(paid))
    assert first.status == 201 and body(first)["reverses"] is None and body(first)["instalments"] == []
    back = {**paid, "reference": "CB-1-R", "reverses": "CB-1"}
    reversed_ = web.request("POST", "/api/payments", **signed(back))
    assert reversed_.status == 201 and body(reversed_)["reverses"] == "CB-1"
    assert web.request("POST", "/api/payments", **signed(back, seconds_ago=5)).status == 200  # a retry
    twice = web.request("POST", "/api/payments", **signed({**back, "reference": "CB-1-R2"}))
    assert twice.status == 409 and "already reversed" in body(twice)["error"]
    loan = body(web.request("GET", "/api/loans/LN-20931", headers=AUTH))
    assert [p["reverses"] for p in loan["payments"]] == [None, "CB-1"]
    assert loan["balances"]["payments_since_import"] == "0.00"


def test_the_loan_view_shows_stage_instalments_and_contact_history(web):
    loan = body(web.request("GET", "/api/loans/LN-20932", headers=AUTH))
    assert loan["stage"] in ("reminder", "contact", "negotiation", "legal_review", "follow_up", "closed")
    assert loan["instalments"] == [] and loan["contact_history"] == []


def planted_send(url: str, provider: str, provider_id: str) -> None:
    engine = db.make_engine(url)
    try:
        with db.transaction(db.make_session_factory(engine)) as session:
            loan = session.query(Loan).filter_by(loan_id="LN-20940").one()
            line = sends.Planned(loan_pk=loan.id, stage="contact", step=f"s-{provider}",
                                 message="campaign_contact_first", channel="sms", local_date=date(2026, 12, 7),
                                 send_at=datetime(2026, 12, 7, 7, tzinfo=timezone.utc))
            sends.plan_many(session, [line])
            row = session.query(OutboundSend).filter_by(key=line.key).one()
            row.status, row.provider, row.provider_id = "sent", provider, provider_id
    finally:
        engine.dispose()


def test_a_twilio_receipt_needs_twilios_signature_and_moves_the_send_to_delivered(web):
    planted_send(web.database_url, "twilio", "SM123")
    form = {"MessageSid": "SM123", "MessageStatus": "delivered", "AccountSid": "AC1"}
    bad = web.request("POST", "/webhooks/providers/twilio/status", data=form,
                      headers={"X-Twilio-Signature": "forged"})
    assert bad.status == 403
    good = web.request("POST", "/webhooks/providers/twilio/status", data=form,
                       headers={"X-Twilio-Signature": compute_signature(TWILIO_TOKEN, STATUS_URL, form)})
    assert good.status == 200 and body(good)["status"] == "delivered"
    unknown = {**form, "MessageSid": "SM999"}
    assert web.request("POST", "/webhooks/providers/twilio/status", data=unknown, headers={
        "X-Twilio-Signature": compute_signature(TWILIO_TOKEN, STATUS_URL, unknown)}).status == 404
    engine = db.make_engine(web.database_url)
    try:
        with db.transaction(db.make_session_factory(engine)) as session:
            history = views.loan_summary(session, "LN-20940")["contact_history"]
    finally:
        engine.dispose()
    assert [(h["step"], h["status"]) for h in history] == [("s-twilio", "delivered")]


def test_an_africastalking_report_needs_the_secret(web):
    planted_send(web.database_url, "africastalking", "ATXid_1")
    form = {"id": "ATXid_1", "status": "Failed", "phoneNumber": "+254712345678"}
    assert web.request("POST", "/webhooks/providers/africastalking/delivery?secret=nope", data=form).status == 403
    assert web.request("POST", "/webhooks/providers/africastalking/delivery", data=form).status == 403
    answer = web.request("POST", f"/webhooks/providers/africastalking/delivery?secret={AT_SECRET}", data=form)
    assert answer.status == 200 and body(answer)["status"] == "failed"
    bad = web.request("POST", f"/webhooks/providers/africastalking/delivery?secret={AT_SECRET}", data={"id": "x"})
    assert bad.status == 400
