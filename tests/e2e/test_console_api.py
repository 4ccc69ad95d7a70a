"""The hand-off console over HTTP: logins, roles, refusals, compliance, limits, hand back.

The real web server runs in a subprocess against a temporary SQLite database
with the demo portfolio; Rasa's HTTP API is tests/support/console_fake_rasa.py, which
records what the console appends to a conversation.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta
from typing import Iterator

import httpx
import pytest
from sqlalchemy import select

from bot.records import agents, audit, db, handoffs
from bot.records.models import AuditEntry, Handoff
from bot.records.writes import open_handoff
from tests.support.console_fake_rasa import FakeRasa
from tests.support.web_server import prepare_database, running_web_server
TOKEN = "test-admin-token-0123456789abcdef"
PASSWORD = "correct-horse-battery"
LOAN, TOTAL = "LN-20931", "13860.00"  # WALLET-30: promise window 7 days, 2 arrangements


@pytest.fixture(scope="module")
def fake_rasa():
    rasa = FakeRasa().start()
    yield rasa
    rasa.stop()


@pytest.fixture(scope="module")
def database_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('consoledb') / 'bot.db'}"
    prepare_database(url)
    engine = db.make_engine(url)
    with db.transaction(db.make_session_factory(engine)) as session:
        for name, role in (("alice", "supervisor"), ("bob", "agent"), ("carol", "agent"), ("dave", "agent")):
            agents.create_agent(session, name, PASSWORD, role=role)
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def server(database_url, fake_rasa, tmp_path_factory):
    log = tmp_path_factory.mktemp("consolelog") / "web.log"
    env = {"DATABASE_URL": database_url, "ADMIN_TOKEN": TOKEN, "RASA_URL": fake_rasa.url}
    with running_web_server(env, log) as base:
        yield base


def new_case(database_url: str, fake_rasa: FakeRasa, conversation_id: str, *, verified: bool = True) -> int:
    engine = db.make_engine(database_url)
    with db.transaction(db.make_session_factory(engine)) as session:
        handoff = open_handoff(
            session, loan_id=LOAN if verified else None, borrower_id=None, conversation_id=conversation_id,
            reason="borrower asked for a person",
            summary={"loan": {"loan_id": LOAN} if verified else {}, "verified": verified,
                     "timeline": [{"intent": "request_human", "emotion": "frustrated", "text": "a person please"}],
                     "pending_offer": None, "last_message": "a person please"})
        case_id = handoff.id
    engine.dispose()
    fake_rasa.conversation(conversation_id, verified=verified)
    return case_id


def audit_of(database_url: str, kind: str, conversation_id: str) -> list[AuditEntry]:
    engine = db.make_engine(database_url)
    with db.transaction(db.make_session_factory(engine)) as session:
        rows = list(session.execute(select(AuditEntry).where(
            AuditEntry.kind == kind, AuditEntry.conversation_id == conversation_id)).scalars())
    engine.dispose()
    return rows


def delivered(fake_rasa, conversation_id: str) -> list[dict]:
    """The appends that sent something to the borrower (not the console's slot bookkeeping)."""
    return [a for a in fake_rasa.appended_to(conversation_id) if any(e["event"] == "bot" for e in a["events"])]


def handoff_row(database_url: str, case_id: int) -> Handoff:
    engine = db.make_engine(database_url)
    with db.transaction(db.make_session_factory(engine)) as session:
        row = session.get(Handoff, case_id)
    engine.dispose()
    return row


def client(server: str) -> httpx.Client:
    return httpx.Client(base_url=server, timeout=30,
                        headers={"Origin": server, "X-Console-Request": "1"})


@contextmanager
def logged_in(server: str, username: str) -> Iterator[httpx.Client]:
    with client(server) as c:
        response = c.post("/console/login", data={"username": username, "password": PASSWORD})
        assert response.status_code == 303, response.text
        yield c


@pytest.fixture()
def alice(server):
    with logged_in(server, "alice") as c:
        yield c


@pytest.fixture()
def bob(server):
    with logged_in(server, "bob") as c:
        yield c


def test_unauthenticated_requests_are_refused(server):
    with client(server) as anon:
        page = anon.get("/console")
        assert page.status_code == 302 and page.headers["Location"] == "/console/login"
        assert anon.get("/console/cases/1").status_code == 302
        assert anon.get("/console/api/queue").status_code == 401
        assert anon.post("/console/api/cases/1/take", json={}).status_code == 401
        assert anon.get("/console/login").status_code == 200


def test_admin_token_does_not_open_the_console_and_a_session_not_the_admin_api(server, bob):
    with client(server) as c:
        c.headers["Authorization"] = f"Bearer {TOKEN}"
        assert c.get("/console/api/queue").status_code == 401
    assert bob.get("/console/api/queue").status_code == 200
    assert bob.get("/api/handoffs").status_code == 401


def test_login_cookie_is_httponly_strict_and_scoped(server):
    with client(server) as c:
        response = c.post("/console/login", data={"username": "bob", "password": PASSWORD})
        cookie = response.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/console" in cookie
        assert "Secure" not in cookie  # plain http in the test; https or CONSOLE_COOKIE_SECURE adds it
        assert c.get("/console/api/me").json() == {"username": "bob", "role": "agent"}


def test_wrong_password_and_unknown_user_are_refused_alike(server):
    with client(server) as c:
        wrong = c.post("/console/login", data={"username": "carol", "password": "not-her-password"})
        nobody = c.post("/console/login", data={"username": "nobody", "password": "whatever-123"})
        assert wrong.status_code == nobody.status_code == 401
        assert "Wrong username or password" in wrong.text and "Wrong username or password" in nobody.text
        assert c.get("/console/api/queue").status_code == 401


def test_logins_are_rate_limited_per_username(server):
    with client(server) as c:
        for _ in range(5):
            assert c.post("/console/login", data={"username": "dave", "password": "guess-guess-1"}).status_code == 401
        limited = c.post("/console/login", data={"username": "dave", "password": PASSWORD})
        assert limited.status_code == 429 and "Too many failed attempts" in limited.text
        # Only that username: another agent still logs in.
        assert c.post("/console/login", data={"username": "carol", "password": PASSWORD}).status_code == 303


def test_posts_need_our_origin_and_the_console_header(server, bob, database_url, fake_rasa):
    case_id = new_case(database_url, fake_rasa, "conv-csrf-0001")
    no_header = bob.post(f"/console/api/cases/{case_id}/take", json={},
                         headers={"X-Console-Request": ""})
    assert no_header.status_code == 403
    other_site = bob.post(f"/console/api/cases/{case_id}/take", json={},
                          headers={"Origin": "https://evil.example"})
    assert other_site.status_code == 403
    with client(server) as c:
        login = c.post("/console/login", data={"username": "bob", "password": PASSWORD},
                       headers={"Origin": "https://evil.example"})
        assert login.status_code == 403
    assert handoff_row(database_url, case_id).status == "open"


def bot_offered(database_url: str, conversation_id: str, offer: dict) -> None:
    engine = db.make_engine(database_url)
    with db.transaction(db.make_session_factory(engine)) as session:
        audit.append(session, actor="bot", kind="offer_made", payload=offer, loan_id=LOAN,
                     conversation_id=conversation_id)
    engine.dispose()


def test_queue_shows_the_case_summary(bob, database_url, fake_rasa):
    case_id = new_case(database_url, fake_rasa, "conv-queue-0001")
    offer = {"kind": "instalment_plan", "schedule": [["2026-12-07", "6930.00"], ["2026-12-21", "6930.00"]],
             "waiver": "0"}
    bot_offered(database_url, "conv-queue-0001", offer)
    cases = {c["id"]: c for c in bob.get("/console/api/queue").json()["cases"]}
    row = cases[case_id]
    assert row["reason"] == "borrower asked for a person" and row["loan_id"] == LOAN
    assert row["timeline"] == [{"intent": "request_human", "emotion": "frustrated"}]
    assert row["last_message"] == "a person please" and row["borrower_name"] == "Wanjiku Kamau"
    assert [{k: o[k] for k in offer} for o in row["offers"]] == [offer]
    page = bob.get("/console")
    assert page.status_code == 200 and f'data-case-id="{case_id}"' in page.text
    assert "1 offer made, last: instalment plan" in page.text
    detail = bob.get(f"/console/api/cases/{case_id}").json()
    assert detail["offers"][0]["schedule"] == offer["schedule"] and detail["loan"]["loan_id"] == LOAN
    assert "Content-Security-Policy" in page.headers


def test_only_the_holder_acts_and_only_a_supervisor_takes_over(server, bob, alice, database_url, fake_rasa):
    case_id = new_case(database_url, fake_rasa, "conv-roles-0001")
    assert bob.post(f"/console/api/cases/{case_id}/reply", json={"text": "Hello"}).status_code == 409
    taken = bob.post(f"/console/api/cases/{case_id}/take", json={})
    assert taken.status_code == 200 and taken.json()["taken_by"] == "agent:bob"
    assert taken.json()["channel"] == "socketio"
    with logged_in(server, "carol") as carol:
        refused = carol.post(f"/console/api/cases/{case_id}/take", json={})
        assert refused.status_code == 403 and "supervisor" in refused.json()["error"]
        assert carol.post(f"/console/api/cases/{case_id}/close", json={}).status_code == 409
    over = alice.post(f"/console/api/cases/{case_id}/take", json={})
    assert over.status_code == 200 and over.json()["taken_by"] == "agent:alice"
    assert bob.post(f"/console/api/cases/{case_id}/reply", json={"text": "Hello"}).status_code == 409


def test_allowed_reply_is_audited_and_delivered_through_the_borrowers_channel(bob, database_url, fake_rasa):
    case_id = new_case(database_url, fake_rasa, "conv-reply-0001")
    bob.post(f"/console/api/cases/{case_id}/take", json={})
    sent = bob.post(f"/console/api/cases/{case_id}/reply", json={"text": "Hello, I am Bob. How can I help?"})
    assert sent.status_code == 200 and sent.json()["sent"] is True
    [taken, append] = fake_rasa.appended_to("conv-reply-0001")
    # Taking the case tells the bot's thin layer a person answers now (stored, not delivered).
    assert taken["events"] == [{"event": "slot", "name": "handoff_taken", "value": True}] and taken["query"] == {}
    assert append["query"] == {"output_channel": "latest", "execute_side_effects": "true"}
    assert append["events"] == [{"event": "bot", "text": "Hello, I am Bob. How can I help?",
                                 "metadata": {"agent": "bob"}}]
    [entry] = audit_of(database_url, "message_out", "conv-reply-0001")
    assert entry.actor == "agent:bob" and entry.payload["text"] == "Hello, I am Bob. How can I help?"
    assert entry.payload["compliance"]["allowed"] is True
    conversation = bob.get(f"/console/api/cases/{case_id}/conversation?after=0").json()
    assert [m["from"] for m in conversation["messages"]] == ["borrower", "bot", "agent"]
    later = bob.get(f"/console/api/cases/{case_id}/conversation?after={conversation['next']}").json()
    assert later["messages"] == []


def test_blocked_reply_is_shown_with_rule_audited_and_not_sent(bob, database_url, fake_rasa):
    case_id = new_case(database_url, fake_rasa, "conv-block-0001")
    bob.post(f"/console/api/cases/{case_id}/take", json={})
    threat = "If you ignore this we will tell your employer about you."
    blocked = bob.post(f"/console/api/cases/{case_id}/reply", json={"text": threat})
    assert blocked.status_code == 422
    assert blocked.json()["sent"] is False and blocked.json()["rule"] == "prohibited_language.third_party_shaming"
    assert blocked.json()["reason"]
    assert delivered(fake_rasa, "conv-block-0001") == []
    [entry] = audit_of(database_url, "compliance_decision", "conv-block-0001")
    assert entry.actor == "agent:bob" and entry.payload["allowed"] is False and entry.payload["text"] == threat
    assert audit_of(database_url, "message_out", "conv-block-0001") == []


def test_debt_talk_before_verification_is_blocked(bob, database_url, fake_rasa):
    case_id = new_case(database_url, fake_rasa, "conv-unver-0001", verified=False)
    bob.post(f"/console/api/cases/{case_id}/take", json={})
    blocked = bob.post(f"/console/api/cases/{case_id}/reply", json={"text": "Your loan balance is KES 13,860.00."})
    assert blocked.status_code == 422 and blocked.json()["rule"] == "identity_before_disclosure"
    blocked = bob.post(f"/console/api/cases/{case_id}/reply", json={"text": "You owe us money."})
    assert blocked.status_code == 422 and blocked.json()["rule"] == "identity_before_disclosure"
    # Asking for the reference to verify the borrower reveals nothing: allowed.
    ask = bob.post(f"/console/api/cases/{case_id}/reply",
                   json={"text": "Hello, please tell me your loan reference and date of birth."})
    assert ask.status_code == 200, ask.json()


def schedule(days: int, amount: str = TOTAL) -> list[dict]:
    return [{"due": (date.today() + timedelta(days=days)).isoformat(), "amount": amount}]


def test_arrangement_within_limits_outside_for_agent_and_supervisor_override(server, bob, database_url, fake_rasa):
    case_id = new_case(database_url, fake_rasa, "conv-arr-0001")
    bob.post(f"/console/api/cases/{case_id}/take", json={})
    body = {"kind": "promise_to_pay", "schedule": schedule(3), "submission_id": "form-0001-aaaa"}
    recorded = bob.post(f"/console/api/cases/{case_id}/arrangement", json=body)
    assert recorded.status_code == 201 and recorded.json()["override"] is False
    again = bob.post(f"/console/api/cases/{case_id}/arrangement", json=body)
    assert again.json()["arrangement"]["id"] == recorded.json()["arrangement"]["id"]  # a double submit
    # Float amounts and bad dates are refused with the field named.
    bad = bob.post(f"/console/api/cases/{case_id}/arrangement",
                   json={**body, "schedule": [{"due": "tomorrow", "amount": 13860.0}], "submission_id": "form-0002-aaaa"})
    assert bad.status_code == 400 and "schedule[1]" in bad.json()["error"]

    far = {"kind": "promise_to_pay", "schedule": schedule(60), "submission_id": "form-0003-aaaa"}
    refused = bob.post(f"/console/api/cases/{case_id}/arrangement", json=far)
    assert refused.status_code == 403 and "supervisor" in refused.json()["error"]
    assert any(p.startswith("promise_window_days") for p in refused.json()["problems"])

    with logged_in(server, "alice") as alice:
        alice.post(f"/console/api/cases/{case_id}/take", json={})
        no_reason = alice.post(f"/console/api/cases/{case_id}/arrangement", json=far)
        assert no_reason.status_code == 400 and "reason" in no_reason.json()["error"]
        override = alice.post(f"/console/api/cases/{case_id}/arrangement",
                              json={**far, "override_reason": "salary delayed; manager approved"})
        assert override.status_code == 201 and override.json()["override"] is True
        assert override.json()["arrangement"]["terms"]["override_reason"] == "salary delayed; manager approved"
    [entry] = audit_of(database_url, "limits_override", "conv-arr-0001")
    assert entry.actor == "agent:alice" and entry.payload["reason"] == "salary delayed; manager approved"
    assert any(p.startswith("promise_window_days") for p in entry.payload["problems"])


def test_hand_back_resumes_the_bot_and_closes_the_case(bob, database_url, fake_rasa):
    case_id = new_case(database_url, fake_rasa, "conv-back-0001")
    bob.post(f"/console/api/cases/{case_id}/take", json={})
    back = bob.post(f"/console/api/cases/{case_id}/hand-back", json={})
    assert back.status_code == 200 and back.json()["status"] == "closed"
    assert back.json()["outcome"] == "handed_back"
    [_, append] = fake_rasa.appended_to("conv-back-0001")
    assert append["events"] == [{"event": "resume"}, {"event": "slot", "name": "handed_off", "value": False},
                                {"event": "slot", "name": "handoff_taken", "value": False},
                                {"event": "slot", "name": "handoff_acknowledged", "value": False},
                                {"event": "slot", "name": "handoff_intent", "value": None},
                                {"event": "action", "name": "action_listen"}]
    assert fake_rasa.trackers["conv-back-0001"]["slots"]["handed_off"] is False
    assert fake_rasa.trackers["conv-back-0001"]["paused"] is False
    row = handoff_row(database_url, case_id)
    assert row.status == "closed" and row.outcome == "handed_back" and row.closed_at is not None
    changes = [e.payload for e in audit_of(database_url, "handoff", "conv-back-0001")]
    assert changes[-1]["outcome"] == "handed_back" and changes[-1]["to"] == "closed"
    assert bob.post(f"/console/api/cases/{case_id}/reply", json={"text": "Hello"}).status_code == 409
    assert case_id not in {c["id"] for c in bob.get("/console/api/queue").json()["cases"]}


def test_close_is_audited(bob, database_url, fake_rasa):
    case_id = new_case(database_url, fake_rasa, "conv-close-0001")
    bob.post(f"/console/api/cases/{case_id}/take", json={})
    closed = bob.post(f"/console/api/cases/{case_id}/close", json={})
    assert closed.status_code == 200 and closed.json()["outcome"] == "closed"
    assert audit_of(database_url, "handoff", "conv-close-0001")[-1].actor == "agent:bob"
    assert bob.post(f"/console/api/cases/{case_id}/close", json={}).status_code == 409


def test_logout_ends_the_session(server):
    with logged_in(server, "carol") as carol:
        cookie = carol.cookies.get("console_session")
        assert carol.post("/console/logout").status_code == 303
        with client(server) as thief:
            thief.cookies.set("console_session", cookie, path="/console")
            assert thief.get("/console/api/queue").status_code == 401


def test_the_case_page_shows_a_verification_lock_an_agent_can_lift(bob, database_url, fake_rasa):
    from datetime import timedelta as _td

    from bot.records import verification as lockout

    class Limits:
        max_failures, window, lock = 5, _td(hours=24), _td(hours=24)

    case_id = new_case(database_url, fake_rasa, "conv-locked")
    page = bob.get(f"/console/cases/{case_id}").text
    assert "Self-service verification: open" in page and 'id="unlock-verification"' not in page
    engine = db.make_engine(database_url)
    with db.transaction(db.make_session_factory(engine)) as session:
        for i in range(5):
            lockout.record_failure(session, conversation_id=f"guesser-{i}", limits=Limits, loan_id=LOAN)
    engine.dispose()
    page = bob.get(f"/console/cases/{case_id}").text
    assert "<strong>locked</strong>" in page and f'data-loan-id="{LOAN}"' in page
    assert bob.post(f"/console/api/loans/{LOAN}/verification/unlock", json={}).status_code == 200
    assert "Self-service verification: open" in bob.get(f"/console/cases/{case_id}").text


def test_the_thin_layer_is_shown_to_the_agent_and_top_priority_comes_first(bob, database_url, fake_rasa):
    """Issue 13: while handed off the bot keeps a thin layer; the console shows its state,
    the case's priority and what the borrower wrote meanwhile, self-harm risk first in the queue."""
    older = new_case(database_url, fake_rasa, "conv-prio-0001")
    newer = new_case(database_url, fake_rasa, "conv-prio-0002")
    engine = db.make_engine(database_url)
    with db.transaction(db.make_session_factory(engine)) as session:
        handoffs.append_message(session, "conv-prio-0002", text="I've been thinking about ending it all",
                                intent="disclose_vulnerability")
        handoffs.reflag(session, "conv-prio-0002", reason="self-harm risk", priority=handoffs.PRIORITY_TOP)
    engine.dispose()
    order = [c["id"] for c in bob.get("/console/api/queue").json()["cases"] if c["id"] in (older, newer)]
    assert order == [newer, older]
    detail = bob.get(f"/console/api/cases/{newer}").json()
    assert (detail["reason"], detail["priority"], detail["escalated_at"]) == ("self-harm risk", 2, None)
    assert [m["text"] for m in detail["messages"]] == ["I've been thinking about ending it all"]
    before = bob.get(f"/console/api/cases/{newer}/conversation").json()
    assert (before["handed_off"], before["taken"]) == (True, False)
    bob.post(f"/console/api/cases/{newer}/take", json={})
    after = bob.get(f"/console/api/cases/{newer}/conversation").json()
    assert (after["handed_off"], after["taken"]) == (True, True)
    assert delivered(fake_rasa, "conv-prio-0002") == []
