"""Replay refusal for signed payment callbacks.

A captured callback (body + signature header) stays valid for the whole
timestamp window, so the web server must remember which signatures it has
already accepted. The memory is a table, not a process dict, so several web
servers behind a load balancer share it. Only the SHA-256 of the signature is
stored: the table holds nothing that could be replayed or that names a borrower.
"""
from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .errors import RecordError
from .models import CallbackSignature
from .types import utcnow


class ReplayedCallback(RecordError):
    """This signature was already accepted within its window."""


def signature_digest(signature: str) -> str:
    return hashlib.sha256(signature.encode("ascii", "replace")).hexdigest()


def accept_signature(session: Session, signature: str, *, expires_at: datetime,
                     now: datetime | None = None) -> None:
    """Record `signature` as used until `expires_at`; ReplayedCallback if it already was.

    Call it in the same transaction as the write the callback causes: a
    callback that fails (unknown loan, clash) rolls its signature back with
    it, so only a callback that changed the records consumes its signature.
    Two servers racing on one signature are settled by the unique index (the
    second insert waits for the first commit on PostgreSQL, then fails).
    """
    now = now or utcnow()
    digest = signature_digest(signature)
    # Past its window a signature is refused by its timestamp anyway.
    session.execute(delete(CallbackSignature).where(CallbackSignature.expires_at < now))
    seen = session.execute(select(CallbackSignature.id).where(CallbackSignature.digest == digest)).first()
    if seen is not None:
        raise ReplayedCallback("this callback signature was already used; sign every delivery afresh")
    try:
        with session.begin_nested():
            session.add(CallbackSignature(digest=digest, received_at=now, expires_at=expires_at))
    except IntegrityError:
        raise ReplayedCallback("this callback signature was already used; sign every delivery afresh") from None
