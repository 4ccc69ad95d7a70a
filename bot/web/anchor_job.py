"""The web server anchors the audit chain every `audit_anchor_minutes`.

An anchor only pins what existed when it was taken (bot/records/anchor.py),
so the interval is how much recent history someone with database access
could still rewrite unnoticed; the web server is the one process that is
always up, so it takes them. Only when AUDIT_ANCHOR_KEY is set: without a
key there is nothing to sign with, and `make run` on a laptop needs none.
The first anchor is taken at start-up.
"""
from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from aiohttp import web

from bot.config.bot_file import load_bot
from bot.records import anchor

from .background import run_for_lifetime


log = logging.getLogger(__name__)
SECONDS_PER_MINUTE = 60  # tests shorten the minute


@dataclass(frozen=True)
class AnchorJob:
    minutes: int
    path: Path
    key: bytes


def job_settings(env: Mapping[str, str] | None = None, bot_yml: Path | None = None) -> AnchorJob | None:
    """The job's settings, None when AUDIT_ANCHOR_KEY is unset; ValueError names a bad value.

    The interval is config/bot.yml `audit_anchor_minutes` (1 minute to a week:
    beyond that the anchor protects little), checked by bot.config.
    """
    env = os.environ if env is None else env
    key = anchor.optional_key(env)  # AnchorError (a ValueError) for a short key
    minutes = load_bot(bot_yml).audit_anchor_minutes
    if key is None:
        return None
    return AnchorJob(minutes=minutes, path=anchor.anchor_file(env), key=key)


async def _anchor_every(app: web.Application, job: AnchorJob) -> None:
    while True:
        try:
            written = await asyncio.to_thread(anchor.anchor_head, app["session_factory"], job.path, job.key)
            log.info("audit chain anchored at seq %d in %s", written.seq, job.path)
        except Exception:  # a full disk or a locked database must not end the job for good
            log.exception("could not anchor the audit chain in %s; next try in %d minutes", job.path, job.minutes)
        await asyncio.sleep(job.minutes * SECONDS_PER_MINUTE)


def install(app: web.Application, env: Mapping[str, str] | None = None) -> None:
    """Run the job for the application's lifetime (aiohttp cleanup_ctx)."""
    job = job_settings(env)
    if job is None:
        log.warning("%s is not set: the audit chain is not anchored outside the database", anchor.KEY_ENV)
        return

    run_for_lifetime(app, lambda running: _anchor_every(running, job))
