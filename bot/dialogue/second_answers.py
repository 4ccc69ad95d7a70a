"""A second question in the same message, answered after the move's own reply.

Borrowers write two things at once ("ok the 15th works. where do I pay?",
"能分两期吗？用支付宝可以还吗", "can I be arrested? I can pay 500 on Friday"); with one
move per message the bot answered one and lost the other, the largest kind of
failure the blind panels of issue 13 found. The move stays the one decision of
the turn; `Move.also` names the short answers its action adds after its own
text (actions/__init__.py), each one a question the words asked plainly.
"""
from __future__ import annotations

from dataclasses import replace

from bot.dialogue.move import OWN_TERMS, Move
from bot.dialogue.record_moves import PENDING, answers_pending
from bot.dialogue.turn import Turn

# After these a second answer is wrong or already given: a crisis or a death, someone who is not
# the borrower, a stop or a wrong number, abuse, a dispute or a payment reported, the answers themselves.
_NOT_AFTER = frozenset({
    "action_vulnerability", "action_death_reported", "action_illness_reported", "action_handoff_self_harm", "action_stop_contact",
    "action_wrong_person", "action_third_party", "action_third_party_message", "action_third_party_closed",
    "action_third_party_payment", "action_abuse", "action_dispute", "action_already_paid",
    "action_confirm_record", "action_clarify_record",  # "are you saying we reached the wrong person?"
})
_CRISIS_ALREADY = frozenset({"action_vulnerability", "action_handoff_self_harm"})  # they give a crisis line
_ABOUT_CONTACT = frozenset({"action_complain", "action_fallback"})  # a complaint answers contact itself
_PAYS = frozenset({"action_payment_methods", "action_pay_in_full"})  # their own text says how to pay
# Replies to terms beside which a time to be contacted is noted (or refused) too.
_NOTES_A_TIME_TOO = frozenset({"action_accept_offer", "action_offer", "action_complain"})


def beside(turn: Turn, move: Move) -> Move:
    """`move`, with the second questions of the same message it does not answer itself, and last the
    crisis line offered when the self-harm classifier alone found the message worrying."""
    return with_crisis_check(turn, _questions_beside(turn, move))


def with_crisis_check(turn: Turn, move: Move) -> Move:
    """The crisis line offered after the reply when the self-harm classifier alone flagged the message
    (bot/nlu/safety.py): the reply goes on, so a promise that only sounded like a farewell is still kept."""
    if turn.self_harm_possible and move.action not in _CRISIS_ALREADY and "crisis_check" not in move.also:
        # terms in such a message are put to them with a yes, never recorded on its words alone
        detail = None if move.action == "action_offer" and move.detail == OWN_TERMS else move.detail
        return replace(move, detail=detail, also=(*move.also, "crisis_check"))
    return move


def _questions_beside(turn: Turn, move: Move) -> Move:
    if turn.self_harm or move.action in _NOT_AFTER:
        return move
    verified = bool(turn.slot("verified", False))
    unread = move.action in ("action_fallback", "action_out_of_scope")
    if unread and verified and turn.signal("how_to_pay"):
        return Move("action_payment_methods")  # the one thing the message plainly asked
    if unread and turn.signal("contacts_worry"):
        return Move("action_consequences", detail="contacts")  # "data saya mau disebar ke semua kontak?"
    if turn.signal("visit_worry") and (unread or (move.action == "action_consequences" and move.detail is None
                                                  and not turn.signal("arrest"))):
        return Move("action_consequences", detail="visits")  # "Abeg confirm say nobody go come my house"
    also = []
    if verified and turn.signal("how_to_pay") and move.action not in _PAYS:
        also.append("payment_methods")  # the instructions name the loan: only once verified
    answered_arrest = move.action == "action_consequences" and move.detail != "contacts"
    if turn.signal("arrest") and not answered_arrest and move.action != "action_fallback":
        also.append("arrest")  # "no, you cannot be arrested" says nothing about the debt: to anyone
    if turn.signal("contacts_worry") and move.detail != "contacts" and move.action not in _ABOUT_CONTACT:
        also.append("contacts")
    if turn.signal("visit_worry") and move.detail != "visits":
        also.append("visits")
    if verified and turn.signal("amount_question") and move.action not in ("action_explain_fees", "action_dispute"):
        also.append("fees")  # "能不能分期？另外为什么比我借的多了380块？": the plan, then where the 380 comes from
    if verified and turn.signal("contact_time") and not turn.signal("contact_time").get("past") \
            and move.action in _NOTES_A_TIME_TOO:
        also.append("contact_time")  # "Sige, 6am na lang kung yun ang pinakamaaga" as the plan is agreed
    if verified and turn.signal("opt_out") == "limits" and move.action in _NOTES_A_TIME_TOO \
            and not (turn.slot(PENDING) and answers_pending(turn)) \
            and not any(a.endswith("stop_contact") for a in (*move.also, *also)):  # a question passed over gives way
        also.append("confirm_stop_contact")  # "...this Friday. And only text una fit send": their terms, then one tap
    return replace(move, also=(*move.also, *also)) if also else move
