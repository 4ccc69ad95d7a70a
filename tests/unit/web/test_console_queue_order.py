"""The console's server-rendered queue lists the most urgent cases first (self-harm risk,
then escalated, then the rest), oldest first within a priority, like the JSON queue,
and says each case's priority in words."""
from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from bot.records import agents, handoffs, writes
from tests.support.web_app import InProcessWeb, web_config

REASONS = {"normal-old": handoffs.PRIORITY_NORMAL, "top": handoffs.PRIORITY_TOP,
           "high": handoffs.PRIORITY_ESCALATED, "normal-new": handoffs.PRIORITY_NORMAL}


@pytest.fixture(scope="module")
def console(records_db):
    """Four open cases, created in REASONS' order (oldest first) with those priorities."""
    ids = {}
    with records_db.session() as s:
        agents.create_agent(s, "prio", "correct-horse-battery", role="agent")
        for reason, level in REASONS.items():
            case = writes.open_handoff(s, loan_id=None, borrower_id=None, conversation_id=f"prio-{reason}",
                                       reason=reason, summary={}, priority=level)
            ids[case.id] = reason
        token = agents.create_session(s, agents.find_agent(s, "prio"))
    with InProcessWeb(web_config(records_db.url)) as web:
        yield SimpleNamespace(web=web, ids=ids, cookie={"Cookie": f"console_session={token}"})


def listed(html: str, ids: dict[int, str]) -> list[str]:
    """The reasons of our cases in the order the page lists them."""
    return [ids[int(n)] for n in re.findall(r'<tr data-case-id="(\d+)"', html) if int(n) in ids]


@pytest.mark.parametrize("path", ["/console", "/console/queue-rows"])
def test_the_queue_page_lists_cases_by_priority_then_oldest_first(console, path):
    answer = console.web.request("GET", path, headers=console.cookie)
    assert answer.status == 200
    html = answer.body.decode()
    assert listed(html, console.ids) == ["top", "high", "normal-old", "normal-new"]
    for case_id, label in zip(sorted(console.ids), ["normal", "top: self-harm risk",
                                                     "high: nobody took it in time", "normal"], strict=True):
        row = html[html.index(f'<tr data-case-id="{case_id}"'):]
        assert row[:row.index("</tr>")].count(f"Priority: {label}<") == 1


def test_a_case_reflagged_as_self_harm_moves_to_the_top(console, records_db):
    with records_db.session() as s:
        handoffs.reflag(s, "prio-normal-new", reason="normal-new", priority=handoffs.PRIORITY_TOP)
    html = console.web.request("GET", "/console/queue-rows", headers=console.cookie).body.decode()
    assert listed(html, console.ids) == ["top", "normal-new", "high", "normal-old"]
