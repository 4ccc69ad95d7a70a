"""The one clock every scheduled job reads.

Collections is a process in time (reminders, grace days, broken promises), so
tests and the simulator must be able to say what time it is. `BOT_NOW` (an ISO
timestamp with a time zone, e.g. 2026-12-07T09:00:00+03:00) fixes "now" for a
process; `BOT_NOW_FILE` names a file holding such a timestamp, read on every
call, so a simulation can move the time of servers it has already started
(`make simulate`). Unset, it is the real time. Jobs that take `--now` pass it
down explicitly instead.
"""
from __future__ import annotations

import os
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

ENV = "BOT_NOW"
FILE_ENV = "BOT_NOW_FILE"


def parse_now(value: str) -> datetime:
    """An ISO timestamp with a time zone, as UTC; ValueError names what is wrong."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO timestamp like 2026-12-07T09:00:00+03:00") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{value!r} has no time zone: add +00:00 (or the offset meant)")
    return moment.astimezone(timezone.utc)


def now() -> datetime:
    """BOT_NOW, else BOT_NOW_FILE's content (both checked on every call), else the real UTC time."""
    fixed = os.environ.get(ENV, "").strip()
    if fixed:
        return parse_now(fixed)
    path = os.environ.get(FILE_ENV, "").strip()
    if path:
        with open(path, encoding="utf-8") as handle:
            return parse_now(handle.read())
    return datetime.now(timezone.utc)


def is_set() -> bool:
    """Whether the time is simulated (BOT_NOW or BOT_NOW_FILE): then a message's own timestamp,
    stamped by Rasa in real time, is not what 'now' means in the conversation."""
    return bool(os.environ.get(ENV, "").strip() or os.environ.get(FILE_ENV, "").strip())


def local_today(timezone_name: str, at: datetime | None = None) -> date:
    """The borrower's calendar date at `at` (default: now): 'today' is theirs, not UTC's."""
    return (at or now()).astimezone(ZoneInfo(timezone_name)).date()
