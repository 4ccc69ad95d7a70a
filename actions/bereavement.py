"""After someone reports the borrower's death: their questions answered, the loan's details on the case.

Round 6 (dev): a widow typed her late husband's loan reference and date of birth and asked
whether she, as his wife, must pay and where to send the death certificate; each message was
only "added to your file", and the case stayed unlinked, so the loan's reminders kept going.
Nothing about the account is ever said to her: the reply is the same whether or not the
details match a loan, so it tells nobody which references exist.
"""
from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from sqlalchemy.orm import Session

from actions import identity
from actions.turns import Reply
from bot.dialogue import during_handoff
from bot.dialogue.moves import Turn
from bot.records import audit, handoffs, queries


def death_details(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    """The reference and date of birth of the borrower who died or is ill: the case is linked to the loan when
    they match (its reminders then pause with the open case), and the reply is the same either way."""
    case = handoffs.append_message(session, tracker.sender_id, text=turn.text, intent=turn.intent, at=turn.now)
    loan = _matching_loan(session, turn, tracker)
    if case is not None and loan is not None:
        handoffs.link_loan(session, tracker.sender_id, loan_id=loan.loan_id)
        kind = "death_report_linked" if turn.slot(during_handoff.CASE_INTENT) == during_handoff.DEATH_CASE \
            else "illness_report_linked"
        audit.append(session, actor="bot", kind=kind, payload={"loan_id": loan.loan_id},
                     loan_id=loan.loan_id, conversation_id=tracker.sender_id)
    reply.say("death_details_noted")
    return [SlotSet(during_handoff.ACKNOWLEDGED, True)]


def death_question(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
    """"Must I, as his wife, pay?", "Where do I send the death certificate?": nothing is asked of
    them now, a person explains, and where to reach the lender."""
    handoffs.append_message(session, tracker.sender_id, text=turn.text, intent=turn.intent, at=turn.now)
    reply.say("death_question")
    return [SlotSet(during_handoff.ACKNOWLEDGED, True)]


def _matching_loan(session: Session, turn: Turn, tracker: Tracker):
    """The loan the details name, read as verification reads them (a numeric date of birth in the
    field orders of the holder's jurisdiction: actions/identity.py)."""
    reference, born = turn.first("loan_reference"), identity.date_of_birth_said(turn, tracker)
    if not reference or not born:
        return None
    when, extra = identity.dob_check(born)
    return queries.verify_borrower(session, str(reference), when, **extra)
