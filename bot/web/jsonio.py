"""JSON responses: money and dates as strings, errors as {"error": ...}."""
from __future__ import annotations

import json
import logging
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot put a {type(value).__name__} in a JSON response")


def dumps(data: Any) -> str:
    return json.dumps(data, default=_default, ensure_ascii=False)


# Admin answers hold borrowers' personal data: no caching anywhere on the way.
NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def ok(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=dumps, headers=NO_STORE)


def error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"error": message}, status=status, headers={**NO_STORE, **(headers or {})},
                             dumps=dumps)


@web.middleware
async def json_errors(request: web.Request, handler):
    """Under /api/ every failure is JSON too: unknown routes, wrong methods, crashes."""
    if not (request.path == "/api" or request.path.startswith("/api/")):
        return await handler(request)
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return error(exc.status, exc.reason if exc.text is None else _plain(exc))
    except Exception:  # noqa: BLE001 - the caller gets a JSON 500, the log gets the trace
        log.exception("admin API %s %s failed", request.method, request.path)
        return error(500, "internal error; see the web server log")


def _plain(exc: web.HTTPException) -> str:
    text = (exc.text or "").strip()
    # aiohttp's default bodies are "404: Not Found"; keep just the words.
    return text.split(": ", 1)[1] if text[:3].isdigit() and ": " in text else text or exc.reason
