"""Messages no intent read, answered from what their words and entities plainly say (round 5, dev).

"My UC comes in on the 17th of each month, so anything lined up with that would help" to a plan on
the table was "I can only help with your loan"; "Saya bukan Sari, ini nomor saya sudah 2 tahun" was
"not understood" twice and went to a person.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from bot.dialogue.moves import decide
from tests.unit.dialogue.test_budget_offers import JOB_LOSS, after, said
from tests.unit.dialogue.test_dialogue_moves import PRODUCTS, VERIFIED


def test_their_payday_to_a_plan_on_the_table_moves_the_plan_to_that_day_of_each_month():
    offered = decide(said(JOB_LOSS, "cannot_pay", VERIFIED, amount="1000"), PRODUCTS)
    assert offered.action == "action_offer" and offered.offer.schedule[0].due != date(2026, 12, 7)
    move = decide(said("my pay comes in on the 7th of each month so anything lined up with that would help",
                       "out_of_scope", after(offered, {**VERIFIED, "hardship_reason": "job_loss"}), date="2026-12-07"),
                  PRODUCTS)  # the job loss said earlier is kept in its slot (actions/turns.py)
    assert move.action == "action_offer"
    dues = [i.due for i in move.offer.schedule]
    assert dues[0] == date(2026, 12, 7) and all(d.day == 7 for d in dues) and len(dues) == len(offered.offer.schedule)


def test_a_past_date_to_an_offer_is_not_taken_as_new_terms():
    offered = decide(said(JOB_LOSS, "cannot_pay", VERIFIED, amount="1000"), PRODUCTS)
    move = decide(said("that was on the 2nd of november", "out_of_scope", after(offered, VERIFIED),
                       date="2026-11-02"), PRODUCTS)
    assert move.action != "action_offer"


def test_a_wrong_number_no_intent_read_is_asked_about_with_one_tap_not_handed_over():
    unsure = replace(said("Saya bukan Sari, ini nomor saya sudah 2 tahun", "nlu_fallback", {}), intent_confidence=0.4)
    move = decide(unsure, PRODUCTS)
    assert move.action == "action_clarify_record" and move.detail == "wrong_person"


def test_not_me_and_never_borrowed_is_one_claim_a_wrong_person():
    text = "Saya bukan Sari, ini nomor saya sudah 2 tahun. Saya gak pernah pinjam di aplikasi apapun"
    move = decide(replace(said(text, "nlu_fallback", {}), intent_confidence=0.3), PRODUCTS)
    assert move.action == "action_clarify_record" and move.detail == "wrong_person"


def test_an_unread_message_with_two_claims_is_not_guessed():
    move = decide(said("Saya bukan Sari. jangan hubungi saya lagi", "nlu_fallback", {}), PRODUCTS)
    assert move.action not in ("action_clarify_record", "action_confirm_record", "action_wrong_person")
