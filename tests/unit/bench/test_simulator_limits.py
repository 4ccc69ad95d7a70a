"""The simulator's limit check reads every offer the bot showed, not only the agreed ones.

Action results (`action_runs`) and arrangements are written straight into a
records database the way the action server and the records write them; the
check must find the declined offer that broke a limit, the bad loan inside an
all-loans offer, and judge dates by the borrower's own calendar.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from bench.limits_check import load_limits
from bench.simulator import LimitCheck, Outcome, Violation, check_limits, shown_offers, table
from bot.records.models import ActionRun, Arrangement, Loan, ScheduledPayment
from tests.support.records_fixtures import add_loan

# 22:30 UTC on 1 December is already 2 December in Nairobi (UTC+3).
EVENING = datetime(2026, 12, 1, 22, 30, tzinfo=timezone.utc)


def slot(name: str, value) -> dict:
    return {"event": "slot", "timestamp": None, "name": name, "value": value}


def promise(due: str, amount: str = "8500.00") -> dict:
    return {"kind": "promise_to_pay", "schedule": [[due, amount]], "waiver": "0.00", "hardship": False,
            "adjusted": False, "notes": [], "request_kind": "promise_to_pay"}


def test_offers_follow_the_loan_the_conversation_is_on_and_every_loan_of_an_all_loans_offer():
    runs = [
        (1, "c1", {"events": [slot("loan_id", "LN-A"), slot("loan", {"loan_id": "LN-A", "currency": "KES"})]}),
        (2, "c2", {"events": [slot("pending_offer", promise("2026-12-02"))]}),  # never verified: no loan
        (3, "c1", {"events": [slot("pending_offer", promise("2026-12-02"))]}),
        (4, "c1", {"events": [slot("loan_id", "LN-B"), slot("pending_offer", None)]}),
        (5, "c1", {"events": [slot("pending_offer", {**promise("2026-12-03"),
                                                     "all": [["LN-A", promise("2026-12-03")],
                                                             ["LN-B", promise("2026-12-04")]]})]}),
    ]
    found = [(run, conv, loan, data["schedule"][0][0]) for run, conv, loan, data in shown_offers(runs)]
    assert found == [(2, "c2", None, "2026-12-02"), (3, "c1", "LN-A", "2026-12-02"),
                     (5, "c1", "LN-A", "2026-12-03"), (5, "c1", "LN-B", "2026-12-04")]


@pytest.fixture(scope="module")
def run_records(records_db):
    add_loan(records_db, "LN-SIM-1", "B-SIM")  # WALLET-30, KES 8,500.00, Africa/Nairobi
    add_loan(records_db, "LN-SIM-2", "B-SIM")
    runs = [
        ("verify", {"events": [slot("loan", {"loan_id": "LN-SIM-1"})]}, EVENING),
        ("offer", {"events": [slot("pending_offer", promise("2026-12-02"))]}, EVENING),  # within the limits
        # Due "today" in UTC, but yesterday for the borrower: shown, declined, still a violation.
        ("decline", {"events": [slot("pending_offer", promise("2026-12-01"))]}, EVENING),
        ("offer_all", {"events": [slot("pending_offer", {**promise("2026-12-03"), "all": [
            ["LN-SIM-1", promise("2026-12-03")], ["LN-SIM-2", promise("2026-12-10")]]})]}, EVENING),  # 8 days
        ("accept", {"events": [slot("pending_offer", None)]}, EVENING),
    ]
    with records_db.session() as s:
        for n, (action, result, at) in enumerate(runs):
            s.add(ActionRun(key=f"sim-limits:{n}", conversation_id="conv-sim", action=action, result=result, at=at))
        loan = s.query(Loan).filter_by(loan_id="LN-SIM-1").one()
        for n, due in enumerate((date(2026, 12, 3), date(2026, 12, 20))):  # the second is past the window
            arr = Arrangement(loan=loan, kind="promise_to_pay", status="active", actor="bot",
                              idempotency_key=f"sim-limits-arr:{n}", created_at=EVENING,
                              terms={"offer_kind": "promise_to_pay", "waiver": "0.00", "hardship": False,
                                     "conversation_id": "conv-sim"})
            arr.schedule = [ScheduledPayment(seq=1, due_date=due, amount=Decimal("8500.00"))]
            s.add(arr)
    with records_db.session() as s:
        return check_limits(s, load_limits())


def test_every_offer_shown_and_every_arrangement_is_checked(run_records):
    check = run_records
    assert (check.offers, check.arrangements) == (4, 2)
    assert check.line() == ("offers shown: 4 checked, 2 violations; arrangements recorded: 2 checked, "
                            "1 violations (bench/limits_check.py, independent of bot.negotiation)")
    found = sorted((v.loan_id, v.what.split()[0], [p.split(":")[0] for p in v.problems]) for v in check.violations)
    assert found == [("LN-SIM-1", "arrangement", ["promise_window_days"]), ("LN-SIM-1", "offer", ["past_date"]),
                     ("LN-SIM-2", "offer", ["promise_window_days"])]
    late = next(v for v in check.violations if v.what.startswith("arrangement"))
    assert "2026-12-20" in late.problems[0] and late.conversation == "conv-sim"


def test_the_table_counts_violations_per_conversation_whatever_the_loan():
    outcomes = [Outcome("cooperative", "conv-a"), Outcome("cooperative", "conv-b"), Outcome("angry", "conv-c")]
    violations = [Violation("conv-a", "LN-1", "offer shown (action run 3)", ("past_date: x",)),
                  Violation("conv-a", "LN-2", "offer shown (action run 3)", ("sum: x",)),
                  Violation("conv-c", "LN-9", "arrangement 1", ("sum: x",))]
    rows = {line.split(" | ")[0].lstrip("| "): line.split(" | ") for line in
            table(outcomes, {}, {}, violations).splitlines()[2:]}
    assert rows["cooperative"][5] == "2" and rows["angry"][5] == "1" and rows["all"][5] == "3"
    assert LimitCheck(violations=violations).count("offer") == 2
