"""The aiohttp application: chat page, static files, admin API, hand-off console, health check."""
from __future__ import annotations

import logging

from aiohttp import web

from bot.compliance import backstop
from bot.records import db

from . import anchor_job, api, campaigns_api, console_api, console_pages, console_verification, handoff_timeout_job, pages
from .auth import admin_auth
from .bodies import MAX_BODY_BYTES, body_limits
from .console_auth import console_guard
from .rasa_client import RasaClient
from .config import MIN_TOKEN_LENGTH, WebConfig
from .jsonio import json_errors

log = logging.getLogger(__name__)
# Every request body is a small JSON object or form; bodies.py says how the cap
# is enforced (before decompression too). Re-exported here for callers.
__all__ = ["MAX_BODY_BYTES", "make_app"]


def make_app(config: WebConfig) -> web.Application:
    backstop.require_model()  # no compliance backstop model, no web server (BackstopMissing says why)
    if not config.admin_token:
        log.warning("ADMIN_TOKEN is not set: the admin API answers 503 to every request")
    elif len(config.admin_token) < MIN_TOKEN_LENGTH:
        log.warning("ADMIN_TOKEN is shorter than %d characters; use a long random token", MIN_TOKEN_LENGTH)
    if not config.payment_webhook_secret:
        log.warning("PAYMENT_WEBHOOK_SECRET is not set: the payment callback answers 503")
    elif len(config.payment_webhook_secret) < MIN_TOKEN_LENGTH:
        log.warning("PAYMENT_WEBHOOK_SECRET is shorter than %d characters; use a long random secret",
                    MIN_TOKEN_LENGTH)
    app = web.Application(
        middlewares=[body_limits, json_errors, admin_auth(config.admin_token), console_guard],
        client_max_size=MAX_BODY_BYTES,
    )
    app["config"] = config
    engine = db.make_engine(config.database_url)
    app["engine"] = engine
    app["session_factory"] = db.make_session_factory(engine)

    app["rasa"] = RasaClient(config.rasa_api_url or config.rasa_url, config.rasa_token)

    async def dispose(_app: web.Application) -> None:
        await _app["rasa"].close()
        engine.dispose()

    app.on_cleanup.append(dispose)
    anchor_job.install(app)  # audit anchors outside the database, when AUDIT_ANCHOR_KEY is set
    handoff_timeout_job.install(app)  # cases nobody took in time: the borrower is told, the case escalates
    pages.add_routes(app)
    api.add_routes(app)
    campaigns_api.add_routes(app)
    console_pages.add_routes(app)
    console_api.add_routes(app)
    console_verification.add_routes(app)
    return app
