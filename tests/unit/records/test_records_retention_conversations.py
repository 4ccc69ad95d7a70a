"""The retention purge reaches a purged borrower's conversations: their
action runs (bot texts, in the records) and their events in Rasa's tracker
store (retention_conversations.py). SQLite, and PostgreSQL with
TEST_POSTGRES_URL (the tracker store then lives in PostgreSQL too).

Conversations: conv-old (B-OLD's, from an audit entry), conv-old-h (B-OLD's,
known only from a hand-off), conv-keep (B-KEEP's), conv-shared (seen with
both borrowers: kept) and conv-anon (names no one: not found).
"""
from __future__ import annotations

import asyncio
import json
from collections import Counter

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.future import create_engine

from bot.records import cli, retention_conversations
from bot.records.errors import RecordError
from bot.records.models import ActionRun, AuditEntry, Borrower, Handoff, VerificationFailure, VerificationLock
from tests.support.audit_story import NOW_ARG, at, build, db, log, snapshot  # noqa: F401  (db: a fixture)
from tests.support.audit_story import run_purge as run

RUNS = {"conv-old": 2, "conv-old-h": 1, "conv-keep": 1, "conv-shared": 1, "conv-anon": 1}
EVENTS = {"conv-old": 3, "conv-old-h": 2, "conv-keep": 2, "conv-shared": 1, "conv-anon": 1}


def _events_table():
    from rasa.core.tracker_store import SQLTrackerStore  # Rasa's own definition of the table

    return SQLTrackerStore.SQLEvent.__table__


@pytest.fixture
def tracker(db, tmp_path) -> str:
    """Rasa's tracker store with events of every conversation: a SQLite file,
    or on PostgreSQL the records database itself (fresh for each test)."""
    url = f"sqlite:///{tmp_path / 'tracker.db'}" if db.dialect == "sqlite" else db.url
    engine = create_engine(url, future=True)
    table = _events_table()
    table.create(engine)
    with engine.begin() as conn:
        for sender, count in EVENTS.items():
            for i in range(count):
                conn.execute(insert(table).values(sender_id=sender, type_name="user", timestamp=1.0 + i,
                                                  data=json.dumps({"text": f"{sender} born 17 April 1991"})))
    engine.dispose()
    return url


@pytest.fixture
def story(db, monkeypatch):
    seqs = build(db, monkeypatch)
    seqs["shared_old"] = log(db, monkeypatch, at(2022, 11, 2), actor="borrower", kind="message_in",
                             borrower_id="B-OLD", conversation_id="conv-shared", payload={"text": "old"})
    seqs["shared_keep"] = log(db, monkeypatch, at(2022, 11, 4), actor="borrower", kind="message_in",
                              borrower_id="B-KEEP", conversation_id="conv-shared", payload={"text": "keep"})
    seqs["anon"] = log(db, monkeypatch, at(2022, 11, 3), actor="borrower", kind="message_in",
                       conversation_id="conv-anon", payload={"text": "who am I"})
    with db.session() as s:
        old = s.execute(select(Borrower).where(Borrower.borrower_id == "B-OLD")).scalar_one()
        s.add(Handoff(borrower_pk=old.id, conversation_id="conv-old-h", reason="request_human", status="closed",
                      summary={}, created_at=at(2022, 10, 1), updated_at=at(2022, 10, 1)))
        for conversation, count in RUNS.items():
            for i in range(count):
                s.add(ActionRun(key=f"{conversation}:m{i}:action_x", conversation_id=conversation,
                                action="action_x", result={"texts": ["Your date of birth is 1991-04-17?"]},
                                at=at(2022, 11, 1)))
    return seqs


def tracker_senders(url: str) -> Counter:
    engine = create_engine(url, future=True)
    with engine.connect() as conn:
        found = Counter(r[0] for r in conn.execute(text("SELECT sender_id FROM events")))
    engine.dispose()
    return found


def action_run_conversations(db) -> Counter:
    with db.session() as s:
        return Counter(s.execute(select(ActionRun.conversation_id)).scalars())


def test_a_purged_borrowers_action_runs_and_tracker_events_go(db, story, tracker):
    report = run(db, tracker_url=tracker)
    assert report.borrowers_purged == ["B-OLD"]
    assert (report.action_runs_deleted, report.tracker_events_deleted) == (3, 5)
    kept = {"conv-keep", "conv-shared", "conv-anon"}
    assert tracker_senders(tracker) == {c: n for c, n in EVENTS.items() if c in kept}
    assert action_run_conversations(db) == {c: n for c, n in RUNS.items() if c in kept}
    with db.session() as s:
        counts = s.get(AuditEntry, report.audit_seq).payload["counts"]
    assert (counts["action_runs_deleted"], counts["tracker_events_deleted"]) == (3, 5)


def test_a_purged_borrowers_failed_verifications_and_sender_locks_go(db, story):
    with db.session() as s:
        for conversation in ("conv-old", "conv-keep"):
            s.add(VerificationFailure(at=at(2022, 11, 1), loan_id=None, conversation_id=conversation))
            s.add(VerificationLock(scope="sender", subject=conversation, failures=5, locked_at=at(2022, 11, 1),
                                   locked_until=at(2022, 11, 2)))
    report = run(db)
    assert report.verification_rows_deleted == 2
    with db.session() as s:
        assert set(s.execute(select(VerificationFailure.conversation_id)).scalars()) == {"conv-keep"}
        assert set(s.execute(select(VerificationLock.subject)).scalars()) == {"conv-keep"}


def test_a_dry_run_counts_and_deletes_nothing(db, story, tracker):
    before = snapshot(db), tracker_senders(tracker)
    report = run(db, tracker_url=tracker, dry_run=True)
    assert (report.action_runs_deleted, report.tracker_events_deleted) == (3, 5)
    assert (snapshot(db), tracker_senders(tracker)) == before


def test_conversations_of_borrowers_purged_before_are_caught_up(db, story, tracker):
    # a purge from before this reach (or without the tracker) leaves the tracker behind
    first = run(db)
    assert first.borrowers_purged == ["B-OLD"] and first.tracker_store == "not checked (no tracker store given)"
    assert tracker_senders(tracker)["conv-old"] == 3
    second = run(db, tracker_url=tracker)
    # conv-old-h was known from the hand-off only, which the first purge deleted: it stays behind
    assert second.borrowers_purged == [] and second.tracker_events_deleted == 3 and second.audit_seq is not None
    assert "conv-old" not in tracker_senders(tracker)
    third = run(db, tracker_url=tracker)
    assert not third.changed and third.audit_seq is None


def test_a_missing_tracker_database_is_reported_not_created(db, story, tmp_path):
    missing = tmp_path / "nowhere" / "tracker.db"
    report = run(db, tracker_url=f"sqlite:///{missing}")
    assert report.borrowers_purged == ["B-OLD"] and report.action_runs_deleted == 3
    assert report.tracker_events_deleted == 0 and report.tracker_store.startswith("no tracker database at")
    assert not missing.exists()
    empty = tmp_path / "empty.db"
    empty.touch()
    assert retention_conversations.tracker_events(f"sqlite:///{empty}", ["conv-old"], remove=True) == \
        (0, f"sqlite:///{empty} has no events table (nothing to delete)")


def test_an_unreachable_tracker_stops_the_purge_before_anything_changes(db, story):
    before = snapshot(db)
    with pytest.raises(RecordError, match="tracker store .*failed.*the purge stopped") as raised:
        run(db, tracker_url="postgresql+psycopg2://bot:s3cret-pw@127.0.0.1:1/rasa")
    assert "s3cret-pw" not in str(raised.value)
    assert snapshot(db) == before
    with pytest.raises(RecordError, match="TRACKER_DB_URL is not a database URL"):
        run(db, tracker_url="not a url")


def test_the_cli_purges_the_tracker_named_by_the_environment(db, story, tracker, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("DATABASE_URL", db.url)
    monkeypatch.setenv("TRACKER_DB_URL", tracker)
    monkeypatch.setenv("AUDIT_ANCHOR_FILE", str(tmp_path / "anchors.jsonl"))
    monkeypatch.delenv("AUDIT_ANCHOR_KEY", raising=False)
    monkeypatch.delenv("PURGE_DATABASE_URL", raising=False)
    assert cli.main(["purge", "--now", NOW_ARG]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert (printed["action_runs_deleted"], printed["tracker_events_deleted"]) == (3, 5)
    assert printed["tracker_store"] == make_url(tracker).render_as_string(hide_password=True)
    assert retention_conversations.tracker_url({}) == f"sqlite:///{cli.REPO_ROOT / 'var' / 'tracker.db'}"


def test_rasa_no_longer_finds_the_conversation(db, story, tmp_path):
    """Through Rasa's own SQLTrackerStore: what it saved, the purge removes."""
    if db.dialect != "sqlite":
        pytest.skip("Rasa's store is exercised once, on SQLite")
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    store = SQLTrackerStore(dialect="sqlite", db=str(tmp_path / "rasa-tracker.db"))
    for sender in ("conv-old", "conv-keep"):
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, [UserUttered("born 17 April 1991")])))
    report = run(db, tracker_url=f"sqlite:///{tmp_path / 'rasa-tracker.db'}")
    assert report.tracker_events_deleted >= 1
    assert asyncio.run(store.retrieve("conv-old")) is None
    assert asyncio.run(store.retrieve("conv-keep")) is not None
