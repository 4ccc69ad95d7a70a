"""Idempotency of bot actions: the result of a run, kept under its key.

The key is (conversation, borrower message id, action): the same action run
again for the same message (a Rasa retry) gets the stored result instead of
running again, so nothing is written twice and the borrower hears the same.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import ActionRun


def previous_result(session: Session, key: str) -> dict | None:
    run = session.execute(select(ActionRun).where(ActionRun.key == key)).scalar_one_or_none()
    return run.result if run else None


def keep_result(session: Session, key: str, *, conversation_id: str, action: str, result: dict) -> None:
    """Store a run's result in the caller's transaction (a duplicate key fails the commit)."""
    session.add(ActionRun(key=key, conversation_id=conversation_id, action=action, result=result))
    session.flush()
