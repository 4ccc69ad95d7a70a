"""Writes: idempotent arrangements and payments, statuses, preferences,
hand-offs; each audited in the same transaction."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
import itertools

import pytest
from sqlalchemy import func, select

from bot.records.errors import NotFound, RecordError
from bot.records.models import Arrangement, AuditEntry, Payment
from bot.records.queries import balance, find_loan, loan_state
from bot.records.writes import (
    open_handoff, record_arrangement, record_contact, record_payment, set_contact_preferences,
    set_handoff_status, set_loan_status,
)
from bot.records.queries import contact_count
from tests.support.records_fixtures import TODAY, add_loan

_ids = itertools.count(1)
PLAN = [(date(2026, 12, 10), Decimal("4250.00")), (date(2027, 1, 10), Decimal("4250.00"))]


def audit_entries(db, loan_id):
    with db.session() as s:
        return s.execute(select(AuditEntry).where(AuditEntry.loan_id == loan_id)
                         .order_by(AuditEntry.seq)).scalars().all()


def arrange(db, loan_id, key, kind="instalment_plan", schedule=PLAN, **kw):
    with db.session() as s:
        arr = record_arrangement(s, loan_id=loan_id, kind=kind, schedule=schedule,
                                 terms={"instalments": len(schedule), "down_payment": Decimal("0")},
                                 actor="bot", idempotency_key=key, **kw)
        return arr.id


def test_arrangement_is_idempotent_on_key(records_db):
    add_loan(records_db, "WR-1")
    first = arrange(records_db, "WR-1", "conv-1:plan")
    again = arrange(records_db, "wr 1", "conv-1:plan")
    assert first == again
    with records_db.session() as s:
        assert s.execute(select(func.count(Arrangement.id))
                         .where(Arrangement.idempotency_key == "conv-1:plan")).scalar_one() == 1
        loan = find_loan(s, "WR-1")
        assert loan.status == "in_arrangement"
        assert [(p.seq, p.due_date, p.amount) for p in loan.arrangements[0].schedule] == \
            [(1, date(2026, 12, 10), Decimal("4250.00")), (2, date(2027, 1, 10), Decimal("4250.00"))]
        assert loan.arrangements[0].terms == {"instalments": 2, "down_payment": "0"}
    entries = audit_entries(records_db, "WR-1")
    assert len(entries) == 1
    assert entries[0].payload["change"] == "arrangement_recorded"
    assert entries[0].payload["schedule"] == [["2026-12-10", "4250.00"], ["2027-01-10", "4250.00"]]


def test_new_arrangement_supersedes_the_active_one(records_db):
    add_loan(records_db, "WR-2")
    first = arrange(records_db, "WR-2", "wr2-a")
    second = arrange(records_db, "WR-2", "wr2-b", kind="promise_to_pay",
                     schedule=[(date(2026, 12, 5), Decimal("8500.00"))], hardship_reason="lost job")
    with records_db.session() as s:
        loan = find_loan(s, "WR-2")
        assert {a.id: a.status for a in loan.arrangements} == {first: "superseded", second: "active"}
        assert loan.status == "promise_pending"
        assert loan.arrangements[1].hardship_reason == "lost job"
        state = loan_state(s, "WR-2", today=TODAY)
    assert state["arrangements_count"] == 2
    assert state["active_arrangement"]["kind"] == "promise_to_pay"
    assert state["active_arrangement"]["schedule"] == [{"seq": 1, "due_date": "2026-12-05", "amount": "8500.00"}]
    assert audit_entries(records_db, "WR-2")[-1].payload["superseded"] == [first]


def test_key_reuse_for_another_loan_is_refused(records_db):
    add_loan(records_db, "WR-3")
    add_loan(records_db, "WR-4")
    arrange(records_db, "WR-3", "shared-key")
    with pytest.raises(RecordError, match="already used"):
        arrange(records_db, "WR-4", "shared-key")


@pytest.mark.parametrize("kind, schedule, message", [
    ("holiday", PLAN, "unknown arrangement kind"),
    ("instalment_plan", [], "at least one"),
    ("instalment_plan", [(date(2026, 12, 1), 100.0)], "Decimal"),
    ("instalment_plan", [(date(2026, 12, 1), Decimal("-1"))], "positive"),
    ("instalment_plan", [(date(2026, 12, 9), Decimal("1")), (date(2026, 12, 1), Decimal("1"))], "backwards"),
])
def test_bad_arrangements_are_refused(records_db, kind, schedule, message):
    loan_id = f"WR-BAD-{next(_ids)}"
    add_loan(records_db, loan_id)
    with pytest.raises(RecordError, match=message):
        with records_db.session() as s:
            record_arrangement(s, loan_id=loan_id, kind=kind, schedule=schedule, terms={},
                               actor="bot", idempotency_key=f"bad-{loan_id}")
    with records_db.session() as s:
        assert find_loan(s, loan_id).arrangements == []


def test_arrangement_for_unknown_loan_or_actor(records_db):
    with pytest.raises(NotFound):
        arrange(records_db, "NOPE-404", "k404")
    add_loan(records_db, "WR-14")
    with pytest.raises(RecordError, match="actor"):
        with records_db.session() as s:
            record_arrangement(s, loan_id="WR-14", kind="deferral", schedule=PLAN[:1], terms={},
                               actor="somebody", idempotency_key="k-actor")


def pay(db, reference, loan_id, amount, currency="KES", paid_at=None):
    with db.session() as s:
        payment, created = record_payment(
            s, reference=reference, loan_id=loan_id, amount=amount, currency=currency,
            paid_at=paid_at or datetime.now(timezone.utc) + timedelta(seconds=1))
        return payment.id, created


def test_payment_is_idempotent_and_reduces_balance(records_db):
    add_loan(records_db, "WR-5")  # 8000 + 400 + 100 = 8500
    first = pay(records_db, "mpesa-QX1", "WR-5", Decimal("500.00"))
    again = pay(records_db, "mpesa-QX1", "WR-5", Decimal("500.00"))
    assert first[1] is True and again == (first[0], False)
    with records_db.session() as s:
        assert balance(find_loan(s, "WR-5")) == Decimal("8000.00")
        assert s.execute(select(func.count(Payment.id)).where(Payment.reference == "mpesa-QX1")).scalar_one() == 1
    assert [e.payload["change"] for e in audit_entries(records_db, "WR-5")] == ["payment_recorded"]


def test_payment_before_the_import_snapshot_is_not_subtracted(records_db):
    add_loan(records_db, "WR-6")
    pay(records_db, "old-pay", "WR-6", Decimal("100.00"), paid_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    with records_db.session() as s:
        assert balance(find_loan(s, "WR-6")) == Decimal("8500.00")


@pytest.mark.parametrize("amount, currency, message", [
    (Decimal("0"), "KES", "positive"),
    (Decimal("-5"), "KES", "positive"),
    (5.0, "KES", "Decimal"),
    (Decimal("5.00001"), "KES", "decimal places"),
    (Decimal("5"), "USD", "does not match"),
])
def test_bad_payments_are_refused(records_db, amount, currency, message):
    loan_id = f"WR-PAY-{next(_ids)}"
    add_loan(records_db, loan_id)
    with pytest.raises(RecordError, match=message):
        pay(records_db, f"bad-{loan_id}", loan_id, amount, currency)
    with records_db.session() as s:
        assert find_loan(s, loan_id).payments == []


def test_reference_reused_with_other_details_is_refused(records_db):
    add_loan(records_db, "WR-8")
    pay(records_db, "ref-8", "WR-8", Decimal("10.00"))
    with pytest.raises(RecordError, match="other details"):
        pay(records_db, "ref-8", "WR-8", Decimal("11.00"))


def test_full_payment_marks_loan_paid_and_arrangement_kept(records_db):
    add_loan(records_db, "WR-9")
    arr = arrange(records_db, "WR-9", "wr9-ptp", kind="promise_to_pay",
                  schedule=[(date(2026, 12, 1), Decimal("8500.00"))])
    pay(records_db, "ref-9", "WR-9", Decimal("8500.00"))
    with records_db.session() as s:
        loan = find_loan(s, "WR-9")
        assert loan.status == "paid" and balance(loan) == Decimal("0")
        assert s.get(Arrangement, arr).status == "kept"
    changes = [e.payload["change"] for e in audit_entries(records_db, "WR-9")]
    assert changes == ["arrangement_recorded", "payment_recorded", "arrangement_status", "loan_status"]


def test_set_loan_status_audits_only_changes(records_db):
    add_loan(records_db, "WR-10")
    for _ in range(2):
        with records_db.session() as s:
            set_loan_status(s, "WR-10", "disputed", actor="agent:amina", reason="borrower disputes fees")
    entries = audit_entries(records_db, "WR-10")
    assert [(e.actor, e.payload["from"], e.payload["to"]) for e in entries] == \
        [("agent:amina", "overdue", "disputed")]
    with pytest.raises(RecordError):
        with records_db.session() as s:
            set_loan_status(s, "WR-10", "lost", actor="bot", reason="x")


def test_contact_preferences_and_contacts(records_db):
    add_loan(records_db, "WR-11", borrower_id="BP-11")
    with records_db.session() as s:
        set_contact_preferences(s, borrower_id="BP-11", actor="bot", reason="STOP", opt_out=["sms"])
        set_contact_preferences(s, borrower_id="BP-11", actor="bot", reason="STOP", opt_out=["sms"])
        b = set_contact_preferences(s, borrower_id="BP-11", actor="agent:joe", reason="letter",
                                    cease_contact=True)
        assert b.opted_out_channels == ["sms"] and b.cease_contact is True
        since = datetime.now(timezone.utc) - timedelta(days=7)
        record_contact(s, borrower_id="BP-11", loan_id="WR-11", channel="sms", direction="out", kind="reminder")
        record_contact(s, borrower_id="BP-11", loan_id=None, channel="telegram", direction="in", kind="message")
        assert contact_count(s, b.id, since=since) == 1
        assert contact_count(s, b.id, since=since, direction="in", channel="telegram") == 1
        with pytest.raises(RecordError):
            record_contact(s, borrower_id="BP-11", loan_id=None, channel="sms", direction="sideways", kind="x")
    with records_db.session() as s:
        changes = s.execute(select(AuditEntry).where(AuditEntry.borrower_id == "BP-11")
                            .order_by(AuditEntry.seq)).scalars().all()
    assert [e.payload["to"] for e in changes] == [
        {"opted_out_channels": ["sms"], "cease_contact": False},
        {"opted_out_channels": ["sms"], "cease_contact": True},
    ]


def test_failed_write_leaves_no_audit(records_db):
    add_loan(records_db, "WR-12")
    with records_db.session() as s:
        before = s.execute(select(func.count(AuditEntry.seq))).scalar_one()
    with pytest.raises(RuntimeError):
        with records_db.session() as s:
            arrange_id = record_arrangement(s, loan_id="WR-12", kind="deferral", schedule=PLAN[:1],
                                            terms={}, actor="bot", idempotency_key="wr12").id
            assert arrange_id
            raise RuntimeError("crash after the write")
    with records_db.session() as s:
        assert s.execute(select(func.count(AuditEntry.seq))).scalar_one() == before
        assert find_loan(s, "WR-12").arrangements == []


def test_handoff_lifecycle(records_db):
    add_loan(records_db, "WR-13")
    with records_db.session() as s:
        h = open_handoff(s, loan_id="WR-13", borrower_id=None, conversation_id="conv-13",
                         reason="requested a human", summary={"intent": "request_human",
                                                              "balance": Decimal("8500.00")})
        anonymous = open_handoff(s, loan_id=None, borrower_id=None, conversation_id="conv-anon",
                                 reason="not verified", summary={})
        assert h.borrower.borrower_id == "B-WR-13" and anonymous.loan_pk is None
    with records_db.session() as s:
        taken = set_handoff_status(s, h.id, "taken", actor="agent:amina")
        assert taken.taken_by == "agent:amina"
    with pytest.raises(NotFound):
        with records_db.session() as s:
            set_handoff_status(s, 999_999, "closed", actor="agent:amina")
