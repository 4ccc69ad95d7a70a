"""`python -m actions.server`: rasa-sdk's action server, answering only Rasa.

`rasa run actions` listens on 0.0.0.0 with no authentication and believes
every tracker posted to it, so anyone on the network could ask it for any
loan's balance by posting `verified=true`. Here the same rasa-sdk app
(`rasa_sdk.endpoint.create_app`) listens on loopback by default and refuses
every request without the token Rasa sends (`action_endpoint.token` in
endpoints.yml arrives as `?token=`). Its stock error handler would echo the
whole tracker back in a 500; ours says only that something failed.
"""
from __future__ import annotations

import argparse
import hmac
import logging
import os
import sys

from sanic import Sanic, response
from sanic.request import Request

from bot import redact
from bot.compliance import backstop
from bot.config.messages import load_messages

log = logging.getLogger(__name__)
OPEN_PATHS = frozenset({"/health"})  # liveness only: says nothing about any borrower


def token_ok(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def make_app(token: str) -> Sanic:
    from rasa_sdk.endpoint import create_app

    if len(token) < 16:
        raise ValueError("ACTION_SERVER_TOKEN must be at least 16 characters")
    backstop.require_model()  # no compliance backstop model, no action server (BackstopMissing says why)
    load_messages()  # every text with its compliance facts, or no action server (ConfigError names the key)
    app = create_app("actions", cors_origins=None)

    @app.middleware("request")
    async def require_token(request: Request):
        if request.path not in OPEN_PATHS and not token_ok(request.args.get("token"), token):
            return response.json({"error": "missing or wrong action server token"}, status=401)
        return None

    @app.exception(Exception)
    async def failed(request: Request, exception: Exception):
        log.error("action server: %s failed: %s", request.path, type(exception).__name__, exc_info=exception)
        return response.json({"error": "action failed; see the action server log"}, status=500)

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The action server, bound to loopback, token required.")
    parser.add_argument("--host", default=os.environ.get("ACTIONS_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTIONS_PORT", "5055")))
    args = parser.parse_args(argv)
    redact.install()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    token = (os.environ.get("ACTION_SERVER_TOKEN") or "").strip()
    if not token:
        print("action server: ACTION_SERVER_TOKEN is not set; refusing to start without it", file=sys.stderr)
        return 2
    try:
        app = make_app(token)
    except ValueError as exc:
        print(f"action server: {exc}", file=sys.stderr)
        return 2
    log.info("action server on http://%s:%d (token required)", args.host, args.port)
    app.run(args.host, args.port, workers=1, access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
