"""The audit trail's commands: verify-audit, anchor-audit, and the purge
wrapped in the anchor checks (cli.py parses the arguments).

The purge is where anchoring matters most: it is the one legitimate way to
delete audit history, so it refuses to run over a chain that does not verify
(pruning would hide the evidence) and anchors its own audit entry with the
key, which a purge faked with database access alone cannot do (anchor.py).
"""
from __future__ import annotations

import json
import os
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Mapping

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from . import anchor
from .audit import PURGE_KIND, verify_chain
from .db import database_url, transaction
from .errors import RecordError
from .models import AuditEntry
from .retention import purge
from .retention_conversations import tracker_url

PURGE_URL_ENV = "PURGE_DATABASE_URL"


def purge_database_url(env: Mapping[str, str] | None = None) -> str:
    """PURGE_DATABASE_URL: on PostgreSQL a role in bot_audit_purger, which the
    application's role is not (migration 0007); DATABASE_URL when unset."""
    env = os.environ if env is None else env
    return (env.get(PURGE_URL_ENV) or "").strip() or database_url()


def _chain_problem(session: Session, anchors: list[anchor.Anchor]) -> str | None:
    broken = verify_chain(session)
    if broken is not None:
        return f"BROKEN at seq {broken}"
    problem = anchor.check_chain(session, anchors)
    return f"BROKEN: {problem}" if problem else None


def verify_command(factory: sessionmaker, env: Mapping[str, str] | None = None) -> int:
    """Exit 0 when the chain and every anchor agree, 1 when something is broken
    (named), 2 when the anchors cannot be checked (key missing or too short)."""
    path = anchor.anchor_file(env)
    try:
        key = anchor.optional_key(env)
        if key is None and anchor.has_anchors(path):
            raise anchor.AnchorError(f"{path} holds anchors; set {anchor.KEY_ENV} to check the chain against them")
    except anchor.AnchorError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    try:
        anchors = anchor.read_anchors(path, key) if key else []
    except anchor.AnchorError as exc:
        print(f"BROKEN: {path}: {exc}")
        return 1
    with transaction(factory) as session:
        problem = _chain_problem(session, anchors)
    if problem:
        print(problem)
        return 1
    if key is None:
        print(f"anchors: not checked ({anchor.KEY_ENV} is not set; no anchor file at {path})")
    elif not anchors:
        print(f"anchors: none yet in {path}")
    else:
        newest = anchors[-1]
        print(f"anchors: {len(anchors)} checked in {path}; newest seq {newest.seq} taken {newest.at}")
    print("OK")
    return 0


def anchor_command(factory: sessionmaker, attest_purge: int | None = None,
                   env: Mapping[str, str] | None = None) -> int:
    """Append the head's anchor; or, with attest_purge, anchor a purge entry
    whose purge died before writing its own anchor (check it was yours first)."""
    try:
        key = anchor.anchor_key(env)
        path = anchor.anchor_file(env)
        if attest_purge is None:
            written = anchor.anchor_head(factory, path, key)
        else:
            written = _attest(factory, path, key, attest_purge)
    except RecordError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(json.dumps({"seq": written.seq, "hash": written.hash, "at": written.at, "purge": written.purge,
                      "file": str(path)}))
    return 0


def _attest(factory: sessionmaker, path: Path, key: bytes, seq: int) -> anchor.Anchor:
    with transaction(factory) as session:
        row = session.execute(select(AuditEntry.kind, AuditEntry.hash).where(AuditEntry.seq == seq)).first()
        if row is None or row.kind != PURGE_KIND:
            raise RecordError(f"audit entry {seq} is not a {PURGE_KIND} entry")
        broken = verify_chain(session)
    if broken is not None:
        raise RecordError(f"the chain is broken at seq {broken}; not vouching for a purge in it")
    return anchor.append_anchor(path, key, seq=seq, hash_=row.hash, purge=True)


def _writable(path: Path) -> bool:
    """Whether append_anchor could write `path` (it creates missing folders)."""
    if path.exists():
        return os.access(path, os.W_OK)
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return os.access(folder, os.W_OK)


def purge_command(factory: sessionmaker, *, cutoffs: dict[str, date], now: datetime, dry_run: bool,
                  env: Mapping[str, str] | None = None) -> int:
    path = anchor.anchor_file(env)
    written = None
    try:
        key = anchor.optional_key(env)
        if key is None and anchor.has_anchors(path) and not dry_run:
            raise anchor.AnchorError(
                f"{path} holds anchors: set {anchor.KEY_ENV} so that the purge can anchor its own audit entry "
                "(verify-audit would otherwise take it for a faked purge)")
        anchors = anchor.read_anchors(path, key) if key else []
        if key is not None and not dry_run and not _writable(path):
            raise anchor.AnchorError(f"cannot write the anchor file {path}; the purge needs to anchor its entry")
        with transaction(factory) as session:
            problem = None if dry_run else _chain_problem(session, anchors)
            if problem:
                raise RecordError(f"the audit trail does not verify ({problem}); the purge stopped rather than "
                                  "prune the evidence. Run verify-audit and investigate first")
            report = purge(session, cutoffs=cutoffs, now=now, dry_run=dry_run, tracker_url=tracker_url(env))
            purge_hash = None if report.audit_seq is None else session.execute(
                select(AuditEntry.hash).where(AuditEntry.seq == report.audit_seq)).scalar_one()
    except RecordError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except DBAPIError as exc:  # on PostgreSQL: the audit triggers refuse a role outside bot_audit_purger
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        print(f"the database refused the purge ({reason}); on PostgreSQL it runs with {PURGE_URL_ENV}, "
              "a role that is a member of bot_audit_purger (docs/records.md)", file=sys.stderr)
        return 1
    failure = None
    if key is not None and purge_hash is not None:
        try:
            written = anchor.append_anchor(path, key, seq=report.audit_seq, hash_=purge_hash, purge=True)
        except (RecordError, OSError) as exc:
            failure = exc
    print(json.dumps({**report.as_dict(), "anchored": written is not None}, indent=2, ensure_ascii=False))
    if failure is not None:
        print(f"the purge is done (audit entry {report.audit_seq}) but its anchor was not written: {failure}. "
              f"Fix that, then run `anchor-audit --attest-purge {report.audit_seq}`", file=sys.stderr)
        return 1
    return 0
