"""What the bot says it recorded, it records; what the borrower did not say, it undoes (issue 13, 3 and 4).

The actions' side of bot/dialogue/record_moves.py: nothing is written before
the borrower's yes, the yes writes it, "I didn't say that" restores it with an
audit entry, and the case a misreading opened is handed back to the bot.
"""
from __future__ import annotations

from rasa_sdk import Tracker
from sqlalchemy import select

from actions import HANDLERS
from actions.turns import _run
from bot.dialogue import during_handoff, record_moves
from bot.dialogue.messages import render
from bot.dialogue.move import MOVE_SLOT, Move, to_dict
from bot.dialogue.reasons import Escalation
from bot.records import handoffs
from bot.records.models import AuditEntry, Borrower, Handoff, Loan
from bot.settings import lender, settings
from tests.support.records_fixtures import add_loan

FILLS = {"lender": lender()["name"], "contact": lender()["contact"],
         "response_time": settings()["handoff_response_time"], "assistant": lender()["assistant_name"]}


def loan(loan_id: str, status: str = "overdue", jurisdiction: str = "KE") -> dict:
    return {"loan_id": loan_id, "borrower_id": f"B-{loan_id}", "jurisdiction": jurisdiction,
            "timezone": "Africa/Nairobi", "status": status, "currency": "KES"}


def tracker(cid: str, text: str, intent: str, slots: dict, move: Move, signals: dict | None = None,
            entities: list | None = None) -> Tracker:
    parse = {"text": text, "intent": {"name": intent, "confidence": 0.95}, "entities": entities or [], "message_id": "m2",
             "signals": signals or {}}
    events = [{"event": "user", "text": "LN-1 2 Jan 1990", "timestamp": 1.0, "input_channel": "rest",
               "parse_data": {"text": "LN-1 2 Jan 1990", "intent": {"name": "provide_identity"}}, "message_id": "m1"},
              *([{"event": "slot", "name": "verified", "value": True, "timestamp": 1.5}] if slots.get("verified") else []),
              {"event": "bot", "text": "Thanks", "timestamp": 2.0},
              {"event": "user", "text": text, "timestamp": 3.0, "input_channel": "rest", "parse_data": parse,
               "message_id": "m2"}]
    return Tracker(cid, {**slots, MOVE_SLOT: to_dict(move, for_message="m2")}, parse, events, False, None, {},
                   "action_listen")


def run(records_db, action: str, t: Tracker) -> tuple[list[tuple[str, list]], dict]:
    with records_db.session() as s:
        done = _run(action, HANDLERS[action], t, s)
    slots = {e["name"]: e["value"] for e in done["events"] if e.get("event") == "slot"}
    return [(text, buttons) for text, buttons in done["messages"]], slots


def borrower(records_db, borrower_id: str) -> tuple[bool, list]:
    with records_db.session() as s:
        b = s.execute(select(Borrower).where(Borrower.borrower_id == borrower_id)).scalar_one()
        return bool(b.cease_contact), list(b.opted_out_channels or [])


def kinds(records_db, cid: str) -> list[str]:
    with records_db.session() as s:
        return list(s.execute(select(AuditEntry.kind).where(AuditEntry.conversation_id == cid)
                              .order_by(AuditEntry.seq)).scalars())


def test_stop_contact_is_asked_then_recorded_then_undone(records_db):
    add_loan(records_db, "RC-1")
    verified = {"verified": True, "loan_id": "RC-1", "loan": loan("RC-1")}
    signals = {"evidence": ["stop_contact"], "opt_out": "cease"}
    messages, slots = run(records_db, record_moves.CONFIRM, tracker(
        "rc-1", "stop messaging me", "stop_contact", verified, Move(record_moves.CONFIRM, detail="stop_contact"),
        signals))
    assert messages[0][0].endswith(render("confirm_stop_contact", **FILLS))
    assert [b["payload"] for b in messages[0][1]] == ["/affirm", "/deny"]
    assert borrower(records_db, "B-RC-1") == (False, [])  # nothing written before the yes
    pending = {**verified, record_moves.PENDING: slots[record_moves.PENDING]}
    messages, slots = run(records_db, "action_stop_contact", tracker(
        "rc-1", "yes", "affirm", pending, Move("action_stop_contact", detail="confirmed")))
    assert messages[0][0].endswith(render("stop_contact_cease", **FILLS))
    assert borrower(records_db, "B-RC-1") == (True, [])
    assert slots[record_moves.PENDING] is None
    last = {**verified, record_moves.LAST: slots[record_moves.LAST]}
    messages, slots = run(records_db, record_moves.REVERT, tracker(
        "rc-1", "no, I didn't say that", "deny", last, Move(record_moves.REVERT, detail="stop_contact"),
        {"correction": True}))
    assert messages[0][0].endswith(render("record_reverted", **FILLS))
    assert borrower(records_db, "B-RC-1") == (False, [])
    assert "record_change_reverted" in kinds(records_db, "rc-1")


def test_a_declined_change_records_nothing(records_db):
    add_loan(records_db, "RC-2")
    slots = {"verified": True, "loan_id": "RC-2", "loan": loan("RC-2"),
             record_moves.PENDING: {"intent": "stop_contact", "text": "我想分期还款", "opt_out": None}}
    messages, after = run(records_db, record_moves.DECLINED, tracker(
        "rc-2", "no", "deny", slots, Move(record_moves.DECLINED, detail="stop_contact")))
    assert messages[0][0].endswith(render("record_declined", **FILLS))
    assert after[record_moves.PENDING] is None
    assert borrower(records_db, "B-RC-2") == (False, [])


def test_an_undone_dispute_restores_the_status_and_hands_the_case_back(records_db):
    add_loan(records_db, "RC-3")
    slots = {"verified": True, "loan_id": "RC-3", "loan": loan("RC-3"),
             record_moves.PENDING: {"intent": "dispute_debt", "text": "this loan is not mine"}}
    _, after = run(records_db, "action_dispute", tracker(
        "rc-3", "yes", "affirm", slots, Move("action_dispute", escalation=Escalation.DISPUTE, detail="confirmed")))
    with records_db.session() as s:
        assert s.execute(select(Loan.status).where(Loan.loan_id == "RC-3")).scalar_one() == "disputed"
    undo = {**slots, record_moves.LAST: after[record_moves.LAST], during_handoff.HANDED_OFF: True}
    _, after = run(records_db, record_moves.REVERT, tracker(
        "rc-3", "I never said that", "deny", undo, Move(record_moves.REVERT, detail="dispute_debt"),
        {"correction": True}))
    with records_db.session() as s:
        assert s.execute(select(Loan.status).where(Loan.loan_id == "RC-3")).scalar_one() == "overdue"
        case = s.execute(select(Handoff).where(Handoff.conversation_id == "rc-3")).scalar_one()
        assert (case.status, case.outcome) == ("closed", "handed_back")
    assert after[during_handoff.HANDED_OFF] is False


def test_a_complaint_about_contact_with_the_family_is_recorded_first_in_the_queue(records_db):
    add_loan(records_db, "RC-4")
    slots = {"verified": True, "loan_id": "RC-4", "loan": loan("RC-4"),
             record_moves.PENDING: {"intent": "complain", "text": "your agent phoned my wife", "family_contact": True}}
    messages, _ = run(records_db, "action_complain", tracker(
        "rc-4", "yes", "affirm", slots, Move("action_complain", escalation=Escalation.COMPLAINT, detail="confirmed")))
    assert messages[0][0].endswith(render("complain_family", **FILLS))
    with records_db.session() as s:
        case = s.execute(select(Handoff).where(Handoff.conversation_id == "rc-4")).scalar_one()
        assert case.priority == handoffs.PRIORITY_HIGH and "family" in case.reason
        payload = s.execute(select(AuditEntry.payload).where(AuditEntry.conversation_id == "rc-4",
                                                              AuditEntry.kind == "complaint")).scalar_one()
        assert payload["text"] == "your agent phoned my wife"  # the words of the claim, not the "yes"


def test_someone_not_the_borrower_closes_verification_and_can_leave_a_message(records_db):
    _, slots = run(records_db, "action_third_party", tracker(
        "rc-5", "I'm her brother", "third_party", {}, Move("action_third_party")))
    assert slots[record_moves.CLOSED] is True
    messages, _ = run(records_db, "action_third_party_message", tracker(
        "rc-5", "tell her to call me", "nlu_fallback", {record_moves.CLOSED: True},
        Move("action_third_party_message")))
    assert messages[0][0].endswith(render("third_party_message", **FILLS))
    assert "third_party_message" in kinds(records_db, "rc-5")


def test_a_contact_time_outside_the_window_is_refused_with_the_window(records_db):
    slots = {"verified": True, "loan": loan("RC-6", jurisdiction="IN")}
    late = {"contact_time": {"relation": "after", "hour": 19, "minute": 0}}
    messages, _ = run(records_db, "action_busy_later", tracker(
        "rc-6", "message me after 7pm", "busy_later", slots, Move("action_busy_later"), late))
    assert messages[0][0].endswith(render("contact_time_outside", start="08:00", end="19:00", **FILLS))
    assert "preferred_contact_time" not in kinds(records_db, "rc-6")
    early = {"contact_time": {"relation": "after", "hour": 17, "minute": 0}}
    messages, _ = run(records_db, "action_busy_later", tracker(
        "rc-6b", "message me after 5pm", "busy_later", slots, Move("action_busy_later"), early))
    assert messages[0][0].endswith(render("busy_later_noted", **FILLS))
    assert "preferred_contact_time" in kinds(records_db, "rc-6b")


def test_a_paused_account_is_told_a_person_reviews_it_first(records_db):
    add_loan(records_db, "RC-7", status="paused")
    slots = {"verified": True, "loan_id": "RC-7", "loan": loan("RC-7", status="paused")}
    messages, after = run(records_db, "action_review_first", tracker(
        "rc-7", "can I pay in 3 parts", "request_instalments", slots,
        Move("action_review_first", escalation=Escalation.PAUSED_REVIEW)))
    assert messages[0][0].endswith(render("review_first", **FILLS))
    assert after[during_handoff.HANDED_OFF] is True
    with records_db.session() as s:
        assert s.execute(select(Handoff.reason).where(Handoff.conversation_id == "rc-7")).scalar_one() \
            .startswith("account paused")


def test_a_claim_left_unanswered_is_dropped_at_the_next_turn(records_db):
    """Panel-07: "5 calls yesterday!!" was asked about, the borrower went on, and their later "ok" to an
    offer must not confirm the old complaint."""
    add_loan(records_db, "RC-8")
    slots = {"verified": True, "loan_id": "RC-8", "loan": loan("RC-8"),
             record_moves.PENDING: {"intent": "complain", "text": "5 calls yesterday!!"},
             record_moves.LAST: {"intent": "stop_contact", "undo": {}}}
    _, after = run(records_db, "action_thank", tracker(
        "rc-8", "thanks for explaining", "thank", slots, Move("action_thank")))
    assert after[record_moves.PENDING] is None and after[record_moves.LAST] is None


def test_before_verification_a_time_waits_for_the_loan_s_own_window(records_db):
    """Contact hours differ by jurisdiction: "after 7pm" was refused in the UK and the Philippines with a
    09:00-19:00 window no jurisdiction has (issue 13 panel). It is kept, then checked once they verify."""
    late = {"contact_time": {"relation": "after", "hour": 17, "minute": 0}}
    messages, after = run(records_db, "action_busy_later", tracker(
        "rc-9", "message me after 5pm", "busy_later", {}, Move("action_busy_later"), late))
    assert messages[0][0].endswith(render("contact_time_verify_first", **FILLS))
    assert after["proposed_contact_time"]["hour"] == 17 and "preferred_contact_time" not in kinds(records_db, "rc-9")
    add_loan(records_db, "RC-9")  # a KE borrower: 08:00-19:00
    identity = [{"entity": "loan_reference", "value": "RC-9"}, {"entity": "date_of_birth", "value": "1990-01-02"}]
    messages, done = run(records_db, "action_verify", tracker(
        "rc-9", "RC-9 born 2 January 1990", "provide_identity", {"proposed_contact_time": after["proposed_contact_time"]},
        Move("action_verify"), entities=identity))
    assert done["verified"] is True and done["proposed_contact_time"] is None
    assert messages[-1][0] == render("busy_later_noted", **FILLS)
    with records_db.session() as s:
        noted = s.execute(select(AuditEntry).where(AuditEntry.conversation_id == "rc-9",
                                                   AuditEntry.kind == "preferred_contact_time")).scalar_one()
        assert noted.payload["time"] == "after 17:00" and noted.loan_id is not None  # on the loan now


def test_a_time_said_with_the_identity_details_is_checked_once_they_verify(records_db):
    """Round 5 (dev): "LN-60284, DOB Oct 21st 1996. can you text me after 7pm" was asked for its details again."""
    add_loan(records_db, "RC-9C")  # KE: 08:00-19:00
    identity = [{"entity": "loan_reference", "value": "RC-9C"}, {"entity": "date_of_birth", "value": "1990-01-02"}]
    messages, done = run(records_db, "action_verify", tracker(
        "rc-9c", "RC-9C born 2 January 1990, text me after 5pm", "busy_later", {}, Move("action_verify"),
        {"contact_time": {"relation": "after", "hour": 17, "minute": 0}}, entities=identity))
    assert done["verified"] is True and messages[-1][0] == render("busy_later_noted", **FILLS)
    assert "preferred_contact_time" in kinds(records_db, "rc-9c")


def test_a_time_kept_before_verification_outside_the_loan_s_window_is_refused_then(records_db):
    add_loan(records_db, "RC-9B")
    kept = {"relation": "after", "hour": 19, "minute": 30, "date": None, "text": "after 7:30pm"}
    identity = [{"entity": "loan_reference", "value": "RC-9B"}, {"entity": "date_of_birth", "value": "1990-01-02"}]
    messages, _ = run(records_db, "action_verify", tracker(
        "rc-9b", "RC-9B born 2 January 1990", "provide_identity", {"proposed_contact_time": kept},
        Move("action_verify"), entities=identity))
    assert messages[-1][0] == render("contact_time_outside", start="08:00", end="19:00", **FILLS)
    assert "contact_time_refused" in kinds(records_db, "rc-9b")


def test_a_hardship_said_before_verification_is_remembered_for_the_offers(records_db):
    messages, after = run(records_db, "action_ask_identity", tracker(
        "rc-10", "I lost my job last month", "cannot_pay", {}, Move("action_ask_identity"), {"hardship": "job_loss"}))
    assert after["hardship_reason"] == "job_loss"
    _, later = run(records_db, "action_ask_identity", tracker(
        "rc-11", "my hours were cut", "cannot_pay", {"hardship_reason": "illness"}, Move("action_ask_identity"),
        {"hardship_likely": "reduced_income"}))
    assert "hardship_reason" not in later  # the first one said stays


def test_a_payment_reference_is_named_back_and_put_on_the_case(records_db):
    add_loan(records_db, "RC-12")
    slots = {"verified": True, "loan_id": "RC-12", "loan": loan("RC-12"),
             record_moves.PENDING: {"intent": "already_paid", "text": "I paid, ref 9QX-22814",
                                    "payment_reference": "9QX-22814"}}
    messages, after = run(records_db, "action_already_paid", tracker(
        "rc-12", "yes", "affirm", slots, Move("action_already_paid", detail="confirmed")))
    assert messages[0][0].endswith(render("already_paid_reference", reference="9QX-22814", **FILLS))
    with records_db.session() as s:
        assert "9QX-22814" in s.execute(select(Handoff.reason).where(Handoff.conversation_id == "rc-12")).scalar_one()
    # the reference given later, while the case waits: named back and added to the case's reason
    waiting = {**slots, record_moves.PENDING: None, during_handoff.HANDED_OFF: True,
               during_handoff.CASE_INTENT: "already_paid"}
    messages, _ = run(records_db, during_handoff.PAYMENT_REFERENCE, tracker(
        "rc-12", "receipt no. TX558201", "provide_identity", waiting, Move(during_handoff.PAYMENT_REFERENCE),
        {"payment_reference": "TX558201"}))
    assert messages[0][0].endswith(render("handoff_payment_reference", reference="TX558201", **FILLS))
    with records_db.session() as s:
        assert "TX558201" in s.execute(select(Handoff.reason).where(Handoff.conversation_id == "rc-12")).scalar_one()


def test_who_is_this_as_the_first_message_says_who_we_are_once(records_db):
    parse = {"text": "who is this?", "intent": {"name": "bot_challenge", "confidence": 0.9}, "entities": [],
             "message_id": "m1", "signals": {"who_is_this": True}}
    events = [{"event": "user", "text": "who is this?", "timestamp": 1.0, "input_channel": "rest",
               "parse_data": parse, "message_id": "m1"}]
    t = Tracker("rc-13", {MOVE_SLOT: to_dict(Move(record_moves.WHO), for_message="m1")}, parse, events, False, None,
                {}, "action_listen")
    with records_db.session() as s:
        done = _run(record_moves.WHO, HANDLERS[record_moves.WHO], t, s)
    text = done["messages"][0][0]
    assert text == render("who_is_this", **FILLS)
    assert text.count("automated assistant") == 1


def test_a_payment_claim_before_verification_is_asked_about_once_they_verify(records_db):
    """"I paid this on Friday by bank transfer" before verifying was dropped after it (issue 13 panel)."""
    messages, after = run(records_db, "action_ask_identity", tracker(
        "rc-12", "I paid this on Friday by bank transfer. Why the letters?", "already_paid", {},
        Move("action_ask_identity", detail="already_paid"), {"evidence": ["already_paid"]}))
    kept = after[record_moves.EARLIER]
    assert kept["intent"] == "already_paid" and "bank transfer" in kept["text"]
    (text, buttons), done = verified_with(records_db, "rc-12", {record_moves.EARLIER: kept})
    assert text == render("clarify_already_paid", **FILLS) and [b["payload"] for b in buttons] == ["/affirm", "/deny"]
    assert done[record_moves.PENDING] == kept and done[record_moves.EARLIER] is None


def verified_with(records_db, cid: str, slots: dict) -> tuple[tuple[str, list], dict]:
    """The last message and the slots after the borrower of a new loan verifies with `slots` set."""
    add_loan(records_db, f"RCP-{cid}")
    identity = [{"entity": "loan_reference", "value": f"RCP-{cid}"}, {"entity": "date_of_birth", "value": "1990-01-02"}]
    messages, done = run(records_db, "action_verify", tracker(
        cid, f"RCP-{cid} born 2 January 1990", "provide_identity", slots, Move("action_verify"), entities=identity))
    return messages[-1], done


def test_a_payment_claimed_in_the_verifying_message_is_asked_about_after_the_statement(records_db):
    """"LN-…, DOB …. Nililipa tarehe 5 Desemba kupitia paybill …, code ya M-Pesa ni SKL5HQ27XM": only the
    statement came back (round 8 (dev))."""
    cid = "rc-14"
    add_loan(records_db, f"RCP-{cid}")
    identity = [{"entity": "loan_reference", "value": f"RCP-{cid}"}, {"entity": "date_of_birth", "value": "1990-01-02"}]
    text = f"RCP-{cid} born 2 January 1990. Nililipa tarehe 5 Desemba, code ya M-Pesa ni SKL5HQ27XM"
    messages, done = run(records_db, "action_verify", tracker(
        cid, text, "provide_identity", {}, Move("action_verify"),
        {"evidence": ["already_paid"], "payment_reference": "SKL5HQ27XM"}, entities=identity))
    assert messages[-1][0] == render("clarify_already_paid", **FILLS)
    assert done[record_moves.PENDING]["intent"] == "already_paid" and done["verified"] is True


def test_a_complaint_answered_by_verifying_is_asked_again_after_the_statement(records_db):
    """"Someone called my workplace" -> "shall I record a complaint?" -> the borrower verifies instead
    of tapping: the complaint was lost (issue 13 panel, round 2). It is asked about after the statement."""
    pending = {"intent": "complain", "text": "someone from your company called my workplace", "opt_out": None,
               "family_contact": True, "payment_reference": None}
    (text, buttons), done = verified_with(records_db, "rc-13", {record_moves.PENDING: pending})
    assert text == render("clarify_complain", **FILLS) and [b["payload"] for b in buttons] == ["/affirm", "/deny"]
    assert done[record_moves.PENDING] == pending and done["verified"] is True


def test_a_pending_claim_outlives_a_turn_spent_on_identity_but_not_a_no(records_db):
    pending = {"intent": "stop_contact", "text": "stop calling me", "opt_out": "cease", "family_contact": False,
               "payment_reference": None}
    _, after = run(records_db, "action_ask_identity", tracker(
        "rc-14", "LN-99999", "provide_identity", {record_moves.PENDING: pending}, Move("action_ask_identity")))
    assert after[record_moves.PENDING] is None and after[record_moves.EARLIER] == pending
    _, declined = run(records_db, "action_record_declined", tracker(
        "rc-15", "no", "deny", {record_moves.PENDING: pending}, Move("action_record_declined", detail="stop_contact")))
    assert declined[record_moves.PENDING] is None and record_moves.EARLIER not in declined
    wrong = {**pending, "intent": "wrong_person"}
    _, after = run(records_db, "action_ask_identity", tracker(
        "rc-16", "LN-99999", "provide_identity", {record_moves.PENDING: wrong}, Move("action_ask_identity")))
    assert record_moves.EARLIER not in after


def test_a_relative_reporting_the_borrowers_death_reaches_a_person_not_a_note(records_db):
    """A daughter writing from her late mother's phone was told her message was noted for the
    account holder (issue 13 panel, round 2): now condolence, a case a person takes first, nothing disclosed."""
    text = "I'm writing about my mum. She died on 20 November and her phone keeps getting these messages"
    messages, after = run(records_db, "action_death_reported", tracker(
        "rc-17", text, "third_party", {}, Move("action_death_reported", escalation=Escalation.DEATH_REPORTED),
        {"hardship": "bereavement"}))
    said = " ".join(t for t, _ in messages)
    assert render("condolence") in said and render("death_reported", **FILLS) in said
    assert after[record_moves.CLOSED] is True and after[during_handoff.HANDED_OFF] is True
    with records_db.session() as s:
        case = s.execute(select(Handoff).where(Handoff.conversation_id == "rc-17")).scalar_one()
        assert case.priority == handoffs.PRIORITY_HIGH and "died" in case.reason and case.loan_pk is None
    assert "death_reported" in kinds(records_db, "rc-17")


def test_a_wrong_number_the_channel_cannot_name_goes_to_a_person_and_nothing_false_is_said(records_db):
    """"We'll update our records and won't contact this number" was said where nothing could be updated
    (web chat, REST: the channel names no borrower). Now a person gets it, and the bot says so; undone by
    "I didn't say that" like any change."""
    pending = {record_moves.PENDING: {"intent": "wrong_person", "text": "wrong number, I bought this sim last month"}}
    messages, after = run(records_db, "action_wrong_person", tracker(
        "rc-18", "yes", "affirm", pending, Move("action_wrong_person", detail="confirmed")))
    said = " ".join(t for t, _ in messages)
    assert render("wrong_person_handoff", **FILLS) in said and render("wrong_person", **FILLS) not in said
    assert after[during_handoff.HANDED_OFF] is True and after[record_moves.LAST]["undo"]["case"]
    with records_db.session() as s:
        case = s.execute(select(Handoff).where(Handoff.conversation_id == "rc-18")).scalar_one()
        assert "wrong number" in case.reason and case.status == "open"
    run(records_db, record_moves.REVERT, tracker(
        "rc-18", "I never said that", "deny", {record_moves.LAST: after[record_moves.LAST], during_handoff.HANDED_OFF: True},
        Move(record_moves.REVERT, detail="wrong_person"), {"correction": True}))
    with records_db.session() as s:
        case = s.execute(select(Handoff).where(Handoff.conversation_id == "rc-18")).scalar_one()
        assert (case.status, case.outcome) == ("closed", "handed_back")


def test_a_reported_threat_confirmed_as_a_complaint_is_looked_into_first(records_db):
    """Round 6 (dev): "one man call me yesterday say police go come carry me" was answered, never recorded."""
    pending = {record_moves.PENDING: {"intent": "complain", "threat": True,
                                      "text": "one man call me yesterday say police go come carry me"}}
    messages, after = run(records_db, "action_complain", tracker(
        "rc-threat", "yes", "affirm", pending, Move("action_complain", escalation=Escalation.COMPLAINT,
                                                    detail="confirmed")))
    with records_db.session() as s:
        case = s.execute(select(Handoff).where(Handoff.conversation_id == "rc-threat")).scalar_one()
        assert case.priority == handoffs.PRIORITY_HIGH and "threat" in case.reason and "police" in case.reason
    assert after[during_handoff.CASE_INTENT] == "complain"
