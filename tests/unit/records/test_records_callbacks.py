"""Replay memory of payment callback signatures (bot/records/callbacks.py)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from bot.records import callbacks
from bot.records.db import make_engine, make_session_factory, transaction
from bot.records.models import CallbackSignature


NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
MAC = "ab" * 32


def accept(db, signature: str, now: datetime = NOW, valid_for: timedelta = timedelta(minutes=5)) -> None:
    with db.session() as s:
        callbacks.accept_signature(s, signature, expires_at=now + valid_for, now=now)


def stored(db) -> list[tuple[str, datetime]]:
    with db.session() as s:
        return [(r.digest, r.expires_at) for r in s.execute(select(CallbackSignature).order_by(CallbackSignature.id)).scalars()]


def test_a_signature_is_accepted_once(records_db):
    accept(records_db, "1" + MAC[1:])
    with pytest.raises(callbacks.ReplayedCallback):
        accept(records_db, "1" + MAC[1:], now=NOW + timedelta(seconds=1))


def test_only_a_digest_is_stored(records_db):
    accept(records_db, "2" + MAC[1:])
    digests = [d for d, _ in stored(records_db)]
    assert callbacks.signature_digest("2" + MAC[1:]) in digests
    assert "2" + MAC[1:] not in digests


def test_a_rolled_back_callback_does_not_consume_its_signature(records_db):
    with pytest.raises(RuntimeError):
        with records_db.session() as s:
            callbacks.accept_signature(s, "3" + MAC[1:], expires_at=NOW + timedelta(minutes=5), now=NOW)
            raise RuntimeError("the payment write failed")
    accept(records_db, "3" + MAC[1:])


def test_another_server_sees_the_signature(records_db):
    """Two web servers are two engines on one database: the memory is shared."""
    accept(records_db, "4" + MAC[1:])
    other = make_engine(records_db.url)
    try:
        with pytest.raises(callbacks.ReplayedCallback):
            with transaction(make_session_factory(other)) as s:
                callbacks.accept_signature(s, "4" + MAC[1:], expires_at=NOW + timedelta(minutes=5), now=NOW)
    finally:
        other.dispose()


def test_expired_signatures_are_pruned(records_db):
    accept(records_db, "5" + MAC[1:], now=NOW)
    later = NOW + timedelta(minutes=6)
    accept(records_db, "6" + MAC[1:], now=later)
    digests = [d for d, _ in stored(records_db)]
    assert callbacks.signature_digest("5" + MAC[1:]) not in digests
    assert callbacks.signature_digest("6" + MAC[1:]) in digests
    with records_db.session() as s:
        assert s.execute(select(func.count(CallbackSignature.id))
                         .where(CallbackSignature.expires_at < later)).scalar_one() == 0
