"""The thin layer's actions while a person has the case (issue 13, "What must hold" 1): each
answers through the compliance gate, writes the case, and never pauses Rasa."""
from __future__ import annotations

from rasa_sdk import Tracker
from sqlalchemy import select

from actions import HANDLERS
from actions.turns import _run
from bot.dialogue.messages import render
from bot.dialogue.move import MOVE_SLOT, Move, to_dict
from bot.dialogue.reasons import Escalation
from bot.records import handoffs
from bot.records.models import AuditEntry, Handoff, Loan
from bot.records.writes import open_handoff
from bot.settings import crisis_line, lender, settings
from tests.support.records_fixtures import add_loan

FILLS = {"lender": lender()["name"], "contact": lender()["contact"],
         "response_time": settings()["handoff_response_time"]}


def tracker(conversation_id: str, action: str, text: str, intent: str, slots: dict, move: Move | None = None,
            entities: list | None = None) -> Tracker:
    parse = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or [],
             "message_id": "m2"}
    move = move or Move(action)
    events = [{"event": "user", "text": "a person please", "timestamp": 1.0, "input_channel": "rest",
               "parse_data": {"text": "a person please", "intent": {"name": "request_human"}}, "message_id": "m1"},
              *([{"event": "slot", "name": "verified", "value": True, "timestamp": 1.5}] if slots.get("verified") else []),
              {"event": "bot", "text": "I'm passing your conversation to a person", "timestamp": 2.0},
              {"event": "user", "text": text, "timestamp": 3.0, "input_channel": "rest", "parse_data": parse,
               "message_id": "m2"}]
    all_slots = {"handed_off": True, **slots, MOVE_SLOT: to_dict(move, for_message="m2")}
    return Tracker(conversation_id, all_slots, parse, events, False, None, {}, "action_listen")


def run(records_db, action: str, t: Tracker) -> tuple[list[str], list[dict]]:
    with records_db.session() as s:
        done = _run(action, HANDLERS[action], t, s)
    return [text for text, _ in done["messages"]], done["events"]


def open_case(records_db, conversation_id: str, loan_id: str | None = None, reason: str = "vulnerability disclosed"):
    with records_db.session() as s:
        return open_handoff(s, loan_id=loan_id, borrower_id=None, conversation_id=conversation_id, reason=reason,
                            summary={}).id


def the_case(records_db, handoff_id: int) -> Handoff:
    with records_db.session() as s:
        found = s.get(Handoff, handoff_id)
        found.loan_id_seen = found.loan.loan_id if found.loan else None
        s.expunge(found)
        return found


def kinds(records_db, conversation_id: str) -> list[str]:
    with records_db.session() as s:
        return list(s.execute(select(AuditEntry.kind).where(AuditEntry.conversation_id == conversation_id)
                              .order_by(AuditEntry.seq)).scalars())


def paused(events: list[dict]) -> bool:
    return any(e.get("event") == "pause" for e in events)


def test_self_harm_gets_the_profiles_crisis_line_and_flags_the_case_at_the_top(records_db):
    add_loan(records_db, "TH-SH-1")
    cid = open_case(records_db, "th-sh", loan_id="TH-SH-1")
    loan = {"loan_id": "TH-SH-1", "borrower_id": "B-TH-SH-1", "jurisdiction": "KE", "timezone": "Africa/Nairobi"}
    t = tracker("th-sh", "action_handoff_self_harm", "I've been thinking about ending it all", "disclose_vulnerability",
                {"verified": True, "loan_id": "TH-SH-1", "loan": loan},
                Move("action_handoff_self_harm", escalation=Escalation.SELF_HARM))
    texts, events = run(records_db, "action_handoff_self_harm", t)
    assert texts == [render("self_harm", crisis_line=crisis_line("KE"), **FILLS)]
    assert "Befrienders Kenya" in texts[0]
    assert not paused(events)
    case = the_case(records_db, cid)
    assert (case.reason, case.priority) == ("self-harm risk", handoffs.PRIORITY_TOP)
    assert [m["text"] for m in case.messages] == ["I've been thinking about ending it all"]
    with records_db.session() as s:
        assert s.execute(select(Loan.status).where(Loan.loan_id == "TH-SH-1")).scalar_one() == "paused"
        assert s.execute(select(Handoff).where(Handoff.conversation_id == "th-sh")).scalars().all()[0].id == cid
    assert "message_out" in kinds(records_db, "th-sh")


def test_self_harm_before_verification_gets_the_default_line(records_db):
    cid = open_case(records_db, "th-sh-anon", reason="borrower asked for a person")
    t = tracker("th-sh-anon", "action_handoff_self_harm", "i will die, then you'll have your peace",
                "disclose_vulnerability", {}, Move("action_handoff_self_harm", escalation=Escalation.SELF_HARM))
    texts, _ = run(records_db, "action_handoff_self_harm", t)
    # nothing about an account: none is known, and a relative may be writing from the phone (issue 13 panel)
    assert texts == [render("self_harm_unverified", crisis_line=crisis_line(None), **FILLS)]
    assert "account" not in texts[0] and "loan" not in texts[0] and "paused" not in texts[0]
    assert the_case(records_db, cid).priority == handoffs.PRIORITY_TOP


def test_after_self_harm_every_acknowledgement_repeats_the_crisis_line(records_db):
    """"What's the point" after "I won't be around much longer" got only "added to your case"."""
    cid = open_case(records_db, "th-sh-again", reason="self-harm risk")
    loan = {"loan_id": "TH-SH-2", "jurisdiction": "UK", "timezone": "Europe/London"}
    for action, slots in (("action_handoff_acknowledge", {}), ("action_handoff_note", {"handoff_acknowledged": True})):
        t = tracker("th-sh-again", action, "What's the point", "nlu_fallback",
                    {"self_harm_case": True, "verified": True, "loan_id": "TH-SH-2", "loan": loan, **slots})
        texts, _ = run(records_db, action, t)
        assert texts == [render("handoff_noted_self_harm", crisis_line=crisis_line("UK"), **FILLS)]
        assert "Samaritans" in texts[0]
    assert [m["text"] for m in the_case(records_db, cid).messages] == ["What's the point"] * 2


def test_how_to_pay_is_answered_with_only_what_verification_allows(records_db):
    open_case(records_db, "th-pay")
    texts, _ = run(records_db, "action_handoff_how_to_pay",
                   tracker("th-pay", "action_handoff_how_to_pay", "how do I pay it all today?", "pay_in_full", {}))
    assert texts == [render("handoff_pay_unverified", **FILLS)]
    assert "LN-" not in texts[0].replace("LN-12345", "")  # no loan named before verification
    loan = {"loan_id": "LN-20931", "jurisdiction": "KE", "timezone": "Africa/Nairobi"}
    texts, _ = run(records_db, "action_handoff_how_to_pay",
                   tracker("th-pay", "action_handoff_how_to_pay", "how do I pay?", "ask_payment_methods",
                           {"verified": True, "loan_id": "LN-20931", "loan": loan}))
    instructions = lender()["payment_instructions"].format(loan_id="LN-20931")
    assert texts == [render("payment_methods", instructions=instructions)]


def test_other_messages_are_acknowledged_then_noted_and_all_go_on_the_case(records_db):
    cid = open_case(records_db, "th-ack", reason="borrower says already paid; payment not found")
    texts, events = run(records_db, "action_handoff_acknowledge",
                        tracker("th-ack", "action_handoff_acknowledge", "receipt QX12345", "nlu_fallback", {}))
    assert texts == [render("handoff_acknowledge", **FILLS)]
    assert FILLS["response_time"] in texts[0] and "Monday to Saturday" in texts[0]  # when, and the lender's hours
    assert events == [{"event": "slot", "timestamp": None, "name": "handoff_acknowledged", "value": True}]
    texts, _ = run(records_db, "action_handoff_note",
                   tracker("th-ack", "action_handoff_note", "hello?", "greet", {"handoff_acknowledged": True}))
    assert texts == [render("handoff_noted")]
    texts, _ = run(records_db, "action_handoff_append",
                   tracker("th-ack", "action_handoff_append", "ok thanks", "thank", {"handoff_taken": True}))
    assert texts == []
    assert [m["text"] for m in the_case(records_db, cid).messages] == ["receipt QX12345", "hello?", "ok thanks"]


def test_a_correction_updates_the_case_reason(records_db):
    cid = open_case(records_db, "th-fix", reason="borrower says already paid; payment not found")
    text = "no, I didn't say I already paid, I get paid on the 15th"
    t = tracker("th-fix", "action_handoff_correction", text, "promise_to_pay", {"handoff_intent": "already_paid"},
                Move("action_handoff_correction", detail="promise_to_pay"))
    texts, events = run(records_db, "action_handoff_correction", t)
    assert texts == [render("handoff_reason_updated", **FILLS)]
    assert the_case(records_db, cid).reason == ("corrected by the borrower: borrower says when they can pay "
                                                 "(was: borrower says already paid; payment not found)")
    assert {"event": "slot", "timestamp": None, "name": "handoff_intent", "value": "promise_to_pay"} in events


def test_a_borrower_who_verifies_after_the_hand_off_is_linked_to_their_loan(records_db):
    add_loan(records_db, "TH-LINK-1")
    cid = open_case(records_db, "th-verify", reason="borrower asked for a person")
    entities = [{"entity": "loan_reference", "value": "TH-LINK-1"}, {"entity": "date_of_birth", "value": "1990-01-02"}]
    t = tracker("th-verify", "action_verify", "TH-LINK-1 born 2 January 1990", "provide_identity", {},
                entities=entities)
    texts, events = run(records_db, "action_verify", t)
    assert {"event": "slot", "timestamp": None, "name": "verified", "value": True} in events
    case = the_case(records_db, cid)
    assert case.loan_id_seen == "TH-LINK-1"
    with records_db.session() as s:
        linked = [e.payload for e in s.execute(select(AuditEntry).where(
            AuditEntry.conversation_id == "th-verify", AuditEntry.kind == "handoff")).scalars()
            if e.payload.get("change") == "handoff_linked"]
    assert linked and linked[0]["loan_id"] == "TH-LINK-1"


def test_opening_a_case_no_longer_pauses_rasa_and_arms_the_thin_layer(records_db):
    t = tracker("th-open", "action_handoff", "I want a person", "request_human", {"handed_off": False},
                Move("action_handoff", escalation=Escalation.REQUEST_HUMAN))
    texts, events = run(records_db, "action_handoff", t)
    assert not paused(events)
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots == {"handed_off": True, "handoff_acknowledged": False, "handoff_taken": False,
                     "handoff_intent": None}


def test_a_specific_hand_off_replaces_a_vague_case_reason(records_db):
    """A wrong number confirmed after "bot did not understand twice" left the case saying only that."""
    vague = open_case(records_db, "th-vague", reason="bot did not understand twice")
    t = tracker("th-vague", "action_handoff", "I'm not the borrower, wrong number", "wrong_person", {},
                Move("action_handoff", escalation=Escalation.WRONG_NUMBER))
    run(records_db, "action_handoff", t)
    assert the_case(records_db, vague).reason.startswith("wrong number confirmed")
    specific = open_case(records_db, "th-specific", reason="complaint")
    run(records_db, "action_handoff", tracker("th-specific", "action_handoff", "a person please", "request_human", {},
                                               Move("action_handoff", escalation=Escalation.REQUEST_HUMAN)))
    assert the_case(records_db, specific).reason == "complaint"
