"""Who may call what on the web server: every route of its route table ×
{anonymous, agent, supervisor, admin token}, against the real server process.

The cases are generated from `make_app(...).router.routes()`, so a route added
without a row in EXPECTED fails (and a row whose route is gone fails too):
nobody can add an endpoint without deciding who may call it.

Every caller sends the same Origin and X-Console-Request headers, so only the
credential differs: the anonymous caller none, agent and supervisor a console
session cookie, the admin the bearer token. Each request gets its own fresh
hand-off case (held by the agent making the request, when an agent makes it),
so the answers do not depend on the order the cases run in.
"""
from __future__ import annotations

import json

import httpx
import pytest

from bot.records import db, handoffs
from bot.records.writes import open_handoff
from tests.support.console_fake_rasa import FakeRasa
from tests.support import web_app
from tests.support.web_server import running_web_server

IDENTITIES = ("anonymous", "agent", "supervisor", "admin")
USERNAMES = {"agent": "ann", "supervisor": "sam"}
LOGIN = ("redirect", "/console/login")
TO_CONSOLE = ("redirect", "/console")


def public(status: int = 200) -> dict:
    return dict.fromkeys(IDENTITIES, status)


def admin_only(status: int = 200) -> dict:
    return {"anonymous": 401, "agent": 401, "supervisor": 401, "admin": status}


def console_page(status: int = 200) -> dict:
    return {"anonymous": LOGIN, "agent": status, "supervisor": status, "admin": LOGIN}


def console_api(status: int = 200) -> dict:
    return {"anonymous": 401, "agent": status, "supervisor": status, "admin": 401}


# (method, route) -> identity -> HTTP status, or ("redirect", where).
# HEAD rows mirror GET (aiohttp adds HEAD for every GET route); see expected().
EXPECTED: dict[tuple[str, str], dict] = {
    ("GET", "/"): public(),
    ("GET", "/static/{name}"): public(),
    ("GET", "/healthz"): public(),
    ("GET", "/api/loans/{loan_id}"): admin_only(),
    ("GET", "/api/loans/{loan_id}/audit"): admin_only(),
    ("GET", "/api/handoffs"): admin_only(),
    ("GET", "/api/products"): admin_only(),
    ("POST", "/api/compliance/check"): admin_only(),
    # The provider's callback: only its HMAC signature opens it, never the
    # admin token or a console login (the signed case: tests/e2e/test_web_api.py).
    ("POST", "/api/payments"): dict.fromkeys(IDENTITIES, 401),
    # No ?date=: the admin gets past the token to the handler's 400.
    ("GET", "/api/campaigns/plan"): admin_only(400),
    # The providers' delivery receipts: their own credential (Twilio's signature, Africa's Talking's
    # secret), never a token or a login; without the providers configured they are off (503).
    ("POST", "/webhooks/providers/twilio/status"): dict.fromkeys(IDENTITIES, 503),
    ("POST", "/webhooks/providers/africastalking/delivery"): dict.fromkeys(IDENTITIES, 503),
    ("GET", "/console"): console_page(),
    ("GET", "/console/"): console_page(),
    ("GET", "/console/queue-rows"): console_page(),
    ("GET", "/console/cases/{case_id}"): console_page(),
    ("GET", "/console/login"): {"anonymous": 200, "agent": TO_CONSOLE, "supervisor": TO_CONSOLE, "admin": 200},
    # Anyone may log in with an agent's password (303 to the console); the
    # session it starts is the agent's whoever sent it.
    ("POST", "/console/login"): dict.fromkeys(IDENTITIES, 303),
    ("POST", "/console/logout"): {"anonymous": LOGIN, "agent": 303, "supervisor": 303, "admin": LOGIN},
    ("GET", "/console/api/me"): console_api(),
    ("GET", "/console/api/queue"): console_api(),
    ("GET", "/console/api/cases/{case_id}"): console_api(),
    ("GET", "/console/api/cases/{case_id}/conversation"): console_api(),
    ("POST", "/console/api/cases/{case_id}/take"): console_api(),
    ("POST", "/console/api/cases/{case_id}/reply"): console_api(),
    # the body ({}) is refused by the handler: the caller got past the guard
    ("POST", "/console/api/cases/{case_id}/arrangement"): console_api(400),
    ("POST", "/console/api/cases/{case_id}/hand-back"): console_api(),
    ("POST", "/console/api/cases/{case_id}/close"): console_api(),
    ("GET", "/console/api/loans/{loan_id}/verification"): console_api(),
    ("POST", "/console/api/loans/{loan_id}/verification/unlock"): console_api(),
}

BODIES = {
    "/api/compliance/check": {"text": "Your next payment is due on Friday.", "jurisdiction": "KE"},
    "/api/payments": {"reference": "MATRIX-1", "loan_id": web_app.LOAN, "amount": "1.00", "currency": "KES",
                      "paid_at": "2026-11-29T10:00:00+03:00"},
    "/console/api/cases/{case_id}/reply": {"text": "Hello, I am looking at your case now."},
    "/console/api/cases/{case_id}/arrangement": {},
}


def route_table() -> list[tuple[str, str]]:
    app = web_app.make_app(web_app.web_config("sqlite://"))
    return sorted({(r.method, r.resource.canonical) for r in app.router.routes()})


ROUTES = route_table()


def expected(method: str, path: str) -> dict | None:
    return EXPECTED.get(("GET" if method == "HEAD" else method, path))


def test_every_expected_row_is_a_route():
    gone = sorted(set(EXPECTED) - {(m, p) for m, p in ROUTES})
    assert not gone, f"EXPECTED lists routes the app no longer has: {gone}"


@pytest.fixture(scope="module")
def fake_rasa():
    rasa = FakeRasa().start()
    yield rasa
    rasa.stop()


@pytest.fixture(scope="module")
def database_url(tmp_path_factory) -> str:
    return web_app.demo_database(tmp_path_factory.mktemp("matrix"))


@pytest.fixture(scope="module")
def server(database_url, fake_rasa, tmp_path_factory):
    env = {"DATABASE_URL": database_url, "ADMIN_TOKEN": web_app.ADMIN_TOKEN, "RASA_URL": fake_rasa.url,
           "PAYMENT_WEBHOOK_SECRET": web_app.PAYMENT_SECRET}
    with running_web_server(env, tmp_path_factory.mktemp("matrixlog") / "web.log") as base:
        yield base


def fresh_case(database_url: str, fake_rasa: FakeRasa, holder: str | None, name: str) -> int:
    """A new hand-off case for LN-20931, taken by `holder` (an agent's username) if given."""
    engine = db.make_engine(database_url)
    try:
        with db.transaction(db.make_session_factory(engine)) as session:
            case = open_handoff(session, loan_id=web_app.LOAN, borrower_id=None, conversation_id=name,
                                reason="borrower asked for a person", summary={"verified": True})
            if holder:
                handoffs.take_handoff(session, case.id, actor=f"agent:{holder}")
            case_id = case.id
    finally:
        engine.dispose()
    fake_rasa.conversation(name, verified=True)
    return case_id


def credentials(identity: str, database_url: str) -> dict[str, str]:
    if identity == "admin":
        return {"Authorization": f"Bearer {web_app.ADMIN_TOKEN}"}
    if identity in USERNAMES:
        # a session of its own per request: the logout row ends it
        return {"Cookie": f"console_session={web_app.session_cookie(database_url, USERNAMES[identity])}"}
    return {}


def outcome(response: httpx.Response):
    """The status; a 302 (the guard's "log in first") as ("redirect", where).
    A 303 stays a status: it is a handler's answer to a form (login, logout)."""
    if response.status_code == 302:
        return ("redirect", response.headers["Location"])
    return response.status_code


@pytest.mark.parametrize("identity", IDENTITIES)
@pytest.mark.parametrize("method,path", ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_route_answers_each_identity_as_expected(server, database_url, fake_rasa, method, path, identity):
    rows = expected(method, path)
    assert rows is not None, (f"{method} {path} has no row in EXPECTED: decide who may call it "
                              f"(anonymous, agent, supervisor, admin) and add it")
    holder = USERNAMES.get(identity)
    conversation = f"matrix-{identity}-{method}-{path}"
    params = {"loan_id": web_app.LOAN, "name": "widget.js",
              "case_id": str(fresh_case(database_url, fake_rasa, holder, conversation))}
    url = path.format(**params)
    headers = {"Origin": server, "X-Console-Request": "1", **credentials(identity, database_url)}
    kwargs: dict = {}
    if path == "/console/login" and method == "POST":
        kwargs["data"] = {"username": "ann", "password": web_app.PASSWORD}
    elif method == "POST":
        kwargs["content"] = json.dumps(BODIES.get(path, {})).encode()
        headers["Content-Type"] = "application/json"
    with httpx.Client(base_url=server, timeout=30, follow_redirects=False) as client:
        response = client.request(method, url, headers=headers, **kwargs)
    assert outcome(response) == rows[identity], response.text[:300]
