"""Guessing a borrower's date of birth, as an attacker would, against the real
servers: many guesses for one loan reference, with /restart and /back between
them and a fresh sender id every few guesses, then the right date. The count
lives in the records, so none of that resets it: five failures lock the loan,
the right date is refused as well, and only an agent lifting the lock in the
console lets the borrower verify again. One sender guessing across loans is
locked on its own too.
"""
from __future__ import annotations

import secrets

import pytest
import requests

from bot.records import agents, db
from bot.records import verification as lockout
from tests.conftest import Borrower, get_json

pytestmark = pytest.mark.e2e

# LN-20931 in data/demo/portfolio.csv: Wanjiku Kamau, born 17 April 1991, owes KES 13,860.00.
LOAN, RIGHT, OWED = "LN-20931", "17 April 1991", "13,860.00"
MAX_FAILURES = 5  # config/bot.yml verification.max_failures
LOCKED = "+1 555 0100"  # verification_locked sends the borrower to the lender's contact (config/bot.yml)
NO_MATCH = "don't match our records"


@pytest.fixture(scope="module")
def records(stack):
    """The records of the running stack; any lock this module set is lifted afterwards
    so later tests can still verify LN-20931."""
    engine = db.make_engine(stack.database_url)
    factory = db.make_session_factory(engine)
    yield factory
    with db.transaction(factory) as session:
        lockout.lift(session, "loan", LOAN, actor="system", reason="end of the lockout tests")
    engine.dispose()


@pytest.fixture(scope="module")
def agent(stack, records):
    """A logged-in console agent (cookie session; the console's origin and CSRF headers)."""
    username, password = f"lock-{secrets.token_hex(3)}", secrets.token_urlsafe(16)
    with db.transaction(records) as session:
        agents.create_agent(session, username, password, role="agent")
    client = requests.Session()
    client.headers.update({"Origin": stack.web_url, "X-Console-Request": "1"})
    login = client.post(f"{stack.web_url}/console/login", data={"username": username, "password": password},
                        allow_redirects=False, timeout=30)
    assert login.status_code == 303, login.text
    client.username = username
    yield client
    client.close()


def verification_status(agent, stack) -> dict:
    answer = agent.get(f"{stack.web_url}/console/api/loans/{LOAN}/verification", timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def guess(borrower: Borrower, day: int) -> str:
    return borrower.say(f"{LOAN}, born {day} January 1970")


def test_twenty_guesses_across_restarts_and_senders_lock_the_loan_even_for_the_right_date(stack, records, agent):
    before = verification_status(agent, stack)
    assert not before["locked"] and before["failures"] < MAX_FAILURES, before
    left = MAX_FAILURES - before["failures"]  # 5 on a fresh stack
    borrower, replies = None, []
    for attempt in range(20):
        if attempt % 4 == 0:
            borrower = Borrower(stack, f"guess-{secrets.token_hex(4)}")  # a fresh sender id
        borrower.say("/restart" if attempt % 2 == 0 else "/back")
        replies.append(guess(borrower, attempt + 1))
    assert not any(OWED in reply for reply in replies)
    assert all(NO_MATCH in reply for reply in replies[:left - 1]), replies[:left]
    assert all(LOCKED in reply and NO_MATCH not in reply for reply in replies[left - 1:]), replies[left - 1:]

    # The right date of birth, from the last sender after a restart and from a brand-new one: refused.
    borrower.say("/restart")
    for who in (borrower, Borrower(stack)):
        reply = who.say(f"my loan number is {LOAN} and my date of birth is {RIGHT}")
        assert LOCKED in reply and OWED not in reply, reply
    status = verification_status(agent, stack)
    assert status["locked"] and status["locked_until"], status

    # The borrower calls the lender; an agent checks who they are and lifts the lock.
    lifted = agent.post(f"{stack.web_url}/console/api/loans/{LOAN}/verification/unlock",
                        json={"reason": "identity checked on a call back"}, timeout=30)
    assert lifted.status_code == 200, lifted.text
    assert lifted.json()["lifted"] == 1 and not lifted.json()["verification"]["locked"]
    reply = Borrower(stack).say(f"my loan number is {LOAN} and my date of birth is {RIGHT}")
    assert OWED in reply, reply

    status, trail = get_json(f"{stack.web_url}/api/loans/{LOAN}/audit",
                             headers={"Authorization": f"Bearer {stack.admin_token}"})
    assert status == 200
    kinds = [(e["kind"], e["actor"]) for e in trail["entries"]]
    assert kinds.count(("verification_failed", "bot")) >= left
    assert ("verification_locked", "bot") in kinds and ("verification_refused", "bot") in kinds
    assert ("verification_unlocked", f"agent:{agent.username}") in kinds


def test_the_console_unlock_needs_a_logged_in_agent_and_the_csrf_header(stack, agent):
    url = f"{stack.web_url}/console/api/loans/{LOAN}/verification/unlock"
    anonymous = requests.post(url, headers={"Origin": stack.web_url, "X-Console-Request": "1"}, timeout=30)
    assert anonymous.status_code == 401
    no_csrf = agent.post(url, headers={"X-Console-Request": None}, timeout=30)  # None: not sent
    assert no_csrf.status_code == 403
    assert agent.get(f"{stack.web_url}/console/api/loans/NO-SUCH-LOAN/verification", timeout=30).status_code == 404
    bad = agent.post(url, json={"reason": 42}, timeout=30)
    assert bad.status_code == 400 and "reason" in bad.json()["error"]


def test_one_sender_guessing_across_references_is_locked_but_the_loan_is_not(stack):
    attacker = Borrower(stack, f"spray-{secrets.token_hex(4)}")
    replies = []
    for attempt in range(MAX_FAILURES + 2):
        attacker.say("/restart")
        replies.append(attacker.say(f"LN-9{attempt:04d}, born {attempt + 1} March 1980"))  # references of no loan
    assert all(NO_MATCH in reply for reply in replies[:MAX_FAILURES - 1]), replies
    assert all(LOCKED in reply for reply in replies[MAX_FAILURES - 1:]), replies
    attacker.say("/restart")
    assert OWED not in attacker.say(f"my loan number is {LOAN} and my date of birth is {RIGHT}")
    # The sender is locked, not the loan: its borrower still verifies from their own chat.
    assert OWED in Borrower(stack).say(f"my loan number is {LOAN} and my date of birth is {RIGHT}")
