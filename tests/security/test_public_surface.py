"""The public surface, tried as an attacker would: through the shipped nginx
configuration, and straight at the servers on this machine.

Each row of docs/security.md's surface table has a case here.
"""
from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.security import proxy
from tests.security.http import call

pytestmark = pytest.mark.e2e
CLOSED = {"X-Public-Surface": "closed"}


@pytest.fixture(scope="module")
def public(stack, tmp_path_factory):
    if not proxy.available():
        pytest.fail("nginx is missing: `make test` installs it (scripts/system_deps.sh)")
    running = proxy.Proxy(tmp_path_factory.mktemp("nginx"), free_port(), stack.rasa_url, stack.web_url).start()
    yield running
    running.stop()


def closed_by_proxy(status: int, headers: dict) -> bool:
    return status == 404 and headers.get("X-Public-Surface") == "closed"


# Rasa's HTTP API and the REST channel: never through the proxy, not even with the right token.
@pytest.mark.parametrize("method,path", [
    ("GET", "/conversations/{sender}/tracker"),
    ("POST", "/conversations/{sender}/tracker/events"),
    ("POST", "/conversations/{sender}/trigger_intent"),
    ("POST", "/conversations/{sender}/execute"),
    ("POST", "/model/parse"),
    ("PUT", "/model"),
    ("GET", "/status"),
    ("GET", "/domain"),
    ("GET", "/version"),
    ("POST", "/webhooks/rest/webhook"),
    ("POST", "/webhook"),  # the action server's
    ("GET", "/actions"),
    ("GET", "/health"),
])
def test_rasa_api_and_action_server_are_not_public(public, stack, method, path):
    url = public.url + path.format(sender="e2e-anyone")
    for suffix in ("", f"?token={stack.rasa_token}", f"?token={stack.action_token}"):
        status, headers, _ = call(method, url + suffix, body={"text": "hi", "sender": "x", "message": "hi"})
        assert closed_by_proxy(status, headers), (method, path, suffix, status)


@pytest.mark.parametrize("method,path,expected", [
    ("GET", "/", {200}),
    ("GET", "/static/widget.js", {200}),
    ("GET", "/socket.io/?EIO=4&transport=polling", {200, 400}),  # engine.io answers, not the proxy
    ("GET", "/console", {200, 302, 303}),
    ("GET", "/console/login", {200}),
    ("GET", "/api/products", {401}),  # reaches the web server, which wants the admin token
    ("POST", "/api/payments", {401, 503}),  # reaches the web server, which wants a signature
    ("POST", "/webhooks/providers/twilio/status", {403, 503}),  # the web server: Twilio's signature
    ("POST", "/webhooks/providers/africastalking/delivery", {403, 503}),  # the web server: the secret
    ("GET", "/api/campaigns/plan?date=2026-12-07", {401}),
    ("GET", "/healthz", {200}),
])
def test_borrower_agent_operator_and_provider_routes_pass(public, method, path, expected):
    status, headers, _ = call(method, public.url + path, body={} if method == "POST" else None)
    assert status in expected and not closed_by_proxy(status, headers), (path, status)


def test_telegram_webhook_is_forwarded_to_rasa(public):
    status, headers, _ = call("POST", public.url + "/webhooks/telegram/webhook", body={})
    # Telegram is off in the test stack, so Rasa itself answers 404: not the proxy's closed door.
    assert not closed_by_proxy(status, headers)


def test_admin_api_through_the_proxy_with_the_token(public, stack):
    status, _, body = call("GET", public.url + "/api/loans/LN-20931",
                           headers={"Authorization": f"Bearer {stack.admin_token}"})
    assert status == 200 and json.loads(body)["loan_id"] == "LN-20931"


def test_client_cannot_spoof_its_address_through_the_proxy(public):
    """The proxy overwrites X-Forwarded-For: a borrower cannot pose as loopback."""
    status, _, _ = call("GET", public.url + "/", headers={"X-Forwarded-For": "127.0.0.1"})
    assert status == 200
    conf = (proxy.DEPLOY / "public-surface.conf").read_text()
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf


def test_big_bodies_are_refused_at_the_proxy(public):
    status, _, _ = call("POST", public.url + "/api/payments", body=b"{" + b" " * 200_000 + b"}")
    assert status == 413


# Straight at the servers (someone on this machine or the private network).
def test_tracker_api_without_token_is_refused(stack):
    sender = f"e2e-{secrets.token_hex(4)}"
    for method, path in [("GET", f"/conversations/{sender}/tracker"), ("GET", "/status"),
                         ("POST", f"/conversations/{sender}/tracker/events"), ("POST", "/model/parse"),
                         ("PUT", "/model"), ("GET", "/domain")]:
        status, _, _ = call(method, stack.rasa_url + path, body=[{"event": "slot", "name": "verified", "value": True}]
                            if "events" in path else {"text": "hi"})
        assert status == 401, (method, path, status)
        status, _, _ = call(method, f"{stack.rasa_url}{path}?token=wrong-{secrets.token_hex(8)}", body={"text": "hi"})
        assert status == 401, (method, path, status)


def test_forged_slots_cannot_reach_a_balance(stack):
    """The attack of the issue: post verified=true and a loan id, then ask the balance."""
    sender = f"e2e-{secrets.token_hex(4)}"
    events = [{"event": "slot", "name": "verified", "value": True},
              {"event": "slot", "name": "loan_id", "value": "LN-20931"}]
    status, _, _ = call("POST", f"{stack.rasa_url}/conversations/{sender}/tracker/events", body=events)
    assert status == 401
    _, _, body = call("POST", f"{stack.rasa_url}/webhooks/rest/webhook", body={"sender": sender,
                                                                              "message": "what is my balance"})
    replies = " ".join(r.get("text", "") for r in json.loads(body))
    assert "13,860" not in replies


def test_action_server_requires_rasas_token(stack):
    tracker = {"sender_id": "x", "slots": {"verified": True, "loan_id": "LN-20931"}, "latest_message": {},
               "events": [], "paused": False, "followup_action": None, "active_loop": {},
               "latest_action_name": None}
    call_body = {"next_action": "action_balance", "sender_id": "x", "tracker": tracker, "domain": {},
                 "version": "3.6.2"}
    for url in (f"{stack.actions_url}/webhook", f"{stack.actions_url}/webhook?token=wrong",
                f"{stack.actions_url}/actions"):
        status, _, body = call("POST" if "webhook" in url else "GET", url, body=call_body if "webhook" in url else None)
        assert status == 401, (url, status)
        assert b"13,860" not in body and b"13860" not in body


def test_action_server_error_does_not_echo_the_tracker(stack):
    status, _, body = call("POST", f"{stack.actions_url}/webhook?token={stack.action_token}",
                           body={"next_action": "action_balance", "tracker": {"slots": {"secret": "1991-04-17"}}})
    assert status in (400, 404, 500)
    assert b"1991-04-17" not in body


def _listening(port: int) -> set[str]:
    """Local addresses listening on `port` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def test_every_server_listens_on_loopback_only(stack):
    loopback = {"0100007F", "00000000000000000000000001000000"}
    for url in (stack.rasa_url, stack.actions_url, stack.web_url):
        addresses = _listening(int(url.rsplit(":", 1)[1]))
        assert addresses and addresses <= loopback, (url, addresses)
