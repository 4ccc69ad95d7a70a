"""Borrowers who write in their own language, on the real servers (issue 15).

A Chinese borrower (LN-21020, portfolio language zh-CN) greets, verifies with
借款编号 and 出生日期, asks for three instalments and confirms: the plan is
recorded and every reply is Chinese. A Kenyan borrower (LN-20940, portfolio
language sw) writes Swahili mixed with English and ends with a promise to pay,
which is recorded.
"""
from __future__ import annotations

import re
from decimal import Decimal

from tests.conftest import Borrower, get_json

HAN = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"\b[A-Za-z]{3,}\b")
# LN-21020 in data/demo/portfolio.csv: CNY 6,900.00 + 455.00 interest + 120.00 fees.
ZH_LOAN, ZH_TOTAL = "LN-21020", Decimal("7475.00")
CNY = re.compile(r"(?:¥|CN¥)\s?([\d,]+\.\d{2})|([\d,]+\.\d{2})\s?元")


def admin(stack, path: str):
    return get_json(f"{stack.web_url}{path}", headers={"Authorization": f"Bearer {stack.admin_token}"})


def chinese(reply: str) -> bool:
    """Written in Chinese: Han characters, and no English beyond names, codes and currencies."""
    words = [w for w in LATIN_WORD.findall(reply) if w not in {"CNY", "RMB"}]
    return len(HAN.findall(reply)) >= 4 and len(words) <= 2


def cny(text: str) -> list[Decimal]:
    return [Decimal((a or b).replace(",", "")) for a, b in CNY.findall(text)]


def test_a_chinese_borrower_agrees_three_instalments_in_chinese(stack):
    borrower = Borrower(stack)
    replies = [borrower.say("你好")]
    assert "借款编号" in replies[-1] and "出生日期" in replies[-1], replies[-1]
    replies.append(borrower.say(f"借款编号{ZH_LOAN}，出生日期1984年5月9日"))
    assert "7,475.00" in replies[-1], replies[-1]
    replies.append(borrower.say("能分三期吗"))
    lines = [line for line in replies[-1].splitlines() if re.match(r"\s*\d+[.、]", line)]
    assert len(lines) == 3, replies[-1]
    assert sum(sum(cny(line)) for line in lines) == ZH_TOTAL, replies[-1]
    replies.append(borrower.say("确认"))
    for reply in replies:
        assert chinese(reply), reply
    status, loan = admin(stack, f"/api/loans/{ZH_LOAN}")
    assert status == 200
    active = loan["active_arrangement"]
    assert active and active["kind"] == "instalment_plan" and len(active["schedule"]) == 3, loan
    assert sum(Decimal(str(s["amount"])) for s in active["schedule"]) == ZH_TOTAL


def test_the_parse_names_the_language(stack):
    from tests.conftest import post_json

    for text, language in (("能分三期吗", "zh"), ("nitalipa kesho elfu mbili", "sw"),
                           ("I will pay next Friday", "en")):
        _, parsed = post_json(stack.rasa_api("/model/parse"), {"text": text})
        assert parsed["language"] == language, parsed


def test_a_swahili_english_borrower_promises_to_pay_and_it_is_recorded(stack):
    borrower = Borrower(stack)
    borrower.say("Habari yako, nimepata message yenu")
    reply = borrower.say("loan yangu ni LN-20940, nilizaliwa 2 September 1985")
    assert "Ksh" in reply and "LN-20940" in reply, reply  # the statement, in Swahili: Kenya writes Ksh
    reply = borrower.say("sawa boss, nitalipa balance yote kesho kutwa, I promise")
    replies = [reply]
    if "?" in reply:  # the bot asks the borrower to confirm the promise
        replies.append(borrower.say("ndio"))
    status, loan = admin(stack, "/api/loans/LN-20940")
    assert status == 200
    active = loan["active_arrangement"]
    assert active and active["kind"] == "promise_to_pay", (replies, loan)


def test_the_web_chat_widget_speaks_chinese_in_the_browser(stack):
    """A browser that prefers Chinese gets the widget in Chinese, and the bot answers in Chinese."""
    from playwright.sync_api import sync_playwright

    from tests.support.browser import bot_count, bot_texts, launch, send

    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(locale="zh-CN", extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"})
        page = context.new_page()
        page.goto(stack.web_url + "/")
        page.wait_for_selector("#chat-input")
        assert page.locator("html").get_attribute("lang") == "zh"
        assert page.locator("#chat-send").inner_text() == "发送"
        page.wait_for_function("document.querySelector('#chat-status').textContent === '已连接'", timeout=60_000)
        before = send(page, "你好")
        page.wait_for_function("([s, n]) => document.querySelectorAll(s).length > n",
                               arg=["#chat-log .msg-bot", before], timeout=60_000)
        reply = "\n".join(bot_texts(page)[before:bot_count(page)])
        browser.close()
    assert chinese(reply) and "借款编号" in reply, reply
