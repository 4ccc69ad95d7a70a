"""The web server escalates hand-off cases nobody took in time, and tells the borrower.

A borrower handed to a person must not wait in silence: if no agent takes the
case within config/bot.yml `handoff.take_within_minutes`, the case's priority
goes up (audited, once: `escalated_at`) and the catalogue's `handoff_timeout`
text is sent into the borrower's conversation the way the console sends an
agent's reply (bot/web/rasa_client.py), after the same compliance check. The
web server is the one process that is always up, so it runs the check, every
minute, like the audit anchor (anchor_job.py). Each case is claimed in its own
transaction under a row lock, so two web servers never escalate or tell twice.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import datetime, timedelta
from pathlib import Path

from aiohttp import web

from bot.compliance import check_outbound
from bot.config.bot_file import load_bot
from bot.config.messages import ENGLISH, load_messages
from bot.dialogue.language import SLOT as LANGUAGE_SLOT
from bot.dialogue.messages import render
from bot.records import audit, handoffs, views
from bot.records.db import transaction

from . import console_rules as rules
from .rasa_client import RasaError
from .background import run_for_lifetime

log = logging.getLogger(__name__)
SECONDS_PER_MINUTE = 60  # tests shorten the minute
CHECK_EVERY_MINUTES = 1
MESSAGE = "handoff_timeout"
ACTOR = "bot"


def take_within_minutes(bot_yml: Path | None = None) -> int:
    """config/bot.yml `handoff.take_within_minutes` (1 minute to a week, checked by bot.config)."""
    return load_bot(bot_yml).handoff.take_within_minutes


def escalate_overdue(session_factory, minutes: int, now: datetime | None = None) -> list[dict]:
    """Escalates every open case older than `minutes` not escalated yet; the cases this call
    escalated (views.handoff_case), for the borrower to be told. Idempotent."""
    within = timedelta(seconds=minutes * SECONDS_PER_MINUTE)
    with transaction(session_factory) as session:
        due = handoffs.overdue_cases(session, within=within, now=now)
    claimed = []
    for handoff_id in due:
        with transaction(session_factory) as session:
            if handoffs.escalate_unanswered(session, handoff_id, minutes=minutes, actor=ACTOR) is not None:
                claimed.append(views.handoff_case(session, handoff_id))
    return claimed


def timeout_text(language: str = ENGLISH) -> str:
    bot = load_bot()
    return render(MESSAGE, language=language, lender=bot.lender.name, contact=bot.lender_text("contact", language),
                  assistant=bot.lender.assistant_name, response_time=bot.lender_text("handoff_response_time", language))


async def tell(app: web.Application, case: dict) -> bool:
    """Sends the timeout text into the case's conversation, through the compliance check (audited)."""
    conversation_id = case["conversation_id"]
    tracker = await app["rasa"].tracker(conversation_id)
    language = (tracker.get("slots") or {}).get(LANGUAGE_SLOT) or ENGLISH  # the language the bot was speaking
    text = timeout_text(language)
    channel = tracker.get("latest_input_channel") or case.get("channel") or "rest"
    # A reply in the conversation the borrower started; what it says is the catalogue's facts, not a guess.
    context = dataclasses.replace(
        rules.reply_context(text, case=case, tracker_slots=tracker.get("slots") or {}, channel=channel),
        mentions_debt=MESSAGE in load_messages().keys_where("mentions_debt"), new_demand=False)
    decision = check_outbound(text, context, language=language)
    where = {"loan_id": case["loan_id"], "borrower_id": case["borrower_id"], "conversation_id": conversation_id}
    payload = {"source": "handoff_timeout", "handoff_id": case["id"], "message": MESSAGE, "text": text,
               "channel": channel}
    if decision.allowed:
        await app["rasa"].append(conversation_id, [{"event": "bot", "text": text,
                                                   "metadata": {"handoff_timeout": True}}], deliver=True)
    kind = "message_out" if decision.allowed else "compliance_decision"

    def record() -> None:
        with transaction(app["session_factory"]) as session:
            audit.append(session, actor=ACTOR, kind=kind, **where, payload={**payload, **decision.as_dict()})

    await asyncio.to_thread(record)
    return decision.allowed


async def check_once(app: web.Application, minutes: int) -> int:
    """One pass: escalate what is overdue and tell each borrower; how many were escalated."""
    claimed = await asyncio.to_thread(escalate_overdue, app["session_factory"], minutes)
    for case in claimed:
        try:
            await tell(app, case)
        except RasaError:  # escalated all the same; the agents see it at the top of the queue
            log.exception("case %s escalated, but the borrower could not be told", case["id"])
    return len(claimed)


async def _check_every(app: web.Application, minutes: int) -> None:
    while True:
        try:
            escalated = await check_once(app, minutes)
            if escalated:
                log.warning("%d hand-off case(s) not taken within %d minutes: escalated", escalated, minutes)
        except Exception:  # a locked database must not end the job for good
            log.exception("could not check for hand-off cases nobody took; next try in %d minute(s)",
                          CHECK_EVERY_MINUTES)
        await asyncio.sleep(CHECK_EVERY_MINUTES * SECONDS_PER_MINUTE)


def install(app: web.Application, bot_yml: Path | None = None) -> None:
    """Run the check for the application's lifetime (aiohttp cleanup_ctx)."""
    minutes = take_within_minutes(bot_yml)  # a wrong value stops the web server at start-up, naming the key
    run_for_lifetime(app, lambda running: _check_every(running, minutes))
