"""The issue-2 conversation in the real web chat page, in Debian's chromium.

The page is served by the web server and talks to the real Rasa server over
socket.io; the buttons the bot sends are clicked like a borrower would.
"""
from __future__ import annotations

import re
import time
from decimal import Decimal

import pytest
from playwright.sync_api import sync_playwright

from tests.support.browser import BOT_MESSAGES, bot_count, bot_texts, launch, send
from tests.conftest import get_json

# LN-21001 in data/demo/portfolio.csv: GBP 650.00 + 41.20 interest + 24.00 fees, one loan only.
LOAN, TOTAL = "LN-21001", Decimal("715.20")


def reply_to(page, before: int, timeout: float = 60) -> str:
    """All the bot's messages that answer one borrower message."""
    page.wait_for_function("([s, n]) => document.querySelectorAll(s).length > n",
                           arg=[BOT_MESSAGES, before], timeout=timeout * 1000)
    settled, count = time.monotonic(), bot_count(page)
    while time.monotonic() - settled < 1.5:  # a reply can be several messages
        time.sleep(0.25)
        if bot_count(page) != count:
            settled, count = time.monotonic(), bot_count(page)
    return "\n".join(bot_texts(page)[before:])


@pytest.fixture()
def page(stack):
    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(viewport={"width": 390, "height": 800})
        page = context.new_page()
        page.goto(stack.web_url + "/")
        page.wait_for_selector("#chat-input")
        yield page
        browser.close()


def test_borrower_agrees_a_plan_in_the_web_chat(stack, page):
    reply = reply_to(page, send(page, "hello"))
    assert "automated assistant" in reply and "date of birth" in reply
    reply = reply_to(page, send(page, "my ref is ln-21001 and i was born 8 nov 1989"))
    assert "GBP 715.20" in reply, reply
    # The options come as buttons; the borrower types instead, as many do.
    assert page.get_by_role("button", name="Instalments").count() >= 1
    reply = reply_to(page, send(page, "can i split it into 3 payments pls"))
    lines = re.findall(r"GBP ([\d,]+\.\d{2})", "\n".join(l for l in reply.splitlines() if re.match(r"\s*\d\.", l)))
    assert sum(Decimal(a.replace(",", "")) for a in lines) == TOTAL, reply
    before = bot_count(page)
    page.get_by_role("button", name="Yes, set it up").last.click()
    reply = reply_to(page, before)
    assert "recorded" in reply, reply
    status, loan = get_json(f"{stack.web_url}/api/loans/{LOAN}",
                            headers={"Authorization": f"Bearer {stack.admin_token}"})
    assert status == 200 and loan["active_arrangement"]["kind"] == "instalment_plan"
    assert sum(Decimal(s["amount"]) for s in loan["active_arrangement"]["schedule"]) == TOTAL


def test_signed_in_borrower_in_the_lenders_page_skips_identity(stack):
    from bot.channels.widget_token import issue
    from tests.conftest import WIDGET_SECRET

    token = issue("BR-1016", WIDGET_SECRET)  # LN-21020: CNY 6,900.00 + 455.00 + 120.00
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page()
        page.goto(f"{stack.web_url}/?token={token}")
        page.wait_for_selector("#chat-input")
        reply = reply_to(page, send(page, "hi"))
        assert "CNY 7,475.00" in reply, reply
        browser.close()
