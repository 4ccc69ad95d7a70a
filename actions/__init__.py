"""The action server: one rasa-sdk Action per dialogue move (see actions/handlers.py)."""
from bot import redact

redact.install()

# noqa: E402 below: the log redaction must be in place before anything logs.
from actions import handlers as h  # noqa: E402
from actions.turns import make_action  # noqa: E402

HANDLERS = {
    "action_greet": h.greet,
    "action_verify": h.verify,
    "action_ask_identity": h.ask_identity,
    "action_verification_locked": h.verification_locked,
    "action_state_balance": h.state_balance,
    "action_pay_in_full": h.pay_in_full,
    "action_payment_methods": h.payment_methods,
    "action_offer": h.offer,
    "action_ask_details": h.ask_details,
    "action_accept_offer": h.accept_offer,
    "action_decline_offer": h.decline_offer,
    "action_explain_fees": h.explain_fees,
    "action_consequences": h.consequences,
    "action_bot_challenge": h.simple("bot_challenge"),
    "action_handoff": h.handoff,
    "action_vulnerability": h.vulnerability,
    "action_stop_contact": h.stop_contact,
    "action_wrong_person": h.wrong_person,
    "action_third_party": h.third_party,
    "action_busy_later": h.busy_later,
    "action_dispute": h.dispute,
    "action_already_paid": h.already_paid,
    "action_refuse_to_pay": h.refuse_to_pay,
    "action_complain": h.complain,
    "action_abuse": h.abuse,
    "action_apologize_ack": h.simple("apologize_ack"),
    "action_thank": h.simple("thank"),
    "action_goodbye": h.simple("goodbye"),
    "action_out_of_scope": h.simple("out_of_scope"),
    "action_fallback": h.simple("fallback"),
}

ACTIONS = [make_action(name, handler) for name, handler in HANDLERS.items()]
