"""bench/sim_check.py finds exactly the violations planted in a small database, and nothing in clean histories.

Kenya (KE): 08:00-19:00 Nairobi time (UTC+3), closed on Sunday, 3 proactive
messages in 7 days, 2 days' cool-down after a conversation. 2027-01-04 is a Monday.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bench.sim_check import check, mentions_amount, rules_for
from bot.records import audit
from bot.records.models import Borrower, ContactEvent
from tests.support.records_fixtures import add_loan, fresh_records_db

TEXT = "Hello from Acme Lending, please reply to this message. Reply STOP to stop these messages."


@pytest.fixture()
def db(tmp_path):
    with fresh_records_db("sqlite", tmp_path) as database:
        yield database


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def entry(db, monkeypatch, when: str, kind: str, payload: dict, loan: str | None = "L1",
          borrower: str | None = "B-L1", conversation: str | None = None) -> None:
    monkeypatch.setenv("BOT_NOW", utc(when).isoformat())
    with db.session() as s:
        audit.append(s, actor="test", kind=kind, payload=payload, loan_id=loan, borrower_id=borrower,
                     conversation_id=conversation)


def send(db, monkeypatch, when: str, loan: str = "L1", channel: str = "sms", text: str = TEXT) -> None:
    entry(db, monkeypatch, when, "message_out", {"source": "campaign", "channel": channel, "text": text},
          loan=loan, borrower=f"B-{loan}")


def change(db, monkeypatch, when: str, payload: dict, loan: str = "L1") -> None:
    entry(db, monkeypatch, when, "record_change", payload, loan=loan, borrower=f"B-{loan}")


def conversation_at(db, when: str, loan: str = "L1") -> None:
    with db.session() as s:
        borrower = s.query(Borrower).filter_by(borrower_id=f"B-{loan}").one()
        s.add(ContactEvent(borrower_pk=borrower.id, channel="sms", direction="in", kind="conversation", at=utc(when)))


def found(db) -> list[tuple[str, str, datetime]]:
    return [(v.rule, v.loan, v.at) for v in check(db.engine)]


def test_a_clean_history_has_no_violation(db, monkeypatch):
    add_loan(db, "L1")
    add_loan(db, "L2")
    send(db, monkeypatch, "2027-01-04T07:00")             # Mon 10:00 Nairobi
    send(db, monkeypatch, "2027-01-06T15:59")             # Wed 18:59
    send(db, monkeypatch, "2027-01-09T05:00")             # Sat 08:00 (window start inclusive)
    send(db, monkeypatch, "2027-01-11T07:00")             # Mon: the 04 Jan send left the 7-day window
    send(db, monkeypatch, "2027-01-04T07:00", loan="L2")  # another borrower's count is its own
    conversation_at(db, "2027-01-12T07:00")
    send(db, monkeypatch, "2027-01-14T07:00")             # 2 days after the conversation: allowed again
    assert found(db) == []


def test_contact_window_in_local_time(db, monkeypatch):
    add_loan(db, "L1")
    send(db, monkeypatch, "2027-01-04T16:00")  # Mon 19:00 Nairobi: window end is exclusive
    send(db, monkeypatch, "2027-01-08T04:59")  # Fri 07:59
    send(db, monkeypatch, "2027-01-17T07:00")  # Sunday 10:00: closed
    assert [rule for rule, _, _ in found(db)] == ["contact_window"] * 3


def test_frequency_cap_over_a_rolling_window(db, monkeypatch):
    add_loan(db, "L1")
    for day in ("04", "05", "06", "07"):
        send(db, monkeypatch, f"2027-01-{day}T07:00")
    assert found(db) == [("frequency_cap", "L1", utc("2027-01-07T07:00"))]


def test_cap_counts_every_loan_of_the_borrower_and_a_sub_jurisdiction_gets_its_parent_too(db, monkeypatch):
    add_loan(db, "L1", borrower_id="B-L1")
    add_loan(db, "L1b", borrower_id="B-L1")
    for day, loan in (("04", "L1"), ("05", "L1b"), ("06", "L1")):
        entry(db, monkeypatch, f"2027-01-{day}T07:00", "message_out", {"source": "campaign", "channel": "sms",
                                                                          "text": TEXT}, loan=loan)
    entry(db, monkeypatch, "2027-01-07T07:00", "message_out", {"source": "campaign", "channel": "sms", "text": TEXT},
          loan="L1b")
    assert found(db) == [("frequency_cap", "L1b", utc("2027-01-07T07:00"))]
    profiles = {"US": {"contact_window": {"all": "08:00-21:00"}, "frequency_caps": [{"count": 7, "window_days": 7}],
                       "cooldown_days_after_conversation": 7},
                "US-MA": {"contact_window": {"all": "09:00-20:00", "sun": "closed"},
                          "frequency_caps": [{"count": 2, "window_days": 7}], "cooldown_days_after_conversation": 3}}
    rules = rules_for("US-MA", profiles)
    assert set(rules.caps) == {(7, 7), (2, 7)} and rules.cooldown_days == 7
    assert rules.windows[0][0].hour == 9 and rules.windows[0][1].hour == 20 and rules.windows[6] is None


def test_cool_down_after_a_conversation(db, monkeypatch):
    add_loan(db, "L1")
    send(db, monkeypatch, "2027-01-04T07:00")
    conversation_at(db, "2027-01-04T07:00")   # same instant as the send: taken to come after it
    send(db, monkeypatch, "2027-01-06T06:59")  # 1 day 23:59 after the conversation
    assert found(db) == [("conversation_cooldown", "L1", utc("2027-01-06T06:59"))]


def test_opt_out_by_channel_and_cease_contact_by_time(db, monkeypatch):
    add_loan(db, "L1")
    before = {"opted_out_channels": [], "cease_contact": False}
    send(db, monkeypatch, "2027-01-04T07:00")
    change(db, monkeypatch, "2027-01-04T08:00", {"change": "contact_preferences", "from": before,
                                                 "to": {"opted_out_channels": ["sms"], "cease_contact": False}})
    send(db, monkeypatch, "2027-01-05T07:00", channel="email")   # another channel: allowed
    send(db, monkeypatch, "2027-01-08T07:00")                    # sms after opting out
    change(db, monkeypatch, "2027-01-08T08:00", {"change": "contact_preferences", "from": before,
                                                 "to": {"opted_out_channels": [], "cease_contact": True}})
    send(db, monkeypatch, "2027-01-13T07:00", channel="email")   # after cease-contact
    assert [(rule, at) for rule, _, at in found(db)] == [("opted_out_channel", utc("2027-01-08T07:00")),
                                                          ("cease_contact", utc("2027-01-13T07:00"))]


def test_no_send_while_disputed_paused_or_in_legal_review(db, monkeypatch):
    add_loan(db, "L1")
    change(db, monkeypatch, "2027-01-04T06:00", {"change": "loan_status", "from": "overdue", "to": "disputed"})
    send(db, monkeypatch, "2027-01-04T07:00")
    change(db, monkeypatch, "2027-01-05T06:00", {"change": "arrangement_recorded",
                                                 "loan_status": {"from": "disputed", "to": "in_arrangement"}})
    send(db, monkeypatch, "2027-01-05T07:00")                    # no longer disputed
    change(db, monkeypatch, "2027-01-11T06:00", {"change": "loan_status", "from": "in_arrangement", "to": "paused"})
    send(db, monkeypatch, "2027-01-11T07:00")
    change(db, monkeypatch, "2027-01-12T06:00", {"change": "loan_status", "from": "paused", "to": "overdue"})
    change(db, monkeypatch, "2027-01-12T06:30", {"change": "loan_stage", "from": "contact", "to": "legal_review"})
    send(db, monkeypatch, "2027-01-18T07:00")
    assert [(rule, at) for rule, _, at in found(db)] == [("paused", utc("2027-01-04T07:00")),
                                                          ("paused", utc("2027-01-11T07:00")),
                                                          ("paused", utc("2027-01-18T07:00"))]


def test_no_amount_before_verification(db, monkeypatch):
    add_loan(db, "L1")
    say = {"conversation": "sms:+254700000000"}

    def bot(when: str, text: str) -> None:
        entry(db, monkeypatch, when, "message_out", {"text": text, "message": "x"}, conversation=say["conversation"])

    entry(db, monkeypatch, "2027-01-04T07:00", "message_in", {"text": "hi"}, conversation=say["conversation"])
    bot("2027-01-04T07:00", "Hi, I'm the assistant. Please send your loan reference and date of birth.")
    bot("2027-01-04T07:01", "You owe KES 8,500.00.")                        # before verification
    entry(db, monkeypatch, "2027-01-04T07:02", "verification_passed", {"by": "dob"},
          conversation=say["conversation"])
    bot("2027-01-04T07:02", "You're verified. Your balance is KES 8,500.00.")
    send(db, monkeypatch, "2027-01-05T07:00", text="Your balance of $120 is overdue. " + TEXT)  # proactive
    assert [(rule, at) for rule, _, at in found(db)] == [("identity_before_disclosure", utc("2027-01-04T07:01")),
                                                          ("identity_before_disclosure", utc("2027-01-05T07:00"))]


def test_an_expired_verification_hides_amounts_again(db, monkeypatch):
    add_loan(db, "L1")
    c = "sms:+254700000001"
    entry(db, monkeypatch, "2027-01-04T07:00", "message_in", {"text": "hi"}, conversation=c)
    entry(db, monkeypatch, "2027-01-04T07:00", "verification_passed", {"by": "dob"}, conversation=c)
    entry(db, monkeypatch, "2027-01-04T07:00", "message_out", {"text": "Balance: NGN 500"}, conversation=c)
    entry(db, monkeypatch, "2027-01-05T07:00", "message_in", {"text": "hello again"}, conversation=c)
    entry(db, monkeypatch, "2027-01-05T07:00", "verification_expired", {"reason": "idle"}, conversation=c)
    entry(db, monkeypatch, "2027-01-05T07:00", "message_out", {"text": "Balance: NGN 500"}, conversation=c)
    assert [(rule, at) for rule, _, at in found(db)] == [("identity_before_disclosure", utc("2027-01-05T07:00"))]


@pytest.mark.parametrize("text, expected", [
    ("Your balance is KES 1,200", True), ("$50 due", True), ("pay 500 USD", True),
    ("Reply STOP to stop these messages.", False), ("Call us on 0800 123 456", False),
    ("Your loan LN-20931 and date of birth, please", False),
])
def test_what_counts_as_an_amount(text, expected):
    assert mentions_amount(text) is expected
