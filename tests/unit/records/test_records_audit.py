"""The audit hash chain: intact chains verify, tampering is located,
concurrent appenders never fork the chain."""
from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from bot.records import audit
from bot.records.errors import RecordError
from bot.records.models import AuditEntry



def append_n(db, n, actor="bot", **kw):
    for i in range(n):
        with db.session() as s:
            audit.append(s, actor=actor, kind="message_out", payload={"i": i, "text": "Habari"}, **kw)


def test_chain_links_and_verifies(records_db):
    append_n(records_db, 3, loan_id="LN-1", conversation_id="c1")
    with records_db.session() as s:
        entries = s.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars().all()
        assert [e.seq for e in entries] == [1, 2, 3]
        assert entries[0].prev_hash == audit.GENESIS_HASH
        assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:]))
        assert audit.verify_chain(s) is None
        assert audit.verify_chain(s, batch=2) is None


def test_payload_is_made_json_safe(records_db):
    with records_db.session() as s:
        e = audit.append(s, actor="bot", kind="compliance_decision", loan_id="LN-2",
                         payload={"amount": Decimal("12.50"), "on": date(2026, 12, 1),
                                  "rule": "quiet_hours", "allowed": False})
    with records_db.session() as s:
        stored = s.get(AuditEntry, e.seq).payload
    assert stored == {"amount": "12.50", "on": "2026-12-01", "rule": "quiet_hours", "allowed": False}
    with pytest.raises(RecordError, match="float"):
        with records_db.session() as s:
            audit.append(s, actor="bot", kind="x", payload={"amount": 12.5})


def _raw_update(db, sql, params):
    """Tamper as someone with direct database access would: triggers off."""
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            conn.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_change"))
            conn.execute(text(sql), params)
            conn.execute(text("ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_no_change"))
        else:
            conn.execute(text("DROP TRIGGER audit_entries_no_update"))
            conn.execute(text(sql), params)
            conn.execute(text(
                "CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries "
                "BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only (UPDATE refused)'); END"))


def test_tampering_is_located(records_db):
    append_n(records_db, 4, loan_id="LN-3")
    with records_db.session() as s:
        target = s.execute(select(AuditEntry).where(AuditEntry.loan_id == "LN-3")
                           .order_by(AuditEntry.seq).offset(1).limit(1)).scalar_one()
        seq, actor, payload = target.seq, target.actor, dict(target.payload)
    _raw_update(records_db, "UPDATE audit_entries SET actor = :a WHERE seq = :s", {"a": "agent:eve", "s": seq})
    with records_db.session() as s:
        assert audit.verify_chain(s) == seq
    _raw_update(records_db, "UPDATE audit_entries SET actor = :a WHERE seq = :s", {"a": actor, "s": seq})
    with records_db.session() as s:
        assert audit.verify_chain(s) is None
    # rewriting the payload (and even recomputing that row's own hash) still breaks the next link
    forged = {**payload, "text": "pay or else"}
    with records_db.session() as s:
        row = s.get(AuditEntry, seq)
        new_hash = audit.entry_hash(seq=row.seq, at=row.at, actor=row.actor, kind=row.kind,
                                    loan_id=row.loan_id, borrower_id=row.borrower_id,
                                    conversation_id=row.conversation_id, payload=forged,
                                    prev_hash=row.prev_hash)
        old_hash = row.hash
    import json
    _raw_update(records_db, "UPDATE audit_entries SET payload = :p, hash = :h WHERE seq = :s",
                {"p": json.dumps(forged), "h": new_hash, "s": seq})
    with records_db.session() as s:
        assert audit.verify_chain(s) == seq + 1
    _raw_update(records_db, "UPDATE audit_entries SET payload = :p, hash = :h WHERE seq = :s",
                {"p": json.dumps(payload), "h": old_hash, "s": seq})
    with records_db.session() as s:
        assert audit.verify_chain(s) is None


def test_concurrent_appends_keep_one_chain(records_db):
    per_thread, threads = 15, 3
    with records_db.session() as s:
        start = s.execute(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1)).scalar() or 0
    barrier = threading.Barrier(threads)
    failures = []

    def worker(name):
        try:
            barrier.wait()
            append_n(records_db, per_thread, actor=f"agent:{name}")
        except Exception as exc:  # noqa: BLE001 - reported below; a thread's exception is otherwise lost
            failures.append(repr(exc))

    pool = [threading.Thread(target=worker, args=(f"t{i}",)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert failures == []
    with records_db.session() as s:
        seqs = s.execute(select(AuditEntry.seq).where(AuditEntry.seq > start)
                         .order_by(AuditEntry.seq)).scalars().all()
        assert seqs == list(range(start + 1, start + 1 + per_thread * threads))
        assert audit.verify_chain(s) is None
