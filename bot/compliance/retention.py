"""How long records are kept: the cut-off date before which they may be purged."""
from __future__ import annotations

from datetime import date, datetime

from bot.compliance.profiles import Profile


def purge_before(profile: Profile, now: datetime | date) -> date:
    """Records dated strictly before the returned date may be purged.

    Counted in whole calendar years back from today; 29 February falls back to
    28 February so the cut-off never lands on a date that does not exist.
    """
    today = now.date() if isinstance(now, datetime) else now
    if not isinstance(today, date):
        raise ValueError(f"now must be a date or datetime, got {type(now).__name__}")
    year = today.year - profile.retention_years
    try:
        return today.replace(year=year)
    except ValueError:  # 29 February in a non-leap year
        return today.replace(year=year, day=28)
