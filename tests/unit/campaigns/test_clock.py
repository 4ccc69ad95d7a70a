"""The one clock: BOT_NOW, then BOT_NOW_FILE, then the real time; every 'today' is the borrower's."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from bot import clock
from bot.records.types import utcnow


def test_bot_now_fixes_the_time_for_records_and_jobs(monkeypatch):
    monkeypatch.setenv("BOT_NOW", "2027-03-14T06:30:00+02:00")
    assert clock.now() == datetime(2027, 3, 14, 4, 30, tzinfo=timezone.utc)
    assert utcnow() == clock.now()


def test_a_file_moves_the_time_of_processes_already_running(monkeypatch, tmp_path):
    monkeypatch.delenv("BOT_NOW", raising=False)
    moment = tmp_path / "now"
    moment.write_text("2027-01-01T00:00:00Z")
    monkeypatch.setenv("BOT_NOW_FILE", str(moment))
    assert clock.now() == datetime(2027, 1, 1, tzinfo=timezone.utc)
    moment.write_text("2027-01-02T12:00:00+00:00\n")
    assert clock.now() == datetime(2027, 1, 2, 12, tzinfo=timezone.utc)


def test_unset_it_is_the_real_time(monkeypatch):
    monkeypatch.delenv("BOT_NOW", raising=False)
    monkeypatch.delenv("BOT_NOW_FILE", raising=False)
    assert abs(clock.now() - datetime.now(timezone.utc)) < timedelta(seconds=5)


@pytest.mark.parametrize("value", ["2027-01-01 10:00", "tomorrow", ""])
def test_a_time_without_zone_or_not_a_time_is_refused_with_the_reason(value):
    with pytest.raises(ValueError, match="time zone|ISO timestamp"):
        clock.parse_now(value)


def test_today_is_the_borrowers_date():
    late_utc = datetime(2027, 1, 1, 22, 0, tzinfo=timezone.utc)
    assert clock.local_today("Africa/Nairobi", late_utc) == date(2027, 1, 2)
    assert clock.local_today("America/New_York", late_utc) == date(2027, 1, 1)
    assert clock.local_today("Pacific/Kiritimati", datetime(2027, 1, 1, 10, 0, tzinfo=timezone.utc)) == date(2027, 1, 2)
