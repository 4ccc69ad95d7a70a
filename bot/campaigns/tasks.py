"""The campaign worker on Huey: one periodic task that runs what is due.

Storage is chosen by CAMPAIGN_QUEUE_URL: unset, a SQLite file under var/ (one
machine, `make run`); `redis://host:port/db` for several workers. The task is
idempotent (bot/campaigns/run.py), so Huey's at-least-once delivery, a retry or
a second consumer cannot send a message twice. Start a consumer with
`python -m bot.campaigns.worker`.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from huey import RedisHuey, SqliteHuey, crontab

from bot import clock
from bot.records.db import REPO_ROOT, make_engine, make_session_factory

from .run import run

log = logging.getLogger(__name__)
EVERY_MINUTES = int(os.environ.get("CAMPAIGN_EVERY_MINUTES", "5"))


def make_huey():
    url = os.environ.get("CAMPAIGN_QUEUE_URL", "").strip()
    if url.startswith("redis://"):
        return RedisHuey("campaigns", url=url)
    if url and not url.startswith("sqlite:///"):
        raise ValueError(f"CAMPAIGN_QUEUE_URL must be redis://… or sqlite:///path, got {url!r}")
    # SQLAlchemy's spelling: sqlite:///relative/path, sqlite:////absolute/path.
    path = Path(url[len("sqlite:///"):] if url else REPO_ROOT / "var" / "campaign-queue.db")
    path.parent.mkdir(parents=True, exist_ok=True)  # a fresh clone has no var/ yet
    return SqliteHuey("campaigns", filename=str(path))


huey = make_huey()
_factory = None


def session_factory():
    global _factory
    if _factory is None:
        _factory = make_session_factory(make_engine())
    return _factory


@huey.periodic_task(crontab(minute=f"*/{EVERY_MINUTES}"), retries=0)
def run_due() -> dict:
    """What is due now (the clock: BOT_NOW in simulations)."""
    outcome = run(session_factory(), clock.now()).as_dict()
    log.info("campaigns: %s", outcome)
    return outcome
