"""Calendar arithmetic the date rules of every language share: month ends, weekdays,
year-less days and the resolvers whose form is the same whatever the words.

Pure functions of the parts a rule matched and today; dates.py (English) and
dates_local.py (other languages) both build their rules from them.
"""
from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Optional

from bot.nlu.normalise.common import DOB_ADULT_YEARS


def _month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def _add_months(d: date, n: int, day: Optional[int] = None) -> date:
    idx = d.year * 12 + d.month - 1 + n
    y, m = divmod(idx, 12)
    return date(y, m + 1, min(day or d.day, calendar.monthrange(y, m + 1)[1]))


def _next_weekday(today: date, wd: int, strictly_after: bool = True) -> date:
    delta = (wd - today.weekday()) % 7
    if delta == 0 and strictly_after:
        delta = 7
    return today + timedelta(days=delta)


def _year(raw: Optional[str], today: date, birth: bool) -> Optional[int]:
    """A written year; two digits are the latest century that fits: up to ten years ahead for
    a date, at least DOB_ADULT_YEARS back for a birth (a borrower is an adult), by the year."""
    if not raw:
        return None
    raw = raw.lstrip("'")
    y = int(raw)
    if len(raw) == 2:
        y += 2000
        limit = today.year - DOB_ADULT_YEARS if birth else today.year + 10
        if y > limit:
            y -= 100
    return y


def _resolve_day_month(day: int, month: int, today: date, recent_past: bool = False) -> Optional[date]:
    """A year-less day/month: its next occurrence from today (today included). With `recent_past` (a month
    named in words), the last one instead when the next is most of a year away and the last was within
    RECENT_DAYS: "4 December ko kiya tha" said on 9 December is the 4th just gone (round 8 (dev): read as
    next December, it became a deferral); a numeric "1/11" keeps its next occurrence."""
    for year in (today.year, today.year + 1):
        try:
            d = date(year, month, day)
        except ValueError:
            continue
        if d >= today:
            try:
                last = date(d.year - 1, month, day)
            except ValueError:
                return d
            recent = recent_past and (d - today).days > 300 and (today - last).days <= RECENT_DAYS
            return last if recent else d
    return None


RECENT_DAYS = 45


def _full(y: Optional[int], m: int, d: int, today: date, recent_past: bool = False) -> Optional[date]:
    try:
        return date(y, m, d) if y else _resolve_day_month(d, m, today, recent_past)
    except ValueError:
        return None


def _ordinal_day(m, today, birth):
    gd = m.groupdict()
    day = int(gd.get("d") or gd.get("d2"))
    if not 1 <= day <= 31:
        return None
    # clamp to the month's last day: "the 31st" in November means its end
    this = _month_end(today.year, today.month)
    if day >= today.day:
        return this.replace(day=min(day, this.day))
    return _add_months(today.replace(day=1), 1, day)


def _rel_days(n):
    resolve = lambda m, today, birth: today + timedelta(days=n)  # noqa: E731
    resolve.relative = {"days": n}  # its relative form, for the entity (relative_dates.py)
    return resolve


def _end_of_month(offset):
    def resolve(m, today, birth):
        first = _add_months(today.replace(day=1), offset)
        return _month_end(first.year, first.month)
    resolve.relative = {"month_end": offset}
    return resolve


def _start_next_month(m, today, birth):
    return _add_months(today.replace(day=1), 1)


def _mid_month(m, today, birth):
    return today.replace(day=15) if today.day <= 15 else _add_months(today.replace(day=15), 1)


def _end_of_week(m, today, birth):
    return _next_weekday(today, 4, strictly_after=False) if today.weekday() <= 4 else _next_weekday(today, 4)


def _next_week(m, today, birth):
    return today - timedelta(days=today.weekday()) + timedelta(days=7)
