"""Schema and migrations: the Alembic history builds exactly the models,
constraints hold, money stays exact, audit rows cannot be changed."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError

from bot.records import audit, db as records_db_module
from bot.records.errors import AuditImmutable
from bot.records.models import AuditEntry, Base, Loan
from bot.records.db import migrate
from tests.support.records_fixtures import add_loan


def test_migrate_twice_is_a_no_op(records_db):
    migrate(records_db.url)
    with records_db.engine.connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    from alembic.script import ScriptDirectory

    from bot.records.db import alembic_config
    assert version == ScriptDirectory.from_config(alembic_config(records_db.url)).get_current_head()
    assert version >= "0003"


def test_migrations_match_the_models(records_db):
    with records_db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_loan_status_is_constrained(records_db):
    add_loan(records_db, "SCH-1")
    with pytest.raises(IntegrityError):
        with records_db.session() as s:
            s.execute(text("UPDATE loans SET status = 'forgotten' WHERE loan_id = 'SCH-1'"))


def test_money_round_trips_exactly(records_db):
    big = Decimal("9999999999999999.9999")
    add_loan(records_db, "SCH-2", outstanding_principal=big, late_fees=Decimal("0.1"))
    with records_db.session() as s:
        loan = s.execute(select(Loan).where(Loan.loan_id == "SCH-2")).scalar_one()
        assert loan.outstanding_principal == big
        assert str(loan.late_fees) == "0.10"
        assert str(loan.accrued_interest) == "400.00"


def test_float_money_is_refused(records_db):
    with pytest.raises(StatementError):
        add_loan(records_db, "SCH-3", late_fees=0.1)


def test_naive_datetime_is_refused(records_db):
    from datetime import datetime
    with pytest.raises(StatementError):
        with records_db.session() as s:
            audit_entry = AuditEntry(seq=10_000, at=datetime(2026, 1, 1), actor="bot", kind="x",
                                     payload={}, prev_hash="0", hash="h")
            s.add(audit_entry)


def test_database_refuses_raw_update_and_delete_of_audit(records_db):
    with records_db.session() as s:
        audit.append(s, actor="bot", kind="message_out", payload={"text": "hello"})
    for statement in ("UPDATE audit_entries SET actor = 'mallory'", "DELETE FROM audit_entries"):
        with pytest.raises(DBAPIError, match="append-only"):
            with records_db.session() as s:
                s.execute(text(statement))


def test_orm_refuses_to_change_or_delete_audit(records_db):
    with records_db.session() as s:
        entry = audit.append(s, actor="bot", kind="message_out", payload={"text": "hi"})
    with pytest.raises(AuditImmutable):
        with records_db.session() as s:
            row = s.get(AuditEntry, entry.seq)
            row.actor = "mallory"
    with pytest.raises(AuditImmutable):
        with records_db.session() as s:
            s.delete(s.get(AuditEntry, entry.seq))
    with pytest.raises(AuditImmutable):
        with records_db.session() as s:
            s.execute(update(AuditEntry).values(actor="mallory"))
    with records_db.session() as s:
        assert s.get(AuditEntry, entry.seq).actor == "bot"


def test_database_url_defaults_to_sqlite_under_var(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    url = records_db_module.database_url()
    assert url.startswith("sqlite:///") and url.endswith("/var/bot.db")
    monkeypatch.setenv("DATABASE_URL", "postgresql://x@/y")
    assert records_db_module.database_url() == "postgresql://x@/y"


def test_transaction_rolls_back_on_error(records_db):
    with pytest.raises(RuntimeError):
        with records_db.session() as s:
            s.execute(text("UPDATE loans SET due_date = :d"), {"d": date(2000, 1, 1)})
            raise RuntimeError("boom")
    with records_db.session() as s:
        assert date(2000, 1, 1) not in s.execute(select(Loan.due_date)).scalars().all()


def test_a_database_with_loans_upgrades_to_the_campaign_schema(tmp_path):
    """0008 → 0009 on a database in use: loans referenced by payments and cases keep every row."""
    from alembic import command

    from bot.records.db import alembic_config, make_engine
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0008")
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO borrowers (borrower_id, full_name, phone, date_of_birth, timezone, jurisdiction, language, "
            "cease_contact, opted_out_channels, created_at, updated_at) VALUES ('B-OLD', 'Old Borrower', '+254700000009', "
            "'1990-01-02', 'Africa/Nairobi', 'KE', 'en', 0, '[]', '2026-11-01 00:00:00', '2026-11-01 00:00:00')"))
        conn.execute(text(
            "INSERT INTO loans (loan_id, loan_key, borrower_pk, currency, principal, outstanding_principal, "
            "accrued_interest, late_fees, due_date, product_code, status, balances_as_of, created_at, updated_at) "
            "VALUES ('LN-OLD', 'LNOLD', 1, 'KES', '100', '100', '0', '0', '2026-11-01', 'WALLET-30', 'overdue', "
            "'2026-11-01 00:00:00', '2026-11-01 00:00:00', '2026-11-01 00:00:00')"))
        conn.execute(text(
            "INSERT INTO payments (reference, loan_pk, amount, currency, paid_at, recorded_at) VALUES "
            "('P-OLD', 1, '10', 'KES', '2026-11-02 00:00:00', '2026-11-02 00:00:00')"))
    engine.dispose()
    migrate(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT loan_id, stage, planned_on FROM loans")).all() == [("LN-OLD", "contact", None)]
        assert conn.execute(text("SELECT reference, reverses FROM payments")).all() == [("P-OLD", None)]
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()
