"""The action server: one rasa-sdk Action per dialogue move.

Each move is a plain function: identity (actions/identity.py), the debt
(actions/debt.py), offers and agreements (actions/negotiation.py), hand-offs,
pauses and preferences (actions/people.py); actions/turns.py runs them.
"""
from bot import redact

redact.install()

# noqa: E402 below: the log redaction must be in place before anything logs.
from rasa_sdk.events import UserUtteranceReverted  # noqa: E402

from actions import bereavement, confirmations, debt, identity, negotiation, people  # noqa: E402
from actions.common import simple  # noqa: E402
from actions.turns import Reply, make_action  # noqa: E402
from bot.dialogue.moves import Turn  # noqa: E402


def default_fallback(turn: Turn, reply: Reply, session, tracker) -> list[dict]:  # noqa: ARG001
    """Rasa's own fallback (RulePolicy, when no policy is sure) would speak domain.yml's
    `utter_default` past the compliance gate; overriding the action makes it one more
    catalogue text. Like Rasa's default, the message that was not understood is then
    forgotten, so it does not steer the next prediction."""
    reply.say("fallback")
    return [UserUtteranceReverted()]

HANDLERS = {
    "action_greet": identity.greet,
    "action_verify": identity.verify,
    "action_ask_identity": identity.ask_identity,
    "action_verification_locked": identity.verification_locked,
    "action_state_balance": debt.state_balance,
    "action_pay_in_full": debt.pay_in_full,
    "action_payment_methods": debt.payment_methods,
    "action_explain_fees": debt.explain_fees,
    "action_consequences": debt.consequences,
    "action_offer": negotiation.offer,
    "action_ask_details": negotiation.ask_details,
    "action_accept_offer": negotiation.accept_offer,
    "action_thank_pending_offer": negotiation.thank_pending_offer,
    "action_decline_offer": negotiation.decline_offer,
    "action_handoff": people.handoff,
    "action_vulnerability": people.vulnerability,
    "action_stop_contact": people.stop_contact,
    "action_wrong_person": people.wrong_person,
    "action_third_party": people.third_party,
    "action_busy_later": people.busy_later,
    "action_dispute": people.dispute,
    "action_already_paid": people.already_paid,
    "action_refuse_to_pay": people.refuse_to_pay,
    "action_complain": people.complain,
    "action_abuse": people.abuse,
    "action_bot_challenge": simple("bot_challenge"),
    "action_apologize_ack": simple("apologize_ack"),
    "action_thank": simple("thank"),
    "action_goodbye": simple("goodbye"),
    "action_out_of_scope": simple("out_of_scope"),
    "action_fallback": simple("fallback"),
    "action_handoff_self_harm": people.handoff_self_harm,
    "action_handoff_how_to_pay": people.handoff_how_to_pay,
    "action_handoff_acknowledge": people.handoff_acknowledge,
    "action_handoff_note": people.handoff_note,
    "action_handoff_correction": people.handoff_correction,
    "action_handoff_append": people.handoff_append,
    "action_handoff_payment_reference": people.handoff_payment_reference,
    "action_handoff_death_details": bereavement.death_details,
    "action_handoff_death_question": bereavement.death_question,
    "action_confirm_record": confirmations.confirm_record,
    "action_clarify_record": confirmations.clarify_record,
    "action_record_declined": confirmations.record_declined,
    "action_revert_record": confirmations.revert_record,
    "action_who_is_this": simple("who_is_this"),
    "action_third_party_closed": confirmations.third_party_closed,
    "action_death_reported": people.death_reported,
    "action_illness_reported": people.illness_reported,
    "action_third_party_payment": simple("third_party_payment"),
    "action_third_party_message": confirmations.third_party_message,
    "action_review_first": confirmations.review_first,
    "action_default_fallback": default_fallback,
}

def answering_also(handler):
    """The handler, then the second questions its move also answers ("...and where do I pay?")."""
    def run(turn: Turn, reply: Reply, session, tracker) -> list[dict]:
        events = handler(turn, reply, session, tracker)
        return events + debt.second_answers(turn, reply, session, tracker)
    return run


ACTIONS = [make_action(name, answering_also(handler)) for name, handler in HANDLERS.items()]
