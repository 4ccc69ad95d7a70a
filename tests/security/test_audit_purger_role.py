"""On PostgreSQL the application's own role cannot prune or rewrite the audit
trail, and cannot switch the purge's guard on; only a role in
bot_audit_purger (migration 0007) can purge.

Both roles log in over TCP with a password, as a deployed bot and purge job
would. The application role gets full table privileges (SELECT, INSERT,
UPDATE, DELETE on every table), so every refusal below comes from the audit
triggers, not from a missing grant. Needs TEST_POSTGRES_URL (.ci/run), whose
role must be a superuser (it creates the roles and owns the tables).
"""
from __future__ import annotations

import os
import secrets
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from alembic import command
from sqlalchemy import select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.records import audit, cli
from bot.records.db import alembic_config, make_engine, make_session_factory, transaction
from bot.records.models import AuditCheckpoint, Borrower
from bot.records.retention import purge
from tests.support.audit_story import CUTOFFS, NOW, NOW_ARG, build, snapshot
from tests.support.records_fixtures import fresh_records_db

pytestmark = pytest.mark.skipif(not os.environ.get("TEST_POSTGRES_URL"),
                                reason="PostgreSQL only: set TEST_POSTGRES_URL (.ci/run does)")


@dataclass
class Roles:
    app_url: str
    purger_url: str


@pytest.fixture
def db(tmp_path):
    with fresh_records_db("postgresql", tmp_path) as records:
        yield records


@pytest.fixture
def roles(db):
    suffix = secrets.token_hex(4)
    app, purger = f"bot_test_app_{suffix}", f"bot_test_purge_{suffix}"
    passwords = {app: secrets.token_urlsafe(18), purger: secrets.token_urlsafe(18)}
    with db.engine.begin() as conn:
        port = conn.execute(text("SHOW port")).scalar()
        database = conn.execute(text("SELECT current_database()")).scalar()
        conn.execute(text(f"CREATE ROLE {app} LOGIN PASSWORD '{passwords[app]}'"))
        conn.execute(text(f"CREATE ROLE {purger} LOGIN PASSWORD '{passwords[purger]}' IN ROLE bot_audit_purger"))
        conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {app}"))
        conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app}"))
        conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app}"))
    url = make_url(db.url)

    def login(role: str) -> str:
        return url.set(username=role, password=passwords[role], host="127.0.0.1", port=int(port),
                       database=database, query={}).render_as_string(hide_password=False)

    try:
        yield Roles(app_url=login(app), purger_url=login(purger))
    finally:
        with db.engine.begin() as conn:
            for role in (app, purger):
                conn.execute(text(f"DROP OWNED BY {role}"))
                conn.execute(text(f"DROP ROLE {role}"))


@contextmanager
def session_as(url: str):
    engine = make_engine(url)
    try:
        with transaction(make_session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()


def refused(url: str, *statements: str, match: str) -> None:
    with pytest.raises(DBAPIError, match=match):
        with session_as(url) as s:
            for statement in statements:
                s.execute(text(statement))


def test_the_app_role_cannot_rewrite_prune_or_unguard_the_trail(db, roles, monkeypatch):
    seqs = build(db, monkeypatch)
    # a working application role: it writes records and appends to the chain
    with session_as(roles.app_url) as s:
        s.execute(update(Borrower).where(Borrower.borrower_id == "B-KEEP").values(language="sw"))
        appended = audit.append(s, actor="bot", kind="message_out", payload={"text": "hello"}).seq
    before = snapshot(db)
    target = seqs["first_kept"]
    refused(roles.app_url, f"UPDATE audit_entries SET payload = '{{}}' WHERE seq = {target}", match="append-only")
    refused(roles.app_url, f"DELETE FROM audit_entries WHERE seq = {target}", match="append-only")
    # the guard the purge uses does nothing for this role
    with pytest.raises(DBAPIError, match="append-only|audit checkpoint"):
        with session_as(roles.app_url) as s:
            s.execute(text("SET LOCAL bot.audit_prune = 'on'"))
            purge(s, cutoffs=CUTOFFS, now=NOW)
    # nor can it switch the triggers off, put itself in the purger role, or replace the guard
    refused(roles.app_url, "ALTER TABLE audit_entries DISABLE TRIGGER USER", match="must be owner")
    refused(roles.app_url, "SET session_replication_role = replica", match="permission denied")
    refused(roles.app_url, "SET ROLE bot_audit_purger", match="permission denied")
    refused(roles.app_url, "GRANT bot_audit_purger TO CURRENT_USER", match="permission denied|must have admin")
    refused(roles.app_url, "CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger "
                           "LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$", match="must be owner|permission denied")
    assert snapshot(db) == before
    with db.session() as s:
        assert audit.verify_chain(s) is None and audit.chain_head(s)[0] == appended


def test_the_purger_role_purges(db, roles, monkeypatch):
    seqs = build(db, monkeypatch)
    with session_as(roles.purger_url) as s:
        report = purge(s, cutoffs=CUTOFFS, now=NOW)
    assert report.borrowers_purged == ["B-OLD"] and report.audit_entries_pruned == 3
    with db.session() as s:
        assert s.execute(select(AuditCheckpoint.seq)).scalar_one() == seqs["last_pruned"]
        assert audit.verify_chain(s) is None


def test_the_purge_command_connects_with_purge_database_url(db, roles, monkeypatch, capsys, tmp_path):
    build(db, monkeypatch)
    monkeypatch.setenv("DATABASE_URL", roles.app_url)
    monkeypatch.setenv("AUDIT_ANCHOR_FILE", str(tmp_path / "anchors.jsonl"))
    monkeypatch.setenv("TRACKER_DB_URL", f"sqlite:///{tmp_path / 'no-tracker.db'}")
    monkeypatch.delenv("AUDIT_ANCHOR_KEY", raising=False)
    monkeypatch.delenv("PURGE_DATABASE_URL", raising=False)
    before = snapshot(db)
    assert cli.main(["purge", "--now", NOW_ARG]) == 1  # as the application: refused, clearly
    assert "PURGE_DATABASE_URL" in capsys.readouterr().err
    assert snapshot(db) == before
    monkeypatch.setenv("PURGE_DATABASE_URL", roles.purger_url)
    assert cli.main(["purge", "--now", NOW_ARG]) == 0
    assert '"audit_entries_pruned": 3' in capsys.readouterr().out


def test_before_0007_the_app_role_could_fake_a_purge(db, roles, monkeypatch):
    """The hole this closes, shown: with 0003's triggers the guard was enough."""
    build(db, monkeypatch)
    command.downgrade(alembic_config(db.url), "0006")
    try:
        with session_as(roles.app_url) as s:
            s.execute(text("SET LOCAL bot.audit_prune = 'on'"))
            assert purge(s, cutoffs=CUTOFFS, now=NOW).audit_entries_pruned == 3
    finally:
        command.upgrade(alembic_config(db.url), "head")
