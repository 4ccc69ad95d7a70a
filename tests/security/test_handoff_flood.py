"""An anonymous REST sender asking for a person again and again, with /restart
in between (which ends the pause of a handed-off conversation), queues one
case, not ten: the agents' queue cannot be flooded from one conversation."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.records import db
from bot.records.models import Handoff
from tests.conftest import Borrower

pytestmark = pytest.mark.e2e
ASKS = 10


def cases_of(database_url: str, conversation_id: str) -> list[tuple[int, str]]:
    engine = db.make_engine(database_url)
    try:
        with db.transaction(db.make_session_factory(engine)) as session:
            rows = session.execute(select(Handoff).where(Handoff.conversation_id == conversation_id)).scalars()
            return [(h.id, h.status) for h in rows]
    finally:
        engine.dispose()


def test_asking_for_a_person_ten_times_opens_one_case(stack):
    borrower = Borrower(stack)
    replies = []
    for _ in range(ASKS):
        borrower.say("/restart")
        replies.append(borrower.say("I want to talk to a real person"))
    # While the conversation is paused Rasa ignores messages, /restart included,
    # so about every other ask reaches the hand-off action; it must have run
    # more than once for this test to mean anything.
    handed_off = [reply for reply in replies if "passing your conversation to a person" in reply]
    assert len(handed_off) >= 2, replies
    cases = cases_of(stack.database_url, borrower.sender)
    assert len(cases) == 1, cases
    assert cases[0][1] == "open"
