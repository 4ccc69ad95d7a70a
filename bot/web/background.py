"""Periodic jobs that live exactly as long as the web server (aiohttp cleanup_ctx)."""
from __future__ import annotations

import asyncio
from contextlib import suppress
from typing import AsyncIterator, Awaitable, Callable

from aiohttp import web


def run_for_lifetime(app: web.Application, job: Callable[[web.Application], Awaitable[None]]) -> None:
    """Start `job(app)` when the server starts and cancel it when the server stops."""

    async def lifetime(running: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(job(running))
        yield
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task

    app.cleanup_ctx.append(lifetime)
