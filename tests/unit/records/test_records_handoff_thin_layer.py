"""What the bot's thin layer writes on a case while it waits (bot/records/handoffs.py):
messages appended, a re-flag (self-harm at top priority, a correction), the loan linked
after a late verification, and the one-time escalation of a case nobody took."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.records import audit, handoffs
from bot.records.errors import NotFound
from bot.records.handoffs import finish_handoff, take_handoff
from bot.records.models import AuditEntry, Handoff
from bot.records.types import utcnow
from bot.records.writes import open_handoff
from tests.support.records_fixtures import add_loan


def opened(db, conversation_id: str, loan_id: str | None = None, reason: str = "borrower says already paid",
           priority: int = handoffs.PRIORITY_NORMAL) -> int:
    with db.session() as s:
        return open_handoff(s, loan_id=loan_id, borrower_id=None, conversation_id=conversation_id,
                            reason=reason, summary={}, priority=priority).id


def case(db, handoff_id: int) -> Handoff:
    with db.session() as s:
        found = s.get(Handoff, handoff_id)
        s.expunge(found)
        return found


def changes(db, conversation_id: str) -> list[dict]:
    with db.session() as s:
        rows = s.execute(select(AuditEntry).where(AuditEntry.conversation_id == conversation_id,
                                                  AuditEntry.kind == "handoff").order_by(AuditEntry.seq)).scalars()
        return [e.payload for e in rows]


def test_a_new_case_has_normal_priority_no_messages_and_no_escalation(records_db):
    found = case(records_db, opened(records_db, "th-new"))
    assert (found.priority, found.messages, found.escalated_at) == (0, [], None)
    assert changes(records_db, "th-new")[0]["priority"] == 0


def test_messages_are_appended_to_the_open_case_in_order_and_audited(records_db):
    cid = opened(records_db, "th-append")
    with records_db.session() as s:
        handoffs.append_message(s, "th-append", text="my receipt is QX12345", intent="nlu_fallback")
        handoffs.append_message(s, "th-append", text="are you there?", intent="out_of_scope")
    assert [(m["text"], m["intent"]) for m in case(records_db, cid).messages] == [
        ("my receipt is QX12345", "nlu_fallback"), ("are you there?", "out_of_scope")]
    appended = [c for c in changes(records_db, "th-append") if c["change"] == "handoff_message"]
    assert [c["text"] for c in appended] == ["my receipt is QX12345", "are you there?"]
    with records_db.session() as s:
        assert audit.verify_chain(s) is None  # None: the chain is intact


def test_no_unfinished_case_nothing_is_written(records_db):
    cid = opened(records_db, "th-closed")
    with records_db.session() as s:
        take_handoff(s, cid, actor="agent:amina")
        finish_handoff(s, cid, actor="agent:amina", outcome="handed_back")
    with records_db.session() as s:
        assert handoffs.append_message(s, "th-closed", text="hello?", intent="greet") is None
        assert handoffs.reflag(s, "th-closed", reason="self-harm risk", priority=handoffs.PRIORITY_TOP) is None
        assert handoffs.append_message(s, "th-nobody", text="hello?", intent="greet") is None
    assert case(records_db, cid).messages == []


def test_a_self_harm_reflag_changes_reason_and_priority_of_the_one_case_and_never_lowers_it(records_db):
    cid = opened(records_db, "th-flag", reason="vulnerability disclosed")
    with records_db.session() as s:
        handoffs.reflag(s, "th-flag", reason="self-harm risk", priority=handoffs.PRIORITY_TOP)
        handoffs.reflag(s, "th-flag", reason="self-harm risk", priority=handoffs.PRIORITY_TOP)  # no change
        handoffs.reflag(s, "th-flag", reason="corrected", priority=handoffs.PRIORITY_NORMAL)
    found = case(records_db, cid)
    assert (found.reason, found.priority) == ("corrected", handoffs.PRIORITY_TOP)
    flags = [c for c in changes(records_db, "th-flag") if c["change"] == "handoff_reflagged"]
    assert [(f["from"], f["to"]) for f in flags] == [
        ({"reason": "vulnerability disclosed", "priority": 0}, {"reason": "self-harm risk", "priority": 2}),
        ({"reason": "self-harm risk", "priority": 2}, {"reason": "corrected", "priority": 2}),
    ]
    with records_db.session() as s:
        assert len(s.execute(select(Handoff).where(Handoff.conversation_id == "th-flag")).scalars().all()) == 1


def test_a_case_opened_before_verification_is_linked_to_the_loan_once(records_db):
    add_loan(records_db, "TH-1")
    cid = opened(records_db, "th-link")
    with records_db.session() as s:
        linked = handoffs.link_loan(s, "th-link", loan_id="TH-1", borrower_id="B-TH-1")
        assert (linked.loan.loan_id, linked.borrower.borrower_id) == ("TH-1", "B-TH-1")
        handoffs.link_loan(s, "th-link", loan_id="TH-1", borrower_id="B-TH-1")  # already linked: no entry
        with pytest.raises(NotFound):
            handoffs.link_loan(s, "th-link", loan_id="NO-SUCH", borrower_id=None)
    links = [c for c in changes(records_db, "th-link") if c["change"] == "handoff_linked"]
    assert links == [{"change": "handoff_linked", "handoff_id": cid, "from_loan": None, "loan_id": "TH-1",
                      "borrower_id": "B-TH-1"}]
    with records_db.session() as s:
        entry = s.execute(select(AuditEntry).where(AuditEntry.conversation_id == "th-link")
                          .order_by(AuditEntry.seq.desc()).limit(1)).scalar_one()
        assert (entry.loan_id, entry.borrower_id) == ("TH-1", "B-TH-1")


def test_an_untaken_case_is_escalated_once_and_a_taken_one_never(records_db):
    waiting, taken = opened(records_db, "th-wait"), opened(records_db, "th-taken")
    with records_db.session() as s:
        take_handoff(s, taken, actor="agent:amina")
    later = utcnow() + timedelta(minutes=61)
    with records_db.session() as s:
        assert waiting not in handoffs.overdue_cases(s, within=timedelta(minutes=60))  # not yet
        due = handoffs.overdue_cases(s, within=timedelta(minutes=60), now=later)  # the db is shared: others too
        assert waiting in due and taken not in due
        assert handoffs.escalate_unanswered(s, waiting, minutes=60).priority == handoffs.PRIORITY_ESCALATED
        assert handoffs.escalate_unanswered(s, waiting, minutes=60) is None  # once
        assert handoffs.escalate_unanswered(s, taken, minutes=60) is None
        assert waiting not in handoffs.overdue_cases(s, within=timedelta(minutes=60), now=later)
    assert case(records_db, waiting).escalated_at is not None
    escalations = [c for c in changes(records_db, "th-wait") if c["change"] == "handoff_escalated"]
    assert escalations == [{"change": "handoff_escalated", "handoff_id": waiting, "from_priority": 0,
                            "to_priority": 1, "not_taken_within_minutes": 60}]


def test_escalating_a_self_harm_case_keeps_it_at_the_top(records_db):
    cid = opened(records_db, "th-top", reason="self-harm risk", priority=handoffs.PRIORITY_TOP)
    with records_db.session() as s:
        assert handoffs.escalate_unanswered(s, cid, minutes=60).priority == handoffs.PRIORITY_TOP
        extras = handoffs.case_extras(s, [cid])
    assert extras[cid]["priority"] == handoffs.PRIORITY_TOP and extras[cid]["escalated_at"]
