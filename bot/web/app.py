"""The aiohttp application: chat page, static files, admin API, hand-off console, health check."""
from __future__ import annotations

import logging

from aiohttp import web

from bot.records import db

from . import api, console_api, console_pages, pages
from .auth import admin_auth
from .console_auth import console_guard
from .rasa_client import RasaClient
from .config import MIN_TOKEN_LENGTH, WebConfig
from .jsonio import json_errors

log = logging.getLogger(__name__)
# Admin requests are small JSON bodies; refuse anything bigger early.
MAX_BODY_BYTES = 64 * 1024


def make_app(config: WebConfig) -> web.Application:
    if not config.admin_token:
        log.warning("ADMIN_TOKEN is not set: the admin API answers 503 to every request")
    elif len(config.admin_token) < MIN_TOKEN_LENGTH:
        log.warning("ADMIN_TOKEN is shorter than %d characters; use a long random token", MIN_TOKEN_LENGTH)
    app = web.Application(
        middlewares=[json_errors, admin_auth(config.admin_token), console_guard],
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
    pages.add_routes(app)
    api.add_routes(app)
    console_pages.add_routes(app)
    console_api.add_routes(app)
    return app
