"""A small records story with an audit chain going back to 2018, and the
tools of someone with raw database access, for the anchor, purger-role,
retention and conversation-purge tests (the helpers they share live here).

"Now" is 2026-11-30 12:00 UTC; with config/compliance.yml the US cut-off is
2023-11-30 and the oldest (KE) 2019-11-30. B-OLD (US, paid in 2022) is due
for the purge, B-KEEP (open loan, active last month) is not; the chain's
first three entries (before 2019-11-30, none about B-KEEP) get pruned and
B-OLD's 2022 message redacted.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from bot.records import audit, cli
from bot.records.models import AuditEntry, Borrower, Loan
from bot.records.queries import loan_key
from bot.records.retention import purge
from tests.support.records_fixtures import _backends, fresh_records_db

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
NOW_ARG = "2026-11-30T12:00:00Z"
CUTOFFS = cli.retention_cutoffs(cli.REPO_ROOT / "config", NOW)
TABLES = ("borrowers", "loans", "contact_events", "handoffs", "action_runs", "audit_entries", "audit_checkpoints")


@pytest.fixture(params=_backends())
def db(request, tmp_path):
    """A fresh records database for each test (the stories write to it); import it as a fixture."""
    with fresh_records_db(request.param, tmp_path) as records:
        yield records


def at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 10, 0, tzinfo=timezone.utc)


def add_borrower(db, borrower_id: str, jurisdiction: str, *, since: datetime,
                 loans: dict[str, tuple[str, datetime]], contacts: bool = False) -> None:
    """A borrower created at `since` with loans {loan_id: (status, last update)};
    with `contacts`, also an email and a Telegram id (what a purge must clear)."""
    extra = {"email": f"{borrower_id.lower()}@example.com",
             "telegram_user_id": abs(hash(borrower_id)) % 10**9} if contacts else {}
    with db.session() as s:
        b = Borrower(borrower_id=borrower_id, full_name=f"Name of {borrower_id}", phone="+15550001111",
                     date_of_birth=date(1980, 5, 6), timezone="America/New_York", jurisdiction=jurisdiction,
                     language="en", cease_contact=False, opted_out_channels=[], created_at=since, updated_at=since,
                     **extra)
        s.add(b)
        for loan_id, (status, touched) in loans.items():
            s.add(Loan(loan_id=loan_id, loan_key=loan_key(loan_id), borrower=b, currency="USD",
                       principal=Decimal("500.00"), outstanding_principal=Decimal("0.00"),
                       accrued_interest=Decimal("0.00"), late_fees=Decimal("0.00"), due_date=since.date(),
                       product_code="WALLET-30", status=status, balances_as_of=since,
                       created_at=since, updated_at=touched))


def log(db, monkeypatch, when: datetime, **kw) -> int:
    """Append an audit entry dated `when`; its seq."""
    with monkeypatch.context() as m, db.session() as s:
        m.setattr(audit, "utcnow", lambda: when)
        return audit.append(s, **kw).seq


def prune_boundary(db, monkeypatch) -> dict[str, int]:
    """Two housekeeping entries either side of the oldest cut-off (KE, 2019-11-30):
    the last one a prune removes and the first one it keeps."""
    return {
        "last_pruned": log(db, monkeypatch, at(2019, 1, 1), actor="system", kind="record_change",
                           payload={"note": "housekeeping"}),
        "first_kept": log(db, monkeypatch, at(2020, 1, 1), actor="system", kind="record_change",
                          payload={"note": "housekeeping"}),
    }


def build(db, monkeypatch) -> dict[str, int]:
    add_borrower(db, "B-OLD", "US", since=at(2018, 6, 1), loans={"L-OLD": ("paid", at(2022, 11, 1))})
    add_borrower(db, "B-KEEP", "US", since=at(2022, 1, 1), loans={"L-KEEP": ("overdue", at(2026, 10, 1))})
    return {
        "first": log(db, monkeypatch, at(2018, 1, 1), actor="import", kind="record_change", payload={"rows": 2}),
        "old_created": log(db, monkeypatch, at(2018, 6, 1), actor="import", kind="record_change",
                            loan_id="L-OLD", borrower_id="B-OLD", payload={"change": "created"}),
        **prune_boundary(db, monkeypatch),
        "old_message": log(db, monkeypatch, at(2022, 11, 1), actor="borrower", kind="message_in", loan_id="L-OLD",
                           borrower_id="B-OLD", conversation_id="conv-old",
                           payload={"text": "I am Name of B-OLD", "message_id": "m1"}),
        "keep_message": log(db, monkeypatch, at(2026, 10, 1), actor="borrower", kind="message_in",
                            loan_id="L-KEEP", borrower_id="B-KEEP", conversation_id="conv-keep",
                            payload={"text": "Name of B-KEEP here", "message_id": "m2"}),
    }


def tamper(db, sql: str, params: dict | None = None) -> None:
    """Run SQL as someone with raw access to the database would: triggers off
    (the table owner on PostgreSQL; anyone holding the file on SQLite)."""
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            conn.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
            conn.execute(text("ALTER TABLE audit_checkpoints DISABLE TRIGGER USER"))
            conn.execute(text(sql), params or {})
            conn.execute(text("ALTER TABLE audit_entries ENABLE TRIGGER USER"))
            conn.execute(text("ALTER TABLE audit_checkpoints ENABLE TRIGGER USER"))
        else:
            triggers = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                         "AND tbl_name IN ('audit_entries', 'audit_checkpoints')")).all()
            for name, _ in triggers:
                conn.execute(text(f"DROP TRIGGER {name}"))
            conn.execute(text(sql), params or {})
            for _, sql_text in triggers:
                conn.execute(text(sql_text))


def rows(db) -> list:
    with db.session() as s:
        return s.execute(select(*AuditEntry.__table__.c).order_by(AuditEntry.seq)).all()


def relink(db, entries: list, prev_hash: str, payloads: dict[int, dict] | None = None) -> None:
    """Rewrite `entries` (rows, oldest first) as a consistent chain from
    `prev_hash`, with new payloads where given: every hash recomputed, as a
    careful forger with database access would."""
    payloads = payloads or {}
    for e in entries:
        payload = payloads.get(e.seq, e.payload)
        new_hash = audit.entry_hash(seq=e.seq, at=e.at, actor=e.actor, kind=e.kind, loan_id=e.loan_id,
                                    borrower_id=e.borrower_id, conversation_id=e.conversation_id,
                                    payload=payload, prev_hash=prev_hash)
        tamper(db, "UPDATE audit_entries SET payload = :p, prev_hash = :prev, hash = :h WHERE seq = :s",
               {"p": json.dumps(payload), "prev": prev_hash, "h": new_hash, "s": e.seq})
        prev_hash = new_hash


def snapshot(db, tables: tuple[str, ...] = TABLES) -> dict:
    """Every row of `tables`: equal before and after means nothing changed."""
    with db.engine.connect() as conn:
        return {t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY 1"))] for t in tables}


def run_purge(db, **kw):
    """The retention purge at NOW with config/compliance.yml's cut-offs; its report."""
    with db.session() as s:
        return purge(s, cutoffs=CUTOFFS, now=NOW, **kw)
