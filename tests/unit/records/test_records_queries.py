"""Lookups the dialogue uses, and the admin views."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from bot.records import audit
from bot.records.queries import (
    find_borrower_by_telegram, find_loan, loan_state, loans_of_borrower, normalise_loan_reference,
    verify_borrower,
)
from bot.records.views import loan_audit, loan_summary, open_handoffs
from bot.records.writes import (
    open_handoff, record_arrangement, record_payment, set_contact_preferences, set_handoff_status,
)
from tests.support.records_fixtures import TODAY, add_loan


@pytest.mark.parametrize("typed", ["ln 20931", "LN20931", "ln-20931", " LN-20931. ", "Ln_20931", "#LN 20931"])
def test_normalise_loan_reference(typed):
    assert normalise_loan_reference(typed) == "LN-20931"


def test_normalise_keeps_other_shapes():
    assert normalise_loan_reference("abc-12-x") == "ABC12X"
    assert normalise_loan_reference("") == ""


@pytest.fixture(scope="module")
def loans(records_db):
    add_loan(records_db, "LN-20931", borrower_id="BQ-1", due_date=date(2026, 11, 12))
    add_loan(records_db, "LN-20932", borrower_id="BQ-1", due_date=date(2026, 12, 15))
    add_loan(records_db, "2024/77-A", borrower_id="BQ-2")


def test_find_loan_is_tolerant_but_exact_on_the_key(records_db, loans):
    with records_db.session() as s:
        assert find_loan(s, "ln 20931").loan_id == "LN-20931"
        assert find_loan(s, "202477a").loan_id == "2024/77-A"
        assert find_loan(s, "LN-2093") is None
        assert find_loan(s, "  ") is None


def test_verify_borrower(records_db, loans):
    with records_db.session() as s:
        assert verify_borrower(s, "ln20931", date(1990, 1, 2)).loan_id == "LN-20931"
        assert verify_borrower(s, "ln20931", date(1990, 2, 1)) is None
        assert verify_borrower(s, "ln99999", date(1990, 1, 2)) is None
        loan = find_loan(s, "LN-20931")
        assert [l.loan_id for l in loans_of_borrower(s, loan.borrower_pk)] == ["LN-20931", "LN-20932"]


def test_loan_state_days_overdue(records_db, loans):
    with records_db.session() as s:
        assert loan_state(s, "LN-20931", today=TODAY)["days_overdue"] == 18
        assert loan_state(s, "LN-20932", today=TODAY)["days_overdue"] == 0  # not due yet
        state = loan_state(s, "LN-20931", today=TODAY)
        assert loan_state(s, "nope", today=TODAY) is None
    json.dumps(state)  # JSON-safe
    assert state["total"] == "8500.00" and state["other_loan_ids"] == ["LN-20932"]


def test_find_borrower_by_telegram(records_db):
    add_loan(records_db, "TG-1", borrower_id="BTG")
    with records_db.session() as s:
        find_loan(s, "TG-1").borrower.telegram_user_id = 42424242
    with records_db.session() as s:
        assert find_borrower_by_telegram(s, 42424242).borrower_id == "BTG"
        assert find_borrower_by_telegram(s, 1) is None


def test_views(records_db, loans):
    with records_db.session() as s:
        record_arrangement(s, loan_id="LN-20931", kind="deferral",
                           schedule=[(date(2026, 12, 20), Decimal("8500.00"))],
                           terms={"days": 30}, actor="bot", idempotency_key="v-1")
        record_arrangement(s, loan_id="LN-20931", kind="instalment_plan",
                           schedule=[(date(2026, 12, 20), Decimal("4000.00")),
                                     (date(2027, 1, 20), Decimal("4000.00"))],
                           terms={"instalments": 2}, actor="agent:amina", idempotency_key="v-2")
        record_payment(s, reference="v-pay", loan_id="LN-20931", amount=Decimal("500.00"),
                       currency="KES", paid_at=datetime.now(timezone.utc))
        set_contact_preferences(s, borrower_id="BQ-1", actor="bot", reason="STOP", opt_out=["sms"])
        audit.append(s, actor="bot", kind="message_out", loan_id="LN-20931", conversation_id="cv",
                     payload={"text": "Hello"})
        audit.append(s, actor="bot", kind="message_out", loan_id="LN-20932", payload={"text": "x"})
        h = open_handoff(s, loan_id="LN-20931", borrower_id="BQ-1", conversation_id="cv",
                         reason="hardship", summary={"emotion": "anxious"})
        h2 = open_handoff(s, loan_id=None, borrower_id=None, conversation_id="cv2",
                          reason="unverified", summary={})
        set_handoff_status(s, h2.id, "closed", actor="agent:amina")

    with records_db.session() as s:
        summary = loan_summary(s, "ln-20931")
        trail = loan_audit(s, "LN-20931")
        queue = open_handoffs(s)
        everything = open_handoffs(s, status=None)
        assert loan_summary(s, "nope") is None and loan_audit(s, "nope") == []
    json.dumps([summary, trail, queue])
    assert summary["status"] == "in_arrangement"
    assert summary["balances"]["total"] == "8000.00"
    assert summary["balances"]["payments_since_import"] == "500.00"
    assert summary["active_arrangement"]["kind"] == "instalment_plan"
    assert summary["active_arrangement"]["schedule"][1] == {"seq": 2, "due_date": "2027-01-20", "amount": "4000.00"}
    assert [(a["kind"], a["status"]) for a in summary["past_arrangements"]] == [("deferral", "superseded")]
    assert summary["contact_preferences"] == {"opted_out_channels": ["sms"], "cease_contact": False}
    assert summary["payments"][0]["reference"] == "v-pay"
    kinds = [(e["kind"], e["payload"].get("change")) for e in trail]
    assert kinds == [("record_change", "arrangement_recorded"), ("record_change", "arrangement_recorded"),
                     ("record_change", "payment_recorded"), ("record_change", "contact_preferences"),
                     ("message_out", None), ("handoff", "handoff_opened")]
    assert [e["seq"] for e in trail] == sorted(e["seq"] for e in trail)
    assert [q["id"] for q in queue] == [h.id]
    assert queue[0]["loan_id"] == "LN-20931" and queue[0]["summary"] == {"emotion": "anxious"}
    assert {q["status"] for q in everything} == {"open", "closed"}


def test_verify_borrower_compares_the_reading_of_the_holders_jurisdiction(records_db, loans):
    """'03/04/1990' read both ways (bot/nlu/normalise/birthdates.py): a KE holder is checked day-first only."""
    ke_reading, us_reading = date(1990, 1, 2), date(1990, 2, 1)  # the borrower (KE) is born 2 January 1990
    readings = {"DMY": ke_reading, "MDY": us_reading}
    with records_db.session() as s:
        assert verify_borrower(s, "LN-20931", us_reading, readings=readings,
                               date_orders={"KE": ("DMY",)}).loan_id == "LN-20931"
        assert verify_borrower(s, "LN-20931", ke_reading, readings={"DMY": us_reading, "MDY": ke_reading},
                               date_orders={"KE": ("DMY",)}) is None  # one guess, not two
        # No order for the jurisdiction: every reading is compared (documented in dob_matches).
        assert verify_borrower(s, "LN-20931", us_reading, readings={"DMY": us_reading, "MDY": ke_reading},
                               date_orders={}).loan_id == "LN-20931"
        # An order that reads none of them: every reading too.
        assert verify_borrower(s, "LN-20931", us_reading, readings={"DMY": us_reading, "MDY": ke_reading},
                               date_orders={"KE": ("YMD",)}).loan_id == "LN-20931"
        assert verify_borrower(s, "LN-20931", us_reading, readings={"DMY": us_reading},
                               date_orders={"KE": ("DMY",)}) is None
