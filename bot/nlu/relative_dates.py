"""A relative date ("tomorrow", "friday", "end of month") re-resolved from the borrower's own today.

The NLU resolves dates before it knows who is writing, against the channel's
zone; once the loan is known, "tomorrow" must mean tomorrow where the borrower
lives. The entity normaliser stores each year-less date's relative form in the
entity (``entity["relative"]``, see docs/nlu-entities.md), and this module
turns it into a date for any today by calendar arithmetic: the text is never
read again. No Rasa import (the dialogue and the action server use it).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Callable, Dict, Mapping, Optional

from bot.nlu.normalise import dates, view


class _Parts(dict):
    """The parts a date rule matched, answering like the regex match it came from."""

    def __getitem__(self, key: str) -> Any:
        return self.get(key)

    def groupdict(self) -> Dict[str, Any]:
        return dict(self)


# Rules whose relative form is their name and parts (the others carry {"days"} / {"month_end"}).
_RULES: Dict[str, Callable] = {
    fn.__name__.lstrip("_"): fn for _, fn, has_year in dates.DATE_RULES
    if not has_year and getattr(fn, "relative", None) is None
}


def resolve_relative(relative: Mapping[str, Any], today: date) -> Optional[date]:
    """The date a relative form names when today is `today`; None if the form is not one we know."""
    try:
        if "days" in relative:
            return today + timedelta(days=int(relative["days"]))
        if "month_end" in relative:
            first = dates._add_months(today.replace(day=1), int(relative["month_end"]))
            return dates._month_end(first.year, first.month)
        rule = _RULES.get(str(relative.get("rule")))
        if rule is None:
            return None
        return rule(_Parts(relative.get("parts") or {}), today, False)
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError):
        return None


def relative_of(phrase: str, now: datetime) -> Optional[Dict[str, Any]]:
    """The relative form of the first date in a phrase (for entities that skipped the normaliser)."""
    found = dates._find_dates(view.read(phrase or ""), dates.local_today(now, "UTC"), [])
    return min(found, key=lambda f: f[:2])[4] if found else None
