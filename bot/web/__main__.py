"""`python -m bot.web`: serve the chat page and the admin API (see docs/web.md)."""
from __future__ import annotations

import logging
import sys

from aiohttp import web

from bot import redact

from .app import make_app
from .config import load_config


def main() -> int:
    redact.install()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        config = load_config()
    except (ValueError, OSError) as exc:
        print(f"web server: bad configuration: {exc}", file=sys.stderr)
        return 2
    print(f"web chat on http://{config.host}:{config.port}/ (Rasa at {config.rasa_url})", flush=True)
    web.run_app(make_app(config), host=config.host, port=config.port, print=None,
                access_log_format='%a "%r" %s %b %Tfs')
    return 0


if __name__ == "__main__":
    sys.exit(main())
