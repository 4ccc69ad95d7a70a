"""Anchors: the audit chain's head copied out of the database, under a MAC.

A hash chain only shows that its entries agree with each other. Whoever can
write the database (the application's own role, anyone holding the SQLite
file or a backup) can change an entry and recompute every later hash, rebuild
the chain from scratch, cut off its newest entries, or fake a retention purge
that deletes a prefix. So the head's (seq, hash) is appended now and then (the
CLI `anchor-audit`, the web server's job) to a file the database role cannot
write, one JSON line each, MAC'd (HMAC-SHA256) with AUDIT_ANCHOR_KEY, a key
that is never stored in the database, and linked to the previous line's MAC
so lines cannot be dropped or reordered unnoticed (except the newest ones).

`check_chain` holds the chain to every anchor:
- an anchored entry the chain still keeps must have the anchored hash;
- an anchored entry a purge pruned is vouched for by the checkpoint: at the
  checkpoint's own seq the anchored hash must be the checkpoint's, and any
  later anchor pins the checkpoint's hash through the kept links;
- a retention_purge entry written after the first anchor must be anchored by
  the purge itself (a line with "purge": true, written by the purge command,
  which holds the key): a purge faked with database access alone has none,
  whatever checkpoint or redactions it claims.
What remains undetectable is listed in docs/records.md (Anchors).
"""
from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from . import audit
from .db import REPO_ROOT, transaction
from .errors import RecordError
from .models import AuditCheckpoint, AuditEntry
from .types import utcnow

KEY_ENV = "AUDIT_ANCHOR_KEY"
FILE_ENV = "AUDIT_ANCHOR_FILE"
DEFAULT_FILE = REPO_ROOT / "var" / "audit-anchors.jsonl"
# An HMAC key anyone could guess protects nothing; 32 characters of
# secrets.token_urlsafe carry ~190 bits.
MIN_KEY_LENGTH = 32
_HEX64 = re.compile(r"[0-9a-f]{64}")
_KEYS = {"seq", "hash", "at", "prev", "mac"}
_CHUNK = 500


class AnchorError(RecordError):
    """The anchor key, file or a line in it is unusable; the message says which and why."""


@dataclass(frozen=True)
class Anchor:
    line: int  # 1-based line number in the anchor file
    seq: int
    hash: str
    at: str  # when the anchor was taken (UTC)
    prev: str  # MAC of the previous line, "" for the first
    mac: str
    purge: bool = False  # written by the purge command for its own audit entry

    def where(self) -> str:
        return f"anchor line {self.line} (seq {self.seq}, taken {self.at})"


# --- key and file --------------------------------------------------------------

def anchor_file(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    value = (env.get(FILE_ENV) or "").strip()
    return Path(value) if value else DEFAULT_FILE


def optional_key(env: Mapping[str, str] | None = None) -> bytes | None:
    """AUDIT_ANCHOR_KEY, None when unset; a key too short to be secret is refused."""
    env = os.environ if env is None else env
    value = (env.get(KEY_ENV) or "").strip()
    if not value:
        return None
    if len(value) < MIN_KEY_LENGTH:
        raise AnchorError(f"{KEY_ENV} is {len(value)} characters; use at least {MIN_KEY_LENGTH} random ones "
                          "(python -c 'import secrets; print(secrets.token_urlsafe(48))')")
    return value.encode("utf-8")


def anchor_key(env: Mapping[str, str] | None = None) -> bytes:
    key = optional_key(env)
    if key is None:
        raise AnchorError(f"{KEY_ENV} is not set: anchors are signed with a key kept outside the database. "
                          "Set it (at least 32 random characters, the same wherever anchors are written "
                          "or checked) and keep it out of the database and its backups")
    return key


def has_anchors(path: Path) -> bool:
    return path.exists() and path.stat().st_size > 0


# --- lines ---------------------------------------------------------------------

def _fields(seq: int, hash_: str, at: str, prev: str, purge: bool) -> dict:
    fields = {"seq": seq, "hash": hash_, "at": at, "prev": prev}
    if purge:
        fields["purge"] = True
    return fields


def _mac(key: bytes, fields: dict) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hmac.new(key, canonical.encode("utf-8"), hashlib.sha256).hexdigest()


def _is_hex64(value: object) -> bool:
    return isinstance(value, str) and bool(_HEX64.fullmatch(value))


def _parse(number: int, text: str, key: bytes, prev: str) -> Anchor:
    try:
        data = json.loads(text)
    except ValueError:
        raise AnchorError(f"anchor line {number}: not JSON") from None
    if not isinstance(data, dict) or not _KEYS <= set(data) <= _KEYS | {"purge"}:
        raise AnchorError(f"anchor line {number}: not an anchor (keys seq, hash, at, prev, mac)")
    seq, hash_, at, prev_mac, mac = (data[k] for k in ("seq", "hash", "at", "prev", "mac"))
    purge = data.get("purge", False)
    if (not isinstance(seq, int) or isinstance(seq, bool) or seq < 0 or not isinstance(at, str)
            or not _is_hex64(hash_) or not _is_hex64(mac) or not (prev_mac == "" or _is_hex64(prev_mac))
            or ("purge" in data and purge is not True)):
        raise AnchorError(f"anchor line {number}: malformed field")
    if not hmac.compare_digest(mac, _mac(key, _fields(seq, hash_, at, prev_mac, purge))):
        raise AnchorError(f"anchor line {number}: MAC does not verify (line edited, or written with another key)")
    if prev_mac != prev and number == 1:
        raise AnchorError("anchor line 1: follows a line that is no longer there (earlier anchor lines removed)")
    if prev_mac != prev:
        raise AnchorError(f"anchor line {number}: does not follow line {number - 1} "
                          "(anchor lines removed, reordered or inserted)")
    return Anchor(line=number, seq=seq, hash=hash_, at=at, prev=prev_mac, mac=mac, purge=purge)


def _parse_all(raw: str, key: bytes) -> list[Anchor]:
    if raw and not raw.endswith("\n"):
        raise AnchorError(f"anchor line {raw.count(chr(10)) + 1}: incomplete (a write was cut short)")
    anchors: list[Anchor] = []
    for number, text in enumerate(raw.splitlines(), 1):
        anchors.append(_parse(number, text, key, anchors[-1].mac if anchors else ""))
    return anchors


def read_anchors(path: Path, key: bytes) -> list[Anchor]:
    """Every anchor in the file, each checked; AnchorError names the first bad line."""
    if not path.exists():
        return []
    return _parse_all(path.read_text(encoding="utf-8"), key)


def append_anchor(path: Path, key: bytes, *, seq: int, hash_: str, purge: bool = False) -> Anchor:
    """Append one line under an exclusive lock (the web server's job, the CLI
    and the purge may write at once), fsync'd before returning.

    Refuses to extend a file that no longer checks: chaining onto a damaged
    line would bury the damage; the operator looks at it first."""
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0 or not _is_hex64(hash_):
        raise AnchorError(f"cannot anchor seq {seq!r} / hash {hash_!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o640)
    with os.fdopen(fd, "r+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
        try:
            earlier = _parse_all(handle.read(), key)
        except AnchorError as exc:
            raise AnchorError(f"{path} is damaged, not extending it: {exc}. Keep it as evidence, run "
                              "verify-audit, and move it aside to start a new anchor file") from None
        prev = earlier[-1].mac if earlier else ""
        at = audit.format_at(utcnow())
        fields = _fields(seq, hash_, at, prev, purge)
        mac = _mac(key, fields)
        handle.write(json.dumps({**fields, "mac": mac}, sort_keys=True, separators=(",", ":")) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return Anchor(line=len(earlier) + 1, seq=seq, hash=hash_, at=at, prev=prev, mac=mac, purge=purge)


def anchor_head(factory: sessionmaker, path: Path, key: bytes) -> Anchor:
    """Anchor the chain's current head (seq 0 and the genesis hash when empty)."""
    with transaction(factory) as session:
        seq, hash_ = audit.chain_head(session)
    return append_anchor(path, key, seq=seq, hash_=hash_)


# --- the chain against the anchors ---------------------------------------------

def _chunks(values: list) -> Iterable[list]:
    for i in range(0, len(values), _CHUNK):
        yield values[i:i + _CHUNK]


def check_chain(session: Session, anchors: list[Anchor]) -> str | None:
    """The first disagreement between the chain and the anchors, named; None when they agree.

    Run after audit.verify_chain found the chain itself intact: then a kept
    entry with its anchored hash also vouches for every link before it back
    to the checkpoint."""
    if not anchors:
        return None
    checkpoint = session.execute(
        select(AuditCheckpoint.seq, AuditCheckpoint.hash).order_by(AuditCheckpoint.seq.desc()).limit(1)
    ).first()
    start = checkpoint.seq if checkpoint else 0
    kept = sorted({a.seq for a in anchors if a.seq > start})
    stored: dict[int, str] = {}
    for chunk in _chunks(kept):
        stored.update(session.execute(select(AuditEntry.seq, AuditEntry.hash).where(AuditEntry.seq.in_(chunk))).all())
    for anchor in anchors:
        if anchor.seq == 0 and anchor.hash != audit.GENESIS_HASH:
            return f"{anchor.where()}: seq 0 must carry the genesis hash"
        if anchor.seq > start and anchor.seq not in stored:
            head = session.execute(select(func.max(AuditEntry.seq))).scalar() or start
            return (f"entry {anchor.seq} is missing, but {anchor.where()} saw it (the chain now ends at "
                    f"{head}): entries were deleted or the chain rebuilt")
        if anchor.seq > start and stored[anchor.seq] != anchor.hash:
            return f"entry {anchor.seq}: hash differs from {anchor.where()}: history was rewritten"
        if anchor.seq == start > 0 and checkpoint.hash != anchor.hash:
            return f"checkpoint at seq {start}: hash differs from {anchor.where()}: the purge checkpoint is forged"
    return _unanchored_purge(session, anchors, start)


def _unanchored_purge(session: Session, anchors: list[Anchor], start: int) -> str | None:
    """A retention_purge entry after the first anchor that the purge command did not anchor."""
    first = min(anchors, key=lambda a: a.seq)
    signed = {(a.seq, a.hash) for a in anchors if a.purge}
    purges = session.execute(
        select(AuditEntry.seq, AuditEntry.hash)
        .where(AuditEntry.kind == audit.PURGE_KIND, AuditEntry.seq > max(first.seq, start))
        .order_by(AuditEntry.seq)
    ).all()
    for seq, hash_ in purges:
        if (seq, hash_) not in signed:
            return (f"entry {seq}: a retention purge after {first.where()} that no purge anchor vouches for "
                    "(a purge faked with database access, or a purge whose anchor was never written)")
    return None
