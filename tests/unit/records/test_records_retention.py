"""Retention purge (bot/records/retention.py): who goes, who stays, and the
audit chain still verifies (and still names tampering) after a prune.

Every test gets a fresh database with the same story, on SQLite and (with
TEST_POSTGRES_URL) on PostgreSQL. "Now" is 2026-11-30 12:00 UTC and the
cut-offs come from config/compliance.yml: US 3 years (2023-11-30), CN 5
years (2021-11-30), oldest KE 7 years (2019-11-30), so the audit chain may
lose what is older than 2019-11-30.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from bot.records import audit, cli
from bot.records.errors import RecordError
from bot.records.models import AuditCheckpoint, AuditEntry, Borrower, ContactEvent, Handoff, Loan, Payment
from bot.records.retention import TOMBSTONE_DOB, TOMBSTONE_NAME, purge
from tests.support.audit_story import CUTOFFS, NOW, add_borrower, at, db, log, prune_boundary, tamper  # noqa: F401  (db: fixture)
from tests.support.audit_story import run_purge as run
from tests.support.audit_story import snapshot as snapshot_of

CONFIG = cli.REPO_ROOT / "config"
TABLES = ("borrowers", "loans", "arrangements", "payments", "contact_events", "handoffs", "audit_entries",
          "audit_checkpoints")


@pytest.fixture
def story(db, monkeypatch):
    """US borrower paid 4 years ago, CN borrower paid 4 years ago, a US
    borrower with an open loan, and an audit chain going back to 2018."""
    add_borrower(db, "B-US", "US", since=at(2018, 6, 1), loans={"L-US": ("paid", at(2022, 11, 1))},
                 contacts=True)
    add_borrower(db, "B-CN", "CN", since=at(2018, 6, 1), loans={"L-CN": ("paid", at(2022, 11, 1))},
                 contacts=True)
    add_borrower(db, "B-OPEN", "US", since=at(2022, 1, 1),
                 loans={"L-OPEN-PAID": ("paid", at(2022, 2, 1)), "L-OPEN": ("overdue", at(2022, 2, 1))},
                 contacts=True)
    with db.session() as s:
        us = s.execute(select(Borrower).where(Borrower.borrower_id == "B-US")).scalar_one()
        s.add(Payment(reference="P-US", loan=us.loans[0], amount=Decimal("500.00"), currency="USD",
                      paid_at=at(2022, 11, 1), recorded_at=at(2022, 11, 1)))
        s.add(ContactEvent(borrower_pk=us.id, loan_pk=us.loans[0].id, channel="sms", direction="out",
                           kind="reminder", at=at(2022, 10, 1)))
        s.add(Handoff(borrower_pk=us.id, loan_pk=us.loans[0].id, conversation_id="conv-us", reason="vulnerability",
                      status="closed", summary={"note": "Name of B-US said she was ill"},
                      created_at=at(2022, 10, 1), updated_at=at(2022, 10, 1)))
        open_ = s.execute(select(Borrower).where(Borrower.borrower_id == "B-OPEN")).scalar_one()
        s.add(ContactEvent(borrower_pk=open_.id, channel="sms", direction="out", kind="reminder", at=at(2026, 10, 1)))
    seqs = {
        "old_system": log(db, monkeypatch, at(2018, 1, 1), actor="import", kind="record_change",
                          payload={"rows": 3}),
        "old_us": log(db, monkeypatch, at(2018, 6, 1), actor="import", kind="record_change", loan_id="L-US",
                      borrower_id="B-US", payload={"change": "created", "full_name": "Name of B-US"}),
        **prune_boundary(db, monkeypatch),
        "us_message": log(db, monkeypatch, at(2022, 11, 1), actor="borrower", kind="message_in", loan_id="L-US",
                          borrower_id="B-US", conversation_id="conv-us",
                          payload={"text": "I am Name of B-US, +15550001111", "message_id": "m1",
                                   "arrangement_ids": [4, 5], "flag": True}),
        "us_anonymous": log(db, monkeypatch, at(2022, 11, 1), actor="borrower", kind="message_in",
                            conversation_id="conv-us", payload={"text": "it's me again, Name of B-US"}),
        "cn_message": log(db, monkeypatch, at(2022, 11, 1), actor="borrower", kind="message_in", loan_id="L-CN",
                          borrower_id="B-CN", conversation_id="conv-cn", payload={"text": "Name of B-CN here"}),
        "open_message": log(db, monkeypatch, at(2026, 10, 1), actor="borrower", kind="message_in",
                            loan_id="L-OPEN", borrower_id="B-OPEN", payload={"text": "Name of B-OPEN here"}),
    }
    return seqs


def snapshot(db) -> dict:
    return snapshot_of(db, TABLES)


def borrower(db, borrower_id):
    with db.session() as s:
        return s.execute(select(Borrower).where(Borrower.borrower_id == borrower_id)).scalar_one()


def entry(db, seq):
    with db.session() as s:
        return s.get(AuditEntry, seq)


def verify(db):
    with db.session() as s:
        return audit.verify_chain(s)


# --- who goes, who stays -------------------------------------------------------

def test_cutoffs_from_config():
    assert CUTOFFS["US"] == date(2023, 11, 30)
    assert CUTOFFS["CN"] == date(2021, 11, 30)
    assert min(CUTOFFS.values()) == date(2019, 11, 30)  # KE, 7 years


def test_us_borrower_closed_4_years_ago_is_purged_cn_and_open_are_kept(db, story):
    report = run(db)
    assert report.borrowers_purged == ["B-US"]
    us = borrower(db, "B-US")
    assert (us.full_name, us.phone, us.date_of_birth, us.email, us.telegram_user_id) == \
        (TOMBSTONE_NAME, "", TOMBSTONE_DOB, None, None)
    assert us.purged_at == NOW
    for kept in ("B-CN", "B-OPEN"):
        b = borrower(db, kept)
        assert (b.full_name, b.phone, b.purged_at) == (f"Name of {kept}", "+15550001111", None)
    with db.session() as s:
        assert s.execute(select(func.count()).select_from(ContactEvent)
                         .where(ContactEvent.borrower_pk == us.id)).scalar() == 0
        assert s.execute(select(func.count()).select_from(ContactEvent)).scalar() == 1  # B-OPEN's
        assert s.execute(select(func.count()).select_from(Handoff)).scalar() == 0
        # the books stay: loans and payments carry no personal data
        assert s.execute(select(Loan.status).where(Loan.loan_id == "L-US")).scalar_one() == "paid"
        assert s.execute(select(func.count()).select_from(Payment)).scalar() == 1
    assert (report.contact_events_deleted, report.handoffs_deleted, report.loans_of_purged) == (1, 1, 1)


def test_an_open_loan_is_never_purged_even_when_its_other_loan_is_old(db, story, monkeypatch):
    # B-OPEN's only recent activity is on the open loan; a year later it is still kept
    report = run(db)
    assert "B-OPEN" not in report.borrowers_purged
    # and a borrower whose only loan is open with an arrangement made last month
    add_borrower(db, "B-ARR", "US", since=at(2019, 1, 1), loans={"L-ARR": ("in_arrangement", at(2019, 1, 1))})
    log(db, monkeypatch, at(2026, 11, 1), actor="bot", kind="record_change", loan_id="L-ARR",
        payload={"change": "arrangement_recorded"})
    assert "B-ARR" not in run(db).borrowers_purged
    assert borrower(db, "B-ARR").full_name == "Name of B-ARR"


def test_cn_borrower_goes_once_cn_retention_has_passed(db, story):
    later = datetime(2028, 1, 1, tzinfo=timezone.utc)
    with db.session() as s:
        report = purge(s, cutoffs=cli.retention_cutoffs(CONFIG, later), now=later)
    assert "B-CN" in report.borrowers_purged
    assert verify(db) is None


# --- the audit chain -----------------------------------------------------------

def test_prefix_is_pruned_behind_a_checkpoint_and_the_chain_verifies(db, story):
    with db.session() as s:
        last_pruned_hash = s.get(AuditEntry, story["last_pruned"]).hash
    report = run(db)
    assert report.audit_entries_pruned == 3
    assert report.checkpoint == {"seq": story["last_pruned"], "hash": last_pruned_hash}
    with db.session() as s:
        assert s.execute(select(func.min(AuditEntry.seq))).scalar() == story["first_kept"]
        cp = s.execute(select(AuditCheckpoint)).scalar_one()
        assert (cp.seq, cp.hash, cp.pruned_count, cp.purge_seq, cp.actor) == \
            (story["last_pruned"], last_pruned_hash, 3, report.audit_seq, "system")
    assert verify(db) is None
    with db.session() as s:
        assert audit.verify_chain(s, batch=2) is None


def test_later_entries_about_the_purged_borrower_keep_only_ids(db, story):
    report = run(db)
    assert report.audit_entries_redacted == 2
    message = entry(db, story["us_message"])
    assert message.payload == {"message_id": "m1", "arrangement_ids": [4, 5], "redacted": "retention"}
    assert (message.loan_id, message.borrower_id, message.redacted_by) == ("L-US", "B-US", report.audit_seq)
    assert entry(db, story["us_anonymous"]).payload == {"redacted": "retention"}
    # other borrowers' entries are untouched
    assert entry(db, story["cn_message"]).payload == {"text": "Name of B-CN here"}
    assert entry(db, story["open_message"]).redacted_by is None


def test_the_purge_is_audited_without_the_erased_data(db, story):
    report = run(db)
    purge_entry = entry(db, report.audit_seq)
    assert (purge_entry.kind, purge_entry.actor) == ("retention_purge", "system")
    payload = purge_entry.payload
    assert payload["counts"]["borrowers_purged"] == 1
    assert payload["counts"]["audit_entries_pruned"] == 3
    assert payload["cutoffs"]["US"] == "2023-11-30" and payload["prune_before"] == "2019-11-30"
    assert payload["checkpoint"] == report.checkpoint
    assert set(payload["redacted"]) == {str(story["us_message"]), str(story["us_anonymous"])}
    dumped = json.dumps(payload)
    for secret in ("Name of B-US", "+15550001111", "1980-05-06", "b-us@example.com", "B-US"):
        assert secret not in dumped


def test_dry_run_changes_nothing(db, story):
    before = snapshot(db)
    report = run(db, dry_run=True)
    assert report.dry_run and report.borrowers_purged == ["B-US"]
    assert (report.audit_entries_pruned, report.audit_entries_redacted, report.audit_seq) == (3, 2, None)
    assert snapshot(db) == before


def test_a_second_purge_is_a_no_op(db, story):
    first = run(db)
    assert first.changed
    before = snapshot(db)
    second = run(db)
    assert not second.changed and second.audit_seq is None and second.borrowers_purged == []
    assert snapshot(db) == before
    assert verify(db) is None


def test_a_kept_borrowers_old_entry_stops_the_prune(db, monkeypatch):
    # an open loan taken in 2018 and still worked on: its 2018 entries are its record
    add_borrower(db, "B-K", "US", since=at(2018, 1, 1), loans={"L-K": ("overdue", at(2026, 11, 1))})
    first = log(db, monkeypatch, at(2018, 1, 1), actor="import", kind="record_change", payload={"rows": 1})
    log(db, monkeypatch, at(2018, 2, 1), actor="import", kind="record_change", loan_id="L-K",
        payload={"change": "created"})
    log(db, monkeypatch, at(2018, 3, 1), actor="system", kind="record_change", payload={"note": "x"})
    report = run(db)
    assert report.borrowers_purged == [] and report.audit_entries_pruned == 1
    assert report.checkpoint["seq"] == first
    assert verify(db) is None


# --- tampering after a prune ---------------------------------------------------

def test_tampering_after_a_prune_is_named(db, story):
    run(db)
    assert verify(db) is None
    kept = story["cn_message"]
    tamper(db, "UPDATE audit_entries SET actor = 'agent:eve' WHERE seq = :s", {"s": kept})
    assert verify(db) == kept
    tamper(db, "UPDATE audit_entries SET actor = 'borrower' WHERE seq = :s", {"s": kept})
    assert verify(db) is None
    # a redacted entry cannot be changed either: its digest is in the purge entry
    redacted = story["us_message"]
    tamper(db, "UPDATE audit_entries SET loan_id = 'L-CN' WHERE seq = :s", {"s": redacted})
    assert verify(db) == redacted
    tamper(db, "UPDATE audit_entries SET loan_id = 'L-US' WHERE seq = :s", {"s": redacted})
    assert verify(db) is None
    # nor can an intact entry be passed off as redacted
    tamper(db, "UPDATE audit_entries SET payload = :p, redacted_by = :r WHERE seq = :s",
         {"p": json.dumps({"redacted": "retention"}), "r": run_seq(db), "s": kept})
    assert verify(db) == kept


def run_seq(db) -> int:
    with db.session() as s:
        return s.execute(select(AuditEntry.seq).where(AuditEntry.kind == "retention_purge")).scalar_one()


def test_deleting_the_first_kept_entry_is_named(db, story):
    run(db)
    tamper(db, "DELETE FROM audit_entries WHERE seq = :s", {"s": story["first_kept"]})
    assert verify(db) == story["first_kept"]


def test_a_checkpoint_no_purge_entry_names_is_refused_by_verify(db, story):
    run(db)
    # someone moves the checkpoint forward and deletes more of the chain
    target = story["cn_message"]
    with db.session() as s:
        target_hash = s.get(AuditEntry, target).hash
    tamper(db, "INSERT INTO audit_checkpoints (seq, hash, pruned_count, purge_seq, at, actor) "
             "VALUES (:s, :h, 1, 1, :at, 'mallory')", {"s": target, "h": target_hash, "at": NOW})
    tamper(db, "DELETE FROM audit_entries WHERE seq <= :s", {"s": target})
    assert verify(db) == target + 1


# --- the database allows nothing else ------------------------------------------

def _refused(db, *statements, prune_mode=False):
    with pytest.raises(DBAPIError, match="append-only|audit checkpoint"):  # the triggers' words, not a typo's
        with db.session() as s:
            if prune_mode and db.dialect == "postgresql":
                s.execute(text("SET LOCAL bot.audit_prune = 'on'"))
            for statement in statements:
                s.execute(text(statement))


def test_database_allows_only_the_narrow_paths(db, story):
    report = run(db)
    kept = story["cn_message"]
    with db.session() as s:
        kept_hash = s.get(AuditEntry, kept).hash
    for prune_mode in (False, True):
        _refused(db, f"DELETE FROM audit_entries WHERE seq = {kept}", prune_mode=prune_mode)
        _refused(db, f"UPDATE audit_entries SET payload = '{{}}' WHERE seq = {kept}", prune_mode=prune_mode)
        # redaction must name a retention_purge entry and leave the hashes alone
        _refused(db, f"UPDATE audit_entries SET payload = '{{}}', redacted_by = {kept + 1} WHERE seq = {kept}",
                 prune_mode=prune_mode)
        _refused(db, f"UPDATE audit_entries SET hash = 'x', redacted_by = {report.audit_seq} WHERE seq = {kept}",
                 prune_mode=prune_mode)
        # ... and be listed by that entry: the purge did not redact B-CN's message
        _refused(db, f"UPDATE audit_entries SET payload = '{{}}', redacted_by = {report.audit_seq} WHERE seq = {kept}",
                 prune_mode=prune_mode)
        # a checkpoint naming a real entry, but no purge entry names it
        _refused(db, "INSERT INTO audit_checkpoints (seq, hash, pruned_count, purge_seq, at, actor) "
                     f"VALUES ({kept}, '{kept_hash}', 1, {report.audit_seq}, '2026-11-30 00:00:00+00:00', 'mallory')",
                 prune_mode=prune_mode)
        _refused(db, "DELETE FROM audit_checkpoints", prune_mode=prune_mode)
        _refused(db, "UPDATE audit_checkpoints SET seq = seq + 1", prune_mode=prune_mode)
        _refused(db, "INSERT INTO audit_checkpoints (seq, hash, pruned_count, purge_seq, at, actor) "
                     f"VALUES ({kept}, 'not-the-hash', 1, 1, '2026-11-30 00:00:00', 'mallory')",
                 prune_mode=prune_mode)
    if db.dialect == "postgresql":
        _refused(db, "TRUNCATE audit_entries")
        _refused(db, "TRUNCATE audit_checkpoints")
    assert verify(db) is None


# --- input checks and the command line -----------------------------------------

def test_bad_cutoffs_are_refused(db, story):
    with db.session() as s:
        with pytest.raises(RecordError, match="no retention cutoff for jurisdiction.*CN"):
            purge(s, cutoffs={"US": CUTOFFS["US"]}, now=NOW)
        with pytest.raises(RecordError, match="after now"):
            purge(s, cutoffs={**CUTOFFS, "US": date(2027, 1, 1)}, now=NOW)
        with pytest.raises(RecordError, match="aware"):
            purge(s, cutoffs=CUTOFFS, now=datetime(2026, 11, 30))
        with pytest.raises(RecordError, match="must be a date"):
            purge(s, cutoffs={**CUTOFFS, "US": NOW}, now=NOW)


def test_cli_cutoffs_follow_the_compliance_rule():
    from bot.compliance import load_profiles
    from bot.compliance.retention import purge_before
    profiles = load_profiles(CONFIG / "compliance.yml")
    for when in (NOW, datetime(2028, 2, 29, tzinfo=timezone.utc)):
        assert cli.retention_cutoffs(CONFIG, when) == {n: purge_before(p, when) for n, p in profiles.items()}


def test_cli_purge_dry_run_then_purge(db, story, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("DATABASE_URL", db.url)
    monkeypatch.delenv("PURGE_DATABASE_URL", raising=False)
    monkeypatch.delenv("AUDIT_ANCHOR_KEY", raising=False)
    monkeypatch.setenv("AUDIT_ANCHOR_FILE", str(tmp_path / "anchors.jsonl"))
    monkeypatch.setenv("TRACKER_DB_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    before = snapshot(db)
    assert cli.main(["purge", "--dry-run", "--now", "2026-11-30T12:00:00Z"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["dry_run"] is True and printed["borrower_ids"] == ["B-US"]
    assert snapshot(db) == before
    assert cli.main(["purge", "--now", "2026-11-30T12:00:00Z"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["audit_entries_pruned"] == 3 and printed["audit_seq"] is not None
    assert cli.main(["verify-audit"]) == 0
    assert capsys.readouterr().out.strip().endswith("OK")
    with pytest.raises(SystemExit, match="time zone"):
        cli.main(["purge", "--now", "2026-11-30T12:00:00"])
