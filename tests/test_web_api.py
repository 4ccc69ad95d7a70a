"""Admin API and chat page of the real web server, over HTTP.

The server runs as `python -m bot.web` in a subprocess on a free port, with a
temporary SQLite database migrated and loaded with the demo portfolio.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest
from sqlalchemy import select

from bot.negotiation.limits import load_products
from bot.records import db
from bot.records.models import AuditEntry
from bot.records.writes import open_handoff
from web_server import REPO_ROOT, prepare_database, running_web_server

TOKEN = "test-admin-token-0123456789abcdef"
RASA_URL = "http://localhost:59999"
LOAN = "LN-20931"          # KES loan of the demo portfolio
LOAN_TOTAL = "13860.00"    # 12500.00 + 860.00 + 500.00
PAY_LOAN = "LN-20932"      # another KES loan; payments go there so LOAN's balance stays put


@pytest.fixture(scope="module")
def database_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('webdb') / 'bot.db'}"
    prepare_database(url)
    engine = db.make_engine(url)
    with db.transaction(db.make_session_factory(engine)) as session:
        open_handoff(session, loan_id="LN-20932", borrower_id=None, conversation_id="conv-web-test",
                     reason="request_human", summary={"asked": "speak to a person"})
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def server(database_url, tmp_path_factory):
    log = tmp_path_factory.mktemp("weblog") / "web.log"
    env = {"DATABASE_URL": database_url, "ADMIN_TOKEN": TOKEN, "RASA_URL": RASA_URL}
    with running_web_server(env, log) as base:
        yield base


@pytest.fixture()
def api(server):
    with httpx.Client(base_url=server, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30) as client:
        yield client


@pytest.fixture()
def anon(server):
    with httpx.Client(base_url=server, timeout=30) as client:
        yield client


def audit_entries(url: str, kind: str) -> list[AuditEntry]:
    engine = db.make_engine(url)
    try:
        with db.transaction(db.make_session_factory(engine)) as session:
            return list(session.execute(select(AuditEntry).where(AuditEntry.kind == kind)).scalars())
    finally:
        engine.dispose()


def payment(**overrides) -> dict:
    body = {"reference": "PAY-1", "loan_id": PAY_LOAN, "amount": "100.00", "currency": "KES",
            "paid_at": "2026-11-29T10:00:00+03:00"}
    body.update(overrides)
    return body


# ---- auth ----------------------------------------------------------------------

@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer wrong-token"},
    {"Authorization": f"Bearer {TOKEN}x"},
    {"Authorization": f"Basic {TOKEN}"},
    {"Authorization": "Bearer"},
])
@pytest.mark.parametrize("method,path", [
    ("GET", f"/api/loans/{LOAN}"), ("GET", f"/api/loans/{LOAN}/audit"), ("GET", "/api/handoffs"),
    ("GET", "/api/products"), ("POST", "/api/compliance/check"), ("POST", "/api/payments"),
    ("GET", "/api/no-such-route"),
])
def test_api_refuses_missing_or_wrong_token(anon, headers, method, path):
    response = anon.request(method, path, headers=headers, json={})
    assert response.status_code == 401
    assert "error" in response.json()
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert LOAN not in response.text


def test_right_token_is_accepted(api):
    assert api.get(f"/api/loans/{LOAN}").status_code == 200


def test_scheme_is_case_insensitive(anon):
    response = anon.get(f"/api/loans/{LOAN}", headers={"Authorization": f"bearer {TOKEN}"})
    assert response.status_code == 200


def test_api_is_closed_when_no_token_is_configured(database_url, tmp_path):
    env = {"DATABASE_URL": database_url, "ADMIN_TOKEN": None}
    with running_web_server(env, tmp_path / "web.log") as base:
        response = httpx.get(f"{base}/api/loans/{LOAN}", headers={"Authorization": "Bearer"})
        assert response.status_code == 503
        assert "ADMIN_TOKEN" in response.json()["error"]
        response = httpx.get(f"{base}/api/loans/{LOAN}", headers={"Authorization": "Bearer anything"})
        assert response.status_code == 503
        assert httpx.get(f"{base}/healthz").status_code == 200


def test_healthz_needs_no_token(anon):
    response = anon.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == "ok"


# ---- reads ----------------------------------------------------------------------

def test_loan_view(api):
    response = api.get(f"/api/loans/{LOAN}")
    data = response.json()
    assert response.headers["Content-Type"].startswith("application/json")
    assert data["loan_id"] == LOAN
    assert data["currency"] == "KES"
    assert data["balances"]["total"] == LOAN_TOTAL
    assert data["status"] == "overdue"
    assert set(data["contact_preferences"]) == {"opted_out_channels", "cease_contact"}


def test_loan_id_is_matched_like_borrowers_type_it(api):
    assert api.get("/api/loans/ln20931").json()["loan_id"] == LOAN


def test_unknown_loan_is_404_json(api):
    for path in ("/api/loans/LN-00000", "/api/loans/LN-00000/audit"):
        response = api.get(path)
        assert response.status_code == 404
        assert "LN-00000" in response.json()["error"]


def test_open_handoffs(api):
    response = api.get("/api/handoffs", params={"status": "open"})
    assert response.status_code == 200
    items = response.json()["handoffs"]
    assert [(h["loan_id"], h["reason"]) for h in items] == [("LN-20932", "request_human")]
    assert items[0]["summary"] == {"asked": "speak to a person"}


def test_handoffs_refuses_unknown_status(api):
    response = api.get("/api/handoffs", params={"status": "everything"})
    assert response.status_code == 400
    assert "open" in response.json()["error"]


def test_products_are_those_the_bot_applies(api):
    response = api.get("/api/products")
    assert response.status_code == 200, response.text
    products = response.json()["products"]
    expected = load_products(REPO_ROOT / "config" / "products.yml")
    assert [p["code"] for p in products] == sorted(expected)
    for product in products:
        assert isinstance(product["standard"]["max_instalments"], int)
        assert isinstance(product["standard"]["min_down_payment_percent"], str)  # decimal, not float


def test_unknown_route_and_wrong_method_are_json(api):
    response = api.get("/api/nothing-here")
    assert response.status_code == 404 and "error" in response.json()
    response = api.delete(f"/api/loans/{LOAN}")
    assert response.status_code == 405 and "error" in response.json()


# ---- compliance check ------------------------------------------------------------

def test_compliance_allows_a_plain_reminder_and_audits_it(api, database_url):
    text = "Hello, this is a reminder that your payment of KES 500 was due on 12 November."
    response = api.post("/api/compliance/check", json={"text": text, "jurisdiction": "KE"})
    assert response.status_code == 200
    assert response.json() == {"allowed": True, "rule": None, "reason": None}
    logged = [e for e in audit_entries(database_url, "compliance_decision") if e.payload["text"] == text]
    assert len(logged) == 1
    assert logged[0].actor == "operator"
    assert logged[0].payload["allowed"] is True and logged[0].payload["jurisdiction"] == "KE"


def test_compliance_blocks_a_threat_with_rule_and_reason(api, database_url):
    text = "Pay today or the police will arrest you."
    response = api.post("/api/compliance/check", json={"text": text, "jurisdiction": "us"})
    data = response.json()
    assert response.status_code == 200
    assert data["allowed"] is False
    assert data["rule"] and data["reason"]
    logged = [e for e in audit_entries(database_url, "compliance_decision") if e.payload["text"] == text]
    assert [(e.payload["allowed"], e.payload["rule"], e.payload["jurisdiction"]) for e in logged] == [
        (False, data["rule"], "US")
    ]


@pytest.mark.parametrize("body,expected", [
    ({"jurisdiction": "KE"}, "'text' is required"),
    ({"text": "   ", "jurisdiction": "KE"}, "'text' is required"),
    ({"text": 42, "jurisdiction": "KE"}, "'text' is required"),
    ({"text": "hello"}, "'jurisdiction' is required"),
    ({"text": "hello", "jurisdiction": "ATLANTIS"}, "unknown jurisdiction"),
    ({"text": "x" * 5001, "jurisdiction": "KE"}, "longer than"),
])
def test_compliance_check_validates_the_body(api, body, expected):
    response = api.post("/api/compliance/check", json=body)
    assert response.status_code == 400
    assert expected in response.json()["error"]


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1, 2]", b"\xff\xfe"])
def test_compliance_check_refuses_non_json_objects(api, raw):
    response = api.post("/api/compliance/check", content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "JSON" in response.json()["error"] or "empty" in response.json()["error"]


# ---- payments ---------------------------------------------------------------------

def test_payment_is_recorded_once_per_reference(api):
    first = api.post("/api/payments", json=payment(reference="PAY-IDEM", amount="250.5"))
    assert first.status_code == 201, first.text
    record = first.json()
    assert record["reference"] == "PAY-IDEM"
    assert record["amount"] == "250.50"
    assert record["paid_at"].startswith("2026-11-29T07:00:00")
    again = api.post("/api/payments", json=payment(reference="PAY-IDEM", amount="250.50"))
    assert again.status_code == 200
    assert again.json() == record
    loan = api.get(f"/api/loans/{PAY_LOAN}").json()
    assert [p["reference"] for p in loan["payments"]].count("PAY-IDEM") == 1


def test_payment_shows_in_the_loan_audit(api):
    assert api.post("/api/payments", json=payment(reference="PAY-AUDIT")).status_code == 201
    entries = api.get(f"/api/loans/{PAY_LOAN}/audit").json()["entries"]
    refs = [e["payload"].get("reference") for e in entries]
    assert "PAY-AUDIT" in refs
    seqs = [e["seq"] for e in entries]
    assert seqs == sorted(seqs)
    assert api.get("/api/loans/ln 20932/audit").json()["loan_id"] == PAY_LOAN


def test_payment_in_another_currency_is_a_conflict(api):
    response = api.post("/api/payments", json=payment(reference="PAY-USD", currency="USD"))
    assert response.status_code == 409
    assert "KES" in response.json()["error"]


def test_reused_reference_with_other_details_is_a_conflict(api):
    assert api.post("/api/payments", json=payment(reference="PAY-TWICE")).status_code == 201
    response = api.post("/api/payments", json=payment(reference="PAY-TWICE", amount="999.00"))
    assert response.status_code == 409


def test_payment_for_unknown_loan_is_404(api):
    response = api.post("/api/payments", json=payment(reference="PAY-404", loan_id="LN-00000"))
    assert response.status_code == 404
    assert "LN-00000" in response.json()["error"]


def _future() -> str:
    return (datetime.now(timezone.utc) + timedelta(days=2)).isoformat()


@pytest.mark.parametrize("overrides,expected", [
    ({"amount": 100.0}, "decimal string"),
    ({"amount": "-5"}, "positive decimal"),
    ({"amount": "0.00"}, "greater than zero"),
    ({"amount": "1e3"}, "positive decimal"),
    ({"amount": "10.001"}, "more than 2 decimals"),
    ({"amount": None}, "decimal string"),
    ({"currency": "shillings"}, "ISO 4217"),
    ({"reference": ""}, "'reference' is required"),
    ({"reference": "x" * 129}, "longer than 128"),
    ({"loan_id": None}, "'loan_id' is required"),
    ({"paid_at": "2026-11-29T10:00:00"}, "no UTC offset"),
    ({"paid_at": "yesterday"}, "not an ISO 8601"),
    ({"paid_at": None}, "'paid_at' is required"),
    ({"paid_at": "FUTURE"}, "in the future"),
])
def test_payment_body_is_validated(api, overrides, expected):
    if overrides.get("paid_at") == "FUTURE":
        overrides = {"paid_at": _future()}
    response = api.post("/api/payments", json=payment(**{"reference": "PAY-BAD", **overrides}))
    assert response.status_code == 400
    assert expected in response.json()["error"]
    payments = api.get(f"/api/loans/{PAY_LOAN}").json()["payments"]
    assert "PAY-BAD" not in [p["reference"] for p in payments]


def test_payment_accepts_z_suffix(api):
    response = api.post("/api/payments", json=payment(reference="PAY-Z", paid_at="2026-11-29T08:00:00Z"))
    assert response.status_code == 201
    assert response.json()["paid_at"].startswith("2026-11-29T08:00:00")


def test_payment_refuses_non_json(api):
    response = api.post("/api/payments", content=b"reference=1", headers={"Content-Type": "text/plain"})
    assert response.status_code == 400


def test_oversized_body_is_refused(api):
    response = api.post("/api/payments", content=b"{" + b" " * 70_000 + b"}",
                        headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert "error" in response.json()


# ---- page and static files ------------------------------------------------------

def test_chat_page_embeds_the_widget_with_the_rasa_url(anon):
    response = anon.get("/")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert '<script src="/static/widget.js"' in response.text
    assert f'data-rasa-url="{RASA_URL}"' in response.text
    csp = response.headers["Content-Security-Policy"]
    assert "ws://localhost:59999" in csp and "script-src 'self'" in csp


@pytest.mark.parametrize("name,kind", [
    ("widget.js", "text/javascript"), ("widget.css", "text/css"), ("socket.io.min.js", "text/javascript"),
])
def test_static_files(anon, name, kind):
    response = anon.get(f"/static/{name}")
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith(kind)


def test_socket_io_client_is_the_pinned_4x(anon):
    head = anon.get("/static/socket.io.min.js").text[:200]
    assert "Socket.IO v4." in head


@pytest.mark.parametrize("path", ["/static/../app.py", "/static/app.py", "/static/%2e%2e%2fconfig.py", "/consoles"])
def test_nothing_else_is_served(anon, path):
    assert anon.get(path).status_code == 404
