"""A move that changes the record is never a guess (issue 13, "What must hold" 3 and 4): the policy's side.

Every failure the issue lists is a turn here: the misread instalment request
that set cease-contact, "I get paid on the 15th" read as already paid, the
amount question read as a dispute, "who is this?" told we'd stop contact, the
brother verified with his sister's details, the paused account given a plan.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from actions.context import products
from bot.dialogue import during_handoff, record_moves
from bot.dialogue.moves import decide
from bot.dialogue.reasons import Escalation
from bot.dialogue.turn import Turn
from bot.negotiation.notes import NoteCode

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
LOAN = {"loan_id": "LN-1", "borrower_id": "B-1", "currency": "KES", "total": "13860.00", "outstanding_principal":
        "12500.00", "accrued_interest": "860.00", "late_fees": "500.00", "product_code": "WALLET-30",
        "due_date": "2026-11-12", "timezone": "Africa/Nairobi", "jurisdiction": "KE", "status": "overdue",
        "arrangements_count": 0}
VERIFIED = {"verified": True, "loan_id": "LN-1", "loan": LOAN}


def move(intent: str, text: str = "", slots: dict | None = None, signals: dict | None = None,
         confidence: float = 0.95, entities: dict | None = None):
    turn = Turn(intent, text, NOW, slots or {}, entities or {}, signals=signals or {}, intent_confidence=confidence)
    return decide(turn, products())


@pytest.mark.parametrize("intent,slots", [
    ("stop_contact", {}), ("wrong_person", {}), ("complain", {}),
    ("dispute_debt", VERIFIED), ("already_paid", VERIFIED),
])
def test_with_evidence_and_a_sure_reading_the_bot_names_the_change_and_waits(intent, slots):
    m = move(intent, "...", slots, {"evidence": [intent]})
    assert (m.action, m.detail) == (record_moves.CONFIRM, intent)


@pytest.mark.parametrize("signals,confidence", [({}, 0.95), ({"evidence": ["stop_contact"]}, 0.4)])
def test_without_evidence_or_when_unsure_the_bot_asks_what_they_meant(signals, confidence):
    # the Chinese request for instalments that came out as stop_contact
    m = move("stop_contact", "我想分期还款", {}, signals, confidence)
    assert (m.action, m.detail) == (record_moves.CLARIFY, "stop_contact")


def test_yes_makes_the_change_no_records_nothing():
    pending = {record_moves.PENDING: {"intent": "stop_contact", "text": "stop texting me", "opt_out": "cease"}}
    assert move("affirm", "yes", pending).action == "action_stop_contact"
    assert move("deny", "no", pending).action == record_moves.DECLINED
    disputed = {**VERIFIED, record_moves.PENDING: {"intent": "dispute_debt", "text": "not my loan"}}
    confirmed = move("affirm", "yes", disputed)
    assert (confirmed.action, confirmed.escalation) == ("action_dispute", Escalation.DISPUTE)


def test_a_debt_claim_needs_verification_even_once_confirmed():
    pending = {record_moves.PENDING: {"intent": "already_paid", "text": "I paid"}}
    assert move("affirm", "yes", pending).action == "action_ask_identity"


def test_i_didnt_say_that_undoes_the_last_change():
    last = {record_moves.LAST: {"intent": "stop_contact", "undo": {"kind": "cease"}}}
    m = move("deny", "no, I didn't say that", last, {"correction": True})
    assert (m.action, m.detail) == (record_moves.REVERT, "stop_contact")
    assert move("deny", "no, I didn't say that", {}, {"correction": True}).action != record_moves.REVERT


@pytest.mark.parametrize("intent", ["stop_contact", "wrong_person", "nlu_fallback", "bot_challenge"])
def test_who_is_this_gets_who_we_are_and_the_verification_request(intent):
    assert move(intent, "Who is this?", {}, {"who_is_this": True}).action == record_moves.WHO


def test_an_amount_question_is_answered_with_the_fees_not_recorded_as_a_dispute():
    text = "why is it 5,600 when I borrowed 5,000?"
    assert move("dispute_debt", text, VERIFIED, {"amount_question": True}).action == "action_explain_fees"
    assert move("dispute_debt", text, {}, {"amount_question": True}).action == "action_ask_identity"
    # a real dispute that also asks about the amount is still a (confirmed) dispute
    both = move("dispute_debt", "never borrowed, why 5,600?", VERIFIED,
                {"amount_question": True, "evidence": ["dispute_debt"]})
    assert both.action == record_moves.CONFIRM


def test_i_get_paid_on_the_15th_is_a_date_to_pay_on_not_a_payment_made():
    """Read as already_paid, "I get paid on the 15th" was asked "have you already paid?" (issue 13 panel)."""
    m = move("already_paid", "I get paid on the 5th", VERIFIED, {}, entities={"date": ["2026-12-05"]})
    assert m.action == "action_offer" and m.offer.kind == "promise_to_pay" and not m.offer.notes
    assert [i.due.isoformat() for i in m.offer.schedule] == ["2026-12-05"]
    later = move("already_paid", "I get paid on the 15th", VERIFIED, {}, entities={"date": ["2026-12-15"]})
    assert later.offer.kind == "deferral"  # beyond the promise window: their date as a deferral, as near as it goes
    assert [n.code for n in later.offer.notes] == [NoteCode.DEFERRAL_MAX]  # the limits' change, named


def test_a_payment_made_on_a_date_is_still_a_payment_claim():
    past = move("already_paid", "I paid on the 28th", VERIFIED, {"evidence": ["already_paid"]},
                entities={"date": ["2026-11-28"]})
    assert (past.action, past.detail) == (record_moves.CONFIRM, "already_paid")
    unsure = move("already_paid", "salary comes 15th", VERIFIED, {}, entities={"date": ["2026-11-15"]})
    assert (unsure.action, unsure.detail) == (record_moves.CLARIFY, "already_paid")  # a past date: asked


def test_a_complaint_about_contacting_the_family_is_a_complaint_whatever_it_was_read_as():
    m = move("nlu_fallback", "your agent phoned my wife", {}, {"family_contact": True, "evidence": ["complain"]})
    assert (m.action, m.detail) == (record_moves.CONFIRM, "complain")


def test_someone_who_is_not_the_borrower_is_never_verified_in_that_conversation():
    closed = {record_moves.CLOSED: True}
    assert move("provide_identity", "LN-1 14 Feb 1990", closed,
                entities={"loan_reference": ["LN-1"], "date_of_birth": ["1990-02-14"]}).action \
        == "action_third_party_closed"
    assert move("ask_payment_methods", "how can I pay it for her", closed).action == "action_third_party_payment"
    assert move("request_deferral", "she needs more time", closed).action == "action_third_party_message"
    assert move("nlu_fallback", "ok tell her to call me", closed).action == "action_third_party_message"
    # once closed, "tell her to call me" read as third_party is a message too, not the same paragraph again
    assert move("third_party", "Ok tell her to call me then", closed).action == "action_third_party_message"
    # a question about the account gets what can be done instead (a message, how to pay), not "noted"
    assert move("ask_balance", "I want to help her pay. How much is it?", closed).action == "action_third_party_closed"
    # the thin layer too: no verification of a stranger during a hand-off
    handed = {**closed, during_handoff.HANDED_OFF: True}
    assert move("provide_identity", "LN-1", handed, entities={"loan_reference": ["LN-1"]}).action != "action_verify"


def test_a_paused_account_gets_no_new_arrangement_until_a_person_reviews_it():
    paused = {**VERIFIED, "loan": {**LOAN, "status": "paused"}}
    m = move("request_deferral", "can I have two weeks", paused, entities={"duration_days": [14]})
    assert (m.action, m.escalation) == ("action_review_first", Escalation.PAUSED_REVIEW)
    assert move("ask_balance", "how much", paused).action == "action_state_balance"
    offer = {**paused, "pending_offer": {"kind": "deferral"}}
    assert move("affirm", "yes", offer).action == "action_review_first"


def test_can_i_be_arrested_is_answered_before_verification():
    assert move("ask_consequences", "can I be arrested?", {}, {"arrest": True}).action == "action_consequences"
    assert move("ask_consequences", "what happens if I don't pay", {}).action == "action_ask_identity"
    assert move("nlu_fallback", "will police come to my house", {}, {"arrest": True}).action == "action_consequences"
    assert move("greet", "hello, will I go to jail?", VERIFIED, {"arrest": True}).action == "action_consequences"
    # read as a payment request, the arrest question still comes first before verification (issue 13 panel:
    # "someone said he is police and I'll be arrested tomorrow if I haven't paid, is it true??" got the
    # verification request twice); after it, the request is negotiated
    fear = "Mtu amenipigia akisema ni polisi na nitakamatwa kesho kama sijalipa hii loan. Ni kweli??"
    assert move("cannot_pay", fear, {}, {"arrest": True}).action == "action_consequences"
    assert move("promise_to_pay", "I'll pay friday, no need for police", VERIFIED, {"arrest": True},
                entities={"date": ["2026-12-04"]}).action == "action_offer"


def test_a_proposed_contact_time_goes_to_the_window_check():
    at = {"contact_time": {"relation": "after", "hour": 19, "minute": 0}}
    assert move("busy_later", "message me after 7pm", {}, at).action == "action_busy_later"
    assert move("greet", "ok then saturday 10am", {},
                {"contact_time": {"relation": "at", "hour": 10, "minute": 0}}).action == "action_busy_later"
    assert move("stop_contact", "don't call me before 9am", {},
                {"contact_time": {"relation": "before", "hour": 9, "minute": 0}}).action == "action_busy_later"


def test_likely_hardship_chooses_the_hardship_limits():
    m = move("request_instalments", "my hours were cut, can I pay in 3 parts", VERIFIED,
             {"hardship_likely": "reduced_income"}, entities={"instalments": [3]})
    assert m.hardship_reason == "reduced_income"


def test_during_a_hand_off_stop_contact_is_confirmed_then_recorded():
    handed = {**VERIFIED, during_handoff.HANDED_OFF: True}
    m = move("stop_contact", "stop messaging me", handed, {"evidence": ["stop_contact"], "opt_out": "cease"})
    assert m.action == record_moves.CONFIRM
    pending = {**handed, record_moves.PENDING: {"intent": "stop_contact", "text": "stop", "opt_out": "cease"}}
    assert move("affirm", "yes", pending).action == "action_stop_contact"
    # the case's own subject is not asked about again
    case = {**handed, during_handoff.CASE_INTENT: "complain"}
    assert move("complain", "this is a disgrace", case, {"evidence": ["complain"]}).action in during_handoff.ACTIONS


def test_a_dated_promise_to_pay_in_full_is_offered_for_the_record():
    m = move("pay_in_full", "I'll pay it all on the 5th", VERIFIED, entities={"date": ["2026-12-05"]})
    assert (m.action, m.request.kind.value) == ("action_offer", "promise_to_pay")
    assert move("pay_in_full", "I want to pay it all now", VERIFIED).action == "action_pay_in_full"


@pytest.mark.parametrize("intent", ["ask_payment_methods", "ask_balance", "nlu_fallback", "pay_in_full", "stop_contact"])
def test_a_payment_claim_read_as_another_intent_is_asked_about(intent):
    """"Nililipa jana kupitia paybill, code ni SLK8Y2H1QZ" came out as how to pay (issue 13 panel)."""
    m = move(intent, "Nililipa jana kupitia paybill, code ni SLK8Y2H1QZ", VERIFIED, {"evidence": ["already_paid"]})
    assert (m.action, m.detail) == (record_moves.CLARIFY, "already_paid")


def test_a_payment_claim_before_verification_asks_who_they_are_not_about_contact():
    m = move("stop_contact", "Nishalipa hii! Mbona mnaendelea kunitumia messages?", {}, {"evidence": ["already_paid"]})
    assert (m.action, m.detail) == ("action_ask_identity", "already_paid")  # the claim waits for verification
    read = move("already_paid", "I paid this on Friday by bank transfer. Why the letters?", {}, {"evidence": ["already_paid"]})
    assert (read.action, read.detail) == ("action_ask_identity", "already_paid")


def test_thanks_to_have_you_already_paid_is_a_yes():
    pending = {**VERIFIED, record_moves.PENDING: {"intent": "already_paid", "text": "I paid", "payment_reference": None}}
    assert move("thank", "ok thanks, I'll wait", pending).action == "action_already_paid"
    stop = {**VERIFIED, record_moves.PENDING: {"intent": "stop_contact", "text": "stop"}}
    assert move("thank", "ok thanks", stop).action != "action_stop_contact"  # a cease needs the tap


def test_the_intent_s_own_evidence_or_a_negotiation_keeps_the_reading():
    both = move("stop_contact", "I paid already, stop texting me", {}, {"evidence": ["already_paid", "stop_contact"]})
    assert (both.action, both.detail) == (record_moves.CONFIRM, "stop_contact")
    promise = move("promise_to_pay", "I paid 500 yesterday, the rest on friday", VERIFIED, {"evidence": ["already_paid"]})
    assert promise.action not in record_moves.ACTIONS
    verifying = move("ask_balance", "LN-1 12 March 1990, I paid", {}, {"evidence": ["already_paid"]},
                     entities={"loan_reference": ["LN-1"]})
    assert verifying.action == "action_verify"


def test_a_death_the_classifier_could_not_read_goes_to_a_person_with_condolence():
    m = move("nlu_fallback", "Samahani kwa kuchelewa. Mtoto wangu ameaga wiki iliyopita", {}, {"hardship": "bereavement"})
    assert m.action == "action_vulnerability" and m.escalation == Escalation.VULNERABILITY
    assert move("nlu_fallback", "asdf", {}, {"hardship": "job_loss"}).action == "action_fallback"


def test_the_claim_said_again_to_its_confirmation_is_a_yes():
    """"yes, wrong number" to "we've reached the wrong person, shall I record that?" was asked again (panel)."""
    pending = {record_moves.PENDING: {"intent": "wrong_person", "text": "wrong number"}}
    assert move("wrong_person", "yes, wrong number", pending, {"evidence": ["wrong_person"]}).action == \
        "action_wrong_person"
    other = {record_moves.PENDING: {"intent": "complain", "text": "I want to complain"}}
    assert move("wrong_person", "wrong number", other, {"evidence": ["wrong_person"]}).action == record_moves.CONFIRM


def test_a_message_opening_with_a_yes_confirms_the_change_on_the_table():
    """"Ndio, hakuna simu wala SMS" to "stop contact, shall I record it?" came back as "say it another way"."""
    pending = {record_moves.PENDING: {"intent": "stop_contact", "text": "stop contacting me"}}
    assert move("nlu_fallback", "Ndio, hakuna simu wala SMS", pending, {"yes_first": True}).action == \
        "action_stop_contact"
    assert move("nlu_fallback", "Ndio, hakuna simu wala SMS", pending, {}).action != "action_stop_contact"


OFFERED = {**VERIFIED, "pending_offer": {"kind": "promise_to_pay", "request_kind": "promise_to_pay",
                                         "schedule": [["2026-12-14", "13860.00"]], "notes": []}}


@pytest.mark.parametrize("entities, accepted", [
    ({}, True), ({"date": ["2026-12-14"]}, True), ({"date": ["2026-12-15"]}, False),
    ({"amount": [5000]}, False), ({"not_date": ["2026-12-14"]}, False),
    ({"amount": [13860], "date": ["2026-12-14"]}, True),  # the offer's own terms said back with the yes
])
def test_a_message_opening_with_a_yes_accepts_the_offer_unless_it_names_other_terms(entities, accepted):
    """"Yep, Monday's fine" (read as a promise to pay) got the same offer again, never recorded (panel, round 2)."""
    m = move("promise_to_pay", "Yep, Monday's fine", OFFERED, {"yes_first": True}, entities=entities)
    assert (m.action == "action_accept_offer") is accepted
    assert move("promise_to_pay", "Monday's fine", OFFERED, {}, entities=entities).action != "action_accept_offer"


@pytest.mark.parametrize("intent, slots, reported", [
    ("third_party", {}, True),  # "I'm her daughter; she died last month"
    ("nlu_fallback", {record_moves.CLOSED: True}, True),  # said after "I'm not the borrower"
    ("disclose_vulnerability", {}, False),  # the borrower's own loss: their vulnerability, not a death report
    ("cannot_pay", VERIFIED, False),
])
def test_someone_else_reporting_the_borrowers_death_goes_to_a_person(intent, slots, reported):
    m = move(intent, "she passed away on the 20th", slots, {"hardship": "bereavement"})
    assert (m.action == "action_death_reported") is reported
    if reported:
        assert m.escalation == Escalation.DEATH_REPORTED


@pytest.mark.parametrize("intent, slots, reported", [
    ("third_party", {}, True),  # "I'm his son. He has dementia and your texts keep upsetting him"
    ("nlu_fallback", {record_moves.CLOSED: True}, True),  # said after "I'm not the borrower"
    ("disclose_vulnerability", {}, False),  # the borrower's own illness: their vulnerability
])
def test_someone_else_reporting_the_borrowers_illness_goes_to_a_person(intent, slots, reported):
    """Round 8 (dev): the son's report was only noted "for the account holder", and the texts went on."""
    m = move(intent, "He has dementia and your texts keep upsetting him", slots, {"hardship": "illness"})
    assert (m.action == "action_illness_reported") is reported
    if reported:
        assert m.escalation == Escalation.ILLNESS_REPORTED


@pytest.mark.parametrize("slots, signals, entities", [
    (VERIFIED, {}, {"date": ["2026-11-28"]}),  # "di-WA tanggal 28 November sekitar jam 7 malam": a past date
    (VERIFIED, {"family_contact": True}, {}),
    ({**VERIFIED, record_moves.PENDING: {"intent": "complain", "text": "your agent called my sister"}}, {}, {}),
])
def test_a_time_in_a_report_of_contact_is_not_a_time_to_be_contacted(slots, signals, entities):
    """The details of a complaint ("messaged my sister on 1 December around 7pm") were noted as a
    preferred contact time (issue 13 panel, round 2)."""
    at = {"contact_time": {"relation": "at", "hour": 19, "minute": 0}, **signals}
    assert move("inform", "they messaged my sister around 7pm", slots, at, entities=entities).action != \
        "action_busy_later"
    assert move("inform", "message me around 7pm", VERIFIED, {"contact_time": at["contact_time"]},
                entities={"date": ["2026-12-02"]}).action == "action_busy_later"


def test_a_time_right_after_which_time_suits_you_is_that_time_not_a_promise():
    """"ok fine, Saturday 10 am" after the bot asked for a time became an offer to pay on Saturday
    (issue 13 panel, round 2)."""
    from bot.dialogue.move import MOVE_SLOT, Move, to_dict
    asked = {**VERIFIED, MOVE_SLOT: to_dict(Move("action_busy_later"))}
    at = {"contact_time": {"relation": "at", "hour": 10, "minute": 0}}
    saturday = {"date": ["2026-12-05"]}
    assert move("promise_to_pay", "ok fine, Saturday 10 am", asked, at, entities=saturday).action == \
        "action_busy_later"
    assert move("promise_to_pay", "ok fine, Saturday 10 am", VERIFIED, at, entities=saturday).action != \
        "action_busy_later"
    assert move("promise_to_pay", "I'll pay 500 on Saturday at 10", asked, at,
                entities={**saturday, "amount": [500]}).action != "action_busy_later"


def test_a_contact_time_from_someone_not_the_borrower_is_a_message_not_a_verification_request():
    """A daughter with power of attorney asked for a call after 5pm and was asked for her father's
    loan reference and date of birth (issue 13 panel, round 3)."""
    at = {"contact_time": {"relation": "after", "hour": 17, "minute": 0}}
    m = move("busy_later", "have someone call me after 5pm", {record_moves.CLOSED: True}, at)
    assert m.action == "action_third_party_message"


def test_a_yes_to_an_offer_on_a_paused_account_goes_to_review_not_to_the_record():
    paused = {**OFFERED, "loan": {**LOAN, "status": "paused"}}
    m = move("promise_to_pay", "Yep, Monday's fine", paused, {"yes_first": True}, entities={"date": ["2026-12-14"]})
    assert m.action == "action_review_first"


def test_a_yes_naming_another_date_is_a_counter_not_an_acceptance():
    """"yes the 18th, all of it" to an offer for the 11th recorded the 11th (issue 13 panel, round 3)."""
    assert move("affirm", "yes the 18th, all of it", OFFERED, {}, entities={"date": ["2026-12-18"]}).action != \
        "action_accept_offer"
    assert move("affirm", "yes, the 14th", OFFERED, {}, entities={"date": ["2026-12-14"]}).action == \
        "action_accept_offer"


def test_a_count_of_instalments_asks_for_a_plan_whatever_intent_it_was_read_as():
    """"3 EMI kar do, har 2 hafte, pehli wali is Saturday" read as a promise became one payment (round 3)."""
    m = move("promise_to_pay", "3 EMI kar do, har 2 hafte, pehli wali is Saturday", VERIFIED,
             {"period": {"unit": "fortnight", "per": False, "every": True}},
             entities={"instalments": [3], "duration_days": [14], "date": ["2026-12-05"]})
    assert m.action == "action_offer" and len(m.offer.schedule) == 3, m


def test_talk_later_with_an_amount_in_two_dated_parts_is_a_payment_offer():
    """"ok cn i py 10k 2moro n d rest on mon" read as busy_later was noted as a time to talk (round 3)."""
    parts = [{"amount": 0, "when": ["date", 0]}, {"amount": "rest", "when": ["date", 1]}]
    m = move("busy_later", "ok cn i py 10k 2moro n d rest on mon", VERIFIED, {"parts": parts},
             entities={"amount": [10000], "date": ["2026-12-01", "2026-12-07"]})
    assert m.action == "action_offer" and [str(i.due) for i in m.offer.schedule] == ["2026-12-01", "2026-12-07"], m


@pytest.mark.parametrize("signals, entities", [
    ({"payment_reference": "5013 224 908 771"}, {"amount": ["3450"]}),  # "3,450 pesos on Dec 3. GCash ref no. ..."
    ({}, {"amount": ["3450"], "date": ["2026-11-27"]}),  # a day already past
])
def test_details_of_the_payment_answer_have_you_already_paid(signals, entities):
    """Issue 13 panel: the reference given in reply to "have you already paid?" got the statement."""
    asked = {**VERIFIED, record_moves.PENDING: {"intent": "already_paid", "text": "I already paid last Thursday"}}
    m = move("provide_identity", "3,450 pesos on Dec 3. GCash ref no. 5013 224 908 771", asked, signals,
             entities=entities)
    assert m.action == "action_already_paid"
    turn = Turn("provide_identity", "...", NOW, asked, entities, signals=signals)
    assert record_moves.claim_of(turn)["payment_reference"] == signals.get("payment_reference")


def test_a_future_date_does_not_answer_have_you_already_paid():
    asked = {**VERIFIED, record_moves.PENDING: {"intent": "already_paid", "text": "..."}}
    assert move("promise_to_pay", "I'll pay on the 15th", asked, {},
                entities={"date": ["2026-12-15"]}).action != "action_already_paid"


def test_a_confirmation_code_after_an_offer_is_a_payment_made_not_a_yes():
    """"Done. Confirmation 8HT2K9QX" recorded the promise on the table."""
    offered = {**VERIFIED, "pending_offer": {"kind": "promise_to_pay", "schedule": [["2026-12-03", "13860.00"]]}}
    m = move("affirm", "Done. Confirmation 8HT2K9QX", offered,
             {"evidence": ["already_paid"], "payment_reference": "8HT2K9QX"}, confidence=0.52)
    assert (m.action, m.detail) == (record_moves.CLARIFY, "already_paid")


def test_a_yes_to_the_offer_with_a_question_after_it_accepts_the_offer():
    """"Ok. And that caller was really not from your side?" read as a complaint lost the plan it accepted."""
    offered = {**VERIFIED, "pending_offer": {"kind": "promise_to_pay", "schedule": [["2026-12-03", "13860.00"]]}}
    m = move("complain", "Ok. And that caller was really not from your side?", offered, {"yes_first": True}, 0.64)
    assert m.action == "action_accept_offer"
    # with a claim in the words, the claim is asked about first
    m = move("complain", "ok. and this is harassment", offered, {"yes_first": True, "evidence": ["complain"]}, 0.9)
    assert m.action == record_moves.CONFIRM


def test_the_answer_to_a_pending_change_comes_before_a_hand_off_for_rising_anger():
    """"Just take me off your list. Wrong person." to "shall I record it?" was handed off for anger, unrecorded."""
    asked = {record_moves.PENDING: {"intent": "wrong_person", "text": "I'm not your customer"}}
    turn = Turn("wrong_person", "Just take me off your list. Wrong person.", NOW, asked, {}, angry_in_row=3)
    assert decide(turn, products()).action == "action_wrong_person"
    turn = Turn("refuse_to_pay", "I won't pay", NOW, {}, {}, angry_in_row=3)
    assert decide(turn, products()).escalation == Escalation.RISING_ANGER


def test_a_yes_naming_another_date_is_a_counter_whatever_it_read_as():
    """"Oke deh tanggal 25 aja" to an offer for the 21st was read as goodbye."""
    offered = {**VERIFIED, "pending_offer": {"kind": "deferral", "request_kind": "deferral",
                                             "schedule": [["2026-12-10", "13860.00"]]}}
    m = move("goodbye", "Oke deh tanggal 12 aja", offered, {"yes_first": True}, 0.55, entities={"date": ["2026-12-12"]})
    assert m.action == "action_offer" and m.offer.schedule[0].due.isoformat() == "2026-12-12"


@pytest.mark.parametrize("intent", ["greet", "provide_identity", "nlu_fallback"])
def test_someone_writing_for_the_borrower_is_never_verified(intent):
    """"Aman ka bada bhai... uska loan number LN-65817, DOB 30 April 1996" verified the brother."""
    m = move(intent, "Uska loan number LN-65817 hai, DOB 30 April 1996", {}, {"someone_else": True},
             entities={"loan_reference": ["LN-65817"], "date_of_birth": ["1996-04-30"]})
    assert m.action == "action_third_party"
    closed = move(intent, "Uska loan number LN-65817 hai", {record_moves.CLOSED: True}, {"someone_else": True},
                  entities={"loan_reference": ["LN-65817"]})
    assert closed.action == "action_third_party_closed"
    assert move("promise_to_pay", "my husband's loan: I'll pay it on friday", VERIFIED, {"someone_else": True},
                entities={"date": ["2026-12-04"]}).action == "action_offer"  # verified: the borrower's own words


def test_identity_details_with_a_contact_time_are_verified_first():
    """"LN-60284, DOB Oct 21st 1996. can you text me after 7pm" read as busy_later was never verified."""
    m = move("busy_later", "LN-60284, DOB Oct 21st 1996. can you text me after 7pm", {},
             {"contact_time": {"relation": "after", "hour": 19, "minute": 0}},
             entities={"loan_reference": ["LN-60284"], "date_of_birth": ["1996-10-21"]})
    assert m.action == "action_verify"
    assert move("busy_later", "text me after 7pm", {}, {"contact_time": {"relation": "after", "hour": 19,
                                                                          "minute": 0}}).action == "action_busy_later"
