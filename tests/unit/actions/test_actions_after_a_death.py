"""After someone reports the borrower's death (actions/bereavement.py, bot/dialogue/during_handoff.py).

Round 6 (dev): a widow's "where do I send the death certificate?" and "must I, as his wife,
pay?" were only added to the case, and the late husband's loan reference and date of birth she
typed left the case unlinked, so the loan's reminders went on. Nothing about the account is said,
whether or not the details match.
"""
from __future__ import annotations

from sqlalchemy import select

from bot.dialogue import during_handoff
from bot.dialogue.messages import render
from bot.dialogue.move import Move
from bot.dialogue.reasons import Escalation
from bot.dialogue.moves import Turn, decide
from bot.records.models import Handoff
from tests.support.records_fixtures import add_loan
from tests.unit.actions.test_actions_record_changes import FILLS, kinds, run, tracker
from tests.unit.dialogue.test_budget_offers import NOW
from tests.unit.dialogue.test_dialogue_moves import PRODUCTS

DEATH_CASE = {during_handoff.HANDED_OFF: True, during_handoff.CASE_INTENT: during_handoff.DEATH_CASE,
              "third_party_closed": True}


def _turn(text: str, intent: str, **entities) -> Turn:
    return Turn(intent=intent, text=text, now=NOW, slots=DEATH_CASE,
                entities={k: [v] for k, v in entities.items()}, signals={})


def test_the_thin_layer_answers_questions_and_takes_the_details_after_a_death():
    details = decide(_turn("Nomor pinjamannya LN-71463, tgl lahir beliau 12 Januari 1980. Berapa sisanya?",
                           "provide_identity", loan_reference="LN-71463", date_of_birth="1980-01-12"), PRODUCTS)
    assert details.action == during_handoff.DEATH_DETAILS
    asked = decide(_turn("Apakah saya sebagai istri wajib bayar?", "ask_consequences"), PRODUCTS)
    assert asked.action == during_handoff.DEATH_QUESTION
    thanks = decide(_turn("terima kasih", "thank"), PRODUCTS)
    assert thanks.action in (during_handoff.ACKNOWLEDGE, during_handoff.NOTE)
    crisis = decide(Turn(intent="disclose_vulnerability", text="I can't live without him, I want to die",
                         now=NOW, slots=DEATH_CASE, self_harm=True), PRODUCTS)
    assert crisis.action == during_handoff.SELF_HARM  # the crisis line still comes first


def _open_case(records_db, cid: str) -> None:
    run(records_db, "action_death_reported", tracker(
        cid, "Suami saya meninggal tanggal 30 November", "third_party", {},
        Move("action_death_reported", escalation=Escalation.DEATH_REPORTED), {"hardship": "bereavement"}))


def test_matching_details_link_the_case_and_the_reply_never_says_whether_they_matched(records_db):
    add_loan(records_db, loan_id="LN-40101", borrower_id="B-40101")
    replies = []
    for cid, reference in (("bd-1", "LN-40101"), ("bd-2", "LN-49999")):
        _open_case(records_db, cid)
        entities = [{"entity": "loan_reference", "value": reference}, {"entity": "date_of_birth", "value": "1990-01-02"}]
        messages, after = run(records_db, during_handoff.DEATH_DETAILS, tracker(
            cid, f"{reference}, born 2 January 1990", "provide_identity", DEATH_CASE,
            Move(during_handoff.DEATH_DETAILS), entities=entities))
        replies.append([t for t, _ in messages])
        assert after[during_handoff.ACKNOWLEDGED] is True
    assert replies[0] == replies[1] == [render("death_details_noted", **FILLS)]
    with records_db.session() as s:
        linked = s.execute(select(Handoff).where(Handoff.conversation_id == "bd-1")).scalar_one()
        unlinked = s.execute(select(Handoff).where(Handoff.conversation_id == "bd-2")).scalar_one()
        assert linked.loan is not None and linked.loan.loan_id == "LN-40101" and unlinked.loan_pk is None
        assert len(linked.messages or []) >= 1
    assert "death_report_linked" in kinds(records_db, "bd-1") and "death_report_linked" not in kinds(records_db, "bd-2")


def test_a_question_after_a_death_is_answered_and_kept_on_the_case(records_db):
    _open_case(records_db, "bd-3")
    messages, _ = run(records_db, during_handoff.DEATH_QUESTION, tracker(
        "bd-3", "Surat kematian saya kirim kemana?", "disclose_vulnerability", DEATH_CASE,
        Move(during_handoff.DEATH_QUESTION)))
    assert [t for t, _ in messages] == [render("death_question", **FILLS)]


ILLNESS_CASE = {**DEATH_CASE, during_handoff.CASE_INTENT: during_handoff.ILLNESS_CASE}


def test_an_illness_reported_for_the_borrower_opens_a_priority_case_and_their_details_link_it(records_db):
    """Round 8 (dev): "I'm his son. He has dementia and your texts keep upsetting him", then the father's
    reference and date of birth: only noted for the account holder, no case, and the texts went on."""
    add_loan(records_db, loan_id="LN-40102", borrower_id="B-40102")
    messages, after = run(records_db, "action_illness_reported", tracker(
        "bi-1", "I'm his son. He has dementia and your texts keep upsetting him", "third_party", {},
        Move("action_illness_reported", escalation=Escalation.ILLNESS_REPORTED), {"hardship": "illness"}))
    assert [t for t, _ in messages] == [render("illness_reported", **FILLS)]
    assert after["third_party_closed"] is True and after[during_handoff.CASE_INTENT] == during_handoff.ILLNESS_CASE
    question = decide(Turn(intent="ask_balance", text="How much does he owe?", now=NOW, slots=ILLNESS_CASE,
                           signals={"question": True}), PRODUCTS)
    assert question.action in (during_handoff.ACKNOWLEDGE, during_handoff.NOTE)  # no death question text
    entities = [{"entity": "loan_reference", "value": "LN-40102"}, {"entity": "date_of_birth", "value": "1990-01-02"}]
    run(records_db, during_handoff.DEATH_DETAILS, tracker(
        "bi-1", "His reference is LN-40102 and his DOB is 2 Jan 1990", "provide_identity", ILLNESS_CASE,
        Move(during_handoff.DEATH_DETAILS), entities=entities))
    with records_db.session() as s:
        case = s.execute(select(Handoff).where(Handoff.conversation_id == "bi-1")).scalar_one()
        assert case.loan is not None and case.loan.loan_id == "LN-40102"
        assert case.priority > 0 and "ill" in case.reason
    assert "illness_report_linked" in kinds(records_db, "bi-1")
