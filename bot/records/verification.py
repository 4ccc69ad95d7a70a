"""Failed date-of-birth verifications and the locks they set (issue 11).

A date of birth has a few tens of thousands of likely values, so it only
protects an account if guessing is stopped. The count lives here, in the
records, and not in a conversation slot, because /restart, /back, a new
session or a new sender id reset slots: failures are counted per loan (any
sender) and per sender (any loan). `max_failures` within `window` lock that
loan, or that sender, for `lock`; while locked nothing is checked, so the right
date of birth is refused too. An agent can lift a lock early. Every failure,
lock and lift is audited in the caller's transaction.

The limits come from the caller (config/bot.yml via bot.settings): the records
layer reads no configuration of its own.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import audit
from .errors import NotFound, RecordError
from .models import VERIFICATION_SCOPES, Loan, VerificationFailure, VerificationLock
from .queries import find_loan
from .types import utcnow
from .writes import _check_actor

MAX_REASON = 500
UNKNOWN_REFERENCE = "ref:"  # prefix of the loan-scope subject of a reference that names no loan


class Limits(Protocol):
    max_failures: int
    window: timedelta
    lock: timedelta


@dataclass(frozen=True)
class Failure:
    """What one recorded failure led to."""

    sender_failures: int
    loan_failures: int | None  # None: the attempt named no loan
    locks: list[VerificationLock] = field(default_factory=list)  # set by this failure

    @property
    def locked(self) -> bool:
        return bool(self.locks)


def _check_scope(scope: str) -> None:
    if scope not in VERIFICATION_SCOPES:
        raise RecordError(f"scope must be one of {', '.join(VERIFICATION_SCOPES)}, got {scope!r}")


def active_lock(session: Session, scope: str, subject: str, now: datetime | None = None) -> VerificationLock | None:
    """The lock in force on this loan or sender now, if any."""
    _check_scope(scope)
    now = now or utcnow()
    return session.execute(
        select(VerificationLock)
        .where(VerificationLock.scope == scope, VerificationLock.subject == subject,
               VerificationLock.lifted_at.is_(None), VerificationLock.locked_until > now)
        .order_by(VerificationLock.locked_until.desc()).limit(1)
    ).scalar_one_or_none()


def refusal(session: Session, *, conversation_id: str, loan_id: str | None = None,
            now: datetime | None = None) -> VerificationLock | None:
    """The lock that refuses this attempt (the sender's first, then the loan's), or None.

    With a loan, its row stays locked until the caller's transaction ends, so
    two senders guessing at the same loan at once are counted one after the
    other and cannot both slip past the limit.
    """
    if loan_id is not None:
        _hold_loan(session, loan_id)
    lock = active_lock(session, "sender", conversation_id, now)
    if lock is None and loan_id is not None:
        lock = active_lock(session, "loan", loan_id, now)
    return lock


def _hold_loan(session: Session, loan_id: str) -> None:
    # SELECT ... FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers.
    session.execute(select(Loan.id).where(Loan.loan_id == loan_id).with_for_update()).first()


def _counted_since(session: Session, scope: str, subject: str, now: datetime, window: timedelta) -> datetime:
    """Failures count inside the window, and only after the subject's last lock:
    a lock (served or lifted) starts the count again."""
    last_lock = session.execute(
        select(func.max(VerificationLock.locked_at))
        .where(VerificationLock.scope == scope, VerificationLock.subject == subject)
    ).scalar_one_or_none()
    since = now - window
    return since if last_lock is None else max(since, last_lock)


def failures(session: Session, scope: str, subject: str, window: timedelta, now: datetime | None = None) -> int:
    """Failures of this loan or sender that count towards its next lock."""
    _check_scope(scope)
    now = now or utcnow()
    since = _counted_since(session, scope, subject, now, window)
    column = VerificationFailure.loan_id if scope == "loan" else VerificationFailure.conversation_id
    return session.execute(
        select(func.count(VerificationFailure.id))
        .where(column == subject, VerificationFailure.at > since, VerificationFailure.at <= now)
    ).scalar_one()


def record_failure(session: Session, *, conversation_id: str, limits: Limits, loan_id: str | None = None,
                   borrower_id: str | None = None, how: str = "reference and date of birth",
                   now: datetime | None = None) -> Failure:
    """Count one failed check against the sender and, when it named one, the loan;
    lock whichever reached `limits.max_failures`."""
    if not conversation_id:
        raise RecordError("a failed verification needs the conversation id")
    now = now or utcnow()
    if loan_id is not None:
        _hold_loan(session, loan_id)
    session.add(VerificationFailure(at=now, loan_id=loan_id, conversation_id=conversation_id))
    session.flush()
    counts = {"sender": failures(session, "sender", conversation_id, limits.window, now)}
    if loan_id is not None:
        counts["loan"] = failures(session, "loan", loan_id, limits.window, now)
    # A reference that names no loan is counted under "ref:<key>" (actions/identity.py) but
    # is no loan of ours: the audit entry names no loan for it.
    real_loan = loan_id if loan_id is not None and not loan_id.startswith(UNKNOWN_REFERENCE) else None
    refs = dict(loan_id=real_loan, borrower_id=borrower_id, conversation_id=conversation_id)
    audit.append(session, actor="bot", kind="verification_failed", payload={
        "by": how, "sender_failures": counts["sender"], "loan_failures": counts.get("loan"),
        "max_failures": limits.max_failures}, **refs)
    locks = []
    for scope, count in counts.items():
        if count < limits.max_failures:
            continue
        subject = loan_id if scope == "loan" else conversation_id
        lock = VerificationLock(scope=scope, subject=subject, failures=count, locked_at=now,
                                locked_until=now + limits.lock)
        session.add(lock)
        audit.append(session, actor="bot", kind="verification_locked", payload={
            "scope": scope, "failures": count, "locked_until": lock.locked_until}, **refs)
        locks.append(lock)
    session.flush()
    return Failure(sender_failures=counts["sender"], loan_failures=counts.get("loan"), locks=locks)


def lift(session: Session, scope: str, subject: str, *, actor: str, reason: str | None = None,
         now: datetime | None = None) -> list[VerificationLock]:
    """Lift the locks in force on a loan or a sender (an agent checked who the
    borrower is another way); returns what was lifted, [] when nothing was locked."""
    _check_actor(actor)
    _check_scope(scope)
    if reason is not None and (not isinstance(reason, str) or len(reason) > MAX_REASON):
        raise RecordError(f"reason: text of at most {MAX_REASON} characters")
    now = now or utcnow()
    if scope == "loan":
        loan = find_loan(session, subject)
        if loan is None:
            raise NotFound(f"no loan {subject!r}")
        subject, borrower_id = loan.loan_id, loan.borrower.borrower_id
        _hold_loan(session, subject)
    else:
        borrower_id = None
    lifted = list(session.execute(
        select(VerificationLock)
        .where(VerificationLock.scope == scope, VerificationLock.subject == subject,
               VerificationLock.lifted_at.is_(None), VerificationLock.locked_until > now)
    ).scalars())
    for lock in lifted:
        lock.lifted_at, lock.lifted_by = now, actor
        audit.append(session, actor=actor, kind="verification_unlocked", payload={
            "scope": scope, "lock_id": lock.id, "locked_at": lock.locked_at, "locked_until": lock.locked_until,
            "reason": reason},
            loan_id=subject if scope == "loan" else None, borrower_id=borrower_id,
            conversation_id=subject if scope == "sender" else None)
    session.flush()
    return lifted


def loan_status(session: Session, loan_id: str, limits: Limits, now: datetime | None = None) -> dict | None:
    """What the console shows about a loan's verification: failures that count
    towards a lock, and the lock in force (None when the loan is unknown)."""
    loan = find_loan(session, loan_id)
    if loan is None:
        return None
    now = now or utcnow()
    lock = active_lock(session, "loan", loan.loan_id, now)
    last = session.execute(
        select(VerificationLock).where(VerificationLock.scope == "loan", VerificationLock.subject == loan.loan_id)
        .order_by(VerificationLock.locked_at.desc()).limit(1)
    ).scalar_one_or_none()
    return {
        "loan_id": loan.loan_id,
        "failures": failures(session, "loan", loan.loan_id, limits.window, now),
        "max_failures": limits.max_failures,
        "window_hours": int(limits.window.total_seconds() // 3600),
        "locked": lock is not None,
        "locked_until": lock.locked_until if lock else None,
        "last_lock": None if last is None else {
            "locked_at": last.locked_at, "locked_until": last.locked_until, "failures": last.failures,
            "lifted_at": last.lifted_at, "lifted_by": last.lifted_by},
    }
