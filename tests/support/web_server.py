"""Start the real web server (`python -m bot.web`) in a subprocess for tests.

Not a test module: tests/test_web_*.py and the lead's browser tests use it.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_CSV = REPO_ROOT / "data" / "demo" / "portfolio.csv"
STARTUP_GUARD_S = 60  # only bounds a hung start; not a performance assertion


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_database(url: str, csv: Path = DEMO_CSV) -> None:
    """Migrate and import the demo portfolio (the same path `make run` takes)."""
    from bot.records import db, importer

    db.migrate(url)
    engine = db.make_engine(url)
    try:
        report = importer.import_portfolio(
            db.make_session_factory(engine), csv, known_products=None, known_jurisdictions=None,
        )
    finally:
        engine.dispose()
    assert report.ok, report.lines()


@contextmanager
def running_web_server(env_overrides: dict[str, str | None], log_path: Path) -> Iterator[str]:
    """Yield the base URL of a live server; stop it (and show its log on failure) after."""
    port = free_port()
    env = {**os.environ, "WEB_HOST": "127.0.0.1", "WEB_PORT": str(port),
           "RASA_TELEMETRY_ENABLED": "false", "PYTHONUNBUFFERED": "1"}
    for key, value in env_overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.web"], cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_up(base, proc, log_path)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_until_up(base: str, proc: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_GUARD_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"web server exited with {proc.returncode}:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code in (200, 503):
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"web server did not answer /healthz:\n{log_path.read_text()}")
