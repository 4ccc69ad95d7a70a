"""Shared fixtures: the real running stack (Rasa server, action server, web server)."""
from __future__ import annotations

import json
import os
import secrets
import socket
import urllib.request
from pathlib import Path

import pytest

from tests.support.records_fixtures import records_db  # noqa: F401  (a fixture for every test folder)

ROOT = Path(__file__).resolve().parents[1]
# COLLECTIONS_MODEL: a model trained elsewhere (a scratch training), instead of models/.
MODEL = Path(os.environ.get("COLLECTIONS_MODEL") or ROOT / "models" / "collections.tar.gz")
DEMO = ROOT / "data" / "demo" / "portfolio.csv"
WIDGET_SECRET = "test-widget-secret-" + "x" * 32  # the lender app's signing key in the e2e stack
PAYMENT_SECRET = "test-payment-secret-" + "p" * 32  # the payment provider's callback signing key
ANCHOR_KEY = "test-anchor-key-" + "a" * 32  # the audit anchor's HMAC key (outside the database)


SERVICES = {"TEST_POSTGRES_URL": "the PostgreSQL variants of the records tests",
            "TEST_REDIS_URL": "the scale-out test (two Rasa servers sharing a Redis lock store)"}


def _not_run() -> list[str]:
    import os

    return [f"{what} (set {name}; `bash .ci/run` starts PostgreSQL and Redis and sets both)"
            for name, what in SERVICES.items() if not os.environ.get(name)]


def pytest_report_header(config):
    return [f"NOT RUN: {line}" for line in _not_run()]


def pytest_terminal_summary(terminalreporter):
    for line in _not_run():
        terminalreporter.write_line(f"NOT RUN: {line}", yellow=True, bold=True)


# A test that uses one of these fixtures starts real servers: it is e2e whether or not its module says so.
SERVER_FIXTURES = {"stack", "cluster", "tg", "public"}


def pytest_collection_modifyitems(session, config, items):
    """Mark e2e by fixture; tests marked after_everything (the log audit) run last."""
    for item in items:
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())) and not item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.e2e)
    items.sort(key=lambda item: item.get_closest_marker("after_everything") is not None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session", autouse=True)
def compliance_backstop(tmp_path_factory):
    """Every compliance check loads the backstop model, and the servers refuse to start
    without one: train it from data/compliance into a temporary file (about 2 s) so
    the tests need no `make train` and never score with a stale model."""
    from bot.compliance import backstop
    from bot.compliance.backstop.training import train

    path = tmp_path_factory.mktemp("compliance") / "compliance_backstop.json"
    train(path)
    mp = pytest.MonkeyPatch()
    mp.setenv(backstop.MODEL_ENV, str(path))  # inherited by the servers the stack starts
    yield path
    mp.undo()


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """The whole bot, started exactly as `make run` starts it, on free ports and a fresh database."""
    from bot.launch import start
    from bot.records.cli import main as records_cli

    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: `make test` trains it first (or run `make train`)")
    var = tmp_path_factory.mktemp("stack")
    database_url = f"sqlite:///{var / 'bot.db'}"
    mp = pytest.MonkeyPatch()
    mp.setenv("DATABASE_URL", database_url)
    mp.setenv("WIDGET_TOKEN_SECRET", WIDGET_SECRET)
    mp.setenv("PAYMENT_WEBHOOK_SECRET", PAYMENT_SECRET)
    mp.setenv("AUDIT_ANCHOR_KEY", ANCHOR_KEY)
    mp.setenv("AUDIT_ANCHOR_FILE", str(var / "audit-anchors.jsonl"))
    assert records_cli(["import", str(DEMO)]) == 0
    ports = {"rasa": free_port(), "actions": free_port(), "web": free_port()}
    running = start(model=MODEL, database_url=database_url, tracker_url=f"sqlite:///{var / 'tracker.db'}",
                    var_dir=var, admin_token=secrets.token_urlsafe(16), ports=ports)
    yield running
    running.stop()
    mp.undo()


def post_json(url: str, body: dict, headers: dict | None = None, timeout: float = 60) -> tuple[int, object]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, json.loads(response.read() or b"null")


def get_json(url: str, headers: dict | None = None, timeout: float = 30) -> tuple[int, object]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


class Borrower:
    """One borrower typing into the REST channel."""

    def __init__(self, stack, sender: str | None = None):
        self.stack = stack
        self.sender = sender or f"e2e-{secrets.token_hex(4)}"

    def say(self, text: str, metadata: dict | None = None) -> str:
        body = {"sender": self.sender, "message": text, **({"metadata": metadata} if metadata else {})}
        _, replies = post_json(f"{self.stack.rasa_url}/webhooks/rest/webhook", body)
        return "\n".join(r.get("text", "") for r in replies)
