"""An SMS or WhatsApp answer to the follow-up's satisfaction question, recorded as such.

The question is the last campaign message a paid-up borrower gets; their answer
("all good, thanks") is feedback, not the start of a collections conversation,
so it is recorded against the loan (audit `satisfaction_answer`) and thanked,
and Rasa never sees it. Anything they write after that goes to the bot as usual.
"""
from __future__ import annotations

import asyncio
import logging
import os
from functools import lru_cache

from sqlalchemy.exc import SQLAlchemyError

from bot import clock
from bot.records import sends
from bot.records.db import make_engine, make_session_factory, transaction

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _factory():
    return make_session_factory(make_engine())


def _record(phone: str, text: str) -> bool:
    if not os.environ.get("DATABASE_URL"):  # set for the Rasa server by bot/launch.py; absent, no records
        return False
    try:
        with transaction(_factory()) as session:
            return sends.record_feedback(session, phone=phone, text=text, at=clock.now())
    except SQLAlchemyError:  # the records down must not silence the borrower: Rasa gets the message
        log.exception("could not look up a satisfaction question for an inbound message")
        return False


async def taken(phone: str, text: str) -> bool:
    """Whether `text` from `phone` answered a pending satisfaction question (and is now recorded)."""
    return await asyncio.to_thread(_record, phone, text)
