"""Shared fixtures: the real running stack (Rasa server, action server, web server)."""
from __future__ import annotations

import json
import secrets
import socket
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "collections.tar.gz"
DEMO = ROOT / "data" / "demo" / "portfolio.csv"
WIDGET_SECRET = "test-widget-secret-" + "x" * 32  # the lender app's signing key in the e2e stack


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
