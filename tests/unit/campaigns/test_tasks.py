"""The Huey task: the storage the environment names, a periodic schedule, and the run it performs."""
from __future__ import annotations

import importlib
from datetime import date, datetime, timezone

import pytest
from huey import RedisHuey, SqliteHuey

import bot.campaigns.tasks as tasks_module


def fresh_tasks(monkeypatch, **env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return importlib.reload(tasks_module)


def test_one_machine_keeps_the_queue_in_a_sqlite_file_and_redis_scales_it_out(monkeypatch, tmp_path):
    local = fresh_tasks(monkeypatch, CAMPAIGN_QUEUE_URL=f"sqlite:///{tmp_path / 'queue.db'}")
    assert isinstance(local.huey, SqliteHuey) and local.huey.storage.filename == str(tmp_path / "queue.db")
    shared = fresh_tasks(monkeypatch, CAMPAIGN_QUEUE_URL="redis://127.0.0.1:6391/3")
    assert isinstance(shared.huey, RedisHuey)
    with pytest.raises(ValueError, match="CAMPAIGN_QUEUE_URL must be"):
        fresh_tasks(monkeypatch, CAMPAIGN_QUEUE_URL="amqp://broker")
    monkeypatch.delenv("CAMPAIGN_QUEUE_URL")
    importlib.reload(tasks_module)


def test_the_periodic_task_runs_what_is_due_on_the_clock(monkeypatch, tmp_path, records_db):
    tasks = fresh_tasks(monkeypatch, CAMPAIGN_QUEUE_URL=f"sqlite:///{tmp_path / 'queue.db'}",
                        DATABASE_URL=records_db.url, BOT_NOW="2026-12-11T10:30:00+03:00",
                        CAMPAIGN_EVERY_MINUTES="5")
    seen = []
    class Outcome:
        def as_dict(self):
            return {"sent": 0}

    monkeypatch.setattr(tasks, "run", lambda factory, now: seen.append(now) or Outcome())
    periodic = list(tasks.huey._registry.periodic_tasks)
    assert [type(t).__name__ for t in periodic] == ["run_due"]
    at_five, at_seven = datetime(2026, 12, 11, 7, 5), datetime(2026, 12, 11, 7, 7)
    assert periodic[0].validate_datetime(at_five) and not periodic[0].validate_datetime(at_seven)
    tasks.huey.immediate = True
    tasks.run_due()  # enqueued and executed at once (immediate mode: in memory)
    assert seen == [datetime(2026, 12, 11, 7, 30, tzinfo=timezone.utc)]
    assert date(2026, 12, 11) == seen[0].date()
    monkeypatch.delenv("CAMPAIGN_QUEUE_URL")
    importlib.reload(tasks_module)
