"""Local use without a public URL: long-poll Telegram and post each update to the channel's webhook.

    TELEGRAM_TOKEN=... TELEGRAM_SECRET_TOKEN=... python -m bot.channels.telegram_polling \
        [--rasa-url http://localhost:5005]

The updates go through the same webhook route (and secret check) as in
production, so local runs exercise the production code path. Telegram does
not serve getUpdates while a webhook is set, so the runner deletes it first.
An update is confirmed to Telegram (offset) only after the Rasa server took
it; while the server is down the runner waits and retries the same update.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys

import httpx
from telegram import Bot

from bot.channels.telegram_config import ALLOWED_UPDATES, DEFAULT_BASE_URL, SECRET_HEADER, WEBHOOK_PATH

log = logging.getLogger("telegram_polling")


class Refused(RuntimeError):
    """The Rasa server rejected an update (wrong secret, no Telegram channel): retrying won't help."""


async def forward(client: httpx.AsyncClient, url: str, secret: str, update: dict) -> None:
    reply = await client.post(url, json=update, headers={SECRET_HEADER: secret})
    if reply.status_code in (400, 403, 404):
        raise Refused(f"{url} answered {reply.status_code}: {reply.text[:200]}")
    reply.raise_for_status()


async def poll_once(bot: Bot, client: httpx.AsyncClient, url: str, secret: str, offset: int | None,
                    timeout: int = 30) -> int | None:
    """Fetch one batch of updates, forward them in order; returns the next offset."""
    updates = await bot.get_updates(offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES,
                                    read_timeout=timeout + 10)
    for update in updates:
        await forward(client, url, secret, update.to_dict())
        offset = update.update_id + 1
    return offset


async def run(token: str, secret: str, rasa_url: str, base_url: str = DEFAULT_BASE_URL) -> None:
    url = rasa_url.rstrip("/") + WEBHOOK_PATH
    async with Bot(token, base_url=base_url) as bot, httpx.AsyncClient(timeout=120) as client:
        await bot.delete_webhook()
        log.info("polling Telegram as @%s, forwarding to %s", bot.username, url)
        offset = None
        while True:
            try:
                offset = await poll_once(bot, client, url, secret, offset)
            except Refused:
                raise
            except Exception as error:  # noqa: BLE001 - network or Rasa restarting: wait and retry
                log.warning("retrying in 5 s: %s", error)
                await asyncio.sleep(5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rasa-url", default=os.environ.get("RASA_URL", "http://localhost:5005"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    token, secret = os.environ.get("TELEGRAM_TOKEN"), os.environ.get("TELEGRAM_SECRET_TOKEN")
    if not token or not secret:
        print("set TELEGRAM_TOKEN and TELEGRAM_SECRET_TOKEN (the same values the Rasa server's credentials use)",
              file=sys.stderr)
        return 2
    try:
        asyncio.run(run(token, secret, args.rasa_url, os.environ.get("TELEGRAM_BASE_URL") or DEFAULT_BASE_URL))
    except Refused as error:
        print(f"the Rasa server refused the updates: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
