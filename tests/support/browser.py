"""Playwright helpers shared by the browser tests (not a test module).

Debian's chromium is used instead of Playwright's downloaded browsers: no
download at test time, and the flags below keep it from phoning home, which
would hang on a machine without network.
"""
from __future__ import annotations

import os
import shutil

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BOT_MESSAGES = "#chat-log .msg-bot"
USER_MESSAGES = "#chat-log .msg-user"


def chromium_available() -> bool:
    return os.path.exists(CHROMIUM) or shutil.which(CHROMIUM) is not None


def launch(playwright):
    """Headless Debian chromium; `playwright` is what sync_playwright() yields."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def bot_count(page) -> int:
    return page.locator(BOT_MESSAGES).count()


def send(page, text: str) -> int:
    """Type `text` in the widget and press Enter; returns the bot message count before."""
    before = bot_count(page)
    page.fill("#chat-input", text)
    page.press("#chat-input", "Enter")
    return before


def wait_for_bot_reply(page, count_before: int, timeout: float = 30.0) -> str:
    """Wait until a bot message beyond `count_before` appears; return its text.

    `timeout` is in seconds (Playwright's own unit is milliseconds).
    """
    page.wait_for_function(
        "([selector, n]) => document.querySelectorAll(selector).length > n",
        arg=[BOT_MESSAGES, count_before], timeout=timeout * 1000,
    )
    return page.locator(BOT_MESSAGES).nth(count_before).locator(".msg-text").inner_text()


def bot_texts(page) -> list[str]:
    return page.locator(f"{BOT_MESSAGES} .msg-text").all_inner_texts()
