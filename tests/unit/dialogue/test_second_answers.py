"""Two things in one message: the move's own reply, then the second question it does not answer.

Issue 13's blind panels: "ok the 15th. where do I pay?" got the plan and no way to pay; "can I be
arrested? I can pay 500 on Friday" got an offer and no answer to the question that frightened them.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from bot.dialogue.move import InvalidMove, Move, from_dict, to_dict
from bot.dialogue.moves import decide
from tests.unit.dialogue.test_budget_offers import after, said
from tests.unit.dialogue.test_dialogue_moves import PRODUCTS, TODAY, VERIFIED


def test_a_request_with_where_to_pay_gets_the_offer_then_how_to_pay():
    move = decide(said("can I pay in 2 instalments? and where do I pay?", "request_instalments", VERIFIED,
                       instalments=2), PRODUCTS)
    assert move.action == "action_offer" and move.also == ("payment_methods",)


def test_a_yes_to_the_offer_with_where_to_pay_records_it_and_says_how():
    offered = decide(said("can I pay in 2 instalments?", "request_instalments", VERIFIED, instalments=2), PRODUCTS)
    move = decide(said("好的，就这样。顺便问一下，在哪里还款？", "ask_payment_methods", after(offered, VERIFIED)), PRODUCTS)
    assert move.action == "action_accept_offer" and move.also == ("payment_methods",)


def test_an_offer_with_can_i_be_arrested_says_no_after_it():
    move = decide(said("can I be arrested? I can pay it all on friday", "promise_to_pay", VERIFIED,
                       date=str(TODAY + timedelta(days=4))), PRODUCTS)
    assert move.action == "action_offer" and move.also == ("arrest",)


def test_how_to_pay_is_only_told_to_a_verified_borrower_but_arrest_is_answered_to_anyone():
    move = decide(said("LN-20931 and 1990-03-12. can they arrest me? where do I pay?", "provide_identity", {},
                       loan_reference="LN-20931", date_of_birth="1990-03-12"), PRODUCTS)
    assert move.action == "action_verify" and move.also == ("arrest",)


def test_a_message_only_about_paying_is_not_answered_twice():
    move = decide(said("where do I pay?", "ask_payment_methods", VERIFIED), PRODUCTS)
    assert move.action == "action_payment_methods" and move.also == ()


def test_an_unread_message_that_asks_where_to_pay_is_answered_with_how_to_pay():
    move = decide(said("sawa boss, nilipe aje?", "nlu_fallback", VERIFIED), PRODUCTS)
    assert move.action == "action_payment_methods"


@pytest.mark.parametrize("text, intent", [
    ("I can't go on, where do I even pay", "disclose_vulnerability"),
    ("wrong number. how do I pay? I don't", "wrong_person"),
    ("stop texting me, where do I pay", "stop_contact"),
])
def test_no_second_answer_after_a_crisis_a_wrong_number_or_a_stop(text, intent):
    assert decide(said(text, intent, VERIFIED), PRODUCTS).also == ()


def test_a_worry_about_the_family_or_the_contacts_no_intent_read_gets_the_no():
    move = decide(said("Terus katanya data saya mau disebar ke semua kontak HP saya. Bisa gitu?", "nlu_fallback",
                       VERIFIED), PRODUCTS)
    assert move.action == "action_consequences" and move.detail == "contacts"
    # "katanya" (they said): a threat made in the lender's name, so the complaint is then put to them
    assert move.also in (("clarify_complain",), ("confirm_complain",))
    worried = decide(said("会不会联系我家人？警察会来抓我吗？", "nlu_fallback", {}), PRODUCTS)
    assert worried.action == "action_consequences" and worried.detail is None  # the arrest answer
    assert worried.also == ("contacts",)  # then the one about the family


def test_a_worry_about_the_family_beside_a_promise_is_answered_after_the_offer():
    move = decide(said("ok I can pay it all on friday. you won't call my boss, right? will you tell my boss?",
                       "promise_to_pay", VERIFIED, date=str(TODAY + timedelta(days=4))), PRODUCTS)
    assert move.action == "action_offer" and move.also == ("contacts",)


def test_a_report_of_contact_is_a_complaint_not_a_worry():
    move = decide(said("your agent called my wife yesterday", "complain", VERIFIED), PRODUCTS)
    assert "contacts" not in move.also


def test_the_second_answers_survive_the_move_slot_and_an_unknown_one_is_refused():
    move = Move("action_accept_offer", also=("payment_methods", "arrest"))
    assert from_dict(to_dict(move)).also == ("payment_methods", "arrest")
    with pytest.raises(InvalidMove):
        from_dict({**to_dict(move), "also": ["tell_a_joke"]})
