"""All of a borrower's loans in one agreement, through the real running bot (REST channel).

The unit tests check what `decide` offers; this checks that the bot says one
offer naming every loan and that one "yes" records an arrangement on each,
read back through the admin API.

The stack (and its database) is shared by every e2e test of the session, and a
WALLET-30 loan allows the bot two arrangements: test_e2e_conversation records
one on LN-20931 and then needs one more. So BR-1001's loans only get offers
here; the agreement is recorded on BR-1014's two loans, which no other test uses.
"""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

from tests.conftest import Borrower, get_json

pytestmark = pytest.mark.e2e

# data/demo/portfolio.csv: BR-1001 holds LN-20931 (KES 13,860.00, WALLET-30) and LN-20932
# (KES 39,710.50, WALLET-90); BR-1014 holds LN-21010 (IDR 4,590,000.00, WALLET-30) and
# LN-21011 (IDR 19,860,000.00, WALLET-90).
KES = {"LN-20931": Decimal("13860.00"), "LN-20932": Decimal("39710.50")}
IDR = {"LN-21010": Decimal("4590000.00"), "LN-21011": Decimal("19860000.00")}
MONEY = re.compile(r"(?:KES|IDR)\s?([\d,]+\.\d{2})")


def admin(stack, path: str):
    return get_json(f"{stack.web_url}{path}", headers={"Authorization": f"Bearer {stack.admin_token}"})


def instalments(block: str) -> list[Decimal]:
    lines = [line for line in block.splitlines() if re.match(r"\s*\d+\.", line)]
    return [Decimal(a.replace(",", "")) for a in MONEY.findall("\n".join(lines))]


def per_loan(reply: str, first: str, second: str) -> tuple[str, str]:
    """The reply's part about each loan; the current loan's plan comes first."""
    before, after = reply.split(f"Loan {second}")
    assert f"Loan {first}" in before, reply
    return before, after


def test_both_loans_in_3_instalments_are_offered_together(stack):
    borrower = Borrower(stack)
    borrower.say("hello")
    reply = borrower.say("my loan is LN-20931 and I was born on 17 April 1991")
    assert "13,860.00" in reply and "LN-20932" in reply, reply
    reply = borrower.say("can I pay both loans in 3 instalments")
    first, second = per_loan(reply, "LN-20931", "LN-20932")
    assert len(instalments(first)) == 3 and sum(instalments(first)) == KES["LN-20931"], reply
    assert len(instalments(second)) == 3 and sum(instalments(second)) == KES["LN-20932"], reply


def test_everything_together_by_a_date_is_offered_on_both_loans(stack):
    """The NLU may read this as out of scope; its date still asks to pay every loan by then."""
    borrower = Borrower(stack)
    borrower.say("hello")
    borrower.say("my loan is LN-20931 and I was born on 17 April 1991")
    reply = borrower.say("everything together by friday")
    first, second = per_loan(reply, "LN-20931", "LN-20932")
    assert "Friday" in first and "Friday" in second, reply
    assert sum(instalments(first)) == KES["LN-20931"] and sum(instalments(second)) == KES["LN-20932"], reply


def test_one_yes_records_an_arrangement_on_each_loan(stack):
    borrower = Borrower(stack)
    borrower.say("hello")
    # BR-1014's portfolio language is Indonesian: the statement may come in it (4.590.000,00), the
    # later replies follow the English the borrower writes; the records below are what must hold.
    reply = borrower.say("my loan is LN-21010 and I was born on 15 September 1986")
    assert re.search(r"4[.,]590[.,]000[.,]00", reply) and "LN-21011" in reply, reply
    reply = borrower.say("can I pay both loans in 3 instalments")
    assert reply.index("LN-21010") < reply.rindex("LN-21011"), reply  # one offer naming both, current loan first
    reply = borrower.say("yes")
    assert "LN-21010" in reply and "LN-21011" in reply, reply
    for loan_id, balance in IDR.items():
        status, loan = admin(stack, f"/api/loans/{loan_id}")
        assert status == 200, loan
        active = loan["active_arrangement"]
        assert active and active["kind"] == "instalment_plan" and loan["status"] == "in_arrangement", loan
        assert len(active["schedule"]) == 3
        assert sum(Decimal(s["amount"]) for s in active["schedule"]) == balance, active
    borrower.say("yes")  # nothing is on the table any more: a second yes records nothing
    for loan_id in IDR:
        _, loan = admin(stack, f"/api/loans/{loan_id}")
        assert loan["past_arrangements"] == [] and loan["active_arrangement"], loan
