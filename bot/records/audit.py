"""Append-only, hash-chained audit trail.

Each entry's hash covers a canonical JSON of the entry including the previous
entry's hash, so editing, deleting or reordering any row breaks every later
link and verify_chain() names the first bad one. Appends are serialised (an
advisory lock on PostgreSQL, BEGIN IMMEDIATE on SQLite, see db.py) because two
writers reading the same chain head would fork the chain.

The retention purge (retention.py) is the one exception to "never changed":
it prunes a prefix behind a checkpoint and replaces the payloads of entries
about purged borrowers by their ids, listing each redacted row's digest in its
own (chained) entry; verify_chain checks both, so tampering is still named.

A chain rebuilt consistently by someone with database access verifies on its
own; anchor.py holds it to copies of its head kept outside the database.
"""
from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from .errors import AuditImmutable, RecordError
from .models import AuditCheckpoint, AuditEntry
from .types import utcnow

GENESIS_HASH = "0" * 64
# Arbitrary constant naming "the audit chain" among PostgreSQL advisory locks.
PG_LOCK_KEY = 0x6175646974  # "audit"


def json_safe(value: Any) -> Any:
    """Payloads become plain JSON: money and dates as strings, no floats."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return format_at(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    raise RecordError(f"audit payload holds a {type(value).__name__}; use str/int/Decimal/date")


def format_at(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise RecordError("naive datetime in audit entry")
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _sha256_json(fields: dict) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def entry_hash(
    *, seq: int, at: datetime, actor: str, kind: str, loan_id: str | None,
    borrower_id: str | None, conversation_id: str | None, payload: Any, prev_hash: str,
) -> str:
    return _sha256_json({
        "seq": seq, "at": format_at(at), "actor": actor, "kind": kind,
        "loan_id": loan_id, "borrower_id": borrower_id,
        "conversation_id": conversation_id, "payload": payload, "prev_hash": prev_hash,
    })


def redaction_digest(row: Any, payload: Any | None = None) -> str:
    """Digest of a redacted entry: every column, the redacted payload and the
    original hash. Its own hash can no longer be recomputed (the original
    payload is gone), so the retention_purge entry that redacted it lists
    this digest, and verify_chain checks the row against that list."""
    return _sha256_json({
        "seq": row.seq, "at": format_at(row.at), "actor": row.actor, "kind": row.kind,
        "loan_id": row.loan_id, "borrower_id": row.borrower_id,
        "conversation_id": row.conversation_id,
        "payload": row.payload if payload is None else payload,
        "prev_hash": row.prev_hash, "hash": row.hash,
    })


PURGE_KIND = "retention_purge"


def lock_chain(session: Session) -> None:
    """Serialise with every other writer of the chain until commit."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_LOCK_KEY})
    # SQLite: the transaction already holds the write lock (BEGIN IMMEDIATE).


def chain_head(session: Session) -> tuple[int, str]:
    """(seq, hash) of the newest link: the last entry, else the newest
    checkpoint (everything pruned), else (0, GENESIS_HASH) for an empty chain."""
    head = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    if head is None:
        head = session.execute(
            select(AuditCheckpoint.seq, AuditCheckpoint.hash).order_by(AuditCheckpoint.seq.desc()).limit(1)
        ).first()
    return (head.seq, head.hash) if head else (0, GENESIS_HASH)


def append(
    session: Session, *, actor: str, kind: str, payload: dict,
    loan_id: str | None = None, borrower_id: str | None = None,
    conversation_id: str | None = None,
) -> AuditEntry:
    """Add the next link in the caller's transaction (commits with it)."""
    if not actor or not kind:
        raise RecordError("audit entry needs an actor and a kind")
    if not isinstance(payload, dict):
        raise RecordError("audit payload must be a dict")
    clean = json_safe(payload)
    lock_chain(session)
    head_seq, prev = chain_head(session)
    seq = head_seq + 1
    at = utcnow()
    entry = AuditEntry(
        seq=seq, at=at, actor=actor, kind=kind, loan_id=loan_id, borrower_id=borrower_id,
        conversation_id=conversation_id, payload=clean, prev_hash=prev,
    )
    entry.hash = entry_hash(
        seq=seq, at=at, actor=actor, kind=kind, loan_id=loan_id, borrower_id=borrower_id,
        conversation_id=conversation_id, payload=clean, prev_hash=prev,
    )
    session.add(entry)
    session.flush([entry])
    return entry


def _recomputed_hash(e) -> str:
    return entry_hash(
        seq=e.seq, at=e.at, actor=e.actor, kind=e.kind, loan_id=e.loan_id,
        borrower_id=e.borrower_id, conversation_id=e.conversation_id,
        payload=e.payload, prev_hash=e.prev_hash,
    )


def _purge_entries(session: Session, after_seq: int) -> dict[int, dict]:
    """Payloads of the retention_purge entries kept, whose own hash holds.

    A tampered purge entry vouches for nothing: rows it claims to have
    redacted are then reported broken themselves."""
    rows = session.execute(
        select(*AuditEntry.__table__.c).where(AuditEntry.kind == PURGE_KIND, AuditEntry.seq > after_seq)
    ).all()
    return {e.seq: e.payload for e in rows
            if e.redacted_by is None and isinstance(e.payload, dict) and _recomputed_hash(e) == e.hash}


def verify_chain(session: Session, batch: int = 1000) -> int | None:
    """Seq of the first entry whose link or hash is wrong; None when intact.

    After a retention purge the chain starts at the newest checkpoint (the
    last pruned entry's seq and hash), which a kept retention_purge entry
    must name; otherwise the first kept entry is reported. Redacted entries
    are checked against the digest their purge entry lists."""
    checkpoint = session.execute(
        select(AuditCheckpoint.seq, AuditCheckpoint.hash).order_by(AuditCheckpoint.seq.desc()).limit(1)
    ).first()
    start = checkpoint.seq if checkpoint else 0
    purges = _purge_entries(session, start)
    if checkpoint is not None:
        named = {"seq": checkpoint.seq, "hash": checkpoint.hash}
        if not any(p.get("checkpoint") == named for p in purges.values()):
            return start + 1
    prev_hash = checkpoint.hash if checkpoint else GENESIS_HASH
    expected_seq, last_seq = start + 1, start
    while True:
        # Plain rows, not ORM objects: re-reads the database, leaves the
        # caller's identity map alone.
        rows = session.execute(
            select(*AuditEntry.__table__.c).where(AuditEntry.seq > last_seq)
            .order_by(AuditEntry.seq).limit(batch)
        ).all()
        if not rows:
            return None
        for e in rows:
            if e.seq != expected_seq or e.prev_hash != prev_hash:
                return e.seq if e.seq == expected_seq else expected_seq
            if e.redacted_by is None:
                intact = _recomputed_hash(e) == e.hash
            else:
                listed = purges.get(e.redacted_by, {}).get("redacted", {})
                intact = e.redacted_by > e.seq and listed.get(str(e.seq)) == redaction_digest(e)
            if not intact:
                return e.seq
            prev_hash, expected_seq, last_seq = e.hash, e.seq + 1, e.seq


# --- the ORM never changes an entry once written -------------------------------

@event.listens_for(AuditEntry, "before_update")
def _refuse_update(_mapper, _conn, target):
    raise AuditImmutable(f"audit entry {target.seq} is append-only")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(_mapper, _conn, target):
    raise AuditImmutable(f"audit entry {target.seq} is append-only")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk(state):
    if (state.is_update or state.is_delete) and state.bind_mapper is not None:
        if state.bind_mapper.class_ is AuditEntry:
            raise AuditImmutable("bulk UPDATE/DELETE of audit entries is refused")
