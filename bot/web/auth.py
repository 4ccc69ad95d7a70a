"""Bearer-token guard for the admin API.

Checked in a middleware, before routing, so an unauthenticated caller learns
nothing (not even which /api paths exist). The comparison is constant-time
so the token cannot be guessed byte by byte from response times.

One /api route is not the operators': the payment provider's callback
(POST /api/payments) authenticates with an HMAC signature of its body, checked
by its handler (api.payments), and never with the admin token, which would
open every borrower's data to whoever holds the provider's configuration.
"""
from __future__ import annotations

import hmac

from aiohttp import web

from .jsonio import error

API_PREFIX = "/api/"
# (method, path) let through to a handler that checks its own credential.
SIGNED_CALLBACKS = {("POST", "/api/payments")}


def bearer_token(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def token_matches(given: str | None, expected: str) -> bool:
    # compare_digest on bytes: str input must be ASCII, a token may not be.
    return given is not None and hmac.compare_digest(
        given.encode("utf-8"), expected.encode("utf-8")
    )


def admin_auth(expected: str | None):
    """Middleware refusing /api/* without the right token (503 when none is configured)."""

    @web.middleware
    async def middleware(request: web.Request, handler):
        if (request.method, request.path) in SIGNED_CALLBACKS:
            return await handler(request)
        if request.path == API_PREFIX.rstrip("/") or request.path.startswith(API_PREFIX):
            if not expected:
                return error(503, "admin API disabled: ADMIN_TOKEN is not set on the web server")
            if not token_matches(bearer_token(request.headers.get("Authorization")), expected):
                return error(
                    401, "missing or wrong admin token; send 'Authorization: Bearer <ADMIN_TOKEN>'",
                    headers={"WWW-Authenticate": 'Bearer realm="admin"'},
                )
        return await handler(request)

    return middleware
