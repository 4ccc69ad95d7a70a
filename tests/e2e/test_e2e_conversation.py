"""The conversation of issue 2, typed by a borrower into the real running bot.

Rasa server + action server + web server on a freshly trained model, talking
through the REST channel; the agreement is then read back through the admin API.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo
from decimal import Decimal


from tests.conftest import Borrower, get_json

# LN-20931 in data/demo/portfolio.csv: KES 12,500.00 + 860.00 interest + 500.00 fees.
LOAN, DOB_TEXT, TOTAL = "LN-20931", "17 April 1991", Decimal("13860.00")
MONEY = re.compile(r"(?:KES|KSh)\s?([\d,]+\.\d{2})")


def amounts(text: str) -> list[Decimal]:
    return [Decimal(a.replace(",", "")) for a in MONEY.findall(text)]


def admin(stack, path: str):
    return get_json(f"{stack.web_url}{path}", headers={"Authorization": f"Bearer {stack.admin_token}"})


def verified(stack) -> Borrower:
    borrower = Borrower(stack)
    borrower.say("hello")
    reply = borrower.say(f"my loan number is {LOAN} and my date of birth is {DOB_TEXT}")
    assert "13,860.00" in reply, reply
    return borrower


def test_greeting_says_who_it_is_and_discloses_nothing(stack):
    borrower = Borrower(stack)
    reply = borrower.say("hi")
    assert "automated assistant" in reply.lower()
    assert "loan reference" in reply.lower() and "date of birth" in reply.lower()
    reply = borrower.say("how much do i owe you")
    assert not amounts(reply) and "13,860" not in reply
    assert "loan reference" in reply.lower()


def test_five_failed_verifications_end_it(stack):
    # References of no loan: the failures count against this sender only, so LN-20931
    # itself is not locked for the other tests (tests/security/test_verification_lockout.py locks loans).
    borrower = Borrower(stack)
    borrower.say("hello")
    for attempt in range(5):
        reply = borrower.say(f"LN-8{attempt:04d}, born 1 January 1970")
        assert "13,860" not in reply
    assert "contact" in reply.lower() and "+1 555 0100" in reply
    reply = borrower.say(f"ok it's {LOAN} and {DOB_TEXT}")  # even the right details, now
    assert "13,860" not in reply


def test_verified_borrower_hears_the_debt(stack):
    borrower = Borrower(stack)
    borrower.say("good morning")
    borrower.say("ln 20931")
    reply = borrower.say(f"born {DOB_TEXT}")
    assert "13,860.00" in reply and "12,500.00" in reply and "860.00" in reply and "500.00" in reply
    assert "12 November 2026" in reply
    days = (datetime.now(ZoneInfo("Africa/Nairobi")).date() - date(2026, 11, 12)).days
    assert f"{days} days" in reply


def test_instalment_plan_is_agreed_and_recorded(stack):
    borrower = verified(stack)
    reply = borrower.say("can I split it into 3 payments")
    lines = [l for l in reply.splitlines() if re.match(r"\s*\d+\.", l)]
    assert len(lines) == 3, reply
    assert sum(amounts("\n".join(lines))) == TOTAL
    reply = borrower.say("yes please")
    assert "recorded" in reply.lower()
    status, loan = admin(stack, f"/api/loans/{LOAN}")
    assert status == 200
    active = loan["active_arrangement"]
    assert active["kind"] == "instalment_plan" and loan["status"] == "in_arrangement"
    schedule = active["schedule"]
    assert len(schedule) == 3 and sum(Decimal(s["amount"]) for s in schedule) == TOTAL
    status, audit = admin(stack, f"/api/loans/{LOAN}/audit")
    kinds = [e["kind"] for e in audit["entries"]]
    assert "message_in" in kinds and "message_out" in kinds and "record_change" in kinds


def test_request_outside_limits_gets_nearest_offer(stack):
    borrower = verified(stack)
    reply = borrower.say("please extend my due date by 60 days")
    assert "can't" in reply.lower() or "cannot" in reply.lower(), reply
    assert "14 days" in reply or "longest" in reply.lower(), reply


def test_pay_in_full_gives_payment_instructions(stack):
    borrower = verified(stack)
    reply = borrower.say("I'll pay everything today")
    assert "Loans > Repay" in reply and "13,860.00" in reply


def test_admin_api_needs_the_token(stack):
    status, _ = get_json(f"{stack.web_url}/api/loans/{LOAN}")
    assert status == 401


def test_us_borrower_hears_the_debt_collection_notice_with_the_debt(stack):
    borrower = Borrower(stack)
    first = borrower.say("hey")
    assert first.startswith("You are talking to") and "debt collector" not in first
    reply = borrower.say("LN-20990, my birthday is 05/21/1987")
    assert "This is a communication from a debt collector" in reply and "USD 1,074.75" in reply, reply


def test_logs_hold_no_phone_date_of_birth_or_name(stack):
    """After the conversations above, the three servers' logs name nobody."""
    import csv

    from tests.conftest import DEMO
    with open(DEMO, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    logs = "\n".join(p.read_text(errors="replace") for p in stack.var_dir.glob("*.log"))
    assert "verified" in Borrower(stack).say(f"{LOAN} {DOB_TEXT}")  # at least one more conversation logged
    logs += "\n".join(p.read_text(errors="replace") for p in stack.var_dir.glob("*.log"))
    assert logs.strip()
    for row in rows:
        for secret in (row["phone"], row["phone"][1:], row["date_of_birth"], row["full_name"]):
            assert secret not in logs, f"{secret!r} appears in the logs"


def test_a_borrower_with_two_loans_can_switch_to_the_other(stack):
    borrower = verified(stack)  # LN-20931; the same borrower also holds LN-20932
    reply = borrower.say("what about LN-20932")
    assert "LN-20932" in reply and "KES 39,710.50" in reply, reply
    reply = borrower.say("can I split it into 3 payments")
    assert sum(amounts("\n".join(l for l in reply.splitlines() if re.match(r"\s*\d+\.", l)))) == Decimal("39710.50")


def test_a_signed_in_borrower_skips_the_identity_questions(stack):
    from bot.channels.widget_token import issue
    from tests.conftest import WIDGET_SECRET

    borrower = Borrower(stack)
    reply = borrower.say("hi", metadata={"auth_token": issue("BR-1012", WIDGET_SECRET)})
    assert "GBP 715.20" in reply and "verified" in reply, reply  # LN-21001, Oliver Hughes


def test_an_expired_or_forged_token_falls_back_to_verification(stack):
    from datetime import datetime, timedelta, timezone

    from bot.channels.widget_token import issue
    from tests.conftest import WIDGET_SECRET

    old = issue("BR-1012", WIDGET_SECRET, minutes=5, now=datetime.now(timezone.utc) - timedelta(hours=1))
    borrower = Borrower(stack)
    reply = borrower.say("hi", metadata={"auth_token": old})
    assert "GBP" not in reply and "loan reference" in reply.lower()
    forged = issue("BR-1012", "not-the-lenders-key-" + "y" * 30)
    other = Borrower(stack)
    assert "GBP" not in other.say("hello", metadata={"auth_token": forged})
    assert "GBP 715.20" in other.say("LN-21001, born 8 November 1989", metadata={"auth_token": forged})
