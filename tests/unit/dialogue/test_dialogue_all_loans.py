"""All of a borrower's loans at once: the detector and `decide`, without Rasa."""
from __future__ import annotations

from decimal import Decimal

import pytest

from bot.dialogue.moves import decide
from bot.negotiation.limits import limits_for
from bot.negotiation.plans import validate
from bot.nlu.signals import about_all_loans
from tests.unit.dialogue.test_dialogue_moves import LOAN, PRODUCTS, TODAY, turn

OTHER = {  # BR-1001's second loan, on another product, as handlers._loan_slot puts it in `others`
    "loan_id": "LN-20932", "currency": "KES", "total": "39710.50", "accrued_interest": "2310.50",
    "late_fees": "1200.00", "product_code": "WALLET-90", "arrangements_count": 0, "due_date": "2026-10-05",
    "status": "overdue",
}
TWO_LOANS = {"verified": True, "loan_id": "LN-20931", "loan": {**LOAN, "other_loan_ids": ["LN-20932"],
                                                               "others": [OTHER]}}


@pytest.mark.parametrize("text", [
    "can I pay all my loans in 3 instalments", "split both loans", "both of them please", "all of them",
    "everything together by friday", "can we do all together", "I want to pay all the loans",
    "both", "both loans in 3 parts", "al my lons", "boht loans", "all of my loans over 3 months",
    "pay them both next week", "nataka kulipa mikopo yote", "mikopo yangu yote kwa awamu 3",
    "ALL MY LOANS PLEASE", "the two loans",
])
def test_all_loans_is_recognised(text):
    assert about_all_loans(text)


@pytest.mark.parametrize("text", [
    "all the best", "both of us are struggling", "I paid all of it", "I'll pay everything today",
    "can I split it into 3 payments", "pay it all on friday", "my loan", "all is well", "",
    "nitalipa yote kesho", "I can pay in both ways", "that's all", "all my money went on rent",
])
def test_one_loan_or_no_loan_is_not_all_loans(text):
    assert not about_all_loans(text)


def _limits(loan: dict, hardship: bool):
    return limits_for(PRODUCTS[loan["product_code"]], hardship)


def _assert_valid(loan: dict, offer) -> None:
    fees = Decimal(loan["accrued_interest"]) + Decimal(loan["late_fees"])
    assert validate(offer, balance=Decimal(loan["total"]), fees_and_interest=fees, currency=loan["currency"],
                    limits=_limits(loan, offer.hardship), today=TODAY) == []
    assert offer.total == Decimal(loan["total"]) - offer.waiver


def test_one_request_gives_an_offer_per_loan_under_its_own_limits():
    move = decide(turn("request_instalments", "can I pay both loans in 3 instalments", TWO_LOANS, instalments=3),
                  PRODUCTS)
    assert move.action == "action_offer"
    assert [loan_id for loan_id, _ in move.offers] == ["LN-20931", "LN-20932"]
    assert move.offer == move.offers[0][1]
    for loan, (_, offer) in zip((LOAN, OTHER), move.offers):
        assert len(offer.schedule) == 3 and not offer.adjusted
        _assert_valid(loan, offer)
    assert sum(i.amount for i in move.offers[1][1].schedule) == Decimal("39710.50")


def test_each_loan_is_cut_to_its_own_product_limit():
    # WALLET-30 allows 3 instalments, WALLET-90 allows 4: asking for 4 adjusts only the first.
    move = decide(turn("request_instalments", "split all my loans into 4 payments", TWO_LOANS, instalments=4),
                  PRODUCTS)
    (_, first), (_, second) = move.offers
    assert len(first.schedule) == PRODUCTS["WALLET-30"].standard.max_instalments == 3 and first.adjusted
    assert len(second.schedule) == PRODUCTS["WALLET-90"].standard.max_instalments == 4 and not second.adjusted
    _assert_valid(LOAN, first)
    _assert_valid(OTHER, second)


def test_an_amount_for_all_loans_is_shared_by_balance_not_paid_twice():
    move = decide(turn("request_instalments", "I can pay 30000 a month for both loans", TWO_LOANS, amount="30000"),
                  PRODUCTS)
    assert move.action == "action_offer" and len(move.offers) == 2
    for loan, (_, offer) in zip((LOAN, OTHER), move.offers):
        _assert_valid(loan, offer)
    per_month = sum(offer.schedule[0].amount for _, offer in move.offers)
    assert per_month <= 30000, "the shares together stay within what the borrower said"


def test_an_amount_for_all_loans_below_what_the_limits_allow_goes_to_a_person_not_above_budget():
    """6,000 a month shared by balance is ~1,552 on this loan, below any plan its product allows."""
    move = decide(turn("request_instalments", "I can pay 6000 a month for both loans", TWO_LOANS, amount="6000"),
                  PRODUCTS)
    assert move.action == "action_handoff" and move.offers == ()


def test_without_others_or_without_saying_so_it_is_the_one_loan():
    single = decide(turn("request_instalments", "can I pay both loans in 3 instalments", instalments=3), PRODUCTS)
    assert single.action == "action_offer" and single.offers == ()
    one = decide(turn("request_instalments", "can I pay in 3 instalments", TWO_LOANS, instalments=3), PRODUCTS)
    assert one.action == "action_offer" and one.offers == ()


def test_a_loan_that_can_get_no_offer_hands_all_of_them_to_a_person():
    exhausted = {**OTHER, "arrangements_count": PRODUCTS["WALLET-90"].standard.max_arrangements}
    slots = {**TWO_LOANS, "loan": {**TWO_LOANS["loan"], "others": [exhausted]}}
    move = decide(turn("request_instalments", "split both loans in 3", slots, instalments=3), PRODUCTS)
    assert move.action == "action_handoff" and move.offers == ()


def test_loans_in_different_currencies_each_get_an_offer_in_their_own():
    usd = {**OTHER, "loan_id": "LN-20990", "currency": "USD", "total": "1074.75", "accrued_interest": "50.00",
           "late_fees": "24.75"}
    slots = {**TWO_LOANS, "loan": {**TWO_LOANS["loan"], "others": [usd]}}
    move = decide(turn("request_instalments", "all my loans in 2 payments", slots, instalments=2), PRODUCTS)
    assert move.action == "action_offer"
    _assert_valid(LOAN, move.offers[0][1])
    _assert_valid(usd, move.offers[1][1])
    assert move.offers[1][1].total == Decimal("1074.75")


def test_split_both_without_a_count_lets_each_product_pick():
    move = decide(turn("request_instalments", "can I split both loans", TWO_LOANS), PRODUCTS)
    assert move.action == "action_offer" and len(move.offers) == 2
    for loan, (_, offer) in zip((LOAN, OTHER), move.offers):
        _assert_valid(loan, offer)


@pytest.mark.parametrize("intent", ["out_of_scope", "nlu_fallback", "request_instalments", "promise_to_pay"])
def test_everything_together_by_a_date_is_a_promise_on_every_loan(intent):
    # The NLU reads "everything together by friday" as out_of_scope; its date still says what is asked.
    friday = "2026-12-04"
    move = decide(turn(intent, "everything together by friday", TWO_LOANS, date=friday), PRODUCTS)
    assert move.action == "action_offer" and move.request_kind == "promise_to_pay"
    for loan, (_, offer) in zip((LOAN, OTHER), move.offers):
        assert offer.kind == "promise_to_pay" and str(offer.schedule[-1].due) == friday
        _assert_valid(loan, offer)


def test_an_unclear_message_about_all_loans_with_nothing_to_act_on_is_not_an_offer():
    assert decide(turn("out_of_scope", "what about all my loans", TWO_LOANS), PRODUCTS).action == "action_out_of_scope"
    assert decide(turn("nlu_fallback", "both of them", TWO_LOANS), PRODUCTS).action == "action_fallback"
    unverified = {**TWO_LOANS, "verified": False}
    assert decide(turn("nlu_fallback", "both loans by friday", unverified, date="2026-12-04"),
                  PRODUCTS).action == "action_fallback"
