"""Retention purge: forget borrowers whose records are past retention, and
shorten the audit chain without making it unverifiable.

Cut-offs come in as plain data (jurisdiction -> date) so this module needs
nothing from bot.compliance; the CLI computes them from config/compliance.yml.

- A borrower goes when the last thing that happened on any of their records
  (borrower or loan updates, arrangements, payments, contacts, hand-offs,
  audit entries naming them, their loans or their conversations) is before
  their jurisdiction's cut-off. That includes every loan, so an open loan
  with recent activity keeps its borrower; a loan neither paid nor touched
  since the cut-off counts as closed (Reg F counts from the last activity).
- Their conversations go too: action runs (bot texts) and Rasa's tracker
  events (see retention_conversations.py).
- Purged borrowers are tombstoned, not deleted: loans, arrangements and
  payments hold no personal data and stay for the books, and borrower_id /
  loan_id keep resolving for the audit entries that name them.
- The audit chain loses a prefix (entries before the oldest cut-off, stopping
  at the first entry about a borrower who is kept) behind a checkpoint row;
  later entries about purged borrowers keep only ids, and the digest of each
  redacted row is listed in this purge's own audit entry so verify_chain can
  still check it. Database triggers allow only these two changes (migration
  0003); on PostgreSQL only inside `SET LOCAL bot.audit_prune = 'on'` and
  only for a member of the role bot_audit_purger (migration 0007), which the
  application's role is not: the purge connects with PURGE_DATABASE_URL.
Everything happens in the caller's transaction.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from typing import Iterable, Iterator

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from . import audit, retention_conversations as conversations
from .errors import RecordError
from .models import (
    Arrangement, AuditCheckpoint, AuditEntry, Borrower, ContactEvent, Handoff, Loan, Payment,
)
from .types import utcnow

TOMBSTONE_NAME = "[purged]"
TOMBSTONE_PHONE = ""
TOMBSTONE_DOB = date(1, 1, 1)  # the column is NOT NULL; no one alive was born then
ACTOR = "system"
_ID_KEY = re.compile(r"^(id|[a-z0-9_]+_ids?)$")
_CHUNK = 500  # ids per IN (...): well under SQLite's bound-parameter limit


@dataclass
class PurgeReport:
    now: datetime
    dry_run: bool
    cutoffs: dict[str, date]
    prune_before: date
    borrowers_purged: list[str] = field(default_factory=list)
    loans_of_purged: int = 0
    contact_events_deleted: int = 0
    handoffs_deleted: int = 0
    hardship_reasons_erased: int = 0
    audit_entries_redacted: int = 0
    audit_entries_pruned: int = 0
    action_runs_deleted: int = 0
    verification_rows_deleted: int = 0
    tracker_events_deleted: int = 0
    tracker_store: str = "not checked"
    checkpoint: dict | None = None
    audit_seq: int | None = None

    @property
    def changed(self) -> bool:
        return bool(self.borrowers_purged or self.audit_entries_redacted or self.audit_entries_pruned
                    or self.contact_events_deleted or self.handoffs_deleted or self.action_runs_deleted
                    or self.verification_rows_deleted
                    or self.tracker_events_deleted)

    def counts(self) -> dict:
        return {
            "borrowers_purged": len(self.borrowers_purged), "loans_of_purged": self.loans_of_purged,
            "contact_events_deleted": self.contact_events_deleted,
            "handoffs_deleted": self.handoffs_deleted,
            "hardship_reasons_erased": self.hardship_reasons_erased,
            "audit_entries_redacted": self.audit_entries_redacted,
            "audit_entries_pruned": self.audit_entries_pruned,
            "action_runs_deleted": self.action_runs_deleted,
            "verification_rows_deleted": self.verification_rows_deleted,
            "tracker_events_deleted": self.tracker_events_deleted,
        }

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run, "now": audit.format_at(self.now),
            "cutoffs": {j: d.isoformat() for j, d in sorted(self.cutoffs.items())},
            "prune_before": self.prune_before.isoformat(), **self.counts(),
            "borrower_ids": sorted(self.borrowers_purged), "tracker_store": self.tracker_store,
            "checkpoint": self.checkpoint,
            "audit_seq": self.audit_seq,
        }


def purge(session: Session, *, cutoffs: dict[str, date], now: datetime,
          dry_run: bool = False, actor: str = ACTOR, tracker_url: str | None = None) -> PurgeReport:
    """Purge what retention allows, in the caller's transaction.

    A dry run computes the same report and writes nothing. A purge that
    finds nothing to do writes nothing either (no audit entry), so running
    it twice is a no-op. Raises RecordError for bad cut-offs or a borrower
    whose jurisdiction has none (better to stop than to guess). Rasa's
    tracker store (`tracker_url`, None: not touched) is purged in its own
    transaction before the caller's commits (retention_conversations.py).
    """
    _check_inputs(cutoffs, now)
    oldest = min(cutoffs.values())
    report = PurgeReport(now=now, dry_run=dry_run, cutoffs=dict(cutoffs), prune_before=oldest)
    if not dry_run:
        _lock(session, _due(session, cutoffs))  # then decide again under the locks
    plan = _Plan.make(session, cutoffs, oldest)
    report.borrowers_purged = [b for _, b in plan.purge]
    report.loans_of_purged = len(plan.purge_loan_pks)
    report.contact_events_deleted = _count(session, ContactEvent, ContactEvent.borrower_pk, plan.purge_pks)
    report.handoffs_deleted = len(plan.handoff_pks)
    report.hardship_reasons_erased = _count(
        session, Arrangement, Arrangement.loan_pk, plan.purge_loan_pks, Arrangement.hardship_reason.isnot(None))
    report.audit_entries_redacted = len(plan.redactions)
    report.audit_entries_pruned = plan.pruned_count
    if plan.prune_upto is not None:
        report.checkpoint = {"seq": plan.prune_upto, "hash": plan.prune_hash}
    report.action_runs_deleted = conversations.action_runs(session, plan.conversations, remove=False)
    report.verification_rows_deleted = conversations.verification_rows(session, plan.conversations, remove=False)
    report.tracker_events_deleted, report.tracker_store = conversations.tracker_events(
        tracker_url, plan.conversations, remove=not dry_run)
    if dry_run or not report.changed:
        return report
    _apply(session, plan, report, actor)
    return report


def _check_inputs(cutoffs, now) -> None:
    if not isinstance(now, datetime) or now.tzinfo is None:
        raise RecordError("now must be a time-zone aware datetime")
    if not isinstance(cutoffs, dict) or not cutoffs:
        raise RecordError("cutoffs must map each jurisdiction to a date")
    for jurisdiction, cutoff in cutoffs.items():
        if not isinstance(jurisdiction, str) or not jurisdiction:
            raise RecordError(f"bad jurisdiction {jurisdiction!r} in cutoffs")
        if not isinstance(cutoff, date) or isinstance(cutoff, datetime):
            raise RecordError(f"cutoff for {jurisdiction} must be a date, got {type(cutoff).__name__}")
        if cutoff > now.astimezone(timezone.utc).date():
            raise RecordError(f"cutoff for {jurisdiction} ({cutoff}) is after now ({now.date()})")


def _chunks(values: Iterable) -> Iterator[list]:
    values = list(values)
    for i in range(0, len(values), _CHUNK):
        yield values[i:i + _CHUNK]


def _count(session, model, column, pks, *where) -> int:
    return sum(session.execute(select(func.count()).select_from(model).where(column.in_(chunk), *where)).scalar()
               for chunk in _chunks(pks))


def is_tombstoned(borrower) -> bool:
    """Purged and not brought back by a later import of their details."""
    return borrower.full_name == TOMBSTONE_NAME and borrower.phone == TOMBSTONE_PHONE


# --- what is due ---------------------------------------------------------------

def _conversations(session: Session) -> dict[int, set[str]]:
    """Borrower pk -> conversation ids seen with them (audit entries, hand-offs)."""
    loan_owner = dict(session.execute(select(Loan.loan_id, Loan.borrower_pk)).all())
    owner = dict(session.execute(select(Borrower.borrower_id, Borrower.id)).all())
    found: dict[int, set[str]] = {}
    rows = session.execute(
        select(AuditEntry.conversation_id, AuditEntry.borrower_id, AuditEntry.loan_id).distinct()
        .where(AuditEntry.conversation_id.isnot(None))
    )
    for conversation, borrower_id, loan_id in rows:
        for pk in (owner.get(borrower_id), loan_owner.get(loan_id)):
            if pk is not None:
                found.setdefault(pk, set()).add(conversation)
    rows = session.execute(
        select(Handoff.conversation_id, func.coalesce(Handoff.borrower_pk, Loan.borrower_pk))
        .outerjoin(Loan, Loan.id == Handoff.loan_pk)
    )
    for conversation, pk in rows:
        if pk is not None:
            found.setdefault(pk, set()).add(conversation)
    return found


def _last_activity(session: Session, conversations: dict[int, set[str]]) -> dict[int, datetime]:
    """Borrower pk -> the latest moment anything happened on their records."""
    latest: dict[int, datetime] = {}

    def bump(rows) -> None:
        for pk, moment in rows:
            if pk is not None and moment is not None and (pk not in latest or moment > latest[pk]):
                latest[pk] = moment

    owner = Loan.borrower_pk
    bump(session.execute(select(Borrower.id, Borrower.updated_at)))
    for column in (Loan.updated_at, Loan.balances_as_of):
        bump(session.execute(select(owner, func.max(column)).group_by(owner)))
    for column, link in ((Arrangement.updated_at, Arrangement.loan_pk), (Payment.paid_at, Payment.loan_pk),
                         (Payment.recorded_at, Payment.loan_pk), (Handoff.updated_at, Handoff.loan_pk)):
        bump(session.execute(select(owner, func.max(column)).join(Loan, Loan.id == link).group_by(owner)))
    for column, link in ((ContactEvent.at, ContactEvent.borrower_pk), (Handoff.updated_at, Handoff.borrower_pk)):
        bump(session.execute(select(link, func.max(column)).group_by(link)))
    bump(session.execute(select(Borrower.id, func.max(AuditEntry.at))
                         .join(AuditEntry, AuditEntry.borrower_id == Borrower.borrower_id).group_by(Borrower.id)))
    bump(session.execute(select(owner, func.max(AuditEntry.at))
                         .join(AuditEntry, AuditEntry.loan_id == Loan.loan_id).group_by(owner)))
    by_conversation = dict(session.execute(
        select(AuditEntry.conversation_id, func.max(AuditEntry.at))
        .where(AuditEntry.conversation_id.isnot(None)).group_by(AuditEntry.conversation_id)
    ).all())
    bump((pk, by_conversation.get(c)) for pk, cs in conversations.items() for c in cs)
    return latest


def _due(session: Session, cutoffs: dict[str, date],
         conversations: dict[int, set[str]] | None = None) -> list[tuple[int, str]]:
    """(pk, borrower_id) of the live borrowers whose last activity is before their cut-off."""
    if conversations is None:
        conversations = _conversations(session)
    latest = _last_activity(session, conversations)
    borrowers = session.execute(
        select(Borrower.id, Borrower.borrower_id, Borrower.jurisdiction, Borrower.full_name, Borrower.phone)
        .order_by(Borrower.id)
    ).all()
    live = [b for b in borrowers if not is_tombstoned(b)]
    missing = sorted({b.jurisdiction for b in live} - set(cutoffs))
    if missing:
        raise RecordError(f"no retention cutoff for jurisdiction(s) {', '.join(missing)}; "
                          "give one for every jurisdiction in the records")
    return [(b.id, b.borrower_id) for b in live
            if latest[b.id].astimezone(timezone.utc).date() < cutoffs[b.jurisdiction]]


def _lock(session: Session, due: list[tuple[int, str]]) -> None:
    """Same order as every writer (loan rows, then the audit chain), so no deadlock."""
    if session.get_bind().dialect.name == "postgresql":
        for chunk in _chunks(pk for pk, _ in due):
            session.execute(select(Loan.id).where(Loan.borrower_pk.in_(chunk)).order_by(Loan.id).with_for_update())
    audit.lock_chain(session)


def ids_only(payload) -> dict:
    """What a redacted entry keeps: the ids in its payload, nothing else."""
    def is_id(value) -> bool:
        if isinstance(value, list):
            return all(is_id(v) for v in value)
        return isinstance(value, (str, int)) and not isinstance(value, bool)

    kept = {k: v for k, v in payload.items() if _ID_KEY.match(k) and is_id(v)} if isinstance(payload, dict) else {}
    return {**kept, "redacted": "retention"}


@dataclass
class _Plan:
    purge: list[tuple[int, str]]
    purge_pks: list[int]
    purge_loan_pks: list[int]
    handoff_pks: list[int]
    prune_upto: int | None  # last seq to prune, None when nothing is
    prune_hash: str | None
    pruned_count: int
    redactions: dict[int, tuple[dict, str]]  # seq -> (payload, digest)
    conversations: list[str]  # of purged borrowers (now or earlier), none a kept borrower's

    @classmethod
    def make(cls, session: Session, cutoffs: dict[str, date], oldest: date) -> "_Plan":
        conversations = _conversations(session)
        purge = _due(session, cutoffs, conversations)
        purge_pks = {pk for pk, _ in purge}
        borrowers = session.execute(
            select(Borrower.id, Borrower.borrower_id, Borrower.full_name, Borrower.phone)).all()
        gone = {b.id for b in borrowers if is_tombstoned(b)} | purge_pks
        loans = session.execute(select(Loan.id, Loan.loan_id, Loan.borrower_pk)).all()
        kept_ids = {b.borrower_id for b in borrowers if b.id not in gone}
        gone_ids = {b.borrower_id for b in borrowers if b.id in gone}
        kept_loans = {l.loan_id for l in loans if l.borrower_pk not in gone}
        gone_loans = {l.loan_id for l in loans if l.borrower_pk in gone}
        kept_convs = set().union(*(cs for pk, cs in conversations.items() if pk not in gone))
        gone_convs = set().union(*(cs for pk, cs in conversations.items() if pk in gone)) - kept_convs
        purge_loan_pks = [l.id for l in loans if l.borrower_pk in purge_pks]
        handoff_pks = [h for h, pk in session.execute(
            select(Handoff.id, func.coalesce(Handoff.borrower_pk, Loan.borrower_pk))
            .outerjoin(Loan, Loan.id == Handoff.loan_pk)
        ) if pk in purge_pks]

        start = session.execute(select(func.max(AuditCheckpoint.seq))).scalar() or 0
        upto = _prune_upto(session, start, oldest, kept_ids, kept_loans, kept_convs)
        prune_hash, pruned = None, 0
        if upto > start:
            prune_hash = session.execute(select(AuditEntry.hash).where(AuditEntry.seq == upto)).scalar_one()
            pruned = session.execute(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.seq > start, AuditEntry.seq <= upto)).scalar()
        # Ids first (light), whole rows only for the entries to redact.
        concerned = [
            seq for seq, borrower_id, loan_id, conversation_id in session.execute(
                select(AuditEntry.seq, AuditEntry.borrower_id, AuditEntry.loan_id, AuditEntry.conversation_id)
                .where(AuditEntry.seq > max(upto, start), AuditEntry.redacted_by.is_(None),
                       AuditEntry.kind != audit.PURGE_KIND)
            )
            if borrower_id in gone_ids or loan_id in gone_loans
            or (borrower_id is None and loan_id is None and conversation_id in gone_convs)
        ]
        redactions = {}
        for chunk in _chunks(concerned):
            for row in session.execute(select(*AuditEntry.__table__.c).where(AuditEntry.seq.in_(chunk))):
                payload = ids_only(row.payload)
                redactions[row.seq] = (payload, audit.redaction_digest(row, payload))
        return cls(purge=purge, purge_pks=sorted(purge_pks), purge_loan_pks=purge_loan_pks,
                   handoff_pks=handoff_pks, prune_upto=upto if upto > start else None,
                   prune_hash=prune_hash, pruned_count=pruned, redactions=redactions,
                   conversations=sorted(gone_convs))


def _prune_upto(session: Session, start: int, oldest: date, kept_ids: set[str],
                kept_loans: set[str], kept_convs: set[str]) -> int:
    """Last seq of the prunable prefix: entries before the oldest cut-off, up to
    (not including) the first that concerns a borrower who is kept."""
    boundary = datetime.combine(oldest, time(), tzinfo=timezone.utc)
    first_recent = session.execute(
        select(func.min(AuditEntry.seq)).where(AuditEntry.seq > start, AuditEntry.at >= boundary)
    ).scalar()
    if first_recent is None:
        # Never prune the head: the chain must keep at least one entry.
        head = session.execute(select(func.max(AuditEntry.seq))).scalar() or start
        first_recent = head
    rows = session.execute(
        select(AuditEntry.seq, AuditEntry.borrower_id, AuditEntry.loan_id, AuditEntry.conversation_id)
        .where(AuditEntry.seq > start, AuditEntry.seq < first_recent).order_by(AuditEntry.seq)
    )
    for seq, borrower_id, loan_id, conversation_id in rows:
        if borrower_id in kept_ids or loan_id in kept_loans or conversation_id in kept_convs:
            return seq - 1
    return max(first_recent - 1, start)


# --- doing it ------------------------------------------------------------------

def _audit_prune_mode(session: Session, on: bool) -> None:
    """PostgreSQL's audit trigger lets the purge through only while this is on
    (and only for a member of bot_audit_purger, migration 0007)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL bot.audit_prune = '{'on' if on else 'off'}'"))


def _apply(session: Session, plan: _Plan, report: PurgeReport, actor: str) -> None:
    for chunk in _chunks(plan.purge_pks):
        session.execute(
            update(Borrower).where(Borrower.id.in_(chunk)).values(
                full_name=TOMBSTONE_NAME, phone=TOMBSTONE_PHONE, date_of_birth=TOMBSTONE_DOB,
                email=None, telegram_user_id=None, purged_at=report.now, updated_at=utcnow(),
            ).execution_options(synchronize_session=False))
        session.execute(delete(ContactEvent).where(ContactEvent.borrower_pk.in_(chunk))
                        .execution_options(synchronize_session=False))
    for chunk in _chunks(plan.purge_loan_pks):
        session.execute(update(Arrangement).where(Arrangement.loan_pk.in_(chunk), Arrangement.hardship_reason.isnot(None))
                        .values(hardship_reason=None).execution_options(synchronize_session=False))
    for chunk in _chunks(plan.handoff_pks):
        session.execute(delete(Handoff).where(Handoff.id.in_(chunk)).execution_options(synchronize_session=False))
    conversations.action_runs(session, plan.conversations, remove=True)
    conversations.verification_rows(session, plan.conversations, remove=True)

    entry = audit.append(session, actor=actor, kind=audit.PURGE_KIND, payload={
        "now": report.now, "cutoffs": report.cutoffs, "prune_before": report.prune_before,
        "counts": report.counts(), "checkpoint": report.checkpoint,
        "redacted": {str(seq): digest for seq, (_, digest) in sorted(plan.redactions.items())},
    })
    report.audit_seq = entry.seq
    table = AuditEntry.__table__
    conn = session.connection()  # Core on purpose: the ORM refuses to touch audit rows
    # On error the transaction rolls back, and SET LOCAL with it.
    _audit_prune_mode(session, True)
    if plan.prune_upto is not None:
        session.add(AuditCheckpoint(seq=plan.prune_upto, hash=plan.prune_hash, pruned_count=plan.pruned_count,
                                    purge_seq=entry.seq, at=utcnow(), actor=actor))
        session.flush()
        conn.execute(delete(table).where(table.c.seq <= plan.prune_upto))
    for seq, (payload, _) in sorted(plan.redactions.items()):
        conn.execute(update(table).where(table.c.seq == seq).values(payload=payload, redacted_by=entry.seq))
    _audit_prune_mode(session, False)
    session.expire_all()  # rows changed behind the ORM's back
