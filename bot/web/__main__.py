"""`python -m bot.web`: serve the chat page and the admin API (see docs/web.md)."""
from __future__ import annotations

import asyncio
import logging
import sys

from aiohttp import web

from bot import redact

from .app import make_app
from .bodies import SERVER_OPTIONS
from .config import WebConfig, load_config

ACCESS_LOG_FORMAT = '%a "%r" status=%s bytes=%b time=%Tfs'


async def serve(config: WebConfig) -> None:
    """Like web.run_app, which cannot pass SERVER_OPTIONS (auto_decompress=False:
    see bodies.py) to the server; SIGINT/SIGTERM end it through GracefulExit."""
    runner = web.AppRunner(make_app(config), handle_signals=True, access_log_format=ACCESS_LOG_FORMAT,
                           shutdown_timeout=10, **SERVER_OPTIONS)
    await runner.setup()
    try:
        await web.TCPSite(runner, config.host, config.port).start()
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main() -> int:
    redact.install()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        config = load_config()
    except (ValueError, OSError) as exc:
        print(f"web server: bad configuration: {exc}", file=sys.stderr)
        return 2
    print(f"web chat on http://{config.host}:{config.port}/ (Rasa at {config.rasa_url})", flush=True)
    try:
        asyncio.run(serve(config))
    except (web.GracefulExit, KeyboardInterrupt):
        pass
    except ValueError as exc:  # a setting make_app checks (e.g. AUDIT_ANCHOR_KEY too short)
        print(f"web server: bad configuration: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
