"""All loans at once, through the action handlers and a real records database (no Rasa).

The handlers must record an arrangement on every loan the borrower agreed to,
or on none of them when any one no longer fits its limits.
"""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import select

from actions import common, negotiation
from actions.context import products
from actions.turns import Reply
from bot.dialogue.moves import Turn, decide
from bot.records import queries
from bot.records.models import Loan
from tests.support.records_fixtures import add_loan

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)


class FakeTracker:
    def __init__(self, message_id: str):
        self.sender_id = "conv-all-loans"
        self.latest_message = {"message_id": message_id}
        self.events: list = []

    def get_latest_input_channel(self) -> str:
        return "rest"


def two_loans(db, prefix: str) -> None:
    borrower = f"B-{prefix}"
    add_loan(db, f"{prefix}1", borrower_id=borrower, product_code="WALLET-30")
    add_loan(db, f"{prefix}2", borrower_id=borrower, product_code="WALLET-90", outstanding_principal=Decimal("30000.00"))
    add_loan(db, f"{prefix}3", borrower_id=borrower, status="paid")
    add_loan(db, f"{prefix}4", borrower_id=borrower, status="disputed")


def slots_after(events: list[dict], slots: dict) -> dict:
    return {**slots, **{e["name"]: e["value"] for e in events if e.get("event") == "slot"}}


def offer_both(session, prefix: str) -> dict:
    loan = common.loan_slot(session, f"{prefix}1", None)
    slots = {"verified": True, "loan_id": f"{prefix}1", "loan": loan}
    turn = Turn("request_instalments", "can I pay both loans in 3 instalments", NOW, slots, {"instalments": [3]},
                signals={"scope": "all_loans"})
    reply = Reply(turn, decide(turn, products()))  # the move the policy hands the action
    slots = slots_after(negotiation.offer(turn, reply, session, FakeTracker("m1")), slots)
    assert [key for key, _, _ in reply.messages] == ["offer_all"]
    return slots


def accept(session, slots: dict) -> Reply:
    turn = Turn("affirm", "yes", NOW, slots)
    reply = Reply(turn)
    negotiation.accept_offer(turn, reply, session, FakeTracker("m2"))
    return reply


def test_only_the_borrowers_other_open_loans_are_carried_and_nothing_personal(records_db):  # noqa: F811
    two_loans(records_db, "LN-7100")
    with records_db.session() as s:
        loan = common.loan_slot(s, "LN-71001", None)
    assert [o["loan_id"] for o in loan["others"]] == ["LN-71002"]  # not the paid one, not the disputed one
    assert set(loan["others"][0]) == set(common.OTHER_LOAN_FIELDS)
    assert "full_name" not in loan and "borrower_id" not in loan["others"][0]


def test_one_yes_records_each_loan_with_its_own_key(records_db):  # noqa: F811
    two_loans(records_db, "LN-7200")
    with records_db.session() as s:
        slots = offer_both(s, "LN-7200")
        assert [loan_id for loan_id, _ in slots["pending_offer"]["all"]] == ["LN-72001", "LN-72002"]
        reply = accept(s, slots)
    assert [key for key, _, _ in reply.messages] == ["accepted_all"]
    with records_db.session() as s:
        for loan_id in ("LN-72001", "LN-72002"):
            state = queries.loan_state(s, loan_id)
            active = state["active_arrangement"]
            assert active and len(active["schedule"]) == 3, state
            assert sum(Decimal(p["amount"]) for p in active["schedule"]) == Decimal(state["total"])
            loan = s.execute(select(Loan).where(Loan.loan_id == loan_id)).scalar_one()
            assert loan.arrangements[0].idempotency_key == f"conv-all-loans:m2:{loan_id}"


def test_if_one_loan_no_longer_fits_none_is_recorded(records_db):  # noqa: F811
    two_loans(records_db, "LN-7300")
    with records_db.session() as s:
        slots = offer_both(s, "LN-7300")
    with records_db.session() as s:  # a fee posted on the second loan since the offer: its plan no longer sums
        loan = s.execute(select(Loan).where(Loan.loan_id == "LN-73002")).scalar_one()
        loan.late_fees += Decimal("50.00")
    with records_db.session() as s:
        reply = accept(s, slots)
    assert [key for key, _, _ in reply.messages] == ["ask_options"]
    with records_db.session() as s:
        assert queries.loan_state(s, "LN-73001")["active_arrangement"] is None
        assert queries.loan_state(s, "LN-73002")["active_arrangement"] is None
