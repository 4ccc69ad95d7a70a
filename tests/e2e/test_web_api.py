"""Admin API and chat page of the real web server, over HTTP.

The server runs as `python -m bot.web` in a subprocess on a free port, with a
temporary SQLite database migrated and loaded with the demo portfolio.
"""
from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from sqlalchemy import select

from bot.negotiation.limits import load_products
from bot.records import db
from bot.records.models import AuditEntry
from bot.records.writes import open_handoff
from bot.web.payment_signature import HEADER as SIGNATURE_HEADER, header_value
from tests.support.web_server import REPO_ROOT, prepare_database, running_web_server
TOKEN = "test-admin-token-0123456789abcdef"
PAYMENT_SECRET = "test-payment-webhook-secret-0123456789"
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
    env = {"DATABASE_URL": database_url, "ADMIN_TOKEN": TOKEN, "RASA_URL": RASA_URL,
           "PAYMENT_WEBHOOK_SECRET": PAYMENT_SECRET}
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


def signed(raw: bytes, *, at: int | None = None, secret: str = PAYMENT_SECRET) -> dict[str, str]:
    """Headers of a callback as the provider sends it: the raw body signed at `at` (now)."""
    return {"Content-Type": "application/json",
            SIGNATURE_HEADER: header_value(secret, int(time.time()) if at is None else at, raw)}


def post_payment(client: httpx.Client, body: dict, **signing) -> httpx.Response:
    raw = json.dumps(body).encode()
    return client.post("/api/payments", content=raw, headers=signed(raw, **signing))


def payment_refs(api: httpx.Client, loan_id: str = PAY_LOAN) -> list[str]:
    return [p["reference"] for p in api.get(f"/api/loans/{loan_id}").json()["payments"]]


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
    ("GET", "/api/products"), ("POST", "/api/compliance/check"), ("GET", "/api/payments"),
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
    env = {"DATABASE_URL": database_url, "ADMIN_TOKEN": None, "PAYMENT_WEBHOOK_SECRET": None}
    with running_web_server(env, tmp_path / "web.log") as base:
        response = httpx.get(f"{base}/api/loans/{LOAN}", headers={"Authorization": "Bearer"})
        assert response.status_code == 503
        assert "ADMIN_TOKEN" in response.json()["error"]
        response = httpx.get(f"{base}/api/loans/{LOAN}", headers={"Authorization": "Bearer anything"})
        assert response.status_code == 503
        assert httpx.get(f"{base}/healthz").status_code == 200
        raw = json.dumps(payment(reference="PAY-NO-SECRET")).encode()
        response = httpx.post(f"{base}/api/payments", content=raw, headers=signed(raw))
        assert response.status_code == 503
        assert "PAYMENT_WEBHOOK_SECRET" in response.json()["error"]


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


def test_open_handoffs(api, database_url):
    response = api.get("/api/handoffs", params={"status": "open"})
    assert response.status_code == 200
    items = response.json()["handoffs"]
    assert [(h["loan_id"], h["reason"]) for h in items] == [("LN-20932", "request_human")]
    assert items[0]["summary"] == {"asked": "speak to a person"}
    accesses = [e for e in audit_entries(database_url, "data_access") if e.payload["route"] == "GET /api/handoffs"]
    assert accesses and accesses[-1].payload["case_ids"] == [items[0]["id"]]
    assert accesses[-1].actor == "operator"


# ---- reads are audited -------------------------------------------------------------

def loan_accesses(url: str, loan_id: str, route: str) -> list[AuditEntry]:
    return [e for e in audit_entries(url, "data_access") if e.loan_id == loan_id and e.payload["route"] == route]


@pytest.mark.parametrize("path,route", [
    ("/api/loans/ln%2020931", "GET /api/loans/{loan_id}"),
    ("/api/loans/LN-20931/audit", "GET /api/loans/{loan_id}/audit"),
])
def test_reading_a_loan_is_audited(api, database_url, path, route):
    before = len(loan_accesses(database_url, LOAN, route))
    assert api.get(path).status_code == 200
    after = loan_accesses(database_url, LOAN, route)
    assert len(after) == before + 1
    entry = after[-1]
    assert (entry.actor, entry.loan_id, entry.borrower_id) == ("operator", LOAN, "BR-1001")


def test_audit_answer_is_the_trail_before_this_read(api):
    first = api.get(f"/api/loans/{LOAN}/audit").json()["entries"]
    second = api.get(f"/api/loans/{LOAN}/audit").json()["entries"]
    # the second answer shows the first read, not itself
    assert [e["seq"] for e in second[:len(first)]] == [e["seq"] for e in first]
    assert second[-1]["kind"] == "data_access" and second[-1]["payload"] == {"route": "GET /api/loans/{loan_id}/audit"}


def test_unknown_loan_and_refused_reads_are_not_audited_as_reads(anon, api, database_url):
    before = len(audit_entries(database_url, "data_access"))
    assert anon.get(f"/api/loans/{LOAN}").status_code == 401
    assert api.get("/api/loans/LN-00000").status_code == 404
    assert api.get("/api/loans/LN%0020931").status_code == 404
    assert len(audit_entries(database_url, "data_access")) == before


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

def test_payment_is_recorded_once_per_reference(anon, api):
    first = post_payment(anon, payment(reference="PAY-IDEM", amount="250.5"))
    assert first.status_code == 201, first.text
    record = first.json()
    assert record["reference"] == "PAY-IDEM"
    assert record["amount"] == "250.50"
    assert record["paid_at"].startswith("2026-11-29T07:00:00")
    # the provider's retry: same payment, signed afresh
    again = post_payment(anon, payment(reference="PAY-IDEM", amount="250.50"), at=int(time.time()) - 1)
    assert again.status_code == 200
    assert again.json() == record
    assert payment_refs(api).count("PAY-IDEM") == 1


def test_payment_shows_in_the_loan_audit(anon, api):
    assert post_payment(anon, payment(reference="PAY-AUDIT")).status_code == 201
    entries = api.get(f"/api/loans/{PAY_LOAN}/audit").json()["entries"]
    refs = [e["payload"].get("reference") for e in entries]
    assert "PAY-AUDIT" in refs
    seqs = [e["seq"] for e in entries]
    assert seqs == sorted(seqs)
    assert api.get("/api/loans/ln 20932/audit").json()["loan_id"] == PAY_LOAN


def test_payment_in_another_currency_is_a_conflict(anon):
    response = post_payment(anon, payment(reference="PAY-USD", currency="USD"))
    assert response.status_code == 409
    assert "KES" in response.json()["error"]


def test_reused_reference_with_other_details_is_a_conflict(anon):
    assert post_payment(anon, payment(reference="PAY-TWICE")).status_code == 201
    response = post_payment(anon, payment(reference="PAY-TWICE", amount="999.00"), at=int(time.time()) - 1)
    assert response.status_code == 409


def test_payment_for_unknown_loan_is_404(anon):
    response = post_payment(anon, payment(reference="PAY-404", loan_id="LN-00000"))
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
def test_payment_body_is_validated(anon, api, overrides, expected):
    if overrides.get("paid_at") == "FUTURE":
        overrides = {"paid_at": _future()}
    response = post_payment(anon, payment(**{"reference": "PAY-BAD", **overrides}))
    assert response.status_code == 400
    assert expected in response.json()["error"]
    assert "PAY-BAD" not in payment_refs(api)


def test_payment_accepts_z_suffix(anon):
    response = post_payment(anon, payment(reference="PAY-Z", paid_at="2026-11-29T08:00:00Z"))
    assert response.status_code == 201
    assert response.json()["paid_at"].startswith("2026-11-29T08:00:00")


def test_payment_refuses_non_json(anon):
    raw = b"reference=1"
    response = anon.post("/api/payments", content=raw, headers={**signed(raw), "Content-Type": "text/plain"})
    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/api/payments", "/api/compliance/check"])
def test_oversized_body_is_refused(api, path):
    raw = b"{" + b" " * 70_000 + b"}"
    response = api.post(path, content=raw, headers=signed(raw))
    assert response.status_code == 413
    assert "error" in response.json()


# ---- payment callback signature ---------------------------------------------------

def test_admin_token_no_longer_opens_the_payment_callback(api):
    response = api.post("/api/payments", json=payment(reference="PAY-ADMIN"))
    assert response.status_code == 401
    assert SIGNATURE_HEADER in response.json()["error"]
    assert "PAY-ADMIN" not in payment_refs(api)


@pytest.mark.parametrize("case,headers_for", [
    ("missing", lambda raw: {}),
    ("other secret", lambda raw: signed(raw, secret="not-the-payment-secret-0123456789")),
    ("admin token as secret", lambda raw: signed(raw, secret=TOKEN)),
    ("other body", lambda raw: signed(raw + b" ")),
    ("mac of another timestamp", lambda raw: {SIGNATURE_HEADER: signed(raw, at=1_700_000_000)[SIGNATURE_HEADER]
                                               .replace("t=1700000000", f"t={int(time.time())}")}),
    ("garbage", lambda raw: {SIGNATURE_HEADER: "t=abc,v1=zz"}),
    ("no timestamp", lambda raw: {SIGNATURE_HEADER: "v1=" + "0" * 64}),
])
def test_badly_signed_payment_is_refused(anon, api, case, headers_for):
    raw = json.dumps(payment(reference=f"PAY-SIG-{case}")).encode()
    response = anon.post("/api/payments", content=raw,
                         headers={"Content-Type": "application/json", **headers_for(raw)})
    assert response.status_code == 401, response.text
    assert SIGNATURE_HEADER in response.json()["error"] or "t=" in response.json()["error"]
    assert f"PAY-SIG-{case}" not in payment_refs(api)


@pytest.mark.parametrize("offset,word", [(-301, "old"), (-3600, "old"), (+301, "future")])
def test_payment_signed_outside_the_window_is_refused(anon, api, offset, word):
    body = payment(reference=f"PAY-WINDOW{offset}")
    response = post_payment(anon, body, at=int(time.time()) + offset)
    assert response.status_code == 401
    assert word in response.json()["error"]
    assert body["reference"] not in payment_refs(api)


def test_replayed_payment_is_refused(anon, api, database_url):
    raw = json.dumps(payment(reference="PAY-REPLAY", amount="10.00")).encode()
    headers = signed(raw)
    first = anon.post("/api/payments", content=raw, headers=headers)
    assert first.status_code == 201, first.text
    before = len(audit_entries(database_url, "record_change"))
    replay = anon.post("/api/payments", content=raw, headers=headers)
    assert replay.status_code == 409
    assert "already used" in replay.json()["error"]
    assert payment_refs(api).count("PAY-REPLAY") == 1
    assert len(audit_entries(database_url, "record_change")) == before


def test_a_refused_payment_does_not_consume_its_signature(anon):
    """A callback that wrote nothing (unknown loan) may be delivered again with
    the same signature: it still writes nothing, and that is all a replay gets."""
    raw = json.dumps(payment(reference="PAY-404-AGAIN", loan_id="LN-00000")).encode()
    headers = signed(raw)
    assert anon.post("/api/payments", content=raw, headers=headers).status_code == 404
    assert anon.post("/api/payments", content=raw, headers=headers).status_code == 404


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
