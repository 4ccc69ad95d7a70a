"""Console agents and the hand-off case life cycle in bot/records (SQLite, and PostgreSQL when configured)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.records import agents, handoffs
from bot.records.errors import RecordError
from bot.records.models import AgentSession, AuditEntry
from bot.records.types import utcnow
from bot.records.writes import open_handoff
from tests.support.records_fixtures import add_loan

PASSWORD = "correct-horse-battery"


def test_passwords_are_hashed_and_checked(records_db):
    with records_db.session() as s:
        agent = agents.create_agent(s, "Alice", PASSWORD, role="supervisor")
        assert agent.username == "alice" and agent.password_hash.startswith("$2")
        assert PASSWORD not in agent.password_hash
    with records_db.session() as s:
        assert agents.authenticate(s, "ALICE", PASSWORD).role == "supervisor"
        assert agents.authenticate(s, "alice", "wrong-password") is None
        assert agents.authenticate(s, "nobody", PASSWORD) is None
        entry = s.execute(select(AuditEntry).where(AuditEntry.kind == "record_change")
                          .order_by(AuditEntry.seq.desc())).scalars().first()
        assert entry.payload == {"change": "agent_created", "username": "alice", "role": "supervisor"}


def test_bad_agents_are_refused(records_db):
    with records_db.session() as s:
        with pytest.raises(RecordError, match="password"):
            agents.create_agent(s, "shorty", "short")
        with pytest.raises(RecordError, match="role"):
            agents.create_agent(s, "roley", PASSWORD, role="admin")
        with pytest.raises(RecordError, match="username"):
            agents.create_agent(s, "no spaces", PASSWORD)
    with records_db.session() as s:
        agents.create_agent(s, "twice", PASSWORD)
    with records_db.session() as s, pytest.raises(RecordError, match="already exists"):
        agents.create_agent(s, "Twice", PASSWORD)


def test_sessions_are_stored_hashed_expire_and_end(records_db):
    with records_db.session() as s:
        agent = agents.create_agent(s, "sessions", PASSWORD)
        token = agents.create_session(s, agent)
        stored = s.execute(select(AgentSession.token_hash).where(AgentSession.agent_pk == agent.id)).scalar_one()
        assert token not in stored
    with records_db.session() as s:
        assert agents.session_agent(s, token).username == "sessions"
        assert agents.session_agent(s, token, now=utcnow() + timedelta(hours=13)) is None
        assert agents.session_agent(s, token + "x") is None and agents.session_agent(s, None) is None
        agents.end_session(s, token)
    with records_db.session() as s:
        assert agents.session_agent(s, token) is None


def test_disabling_an_agent_ends_their_sessions_and_logins(records_db):
    with records_db.session() as s:
        token = agents.create_session(s, agents.create_agent(s, "leaver", PASSWORD))
    with records_db.session() as s:
        agents.set_active(s, "leaver", False)
    with records_db.session() as s:
        assert agents.session_agent(s, token) is None
        assert agents.authenticate(s, "leaver", PASSWORD) is None


def test_take_and_finish_a_case(records_db):
    add_loan(records_db, "AGT-1")
    with records_db.session() as s:
        case_id = open_handoff(s, loan_id="AGT-1", borrower_id=None, conversation_id="conv-agt-1",
                               reason="request_human", summary={}).id
    with records_db.session() as s:
        taken = handoffs.take_handoff(s, case_id, actor="agent:bob", channel="socketio")
        assert taken.status == "taken" and taken.taken_at is not None and taken.channel == "socketio"
    with records_db.session() as s, pytest.raises(RecordError, match="already taken by agent:bob"):
        handoffs.take_handoff(s, case_id, actor="agent:carol")
    with records_db.session() as s:
        assert handoffs.take_handoff(s, case_id, actor="agent:alice", may_take_over=True).taken_by == "agent:alice"
    with records_db.session() as s:
        closed = handoffs.finish_handoff(s, case_id, actor="agent:alice", outcome="handed_back")
        assert (closed.status, closed.outcome) == ("closed", "handed_back") and closed.closed_at is not None
    with records_db.session() as s:
        with pytest.raises(RecordError, match="closed"):
            handoffs.finish_handoff(s, case_id, actor="agent:alice", outcome="closed")
        changes = [e.payload for e in s.execute(select(AuditEntry).where(
            AuditEntry.conversation_id == "conv-agt-1").order_by(AuditEntry.seq)).scalars()]
        assert [c.get("to") for c in changes] == [None, "taken", "taken", "closed"]
        assert changes[2]["taken_over_from"] == "agent:bob"
