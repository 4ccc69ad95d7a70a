"""The chat widget in headless chromium, against Rasa's real socket.io channel.

Rasa itself is replaced by tests/support/web_fake_rasa.py (Rasa's SocketIOInput on
Sanic with a scripted echo), so these tests check the widget and the page:
rendering, labels, the socket.io protocol, buttons, typing indicator, session
persistence across a reload and a server restart. The full conversation with
a trained model is the lead's browser test.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from tests.support.browser import bot_texts, launch, send, wait_for_bot_reply
from tests.support.web_server import REPO_ROOT, free_port, running_web_server
pytestmark = pytest.mark.e2e

FAKE_RASA = Path(__file__).resolve().parents[1] / "support" / "web_fake_rasa.py"
STARTUP_GUARD_S = 60
SESSION_KEY = "chatw.session_id"


@contextmanager
def fake_rasa(port: int, log_path: Path):
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, str(FAKE_RASA), str(port)], cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "RASA_TELEMETRY_ENABLED": "false"},
        )
        try:
            deadline = time.monotonic() + STARTUP_GUARD_S
            url = f"http://127.0.0.1:{port}/socket.io/?EIO=4&transport=polling"
            while True:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"fake Rasa did not start:\n{log_path.read_text()}")
                try:
                    if httpx.get(url, timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            proc.wait(10)


@pytest.fixture(scope="module")
def rasa_port():
    return free_port()


@pytest.fixture(scope="module")
def rasa(rasa_port, tmp_path_factory):
    with fake_rasa(rasa_port, tmp_path_factory.mktemp("rasa") / "rasa.log") as url:
        yield url


@pytest.fixture(scope="module")
def web(rasa_port, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("web")
    env = {"DATABASE_URL": f"sqlite:///{tmp / 'bot.db'}", "RASA_URL": f"http://127.0.0.1:{rasa_port}",
           "ADMIN_TOKEN": None}
    with running_web_server(env, tmp / "web.log") as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        b = launch(playwright)
        yield b
        b.close()


@pytest.fixture()
def page(browser, web):
    context = browser.new_context(base_url=web, viewport={"width": 360, "height": 740})
    p = context.new_page()
    yield p
    context.close()


def session_id(page) -> str:
    return page.evaluate(f"localStorage.getItem('{SESSION_KEY}')")


def wait_connected(page) -> None:
    """Until Rasa confirmed the session (the widget marks it on its root element)."""
    page.wait_for_function("() => document.querySelector('.chatw')?.dataset.sessionId")


def test_page_renders_a_labelled_widget_and_loads_socket_io(page):
    statuses = {}
    page.on("response", lambda r: statuses.__setitem__(r.url.rsplit("/", 1)[-1], r.status))
    page.goto("/")
    expect(page.get_by_label("Your message")).to_have_attribute("id", "chat-input")
    expect(page.locator("#chat-send")).to_have_text("Send")
    log = page.locator("#chat-log")
    expect(log).to_have_attribute("role", "log")
    expect(log).to_have_attribute("aria-live", "polite")
    page.wait_for_function("typeof window.io === 'function'")
    assert statuses["socket.io.min.js"] == 200
    assert statuses["widget.css"] == 200
    # Readable on a 360 px phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_message_goes_to_rasa_and_the_reply_is_shown(page, rasa):
    page.goto("/")
    wait_connected(page)
    before = send(page, "hello")
    sid = session_id(page)
    assert sid
    assert wait_for_bot_reply(page, before) == f"echo [{sid}]: hello"
    assert page.locator("#chat-log .msg-user .msg-text").all_inner_texts() == ["hello"]
    expect(page.locator("#chat-status")).to_have_text("Connected")


def test_each_bot_message_is_its_own_element(page, rasa):
    page.goto("/")
    wait_connected(page)
    before = send(page, "two")
    wait_for_bot_reply(page, before + 1)
    sid = session_id(page)
    assert bot_texts(page)[-2:] == [f"first [{sid}]", f"second [{sid}]"]


def test_buttons_work_with_the_keyboard_and_send_their_payload(page, rasa):
    page.goto("/")
    wait_connected(page)
    before = send(page, "buttons")
    wait_for_bot_reply(page, before)
    buttons = page.locator("#chat-log .msg-bot").nth(before).get_by_role("button")
    expect(buttons).to_have_text(["Yes", "No"])
    buttons.first.focus()
    page.keyboard.press("Enter")
    reply = wait_for_bot_reply(page, before + 1)
    assert reply == f"echo [{session_id(page)}]: /affirm"
    assert page.locator("#chat-log .msg-user .msg-text").last.inner_text() == "Yes"
    expect(buttons.first).to_be_disabled()
    expect(page.locator("#chat-input")).to_be_focused()


def test_typing_indicator_shows_until_the_bot_answers(page, rasa):
    page.goto("/")
    wait_connected(page)
    typing = page.locator("#chat-typing")
    expect(typing).to_be_hidden()
    send(page, "silent")  # the fake never answers this one
    expect(typing).to_be_visible()
    before = send(page, "hello")
    wait_for_bot_reply(page, before)
    expect(typing).to_be_hidden()


def test_a_reload_continues_the_same_conversation(page, rasa):
    page.goto("/")
    wait_connected(page)
    before = send(page, "first visit")
    wait_for_bot_reply(page, before)
    sid = session_id(page)
    shown = page.locator("#chat-log .msg").count()
    page.reload()
    wait_connected(page)
    assert session_id(page) == sid
    assert page.locator("#chat-log .msg").count() == shown  # transcript restored
    before = send(page, "after reload")
    assert wait_for_bot_reply(page, before) == f"echo [{sid}]: after reload"


def test_a_new_visitor_gets_a_new_conversation(browser, web, rasa):
    ids = []
    for _ in range(2):
        context = browser.new_context(base_url=web)
        p = context.new_page()
        p.goto("/")
        wait_connected(p)
        ids.append(session_id(p))
        context.close()
    assert ids[0] and ids[1] and ids[0] != ids[1]


def test_the_conversation_survives_a_rasa_restart(browser, tmp_path):
    port = free_port()
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "RASA_URL": f"http://127.0.0.1:{port}",
           "ADMIN_TOKEN": None}
    with running_web_server(env, tmp_path / "web.log") as base:
        context = browser.new_context(base_url=base)
        p = context.new_page()
        with fake_rasa(port, tmp_path / "rasa.log"):
            p.goto("/")
            wait_connected(p)
            before = send(p, "before the drop")
            wait_for_bot_reply(p, before)
            sid = session_id(p)
        expect(p.locator("#chat-status")).not_to_have_text("Connected")
        before = send(p, "typed while offline")
        with fake_rasa(port, tmp_path / "rasa.log"):
            reply = wait_for_bot_reply(p, before, timeout=60)
        assert reply == f"echo [{sid}]: typed while offline"
        context.close()


def test_a_socket_cannot_speak_in_someone_elses_session(browser, web, rasa, page):
    page.goto("/")
    wait_connected(page)
    victim = session_id(page)
    intruder = browser.new_context(base_url=web).new_page()
    intruder.goto("/")
    wait_connected(intruder)
    # The ack comes back after Rasa's handler has run (or refused) the message.
    intruder.evaluate("""([url, sid]) => new Promise(done => {
        const s = window.io(url, {transports: ['websocket']});
        s.on('connect', () => s.emit('user_uttered', {message: 'intrude', session_id: sid}, done));
    })""", [rasa, victim])
    before = send(page, "hello")
    assert wait_for_bot_reply(page, before) == f"echo [{victim}]: hello"
    assert not any("intrude" in t for t in bot_texts(page))
    intruder.context.close()
