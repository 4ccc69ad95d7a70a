"""One unfinished hand-off case per conversation (writes.open_handoff)."""
from __future__ import annotations

from sqlalchemy import func, select

from bot.records.handoffs import finish_handoff, take_handoff
from bot.records.models import AuditEntry, Handoff
from bot.records.writes import open_handoff
from tests.support.records_fixtures import add_loan


def ask(db, conversation_id: str, loan_id: str | None = None, reason: str = "borrower asked for a person") -> int:
    with db.session() as s:
        return open_handoff(s, loan_id=loan_id, borrower_id=None, conversation_id=conversation_id,
                            reason=reason, summary={"last_message": "a person please"}).id


def cases(db, conversation_id: str) -> list[tuple[int, str]]:
    with db.session() as s:
        rows = s.execute(select(Handoff).where(Handoff.conversation_id == conversation_id)
                         .order_by(Handoff.id)).scalars()
        return [(h.id, h.status) for h in rows]


def opened_entries(db, conversation_id: str) -> int:
    with db.session() as s:
        rows = s.execute(select(AuditEntry).where(AuditEntry.conversation_id == conversation_id,
                                                  AuditEntry.kind == "handoff")).scalars()
        return sum(1 for e in rows if e.payload.get("change") == "handoff_opened")


def test_asking_ten_times_queues_one_case(records_db):
    ids = {ask(records_db, "conv-flood", reason=f"ask {n}") for n in range(10)}
    assert len(ids) == 1
    assert cases(records_db, "conv-flood") == [(ids.pop(), "open")]
    assert opened_entries(records_db, "conv-flood") == 1


def test_a_taken_case_is_still_the_conversation_s_case(records_db):
    first = ask(records_db, "conv-taken")
    with records_db.session() as s:
        take_handoff(s, first, actor="agent:amina")
    assert ask(records_db, "conv-taken") == first
    assert cases(records_db, "conv-taken") == [(first, "taken")]


def test_after_the_case_is_closed_a_new_one_may_open(records_db):
    first = ask(records_db, "conv-again")
    with records_db.session() as s:
        take_handoff(s, first, actor="agent:amina")
        finish_handoff(s, first, actor="agent:amina", outcome="handed_back")
    second = ask(records_db, "conv-again")
    assert second != first
    assert cases(records_db, "conv-again") == [(first, "closed"), (second, "open")]


def test_other_conversations_are_not_affected(records_db):
    add_loan(records_db, "HL-1")
    a, b = ask(records_db, "conv-a", loan_id="HL-1"), ask(records_db, "conv-b", loan_id="HL-1")
    assert a != b
    with records_db.session() as s:
        assert s.execute(select(func.count(Handoff.id)).where(
            Handoff.conversation_id.in_(["conv-a", "conv-b"]))).scalar_one() == 2
