"""The retention purge's reach into a purged borrower's conversations.

What a borrower typed (dates of birth, names, hardship) is kept in two more
places than the records' own tables: `action_runs` (each bot action's result,
texts and events, kept so Rasa's retries replay it) in the records database,
and Rasa's tracker store (TRACKER_DB_URL; Rasa 3.6's SQLTrackerStore keeps
every event in table `events`, keyed by `sender_id`, which is our
conversation id). retention.py finds the conversation ids (audit entries and
hand-offs that name the borrower) and calls these.

The tracker store is another database, so its rows go in their own
transaction, before the records' transaction commits: if the records part
then fails, the next run finds the same conversations and deletes what is
left. The other order could tombstone a borrower, delete the hand-offs that
named their conversations, and then leave their tracker behind for good.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator, Mapping

from sqlalchemy import column, delete, func, inspect, select, table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.future import create_engine
from sqlalchemy.orm import Session

from .db import REPO_ROOT
from .errors import RecordError
from .models import ActionRun, VerificationFailure, VerificationLock

TRACKER_ENV = "TRACKER_DB_URL"
# Rasa 3.6, rasa/core/tracker_store.py: SQLTrackerStore.SQLEvent.
EVENTS = table("events", column("sender_id"))
_CHUNK = 500  # ids per IN (...): well under SQLite's bound-parameter limit


def tracker_url(env: Mapping[str, str] | None = None) -> str:
    """TRACKER_DB_URL, or the file bot/launch.py gives Rasa by default."""
    env = os.environ if env is None else env
    return (env.get(TRACKER_ENV) or "").strip() or f"sqlite:///{REPO_ROOT / 'var' / 'tracker.db'}"


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for i in range(0, len(values), _CHUNK):
        yield values[i:i + _CHUNK]


def action_runs(session: Session, conversations: list[str], *, remove: bool) -> int:
    """Count (or delete, in the caller's transaction) the action runs of these conversations."""
    total = 0
    for chunk in _chunks(conversations):
        where = ActionRun.conversation_id.in_(chunk)
        if remove:
            total += session.execute(delete(ActionRun).where(where)
                                     .execution_options(synchronize_session=False)).rowcount
        else:
            total += session.execute(select(func.count()).select_from(ActionRun).where(where)).scalar()
    return total


def verification_rows(session: Session, conversations: list[str], *, remove: bool) -> int:
    """Count (or delete) failed verifications and sender locks of these conversations:
    their ids are chat ids or phone-linked senders, personal data like the rest."""
    total = 0
    for chunk in _chunks(conversations):
        for model, where in ((VerificationFailure, VerificationFailure.conversation_id.in_(chunk)),
                             (VerificationLock, (VerificationLock.scope == "sender") & VerificationLock.subject.in_(chunk))):
            if remove:
                total += session.execute(delete(model).where(where)
                                         .execution_options(synchronize_session=False)).rowcount
            else:
                total += session.execute(select(func.count()).select_from(model).where(where)).scalar()
    return total


def tracker_events(url: str | None, conversations: list[str], *, remove: bool) -> tuple[int, str]:
    """(events counted or deleted, where) in Rasa's tracker store.

    A tracker database that does not exist (SQLite file missing, no `events`
    table) holds nothing to delete and is reported as such; one that cannot
    be reached stops the purge (RecordError), since purging the records
    without it would lose the conversation ids for good."""
    if url is None:
        return 0, "not checked (no tracker store given)"
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise RecordError(f"{TRACKER_ENV} is not a database URL: {url!r}") from None
    shown = parsed.render_as_string(hide_password=True)
    sqlite = parsed.get_backend_name() == "sqlite"
    if sqlite and (not parsed.database or parsed.database == ":memory:" or not Path(parsed.database).exists()):
        return 0, f"no tracker database at {shown} (nothing to delete)"
    if not conversations:
        return 0, shown
    engine = create_engine(url, future=True, **({"connect_args": {"timeout": 30}} if sqlite else {}))
    try:
        with engine.begin() as conn:
            if not inspect(conn).has_table(EVENTS.name):
                return 0, f"{shown} has no {EVENTS.name} table (nothing to delete)"
            total = 0
            for chunk in _chunks(conversations):
                where = EVENTS.c.sender_id.in_(chunk)
                if remove:
                    total += conn.execute(delete(EVENTS).where(where)).rowcount
                else:
                    total += conn.execute(select(func.count()).select_from(EVENTS).where(where)).scalar()
            return total, shown
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise RecordError(f"tracker store {shown} failed ({reason}); the purge stopped so that no borrower is "
                          "purged with their conversations left behind") from None
    finally:
        engine.dispose()
