"""Verification expires: after `idle` minutes between the borrower's messages,
at a new Rasa session, after a restart, when the channel changes. The rule is
pure (explicit times); then the policy and the action server are shown to
apply it to the same tracker alike, and the action to clear and audit it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from bot.dialogue.verification import CLEARED, Said, current_slots, expiry, since_verified, still_verified
from bot.settings import verification as verification_settings

IDLE = timedelta(minutes=30)
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
VERIFIED = {"verified": True, "loan_id": "LN-20931", "loan": {"loan_id": "LN-20931"}, "pending_offer": {"kind": "x"},
            "abuse_warned": True}


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def said(*minutes: float, channel: str = "rest") -> list[Said]:
    return [Said(at(m), channel) for m in minutes]


# --- the rule, with explicit times ---

def test_verification_holds_while_the_borrower_keeps_talking():
    assert still_verified(VERIFIED, said(0, 20, 45), at(70), IDLE)  # no gap over 30 minutes
    assert still_verified(VERIFIED, said(0), at(30), IDLE)  # exactly 30 minutes still holds


def test_it_expires_after_30_idle_minutes():
    assert expiry(VERIFIED, said(0), at(30.5), IDLE) == "idle"
    assert not still_verified(VERIFIED, said(0, 10), at(41), IDLE)


def test_a_message_after_the_gap_does_not_bring_it_back():
    # /back or a message no action answered at minute 40 refreshes nothing: the 40-minute gap stays.
    assert expiry(VERIFIED, said(0, 40), at(41), IDLE) == "idle"


def test_it_expires_at_a_new_session_and_when_the_channel_changes():
    assert expiry(VERIFIED, None, at(1), IDLE) == "new session"
    assert expiry(VERIFIED, [Said(at(0), "telegram"), Said(at(1), "rest")], at(1), IDLE) == "channel"
    assert expiry(VERIFIED, [Said(at(0), "telegram"), Said(at(1), None)], at(1), IDLE) is None


def test_nothing_expires_for_an_unverified_borrower():
    assert expiry({"verified": False}, None, at(500), IDLE) is None
    assert expiry({}, said(0), at(500), IDLE) is None


# --- reading Rasa's events ---

def user(minutes: float, text: str = "hi", intent: str = "greet", channel: str = "rest", **extra) -> dict:
    return {"event": "user", "text": text, "timestamp": at(minutes).timestamp(), "input_channel": channel,
            "parse_data": {"intent": {"name": intent, "confidence": 1.0}, "entities": [], "text": text},
            "message_id": f"m{minutes}", **extra}


def action(name: str, minutes: float) -> dict:
    return {"event": "action", "name": name, "timestamp": at(minutes).timestamp()}


def slot(name: str, value, minutes: float) -> dict:
    return {"event": "slot", "name": name, "value": value, "timestamp": at(minutes).timestamp()}


def session_start(minutes: float) -> list[dict]:
    return [action("action_session_start", minutes), {"event": "session_started", "timestamp": at(minutes).timestamp()},
            action("action_listen", minutes)]


def verified_at(minutes: float) -> list[dict]:
    return [user(minutes, "LN-20931 17 April 1991", "provide_identity"), action("action_verify", minutes),
            slot("verified", True, minutes), slot("loan_id", "LN-20931", minutes),
            slot("loan", {"loan_id": "LN-20931"}, minutes), action("action_listen", minutes)]


def test_the_messages_since_verification_are_read_from_the_events():
    events = session_start(0) + [user(0)] + verified_at(1) + [user(5, "balance?", "ask_balance")]
    assert [s.at for s in since_verified(events)] == [at(1), at(5)]


def test_a_verification_carried_into_a_new_session_is_not_one():
    carried = session_start(0) + verified_at(1) + session_start(90) + [slot("verified", True, 90),
                                                                      user(91, "balance?", "ask_balance")]
    assert since_verified(carried) is None
    slots, reason = current_slots(VERIFIED, carried, at(91), IDLE)
    assert reason == "new session" and slots["verified"] is False and slots["loan"] is None


def test_a_restart_or_a_reset_forgets_the_verification():
    assert since_verified(verified_at(1) + [{"event": "restart"}, user(2)]) is None
    assert since_verified(verified_at(1) + [{"event": "reset_slots"}, user(2)]) is None


def test_verifying_again_after_an_expiry_starts_afresh():
    events = session_start(0) + verified_at(1) + [user(60, "hi"), action("action_greet", 60)] \
        + [slot(name, value, 60) for name, value in CLEARED.items()] + verified_at(61) + [user(70, "balance?")]
    assert [s.at for s in since_verified(events)] == [at(61), at(70)]


def test_current_slots_clears_identity_and_the_loans_negotiation_but_keeps_the_rest():
    events = session_start(0) + verified_at(1) + [user(40, "balance?", "ask_balance")]
    slots, reason = current_slots(VERIFIED, events, at(40), IDLE)
    assert reason == "idle"
    assert {k: slots[k] for k in CLEARED} == CLEARED and slots["abuse_warned"] is True
    recent = events[:-1] + [user(20, "balance?", "ask_balance")]
    assert current_slots(VERIFIED, recent, at(20), IDLE) == (VERIFIED, None)


# --- the policy and the action server apply it alike to the same tracker ---

@pytest.fixture(scope="module")
def rasa_domain():
    from rasa.shared.core.domain import Domain

    from bot.settings import ROOT
    return Domain.load(str(ROOT / "domain.yml"))


def trackers(domain, events: list[dict]):
    """The Rasa server's tracker, and the one the action server gets from it."""
    from rasa.shared.core.events import Event
    from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
    from rasa_sdk import Tracker

    rasa = DialogueStateTracker.from_events("conv-expiry", [Event.from_parameters(e) for e in events],
                                            slots=domain.slots)
    return rasa, Tracker.from_dict(rasa.current_state(EventVerbosity.ALL))


def policy():
    from policies.negotiation_policy import NegotiationPolicy
    from bot.negotiation.ladder import load_ladder
    from bot.negotiation.limits import load_products
    from bot.settings import ROOT

    path = ROOT / "config" / "products.yml"
    fields = SimpleNamespace(products=load_products(path), ladder=load_ladder(path),
                             idle=verification_settings().idle)
    return lambda tracker: NegotiationPolicy.next_action(fields, tracker)


@pytest.mark.parametrize("idle_minutes,expected", [(29, "action_state_balance"), (31, "action_ask_identity")])
def test_policy_and_action_server_agree_on_an_idle_borrower(rasa_domain, idle_minutes, expected):
    from actions.turns import current_turn

    events = session_start(0) + [user(0)] + verified_at(1) + [user(1 + idle_minutes, "my balance?", "ask_balance")]
    rasa_tracker, sdk_tracker = trackers(rasa_domain, events)
    assert policy()(rasa_tracker) == expected
    turn = current_turn(sdk_tracker)
    assert bool(turn.slot("verified")) is (expected == "action_state_balance")


def test_the_action_clears_the_expired_slots_and_audits_it(rasa_domain, records_db):  # noqa: F811
    from actions import identity
    from actions.turns import _run
    from bot.records.models import AuditEntry

    events = session_start(0) + verified_at(1) + [user(45, "my balance?", "ask_balance")]
    events.append(slot("move", {"v": 1, "action": "action_ask_identity"}, 45))  # what the policy decided
    _, sdk_tracker = trackers(rasa_domain, events)
    with records_db.session() as s:
        result = _run("action_ask_identity", identity.ask_identity, sdk_tracker, s)
        entry = s.execute(select(AuditEntry).where(AuditEntry.kind == "verification_expired")).scalar_one()
    cleared = {e["name"]: e["value"] for e in result["events"] if e["event"] == "slot"}
    assert cleared == CLEARED
    assert (entry.conversation_id, entry.loan_id, entry.payload) == ("conv-expiry", "LN-20931", {"reason": "idle"})
    assert "confirm who you are" in result["messages"][0][0]
