"""Failed date-of-birth verifications in the records: counted per loan and per
sender inside the window, a lock after max_failures, its end, an agent's lift,
everything audited; and the `verification:` settings it is driven by."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.records import verification as lockout
from bot.records.audit import verify_chain
from bot.records.cli import main as records_cli
from bot.records.errors import NotFound, RecordError
from bot.records.models import AuditEntry
from bot.settings import VerificationSettings, parse_verification, verification
from tests.support.records_fixtures import add_loan

LIMITS = VerificationSettings(max_failures=5, window=timedelta(hours=24), lock=timedelta(hours=24),
                              idle=timedelta(minutes=30))
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
_ids = itertools.count(1)


def new_loan(db) -> str:
    loan_id = f"VRF-{next(_ids)}"
    add_loan(db, loan_id)
    return loan_id


def new_sender() -> str:
    return f"sender-{next(_ids)}"


def fail(db, *, sender: str, loan_id: str | None = None, at: datetime = T0) -> lockout.Failure:
    with db.session() as s:
        return lockout.record_failure(s, conversation_id=sender, loan_id=loan_id, limits=LIMITS, now=at)


def refusal(db, *, sender: str, loan_id: str | None = None, at: datetime = T0):
    with db.session() as s:
        lock = lockout.refusal(s, conversation_id=sender, loan_id=loan_id, now=at)
        return None if lock is None else (lock.scope, lock.locked_until)


def audit_kinds(db, **where) -> list[tuple[str, str, dict]]:
    with db.session() as s:
        query = select(AuditEntry).order_by(AuditEntry.seq)
        for column, value in where.items():
            query = query.where(getattr(AuditEntry, column) == value)
        return [(e.kind, e.actor, e.payload) for e in s.execute(query).scalars()
                if e.kind.startswith("verification_")]


def test_five_failures_from_five_senders_lock_the_loan_for_24_hours(records_db):
    loan = new_loan(records_db)
    results = [fail(records_db, sender=new_sender(), loan_id=loan, at=T0 + timedelta(minutes=i)) for i in range(5)]
    assert [r.loan_failures for r in results] == [1, 2, 3, 4, 5]
    assert [r.sender_failures for r in results] == [1] * 5  # each sender failed once
    assert [r.locked for r in results] == [False] * 4 + [True]
    [lock] = results[-1].locks
    locked_at = T0 + timedelta(minutes=4)
    assert (lock.scope, lock.subject, lock.locked_until) == ("loan", loan, locked_at + timedelta(hours=24))
    # Any sender, the right date of birth or not: refused while locked, free again after 24 hours.
    assert refusal(records_db, sender=new_sender(), loan_id=loan, at=locked_at + timedelta(hours=23, minutes=59)) \
        == ("loan", locked_at + timedelta(hours=24))
    assert refusal(records_db, sender=new_sender(), loan_id=loan, at=locked_at + timedelta(hours=24, seconds=1)) is None


def test_five_failures_from_one_sender_lock_that_sender_for_any_loan(records_db):
    sender = new_sender()
    loans = [new_loan(records_db) for _ in range(3)]
    outcomes = [fail(records_db, sender=sender, loan_id=loans[i % 3] if i % 2 else None,
                     at=T0 + timedelta(minutes=i)) for i in range(5)]
    assert [o.sender_failures for o in outcomes] == [1, 2, 3, 4, 5]
    assert [lock.scope for lock in outcomes[-1].locks] == ["sender"]  # no loan reached five
    other = new_loan(records_db)  # never guessed at, yet this sender may not try it
    assert refusal(records_db, sender=sender, loan_id=other, at=T0 + timedelta(hours=1))[0] == "sender"
    assert refusal(records_db, sender=sender, at=T0 + timedelta(hours=1))[0] == "sender"
    assert refusal(records_db, sender=new_sender(), loan_id=other, at=T0 + timedelta(hours=1)) is None


def test_failures_older_than_the_window_do_not_count(records_db):
    loan = new_loan(records_db)
    for i in range(4):
        fail(records_db, sender=new_sender(), loan_id=loan, at=T0 + timedelta(hours=i))
    # 24.5 hours after the first: it has left the 24-hour window, so this is the 4th, not the 5th.
    fifth = fail(records_db, sender=new_sender(), loan_id=loan, at=T0 + timedelta(hours=24, minutes=30))
    assert (fifth.loan_failures, fifth.locked) == (4, False)
    sixth = fail(records_db, sender=new_sender(), loan_id=loan, at=T0 + timedelta(hours=24, minutes=31))
    assert (sixth.loan_failures, sixth.locked) == (5, True)


def test_a_failure_naming_no_loan_counts_for_the_sender_only(records_db):
    sender = new_sender()
    outcome = fail(records_db, sender=sender)
    assert (outcome.sender_failures, outcome.loan_failures) == (1, None)
    [(kind, actor, payload)] = audit_kinds(records_db, conversation_id=sender)
    assert (kind, actor) == ("verification_failed", "bot")
    assert (payload["sender_failures"], payload["loan_failures"]) == (1, None)


def test_an_agent_lifts_a_loan_lock_audited_under_their_name_and_the_count_starts_again(records_db):
    loan = new_loan(records_db)
    for i in range(5):
        fail(records_db, sender=new_sender(), loan_id=loan, at=T0 + timedelta(minutes=i))
    lifted_at = T0 + timedelta(hours=1)
    with records_db.session() as s:
        [lifted] = lockout.lift(s, "loan", loan.lower(), actor="agent:amina", reason="called back on file number",
                                now=lifted_at)
        assert (lifted.lifted_by, lifted.lifted_at) == ("agent:amina", lifted_at)
    assert refusal(records_db, sender=new_sender(), loan_id=loan, at=lifted_at) is None
    # The failures before the lock no longer count: one more wrong date does not lock it again.
    again = fail(records_db, sender=new_sender(), loan_id=loan, at=lifted_at + timedelta(minutes=1))
    assert (again.loan_failures, again.locked) == (1, False)
    kinds = audit_kinds(records_db, loan_id=loan)
    assert [k for k, _, _ in kinds] == ["verification_failed"] * 5 + ["verification_locked", "verification_unlocked",
                                                                         "verification_failed"]
    _, actor, payload = kinds[-2]
    assert (actor, payload["scope"], payload["reason"]) == ("agent:amina", "loan", "called back on file number")
    with records_db.session() as s:  # nothing of this breaks the audit chain
        assert verify_chain(s) is None


def test_lifting_nothing_locked_lifts_nothing_and_bad_requests_are_refused(records_db):
    loan = new_loan(records_db)
    with records_db.session() as s:
        assert lockout.lift(s, "loan", loan, actor="agent:amina") == []
    with pytest.raises(NotFound):
        with records_db.session() as s:
            lockout.lift(s, "loan", "NO-SUCH-LOAN", actor="agent:amina")
    with pytest.raises(RecordError, match="actor"):
        with records_db.session() as s:
            lockout.lift(s, "loan", loan, actor="anybody")
    with pytest.raises(RecordError, match="reason"):
        with records_db.session() as s:
            lockout.lift(s, "loan", loan, actor="agent:amina", reason="x" * 501)
    with pytest.raises(RecordError, match="scope"):
        with records_db.session() as s:
            lockout.lift(s, "borrower", loan, actor="agent:amina")


def test_a_sender_lock_is_lifted_by_sender(records_db):
    sender = new_sender()
    for i in range(5):
        fail(records_db, sender=sender, at=T0 + timedelta(minutes=i))
    with records_db.session() as s:
        assert len(lockout.lift(s, "sender", sender, actor="system", now=T0 + timedelta(minutes=10))) == 1
    assert refusal(records_db, sender=sender, at=T0 + timedelta(minutes=11)) is None


def test_loan_status_shows_the_count_and_the_lock(records_db):
    loan = new_loan(records_db)
    for i in range(2):
        fail(records_db, sender=new_sender(), loan_id=loan, at=T0 + timedelta(minutes=i))
    with records_db.session() as s:
        status = lockout.loan_status(s, loan, LIMITS, now=T0 + timedelta(minutes=5))
        assert (status["failures"], status["max_failures"]) == (2, 5)
        assert not status["locked"] and status["last_lock"] is None
        assert lockout.loan_status(s, "NO-SUCH-LOAN", LIMITS) is None
    for i in range(3):
        fail(records_db, sender=new_sender(), loan_id=loan, at=T0 + timedelta(minutes=10 + i))
    with records_db.session() as s:
        status = lockout.loan_status(s, loan, LIMITS, now=T0 + timedelta(minutes=20))
    assert status["locked"] and status["locked_until"] == T0 + timedelta(minutes=12, hours=24)
    assert status["failures"] == 0  # the lock took them; a lift starts from zero


def test_cli_unlock_verification(records_db, monkeypatch, capsys):
    if records_db.dialect != "sqlite":
        pytest.skip("the CLI is exercised once, on SQLite")
    monkeypatch.setenv("DATABASE_URL", records_db.url)
    loan = new_loan(records_db)
    for i in range(5):
        fail(records_db, sender=new_sender(), loan_id=loan, at=datetime.now(timezone.utc) - timedelta(minutes=10 - i))
    assert records_cli(["unlock-verification", loan, "--by", "amina", "--reason", "ID checked by phone"]) == 0
    assert "lifted 1" in capsys.readouterr().out
    assert audit_kinds(records_db, loan_id=loan)[-1][:2] == ("verification_unlocked", "agent:amina")
    assert records_cli(["unlock-verification", loan]) == 0
    assert "was not locked" in capsys.readouterr().out
    assert records_cli(["unlock-verification", "NO-SUCH-LOAN"]) == 1


# --- the `verification:` section of config/bot.yml ---

GOOD = {"max_failures": 5, "window_hours": 24, "lock_hours": 24, "idle_minutes": 30}


def test_the_shipped_settings_are_the_documented_defaults():
    assert verification() == LIMITS


@pytest.mark.parametrize("key,value", [
    ("max_failures", 0), ("max_failures", "5"), ("max_failures", True), ("max_failures", 2.5),
    ("window_hours", -1), ("lock_hours", None), ("idle_minutes", 0), ("idle_minutes", 100000),
])
def test_a_bad_value_is_refused_naming_its_key(key, value):
    with pytest.raises(ValueError, match=rf"config/bot\.yml: verification\.{key}: must be (a whole number from \d+ to \d+|set), got"):
        parse_verification({**GOOD, key: value})


def test_a_missing_section_or_an_unknown_key_is_refused():
    with pytest.raises(ValueError, match="missing section 'verification'"):
        parse_verification(None)
    with pytest.raises(ValueError, match=r"verification\.max_tries: unknown key \(not a setting\)"):
        parse_verification({**GOOD, "max_tries": 3})
    assert parse_verification({**GOOD, "max_failures": 3}).max_failures == 3
