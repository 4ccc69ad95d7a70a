"""What the action handlers share: buttons, the loan as the dialogue carries it, money fills."""
from __future__ import annotations

from datetime import date
from typing import Any

from rasa_sdk import Tracker
from sqlalchemy.orm import Session

from actions.turns import Reply
from bot.dialogue.moves import Turn
from bot.config.messages import ENGLISH
from bot.dialogue.wording import arrangement_text, day, money
from bot.records import queries

def latest_metadata(tracker: Tracker) -> dict:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return event.get("metadata") or {}
    return {}


def iso_date(value: Any) -> str | None:
    try:
        return date.fromisoformat(str(value)[:10]).isoformat() if value else None
    except ValueError:
        return None


# What negotiating the borrower's other loans needs to know about each; nothing personal.
OTHER_LOAN_FIELDS = ("loan_id", "currency", "total", "accrued_interest", "late_fees", "product_code",
                     "arrangements_count", "due_date", "status")
# Loans the bot may not negotiate: settled, or collection paused (a dispute, a hold).
NOT_NEGOTIABLE = {"paid", "disputed", "paused"}


def loan_slot(session: Session, loan_id: str, turn: Turn) -> dict:
    """The loan as the dialogue carries it; the borrower's name stays in the records.

    `others` holds the borrower's other open loans, so "split both loans" can
    be decided (and offered) without another trip to the records.
    """
    state = queries.loan_state(session, loan_id)
    state.pop("full_name", None)
    others = (queries.loan_state(session, other) for other in state.get("other_loan_ids") or ())
    state["others"] = [{k: other[k] for k in OTHER_LOAN_FIELDS} for other in others
                       if other and other["status"] not in NOT_NEGOTIABLE]
    return state


def money_fills(state: dict, language: str = ENGLISH) -> dict[str, Any]:
    currency = state["currency"]
    return {
        "loan_id": state["loan_id"],
        "total": money(state["total"], currency, language),
        "principal": money(state["outstanding_principal"], currency, language),
        "interest": money(state["accrued_interest"], currency, language),
        "fees": money(state["late_fees"], currency, language),
        "due_date": day(date.fromisoformat(state["due_date"]), language, "statement_date"),
        "days_overdue": state["days_overdue"],
    }


def arrangement_fills(state: dict, language: str = ENGLISH) -> dict[str, Any]:
    active = state["active_arrangement"]
    return arrangement_text(active["kind"], active["schedule"], state["currency"], language)


def next_payment(state: dict, today: date) -> dict | None:
    """The active arrangement's first payment due today or later; None without one."""
    schedule = (state.get("active_arrangement") or {}).get("schedule") or []
    upcoming = [s for s in schedule if date.fromisoformat(str(s["due_date"])[:10]) >= today]
    return min(upcoming, key=lambda s: (str(s["due_date"])[:10], s.get("seq", 0))) if upcoming else None


def statement(state: dict, today: date | None = None, language: str = ENGLISH) -> tuple[str, dict[str, Any]]:
    """The balance message and its fills. Under an active arrangement with a payment still
    to come, the loan's original due date is not what the borrower owes by: telling a
    borrower in a deferral the bot agreed that the debt was "due 18 November, 17 days ago"
    contradicts the agreement (issue 13), so they hear the next payment instead."""
    fills = money_fills(state, language)
    upcoming = next_payment(state, today or queries.local_today(state.get("timezone") or "UTC"))
    if upcoming is None:
        return "balance", fills
    return "balance_in_arrangement", {
        **fills, "kind": arrangement_fills(state, language)["kind"],
        "amount": money(upcoming["amount"], state["currency"], language),
        "due_date": day(date.fromisoformat(str(upcoming["due_date"])[:10]), language, "statement_date"),
    }


def simple(key: str):
    """A handler that only says one message."""
    def handler(turn: Turn, reply: Reply, session: Session, tracker: Tracker) -> list[dict]:
        reply.say(key)
        return []
    handler.__name__ = key
    return handler
