"""The audit chain against its anchors, attacked as someone with the database
(but not AUDIT_ANCHOR_KEY) would: through the operator's own commands
(`python -m bot.records.cli anchor-audit | verify-audit | purge`).

Every forgery below leaves a chain that verifies on its own (asserted), so
only the anchor can catch it. SQLite, and PostgreSQL with TEST_POSTGRES_URL.
"""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.records import anchor, audit, cli
from bot.records.models import AuditCheckpoint, AuditEntry
from bot.records.retention import ids_only
from tests.support.audit_story import NOW_ARG, build, log, relink, rows, snapshot, tamper, at
from tests.support.records_fixtures import _backends, fresh_records_db

KEY = "anchor-test-key-" + "k" * 32


@pytest.fixture(params=_backends())
def db(request, tmp_path):
    with fresh_records_db(request.param, tmp_path) as records:
        yield records


@pytest.fixture
def env(db, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db.url)
    monkeypatch.setenv(anchor.KEY_ENV, KEY)
    monkeypatch.setenv(anchor.FILE_ENV, str(tmp_path / "anchors" / "audit-anchors.jsonl"))
    monkeypatch.setenv("TRACKER_DB_URL", f"sqlite:///{tmp_path / 'no-tracker.db'}")
    monkeypatch.delenv("PURGE_DATABASE_URL", raising=False)
    return tmp_path / "anchors" / "audit-anchors.jsonl"


@pytest.fixture
def story(db, env, monkeypatch):
    return build(db, monkeypatch)


def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def anchored(capsys) -> dict:
    code, out, err = run(capsys, "anchor-audit")
    assert code == 0, err
    return json.loads(out)


def chain_alone_verifies(db) -> bool:
    with db.session() as s:
        return audit.verify_chain(s) is None


def test_anchor_lines_name_the_head_and_verify(db, story, capsys, env, monkeypatch):
    first = anchored(capsys)
    head = story["keep_message"]
    assert (first["seq"], first["purge"]) == (head, False)
    with db.session() as s:
        assert first["hash"] == s.get(AuditEntry, head).hash
    log(db, monkeypatch, at(2026, 11, 1), actor="bot", kind="message_out", payload={"n": 1})
    second = anchored(capsys)
    assert second["seq"] == head + 1
    lines = [json.loads(line) for line in env.read_text().splitlines()]
    assert [line["seq"] for line in lines] == [head, head + 1]
    assert set(lines[0]) == {"seq", "hash", "at", "prev", "mac"} and lines[1]["prev"] == lines[0]["mac"]
    code, out, _ = run(capsys, "verify-audit")
    assert code == 0 and out.strip().endswith("OK") and "2 checked" in out


# --- (a) history rewritten with database access --------------------------------

def test_a_payload_rewritten_and_the_chain_recomputed_fails_against_the_anchor(db, story, capsys):
    head = anchored(capsys)["seq"]
    target = story["first_kept"]
    entries = [r for r in rows(db) if r.seq >= target]
    before = [r for r in rows(db) if r.seq == target - 1][0].hash
    relink(db, entries, before, payloads={target: {"note": "nothing happened here"}})
    assert chain_alone_verifies(db)  # consistent: only the anchor can tell
    code, out, _ = run(capsys, "verify-audit")
    assert code == 1
    assert out.strip() == f"BROKEN: entry {head}: hash differs from anchor line 1 (seq {head}, taken " \
                          f"{json.loads(anchor.anchor_file().read_text())['at']}): history was rewritten"


def test_a_chain_rebuilt_from_scratch_and_shorter_is_named(db, story, capsys):
    head = anchored(capsys)["seq"]
    # someone drops the two newest entries and rebuilds the rest with new content from genesis
    tamper(db, "DELETE FROM audit_entries WHERE seq >= :s", {"s": head - 1})
    remaining = rows(db)
    relink(db, remaining, audit.GENESIS_HASH, payloads={r.seq: {"rebuilt": True} for r in remaining})
    assert chain_alone_verifies(db)
    code, out, _ = run(capsys, "verify-audit")
    assert code == 1
    assert out.startswith(f"BROKEN: entry {head} is missing, but anchor line 1") and \
        f"the chain now ends at {head - 2}" in out


def test_cutting_the_newest_entries_is_named(db, story, capsys):
    head = anchored(capsys)["seq"]
    tamper(db, "DELETE FROM audit_entries WHERE seq = :s", {"s": head})
    assert chain_alone_verifies(db)
    code, out, _ = run(capsys, "verify-audit")
    assert code == 1 and out.startswith(f"BROKEN: entry {head} is missing")


# --- (b) a purge faked with database access ------------------------------------

def test_a_forged_purge_with_the_true_checkpoint_hash_is_named(db, story, capsys, monkeypatch):
    anchored(capsys)
    # the forger deletes the prefix up to a message they dislike, writes the
    # true checkpoint and a retention_purge entry naming it, all consistent
    cut = story["old_message"]
    with db.session() as s:
        cut_hash = s.get(AuditEntry, cut).hash
    forged = log(db, monkeypatch, at(2026, 11, 30), actor="system", kind=audit.PURGE_KIND,
                 payload={"checkpoint": {"seq": cut, "hash": cut_hash}, "redacted": {}})
    tamper(db, "INSERT INTO audit_checkpoints (seq, hash, pruned_count, purge_seq, at, actor) "
               "VALUES (:s, :h, :n, :p, :at, 'system')",
           {"s": cut, "h": cut_hash, "n": cut, "p": forged, "at": at(2026, 11, 30)})
    tamper(db, "DELETE FROM audit_entries WHERE seq <= :s", {"s": cut})
    assert chain_alone_verifies(db)
    code, out, _ = run(capsys, "verify-audit")
    assert code == 1
    assert out.startswith(f"BROKEN: entry {forged}: a retention purge after anchor line 1")


def test_a_forged_purge_behind_a_fake_checkpoint_is_named(db, story, capsys, monkeypatch):
    head = anchored(capsys)["seq"]
    # everything anchored is deleted; a fake checkpoint at the anchored seq starts a new history
    fake = "f" * 64
    tamper(db, "DELETE FROM audit_entries")
    tamper(db, "INSERT INTO audit_checkpoints (seq, hash, pruned_count, purge_seq, at, actor) "
               "VALUES (:s, :h, :n, :p, :at, 'system')",
           {"s": head, "h": fake, "n": head, "p": head + 1, "at": at(2026, 11, 30)})
    forged = log(db, monkeypatch, at(2026, 11, 30), actor="system", kind=audit.PURGE_KIND,
                 payload={"checkpoint": {"seq": head, "hash": fake}, "redacted": {}})
    assert forged == head + 1 and chain_alone_verifies(db)
    code, out, _ = run(capsys, "verify-audit")
    assert code == 1
    assert out.startswith(f"BROKEN: checkpoint at seq {head}: hash differs from anchor line 1")


def test_a_forged_redaction_is_named(db, story, capsys, monkeypatch):
    anchored(capsys)
    # erase a kept borrower's message "as the retention purge would": the hash
    # column stays, the digest is listed by a new retention_purge entry
    target = story["keep_message"]
    row = [r for r in rows(db) if r.seq == target][0]
    payload = ids_only(row.payload)
    forged = log(db, monkeypatch, at(2026, 11, 30), actor="system", kind=audit.PURGE_KIND,
                 payload={"checkpoint": None, "redacted": {str(target): audit.redaction_digest(row, payload)}})
    tamper(db, "UPDATE audit_entries SET payload = :p, redacted_by = :r WHERE seq = :s",
           {"p": json.dumps(payload), "r": forged, "s": target})
    assert chain_alone_verifies(db)
    code, out, _ = run(capsys, "verify-audit")
    assert code == 1 and out.startswith(f"BROKEN: entry {forged}: a retention purge after anchor line 1")


# --- (c) the real purge after anchoring ----------------------------------------

def test_a_legitimate_purge_after_anchoring_verifies(db, story, capsys, env):
    anchored(capsys)
    code, out, err = run(capsys, "purge", "--now", NOW_ARG)
    assert code == 0, err
    report = json.loads(out)
    assert report["anchored"] is True and report["checkpoint"]["seq"] == story["last_pruned"]
    assert report["audit_entries_pruned"] == 3 and report["audit_entries_redacted"] == 1
    lines = [json.loads(line) for line in env.read_text().splitlines()]
    assert lines[-1]["seq"] == report["audit_seq"] and lines[-1]["purge"] is True
    assert run(capsys, "verify-audit")[0] == 0
    # anchors go on after the purge, and a pruned anchor stays accounted for
    anchored(capsys)
    code, out, _ = run(capsys, "verify-audit")
    assert code == 0 and "3 checked" in out


def test_a_purge_anchored_at_its_checkpoint_still_verifies(db, story, capsys, monkeypatch):
    # an anchor taken exactly at the entry the purge will prune last
    tamper(db, "DELETE FROM audit_entries WHERE seq > :s", {"s": story["last_pruned"]})
    anchored(capsys)
    for name in ("first_kept", "old_message", "keep_message"):  # the same story, re-appended
        log(db, monkeypatch, at(2026, 10, 1), actor="system", kind="record_change", payload={"again": name})
    assert run(capsys, "purge", "--now", NOW_ARG)[0] == 0
    with db.session() as s:
        assert s.execute(select(AuditCheckpoint.seq)).scalar_one() == story["last_pruned"]
    assert run(capsys, "verify-audit")[0] == 0


def test_the_purge_refuses_to_prune_a_chain_that_does_not_verify(db, story, capsys):
    anchored(capsys)
    relink(db, [r for r in rows(db) if r.seq >= story["first_kept"]],
           [r for r in rows(db) if r.seq == story["last_pruned"]][0].hash,
           payloads={story["first_kept"]: {"note": "rewritten"}})
    before = snapshot(db)
    code, _, err = run(capsys, "purge", "--now", NOW_ARG)
    assert code == 1 and "does not verify" in err and "hash differs from anchor line 1" in err
    assert snapshot(db) == before


def test_the_purge_needs_the_key_once_the_chain_is_anchored(db, story, capsys, monkeypatch):
    anchored(capsys)
    monkeypatch.delenv(anchor.KEY_ENV)
    before = snapshot(db)
    code, _, err = run(capsys, "purge", "--now", NOW_ARG)
    assert code == 1 and "set AUDIT_ANCHOR_KEY so that the purge can anchor" in err
    assert snapshot(db) == before
    assert run(capsys, "purge", "--dry-run", "--now", NOW_ARG)[0] == 0  # a dry run changes nothing: allowed


def test_a_purge_whose_anchor_was_lost_is_attested_afterwards(db, story, capsys, monkeypatch):
    anchored(capsys)
    real_append = anchor.append_anchor

    def disk_full(path, key, **kw):
        if kw.get("purge"):
            raise OSError(28, "No space left on device")
        return real_append(path, key, **kw)

    monkeypatch.setattr(anchor, "append_anchor", disk_full)
    code, out, err = run(capsys, "purge", "--now", NOW_ARG)
    assert code == 1 and "anchor-audit --attest-purge" in err and json.loads(out)["anchored"] is False
    monkeypatch.setattr(anchor, "append_anchor", real_append)
    with db.session() as s:
        purge_seq = s.execute(select(AuditEntry.seq).where(AuditEntry.kind == audit.PURGE_KIND)).scalar_one()
    code, out, _ = run(capsys, "verify-audit")
    assert code == 1 and f"entry {purge_seq}: a retention purge" in out
    assert run(capsys, "anchor-audit", "--attest-purge", str(story["keep_message"]))[0] == 1  # not a purge
    code, out, _ = run(capsys, "anchor-audit", "--attest-purge", str(purge_seq))
    assert code == 0 and json.loads(out)["purge"] is True
    assert run(capsys, "verify-audit")[0] == 0


# --- (d) the anchor file itself ------------------------------------------------

def test_an_edited_anchor_line_is_named(db, story, capsys, env):
    anchored(capsys)
    line = json.loads(env.read_text())
    env.write_text(json.dumps({**line, "seq": line["seq"] - 1}) + "\n")
    code, out, _ = run(capsys, "verify-audit")
    assert code == 1 and "anchor line 1: MAC does not verify" in out


def test_a_removed_anchor_line_is_named(db, story, capsys, env):
    for _ in range(3):
        anchored(capsys)
    first, _, third = env.read_text().splitlines()
    env.write_text(f"{first}\n{third}\n")
    code, out, _ = run(capsys, "verify-audit")
    assert code == 1 and "anchor line 2: does not follow line 1" in out
    env.write_text(f"{third}\n")
    code, out, _ = run(capsys, "verify-audit")
    assert code == 1 and "anchor line 1: follows a line that is no longer there" in out


def test_anchors_made_with_another_key_do_not_verify(db, story, capsys, monkeypatch):
    anchored(capsys)
    monkeypatch.setenv(anchor.KEY_ENV, "another-key-" + "z" * 40)
    code, out, _ = run(capsys, "verify-audit")
    assert code == 1 and "MAC does not verify" in out
    # and the job does not extend a file it cannot check
    code, _, err = run(capsys, "anchor-audit")
    assert code == 1 and "damaged, not extending it" in err


# --- (e) no key ----------------------------------------------------------------

def test_without_a_key_anchoring_refuses_with_a_clear_error(db, story, capsys, monkeypatch, env):
    monkeypatch.delenv(anchor.KEY_ENV)
    code, out, err = run(capsys, "anchor-audit")
    assert code == 1 and out == "" and "AUDIT_ANCHOR_KEY is not set" in err
    assert not env.exists()
    monkeypatch.setenv(anchor.KEY_ENV, "short")
    code, _, err = run(capsys, "anchor-audit")
    assert code == 1 and "at least 32" in err


def test_verify_without_the_key_says_the_anchors_are_unchecked(db, story, capsys, monkeypatch):
    monkeypatch.delenv(anchor.KEY_ENV)
    code, out, _ = run(capsys, "verify-audit")
    assert code == 0 and "anchors: not checked" in out and out.strip().endswith("OK")
    monkeypatch.setenv(anchor.KEY_ENV, KEY)
    anchored(capsys)
    monkeypatch.delenv(anchor.KEY_ENV)
    code, out, err = run(capsys, "verify-audit")
    assert code == 2 and out == "" and "set AUDIT_ANCHOR_KEY to check" in err
