"""Decide once: the policy decides the move, the action server executes exactly that move.

The move rides from the policy to the action as the `move` slot (plain JSON);
the action never calls `decide` again, refuses a move that is missing, stale
or another action's, and takes the hand-off reason from the move. Accepting an
offer, for one loan or all of them, re-reads each loan from the records first.
The handlers run in a worker thread, off rasa-sdk's event loop.
"""
from __future__ import annotations

import asyncio
import json
import tempfile
import threading
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from actions import common, negotiation, people
from actions.context import products
from actions.turns import Reply, _run, make_action
from bot.dialogue import moves
from bot.dialogue.move import MOVE_SLOT, Ask, InvalidMove, Move, from_dict, to_dict
from bot.dialogue.moves import Turn, decide
from bot.dialogue.reasons import Escalation
from bot.negotiation.kinds import LadderStep, OfferKind, RequestKind
from bot.negotiation.notes import Note, NoteCode
from bot.negotiation.plans import Instalment, Offer, Request
from bot.nlu.signals import read_signals
from bot.records import queries, writes
from bot.records.models import Arrangement, AuditEntry, Handoff
from tests.support.records_fixtures import add_loan

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)  # 12:00 in Nairobi, the test loans' zone
PLAN = Offer(OfferKind.INSTALMENT_PLAN, (Instalment(date(2026, 12, 7), Decimal("1000.00")),
                                         Instalment(date(2027, 1, 6), Decimal("1500.00"))),
             waiver=Decimal("0.00"), adjusted=True,
             notes=(Note.of(NoteCode.PLAN_MAX_COUNT, count=2), Note.of(NoteCode.FIRST_WINDOW, days=7,
                                                                       latest=date(2026, 12, 7))))


# --- the move as JSON ---------------------------------------------------------------

def test_a_move_survives_its_json_round_trip():
    move = Move(
        "action_decline_offer", Request(RequestKind.PART_PAYMENT, amount=Decimal("2500.50"), date=date(2026, 12, 4),
                                        days=4, waiver_percent=Decimal("12.5")),
        PLAN, ask=Ask.AMOUNT, request_kind=RequestKind.PART_PAYMENT, hardship_reason="job loss",
        offers=(("LN-1", PLAN), ("LN-2", PLAN)), escalation=Escalation.NO_ARRANGEMENT, detail="deny",
        ladder_step=LadderStep.DEFERRAL, loan_id="LN-2",
    )
    data = json.loads(json.dumps(to_dict(move, for_message="m-7")))  # what the tracker store keeps
    assert from_dict(data) == move
    assert data["v"] == 1 and data["for_message"] == "m-7"
    assert data["offer"]["schedule"] == [["2026-12-07", "1000.00"], ["2027-01-06", "1500.00"]]  # ISO, strings
    assert data["request"]["amount"] == "2500.50" and data["request"]["waiver_percent"] == "12.5"
    assert (data["escalation"], data["ladder_step"], data["ask"]) == ("no_arrangement", "deferral", "amount")


def test_every_move_decide_makes_survives_the_round_trip():
    loan = {"loan_id": "LN-1", "currency": "KES", "total": "8500.00", "accrued_interest": "400.00",
            "late_fees": "100.00", "product_code": "WALLET-30", "arrangements_count": 0, "timezone": "Africa/Nairobi"}
    verified = {"verified": True, "loan_id": "LN-1", "loan": loan}
    turns = [
        Turn("request_instalments", "3 payments", NOW, verified, {"instalments": [3]}),
        Turn("request_deferral", "more time", NOW, verified),
        Turn("deny", "no", NOW, {**verified, "pending_offer": {"kind": "deferral", "request_kind": "deferral"}}),
        Turn("request_human", "a person please", NOW, {}),
        Turn("abuse", "you idiots", NOW, {"abuse_warned": True}),
        Turn("greet", "hi", NOW, {}),
    ]
    for turn in turns:
        move = decide(turn, products())
        assert from_dict(json.loads(json.dumps(to_dict(move)))) == move, move


@pytest.mark.parametrize("data, problem", [
    (None, "no move"),
    ({"v": 2, "action": "action_offer"}, "version"),
    ({"v": 1}, "without an action"),
    ({"v": 1, "action": "action_offer"}, "without its offer"),
    ({"v": 1, "action": "action_handoff"}, "without its escalation"),
    ({"v": 1, "action": "action_offer", "offer": {"kind": "haggle", "schedule": []}}, "unreadable"),
    ({"v": 1, "action": "action_ask_details", "ask": "options", "request_kind": "bribe"}, "unreadable"),
])
def test_a_move_this_code_cannot_execute_is_refused(data, problem):
    with pytest.raises(InvalidMove, match=problem):
        from_dict(data)


# --- the policy decides, the action executes ----------------------------------------

@pytest.fixture(scope="module")
def rasa_domain():
    from rasa.shared.core.domain import Domain

    from bot.settings import ROOT
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture(scope="module")
def policy():
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    from policies.negotiation_policy import NegotiationPolicy
    return NegotiationPolicy.create(NegotiationPolicy.get_default_config(),
                                    LocalModelStorage(Path(tempfile.mkdtemp())), Resource("negotiation"),
                                    ExecutionContext(GraphSchema({}), "test"))


def rasa_tracker(domain, loan: dict, *, message_id: str = "m2", text: str = "can I pay in 3 instalments",
                 intent: str = "request_instalments", entities: list | None = None):
    """A verified borrower's Rasa tracker, their latest message waiting for the policy."""
    from rasa.shared.core.events import Event
    from rasa.shared.core.trackers import DialogueStateTracker

    stamp = NOW.timestamp()
    user = lambda t, txt, name, mid, ents=(): {  # noqa: E731
        "event": "user", "text": txt, "timestamp": t, "input_channel": "rest", "message_id": mid,
        "parse_data": {"intent": {"name": name, "confidence": 1.0}, "entities": list(ents), "text": txt}}
    events = [
        {"event": "action", "name": "action_session_start", "timestamp": stamp - 60},
        {"event": "session_started", "timestamp": stamp - 60},
        {"event": "action", "name": "action_listen", "timestamp": stamp - 60},
        user(stamp - 50, "LN-1 born 2 Jan 1990", "provide_identity", "m1"),
        {"event": "action", "name": "action_verify", "timestamp": stamp - 49},
        *[{"event": "slot", "name": name, "value": value, "timestamp": stamp - 49}
          for name, value in (("verified", True), ("loan_id", loan["loan_id"]), ("loan", loan))],
        {"event": "action", "name": "action_listen", "timestamp": stamp - 48},
        user(stamp, text, intent, message_id,
             entities if entities is not None else [{"entity": "instalments", "value": 3, "start": 14, "end": 15}]),
    ]
    return DialogueStateTracker.from_events("conv-decide-once", [Event.from_parameters(e) for e in events],
                                            slots=domain.slots)


def sdk_tracker(tracker):
    """The tracker the action server gets from Rasa."""
    from rasa.shared.core.trackers import EventVerbosity
    from rasa_sdk import Tracker
    return Tracker.from_dict(tracker.current_state(EventVerbosity.ALL))


def slots_of(result: dict) -> dict:
    return {e["name"]: e["value"] for e in result["events"] if e["event"] == "slot"}


def test_one_decision_per_turn_from_the_policy_to_the_action(records_db, rasa_domain, policy,  # noqa: F811
                                                             monkeypatch):
    import policies.negotiation_policy as negotiation_policy

    add_loan(records_db, "DCO-1")
    calls = []
    spy = lambda *args, **kwargs: calls.append(args) or decide(*args, **kwargs)  # noqa: E731
    monkeypatch.setattr(negotiation_policy, "decide", spy)
    monkeypatch.setattr(moves, "decide", spy)
    with records_db.session() as s:
        tracker = rasa_tracker(rasa_domain, common.loan_slot(s, "DCO-1", None))
        prediction = policy.predict_action_probabilities(tracker, rasa_domain)
        chosen = rasa_domain.action_names_or_texts[prediction.probabilities.index(1.0)]
        assert chosen == "action_offer" and len(calls) == 1
        # What Rasa's processor does before it calls the action: apply the winning prediction's events.
        tracker.update_with_events(prediction.optional_events, rasa_domain)
        decided = tracker.get_slot(MOVE_SLOT)
        assert decided["action"] == "action_offer" and decided["for_message"] == "m2"
        result = _run("action_offer", negotiation.offer, sdk_tracker(tracker), s)
    assert len(calls) == 1, "the action server decided again"
    assert slots_of(result)["pending_offer"]["schedule"] == decided["offer"]["schedule"]
    assert len(decided["offer"]["schedule"]) == 3 and "3 payments" in result["messages"][0][0]


def test_the_action_executes_the_move_it_is_given_not_its_own_idea(records_db, rasa_domain,  # noqa: F811
                                                                   monkeypatch):
    def no_second_decision(*args, **kwargs):
        raise AssertionError("the action server called decide")

    monkeypatch.setattr(moves, "decide", no_second_decision)
    add_loan(records_db, "DCO-2")
    with records_db.session() as s:
        loan = common.loan_slot(s, "DCO-2", None)
        total = Decimal(loan["total"])
        # decide would offer 3 instalments for this message; the policy's move says a deferral.
        deferral = Offer(OfferKind.DEFERRAL, (Instalment(date(2026, 12, 9), total),))
        tracker = rasa_tracker(rasa_domain, loan)
        tracker.update_with_events([_slot_set(to_dict(Move("action_offer", offer=deferral,
                                                           request_kind=RequestKind.DEFERRAL), "m2"))], rasa_domain)
        result = _run("action_offer", negotiation.offer, sdk_tracker(tracker), s)
    pending = slots_of(result)["pending_offer"]
    assert pending["kind"] == "deferral" and pending["schedule"] == [["2026-12-09", str(total)]]
    assert "Wednesday 09 December 2026" in result["messages"][0][0]


def _slot_set(value):
    from rasa.shared.core.events import SlotSet
    return SlotSet(MOVE_SLOT, value)


@pytest.mark.parametrize("move, why", [
    (None, "no move"),
    ({"v": 1, "action": "action_offer", "for_message": "m1",
      "offer": {"kind": "deferral", "schedule": [["2026-12-09", "8500.00"]]}}, "not the latest"),
    ({"v": 1, "action": "action_pay_in_full", "for_message": "m2"}, "not action_offer"),
])
def test_a_missing_stale_or_foreign_move_is_refused_loudly(records_db, rasa_domain, move, why,  # noqa: F811
                                                           caplog):
    add_loan(records_db, f"DCO-3{len(why)}")
    with records_db.session() as s:
        tracker = rasa_tracker(rasa_domain, common.loan_slot(s, f"DCO-3{len(why)}", None))
        if move is not None:
            tracker.update_with_events([_slot_set(move)], rasa_domain)
        result = _run("action_offer", negotiation.offer, sdk_tracker(tracker), s)
        refused = s.execute(select(AuditEntry).where(AuditEntry.kind == "move_refused")
                            .order_by(AuditEntry.seq.desc())).scalars().first()
    assert "Sorry, I didn't understand that" in result["messages"][0][0]
    assert "pending_offer" not in slots_of(result)  # nothing offered, nothing recorded
    assert refused.payload["action"] == "action_offer" and why in refused.payload["problem"]
    assert any(r.levelname == "ERROR" and why in r.getMessage() for r in caplog.records)


# --- reasons travel with the move ---------------------------------------------------

def test_the_handoff_reason_is_the_one_in_the_move(records_db):  # noqa: F811
    class FakeTracker:
        sender_id = "conv-handoff-reason"
        events: list = []

    # The text talks of a lawyer, but the policy handed over because the borrower asked for a person:
    # the case says what was decided, it does not read the words again.
    lawyer = "my lawyer says I should talk to a person"
    turn = Turn("request_human", lawyer, NOW, {}, signals=read_signals(lawyer))
    with records_db.session() as s:
        people.handoff(turn, Reply(turn, Move("action_handoff", escalation=Escalation.REQUEST_HUMAN)), s,
                       FakeTracker())
        case = s.execute(select(Handoff).where(Handoff.conversation_id == "conv-handoff-reason")).scalar_one()
    assert case.reason == "borrower asked for a person"
    assert decide(turn, products()).escalation == Escalation.LEGAL_OR_REGULATOR  # what decide says of that text


def test_each_handoff_move_says_why():
    verified = {"verified": True, "loan": {"product_code": "NO-SUCH", "currency": "KES"}}
    cases = [
        (Turn("request_human", "a person", NOW, {}), Escalation.REQUEST_HUMAN),
        (Turn("greet", "I will report you to the central bank", NOW, {}, signals={"legal_threat": True}),
         Escalation.LEGAL_OR_REGULATOR),
        (Turn("greet", "hello", NOW, {}, angry_in_row=3), Escalation.RISING_ANGER),
        (Turn("nlu_fallback", "??", NOW, {}, fallbacks_in_row=2), Escalation.NOT_UNDERSTOOD),
        (Turn("greet", "hi", NOW, {}, self_harm=True), Escalation.SELF_HARM),
        (Turn("disclose_vulnerability", "I am in hospital", NOW, {}), Escalation.VULNERABILITY),
        # a change to the record: made (and escalated) once the borrower confirms it (record_moves.py)
        (Turn("affirm", "yes", NOW, {"pending_record": {"intent": "complain", "text": "this is a disgrace"}}),
         Escalation.COMPLAINT),
        (Turn("affirm", "yes", NOW, {"verified": True, "pending_record": {"intent": "dispute_debt", "text": "not mine"}}),
         Escalation.DISPUTE),
        (Turn("request_instalments", "3 payments", NOW, verified, {"instalments": [3]}), Escalation.NO_ARRANGEMENT),
    ]
    for turn, escalation in cases:
        assert decide(turn, products()).escalation == escalation, turn.text
    assert decide(Turn("request_instalments", "3", NOW, verified), products()).detail == "request_instalments"


def test_abuse_warns_first_then_pauses_as_the_move_says():
    warn = decide(Turn("abuse", "idiot", NOW, {}), products())
    pause = decide(Turn("abuse", "idiot", NOW, {"abuse_warned": True}), products())
    assert (warn.action, warn.escalation) == ("action_abuse", None)
    assert (pause.action, pause.escalation) == ("action_abuse", Escalation.ABUSE)


def test_a_declined_offer_moves_one_rung_and_says_which():
    loan = {"loan_id": "LN-1", "currency": "KES", "total": "8500.00", "accrued_interest": "400.00",
            "late_fees": "100.00", "product_code": "WALLET-30", "arrangements_count": 0, "timezone": "Africa/Nairobi"}
    slots = {"verified": True, "loan": loan, "pending_offer": {"kind": "promise_to_pay",
                                                                "request_kind": "promise_to_pay"}}
    counter = decide(Turn("deny", "no", NOW, slots), products())
    assert (counter.action, counter.ladder_step, counter.offer.kind) == ("action_decline_offer", "part_payment",
                                                                         "part_payment")
    last = decide(Turn("deny", "no", NOW, {**slots, "pending_offer": {"kind": "instalment_plan"}}), products())
    assert (last.action, last.escalation, last.ladder_step) == ("action_handoff", Escalation.LADDER_EXHAUSTED,
                                                                "person")


# --- one acceptance path, re-reading the records --------------------------------------

class AcceptTracker:
    def __init__(self, message_id: str):
        self.sender_id = "conv-accept-once"
        self.latest_message = {"message_id": message_id}
        self.events: list = []

    def get_latest_input_channel(self) -> str:
        return "rest"


def offer_plan(session, loan_id: str) -> dict:
    slots = {"verified": True, "loan_id": loan_id, "loan": common.loan_slot(session, loan_id, None)}
    turn = Turn("request_instalments", "can I pay in 2 instalments", NOW, slots, {"instalments": [2]})
    events = negotiation.offer(turn, Reply(turn, decide(turn, products())), session, AcceptTracker("m1"))
    return {**slots, **{e["name"]: e["value"] for e in events if e["event"] == "slot"}}


def accept(session, slots: dict, message_id: str = "m2") -> Reply:
    turn = Turn("affirm", "yes", NOW, slots)
    reply = Reply(turn, Move("action_accept_offer"))
    negotiation.accept_offer(turn, reply, session, AcceptTracker(message_id))
    return reply


def agent_records_an_arrangement(session, loan_id: str, key: str) -> None:
    total = Decimal(queries.loan_state(session, loan_id)["total"])
    writes.record_arrangement(session, loan_id=loan_id, kind="promise_to_pay", schedule=[(date(2026, 12, 5), total)],
                              terms={"by": "agent"}, actor="agent:amina", idempotency_key=key)


def test_one_loan_accepted_is_checked_against_the_arrangements_recorded_meanwhile(records_db):  # noqa: F811
    add_loan(records_db, "ACC-1")  # WALLET-30: at most 2 arrangements from the bot
    with records_db.session() as s:
        agent_records_an_arrangement(s, "ACC-1", "agent-1")
        slots = offer_plan(s, "ACC-1")  # the loan slot says 1 arrangement so far: an offer is allowed
    assert slots["pending_offer"]["kind"] == "instalment_plan"
    with records_db.session() as s:  # meanwhile an agent records another one: that is the loan's 2nd
        agent_records_an_arrangement(s, "ACC-1", "agent-2")
    with records_db.session() as s:
        reply = accept(s, slots)
        rejected = s.execute(select(AuditEntry).where(AuditEntry.kind == "offer_rejected_by_limits")
                             .where(AuditEntry.loan_id == "ACC-1")).scalar_one()
        kinds = [a.kind for a in s.execute(select(Arrangement)
                                           .where(Arrangement.idempotency_key.like("conv-accept-once%"))).scalars()]
    assert [key for key, _, _ in reply.messages] == ["ask_options"]
    assert rejected.payload["problems"]["ACC-1"][0].startswith("max_arrangements")
    assert kinds == []  # the bot's offer was not recorded on top


def test_one_loan_accepted_is_recorded_once_under_the_messages_key(records_db):  # noqa: F811
    add_loan(records_db, "ACC-2")
    with records_db.session() as s:
        slots = offer_plan(s, "ACC-2")
    with records_db.session() as s:
        reply = accept(s, slots, "m9")
        accept(s, slots, "m9")  # Rasa's retry of the same message
        rows = s.execute(select(Arrangement).where(Arrangement.idempotency_key.like("conv-accept-once:m9%"))
                         ).scalars().all()
    assert [key for key, _, _ in reply.messages] == ["accepted"]
    assert [(r.idempotency_key, r.kind, "all_loans" in r.terms) for r in rows] == [
        ("conv-accept-once:m9", "instalment_plan", False)]


# --- off the event loop ---------------------------------------------------------------

def test_a_slow_turn_does_not_hold_up_another_conversation(monkeypatch):
    fast_done = threading.Event()

    def run_turn(name, handler, dispatcher, tracker):  # stands in for the database work of one turn
        if name == "action_slow":  # waits on a lock that only the other conversation's turn releases
            assert fast_done.wait(timeout=5), "the other conversation's turn never ran"
        else:
            fast_done.set()
        return [{"event": "slot", "name": "done", "value": name}]

    monkeypatch.setattr("actions.turns.run_turn", run_turn)
    slow, fast = make_action("action_slow", None)(), make_action("action_fast", None)()

    async def both():
        return await asyncio.wait_for(asyncio.gather(slow.run(None, None, {}), fast.run(None, None, {})), 10)

    assert asyncio.run(both()) == [[{"event": "slot", "name": "done", "value": "action_slow"}],
                                   [{"event": "slot", "name": "done", "value": "action_fast"}]]
