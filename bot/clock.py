"""The one clock every scheduled job reads.

Collections is a process in time (reminders, grace days, broken promises), so
tests and the simulator must be able to say what time it is. `BOT_NOW` (an ISO
timestamp with a time zone, e.g. 2026-12-07T09:00:00+03:00) fixes "now" for a
process; unset, it is the real time. Jobs that take `--now` pass it down
explicitly instead.
"""
from __future__ import annotations

import os
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

ENV = "BOT_NOW"


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
    """BOT_NOW when set (checked on every call, so a test may change it), else the real UTC time."""
    fixed = os.environ.get(ENV, "").strip()
    return parse_now(fixed) if fixed else datetime.now(timezone.utc)


def local_today(timezone_name: str, at: datetime | None = None) -> date:
    """The borrower's calendar date at `at` (default: now): 'today' is theirs, not UTC's."""
    return (at or now()).astimezone(ZoneInfo(timezone_name)).date()
