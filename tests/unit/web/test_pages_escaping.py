"""The console and chat pages are rendered by Jinja2 with autoescaping: text a
borrower (or anyone) typed is shown as text and never becomes markup, and a
template that asks for a value nobody passed fails instead of going blank.
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from jinja2 import UndefinedError

from bot.config.ui_strings import ui_strings
from bot.records import agents, writes
from bot.records.models import Borrower
from bot.web.pages import render_index
from bot.web.render import ENV, render
from tests.support.html_page import Page
from tests.support.web_app import InProcessWeb, web_config
from tests.support.records_fixtures import add_loan

EVIL = '<script>alert(1)</script>" onmouseover="x'
LOAN = "LN-ESC-1"


def assert_shown_as_text(html: str, times: int) -> None:
    """`EVIL` is in the page as text `times` times, and it added no element or attribute."""
    assert "<script>alert(1)" not in html and '" onmouseover="' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    page = Page(html)
    assert [a for _, attrs in page.tags for a in attrs if a.startswith("on")] == []
    assert {attrs.get("src") for tag, attrs in page.tags if tag == "script"} <= {"/static/console.js",
                                                                                "/static/widget.js"}
    assert "".join(page.raw).count(EVIL) == times


@pytest.fixture(scope="module")
def console(records_db):
    """The real app on a database with one case whose every borrower-given field is hostile."""
    add_loan(records_db, LOAN)
    with records_db.session() as s:
        s.query(Borrower).filter_by(borrower_id=f"B-{LOAN}").one().full_name = EVIL
        agents.create_agent(s, "esc", "correct-horse-battery", role="agent")
        case = writes.open_handoff(
            s, loan_id=LOAN, borrower_id=None, conversation_id="esc-conv", reason=EVIL,
            summary={"last_message": EVIL, "verified": True,
                     "timeline": [{"intent": "request_human", "emotion": EVIL, "text": EVIL}]})
        case_id = case.id
        token = agents.create_session(s, agents.find_agent(s, "esc"))
    with InProcessWeb(web_config(records_db.url)) as web:
        yield SimpleNamespace(web=web, case_id=case_id, cookie={"Cookie": f"console_session={token}"})


def test_hostile_borrower_text_is_escaped_on_the_queue_page_and_its_refresh(console):
    for path in ("/console", "/console/queue-rows"):
        answer = console.web.request("GET", path, headers=console.cookie)
        assert answer.status == 200, path
        html = answer.body.decode()
        assert f'data-case-id="{console.case_id}"' in html
        # reason, borrower name, timeline emotion and text, last message
        assert_shown_as_text(html, times=5)


def test_hostile_borrower_text_is_escaped_on_the_case_page(console):
    answer = console.web.request("GET", f"/console/cases/{console.case_id}", headers=console.cookie)
    assert answer.status == 200
    html = answer.body.decode()
    assert f"<h1>Case {console.case_id}: &lt;script&gt;" in html
    # heading, borrower in the summary table, last message, timeline emotion and text
    assert_shown_as_text(html, times=5)


def test_a_username_echoed_by_the_login_form_stays_in_its_value_attribute(console):
    answer = console.web.request("POST", "/console/login", data={"username": EVIL, "password": "x"},
                                 headers={"Origin": console.web.origin})
    assert answer.status == 401
    inputs = [attrs for tag, attrs in Page(answer.body.decode()).tags if tag == "input"]
    assert inputs[0]["id"] == "username" and inputs[0]["value"] == EVIL.lower()
    assert_shown_as_text(answer.body.decode(), times=0)


def test_the_chat_page_escapes_the_configured_names():
    config = SimpleNamespace(lender_name=EVIL, assistant_name="Ada", rasa_url="http://localhost:5005")
    html = render_index(config, "a.b.c")
    assert_shown_as_text(html, times=3)  # title, heading, intro
    script = next(attrs for tag, attrs in Page(html).tags if tag == "script")
    assert script["data-auth-token"] == "a.b.c" and script["data-bot-name"] == "Ada"
    assert 'data-auth-token' not in render_index(config, "not a token")


def test_a_missing_template_value_is_an_error_not_an_empty_string():
    values = {"title": "Log in", "lender": "Tawi Credit", "agent": None, "message": "", "lang": "en",
              "t": ui_strings("en")["console"], "lang_query": "", "console_strings": "{}"}
    assert 'value="ann"' in render("console_login.html", **values, username="ann")
    with pytest.raises(UndefinedError, match="username"):
        render("console_login.html", **values)
    with pytest.raises(UndefinedError):
        render("console_queue_rows.html", rows=[{"id": 1, "status": "open"}])


def test_every_template_compiles_and_autoescapes():
    names = ENV.list_templates()
    assert "console_base.html" in names and "index.html" in names
    for name in names:
        assert ENV.get_template(name) is not None
        assert ENV.autoescape(name) is True
    assert str(ENV.from_string("{{ v }}").render(v="<b>")) == "&lt;b&gt;"
