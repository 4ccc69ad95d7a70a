"""Several loans of one borrower, through the real running bot (REST channel).

The story tests check that the policy picks action_state_balance when the
borrower names their other loan; this checks that the action really moves
the conversation to that loan, so the next plan is built on its balance.
"""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

from tests.conftest import Borrower

pytestmark = pytest.mark.e2e

# BR-1001 in data/demo/portfolio.csv holds LN-20931 (KES 13,860.00) and LN-20932 (KES 39,710.50).
MONEY = re.compile(r"KES\s?([\d,]+\.\d{2})")


def test_the_bot_names_the_other_loan_and_negotiates_it(stack):
    borrower = Borrower(stack)
    borrower.say("hello")
    reply = borrower.say("my loan is LN-20931 and I was born on 17 April 1991")
    assert "13,860.00" in reply and "LN-20932" in reply, reply
    reply = borrower.say("what about my other loan LN-20932")
    assert "LN-20932" in reply and "39,710.50" in reply, reply
    reply = borrower.say("can I split it into 4 payments")
    lines = [line for line in reply.splitlines() if re.match(r"\s*\d+\.", line)]
    assert lines, reply
    total = sum(Decimal(a.replace(",", "")) for a in MONEY.findall("\n".join(lines)))
    assert total == Decimal("39710.50"), reply
