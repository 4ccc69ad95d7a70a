"""Console logins: session cookie, CSRF guard, login rate limit.

Separate from the admin API on purpose: the admin bearer token opens
/api/* only, a console cookie opens /console/* only. The cookie is HttpOnly
and SameSite=Strict (Secure over https); state-changing requests must also
come from our own origin (Origin header) and, for the JSON API, carry
`X-Console-Request: 1`, a header another site cannot make a browser send
without CORS, which we never grant.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict, deque

from aiohttp import web

from bot.records import agents, db

from .jsonio import error

log = logging.getLogger(__name__)
COOKIE = "console_session"
CSRF_HEADER = "X-Console-Request"
LOGIN_PATH = "/console/login"
MAX_FAILURES = 5
FAILURE_WINDOW_S = 15 * 60


class LoginLimiter:
    """At most MAX_FAILURES failed logins per username per window (in memory, per process)."""

    def __init__(self, max_failures: int = MAX_FAILURES, window_s: float = FAILURE_WINDOW_S, clock=time.monotonic):
        self.max_failures, self.window_s, self.clock = max_failures, window_s, clock
        self._failures: dict[str, deque] = defaultdict(deque)

    def _recent(self, username: str) -> deque:
        failures = self._failures[username]
        while failures and self.clock() - failures[0] > self.window_s:
            failures.popleft()
        return failures

    def blocked_for(self, username: str) -> float:
        """Seconds until this username may try again (0 = now)."""
        failures = self._recent(username)
        if len(failures) < self.max_failures:
            return 0.0
        return max(self.window_s - (self.clock() - failures[0]), 1.0)

    def failed(self, username: str) -> None:
        self._recent(username).append(self.clock())

    def succeeded(self, username: str) -> None:
        self._failures.pop(username, None)


def expected_origin(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


def same_origin(request: web.Request) -> bool:
    """A POST must say where it comes from, and that must be us."""
    origin = request.headers.get("Origin")
    if origin is None:
        referer = request.headers.get("Referer", "")
        origin = "/".join(referer.split("/")[:3]) if referer else None
    return origin == expected_origin(request)


def cookie_secure(request: web.Request) -> bool:
    return request.secure or request.app["config"].cookie_secure


def set_session_cookie(request: web.Request, response: web.StreamResponse, token: str) -> None:
    response.set_cookie(COOKIE, token, path="/console", httponly=True, samesite="Strict",
                        secure=cookie_secure(request), max_age=int(agents.SESSION_TTL.total_seconds()))


def clear_session_cookie(response: web.StreamResponse) -> None:
    response.del_cookie(COOKIE, path="/console")


async def current_agent(request: web.Request) -> dict | None:
    """{"username", "role"} of the cookie's session, or None."""
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    factory = request.app["session_factory"]

    def lookup():
        with db.transaction(factory) as session:
            agent = agents.session_agent(session, token)
            return {"username": agent.username, "role": agent.role} if agent else None

    return await asyncio.to_thread(lookup)


def is_console_api(path: str) -> bool:
    return path.startswith("/console/api/") or path == "/console/api"


@web.middleware
async def console_guard(request: web.Request, handler):
    """Everything under /console except the login page needs a session; POSTs need our origin."""
    path = request.path
    if not (path == "/console" or path.startswith("/console/")):
        return await handler(request)
    api = is_console_api(path)
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        if not same_origin(request):
            return error(403, "cross-site request refused") if api else web.Response(
                status=403, text="cross-site request refused")
        if api and request.headers.get(CSRF_HEADER) != "1":
            return error(403, f"missing {CSRF_HEADER} header")
    if path == LOGIN_PATH or path.startswith("/console/static/"):
        return await handler(request)
    agent = await current_agent(request)
    if agent is None:
        if api:
            return error(401, "log in to the console first")
        raise web.HTTPFound(LOGIN_PATH)
    request["agent"] = agent
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if api and exc.status >= 400:
            return error(exc.status, exc.reason)
        raise
    except Exception:  # noqa: BLE001 - the agent gets a JSON 500, the log gets the trace
        if not api:
            raise
        log.exception("console API %s %s failed", request.method, path)
        return error(500, "internal error; see the web server log")
