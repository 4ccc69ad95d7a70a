"""A time to contact the borrower, noted only inside their profile's contact window.

Before verification the bot does not know where the loan is, and contact hours
differ by jurisdiction (India ends at 19:00, the Philippines at 22:00): the
proposal waits in the `proposed_contact_time` slot and is checked, noted or
refused with the loan's own window once they verify (issue 13 panel: "after
7pm" was refused in the UK and the Philippines with a 09:00-19:00 window no
single jurisdiction has, and nothing was recorded).
"""
from __future__ import annotations

from typing import Any, Mapping

from rasa_sdk import Tracker
from sqlalchemy.orm import Session

from actions.turns import Reply
from bot.dialogue import contact_time
from bot.records import audit

PROPOSED_SLOT = "proposed_contact_time"  # {"relation", "hour", "minute", "date", "text"} until verification


def remembered(signal: Any, when: Any, text: str) -> dict | None:
    """What the slot keeps of a proposal (None when there is none to keep)."""
    proposed = contact_time.proposed(signal)
    if proposed is None and not when:
        return None
    time = None if proposed is None else {"relation": proposed.relation, "hour": proposed.at.hour,
                                          "minute": proposed.at.minute}
    window = {k: signal[k] for k in ("until", "days") if isinstance(signal, Mapping) and signal.get(k)}
    return {**(time or {}), **window, "date": when, "text": text[:300]}


def note(kept: Mapping[str, Any], state: Mapping[str, Any], reply: Reply, session: Session, tracker: Tracker) -> None:
    """Checks a proposal against the loan's window: noted (and said so) or refused naming the window."""
    proposed = contact_time.proposed(kept if kept.get("hour") is not None else None)
    if proposed is not None:
        profile = contact_time.profile_of(state.get("jurisdiction"))
        window = contact_time.bounds(profile)
        until = kept.get("until") if isinstance(kept.get("until"), Mapping) else None
        late = until is not None and window is not None and \
            f"{int(until['hour']):02d}:{int(until.get('minute') or 0):02d}" > window[1]  # "6 to 10pm" where 19:00 ends it
        if window is None or not contact_time.allowed(proposed, profile) or late:
            audit.append(session, actor="bot", kind="contact_time_refused",
                         payload={"proposed": f"{proposed.relation} {proposed.at:%H:%M}", "profile": profile.name},
                         loan_id=state.get("loan_id"), conversation_id=tracker.sender_id)
            start, end = window or ("-", "-")
            reply.say("contact_time_outside", start=start, end=end)
            return
    audit.append(session, actor="borrower", kind="preferred_contact_time", payload={
        "date": kept.get("date"), "time": _said_time(proposed, kept.get("until")), "days": kept.get("days"),
        "text": kept.get("text")}, loan_id=state.get("loan_id"), conversation_id=tracker.sender_id)
    reply.say("busy_later_noted")


def _said_time(proposed: contact_time.Proposed | None, until: Any) -> str | None:
    """"at 18:00", "after 20:00", or the window "18:00-20:00" when they gave its end."""
    if proposed is None:
        return None
    if isinstance(until, Mapping) and until.get("hour") is not None:
        return f"{proposed.at:%H:%M}-{int(until['hour']):02d}:{int(until.get('minute') or 0):02d}"
    return f"{proposed.relation} {proposed.at:%H:%M}"
