"""When a borrower's verification stops holding: one pure rule for the policy and the actions.

A verified conversation left open (a shared phone, a kiosk, a web chat tab)
must not let the next person in. So `verified` holds only while the borrower
keeps talking: no gap longer than `idle` between their messages since the one
that was verified, all in the same Rasa session and through the same channel.
The rule looks at every gap since verification, not just the last one, so a
message that no action answered (/back, a paused conversation) cannot refresh
an expired verification. The policy (policies/negotiation_policy.py) and the
action server (actions/turns.py) both build their Turn from `current_slots`,
so they decide on the same slots; the action then clears them for good.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Mapping, Sequence

# What a verification vouched for: who it is, and the loan they talked about.
IDENTITY_SLOTS = ("verified", "loan_id", "loan", "candidate_reference", "candidate_dob", "candidate_borrower")
# The negotiation in progress belongs to that loan and that person.
LOAN_CONTEXT_SLOTS = ("pending_offer", "awaiting", "request_kind", "hardship_reason")
CLEARED = {name: (False if name == "verified" else None) for name in IDENTITY_SLOTS + LOAN_CONTEXT_SLOTS}

# Rasa event names (Event.as_dict()["event"]) that start the conversation over.
_NEW_START = {"restart", "session_started"}


@dataclass(frozen=True)
class Said:
    """One borrower message: when, and through which input channel."""

    at: datetime
    channel: str | None = None


def still_verified(slots: Mapping[str, Any], since_verified: Sequence[Said] | None, now: datetime,
                   idle: timedelta) -> bool:
    """Whether `verified` in `slots` still holds for a message arriving at `now`."""
    return expiry(slots, since_verified, now, idle) is None


def expiry(slots: Mapping[str, Any], since_verified: Sequence[Said] | None, now: datetime,
           idle: timedelta) -> str | None:
    """Why the verification no longer holds ("new session", "idle", "channel"), or None.

    `since_verified`: the borrower's messages from the one that was verified
    on, oldest first; None when no message of this session was verified (the
    slot was carried over into a new session).
    """
    if not slots.get("verified"):
        return None
    if not since_verified:
        return "new session"
    times = [said.at for said in since_verified] + [now]
    if any(later - earlier > idle for earlier, later in zip(times, times[1:])):
        return "idle"
    if len({said.channel for said in since_verified if said.channel}) > 1:
        return "channel"
    return None


def since_verified(events: Iterable[Mapping[str, Any]]) -> list[Said] | None:
    """The borrower's messages from the verified one on, read from Rasa's events
    (as dicts, oldest first, as the action server gets them; the policy passes
    `[e.as_dict() for e in tracker.events]`). None: not verified in this session."""
    said: list[Said] = []
    start: int | None = None
    for event in events:
        kind = event.get("event")
        if kind in _NEW_START:
            said, start = [], None
        elif kind == "reset_slots":
            start = None
        elif kind == "user" and event.get("timestamp") is not None:
            said.append(Said(datetime.fromtimestamp(float(event["timestamp"]), timezone.utc),
                             event.get("input_channel")))
        elif kind == "slot" and event.get("name") == "verified":
            # Set with no borrower message before it in this session: carried over, not verified.
            start = len(said) - 1 if event.get("value") and said else None
    return None if start is None else said[start:]


def current_slots(slots: Mapping[str, Any], events: Iterable[Mapping[str, Any]], now: datetime,
                  idle: timedelta) -> tuple[dict[str, Any], str | None]:
    """The slots a turn arriving at `now` is decided on, and why they were cleared (None: unchanged)."""
    reason = expiry(slots, since_verified(events), now, idle)
    if reason is None:
        return dict(slots), None
    return {**slots, **CLEARED}, reason
