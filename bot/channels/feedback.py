"""An SMS or WhatsApp answer to the follow-up's satisfaction question, recorded as such.

The question is the last campaign message a paid-up borrower gets; their answer
("all good, thanks") is feedback, not the start of a collections conversation,
so it is recorded against the loan (audit `satisfaction_answer`) and thanked,
and Rasa never sees it. Anything they write after that goes to the bot as usual.
"""
from __future__ import annotations

import asyncio
from functools import lru_cache

from bot import clock
from bot.records import sends
from bot.records.db import make_engine, make_session_factory, transaction


@lru_cache(maxsize=1)
def _factory():
    return make_session_factory(make_engine())


def _record(phone: str, text: str) -> bool:
    with transaction(_factory()) as session:
        return sends.record_feedback(session, phone=phone, text=text, at=clock.now())


async def taken(phone: str, text: str) -> bool:
    """Whether `text` from `phone` answered a pending satisfaction question (and is now recorded)."""
    return await asyncio.to_thread(_record, phone, text)
