"""Starts the whole bot on one machine: Rasa server, action server, web server.

`make run` and the end-to-end tests start the stack the same way, so what
the tests exercise is what an operator runs. Endpoints (tracker store, lock
store, action server) are written per run from the environment, because Rasa
reads them from a file.
"""
from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy.engine import make_url

from bot.settings import ROOT, port

VENV_BIN = Path(sys.executable).parent


def endpoints(action_url: str, tracker_url: str, lock_url: str | None) -> dict:
    """Rasa's endpoints.yml for these URLs (tracker: any SQLAlchemy URL; lock: redis://...)."""
    url = make_url(tracker_url)
    tracker = {"type": "SQL", "dialect": url.drivername.split("+")[0], "db": url.database}
    if url.host:
        tracker.update(url=url.host, port=url.port, username=url.username, password=url.password)
    if url.query:
        tracker["query"] = dict(url.query)
    config = {"action_endpoint": {"url": action_url}, "tracker_store": tracker}
    if lock_url:
        lock = make_url(lock_url)
        config["lock_store"] = {"type": "redis", "url": lock.host, "port": lock.port or 6379,
                                "db": int(lock.database or 0), "password": lock.password}
    return config


@dataclass
class Stack:
    rasa_url: str
    actions_url: str
    web_url: str
    admin_token: str
    database_url: str
    var_dir: Path
    more_rasa_urls: list[str] = field(default_factory=list)
    processes: list[subprocess.Popen] = field(default_factory=list)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.processes:
            try:
                process.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                process.kill()


def start(
    *, model: Path, database_url: str, tracker_url: str, var_dir: Path, admin_token: str,
    ports: dict[str, int] | None = None, lock_url: str | None = None, log_to_files: bool = True,
    timeout: float = 300, credentials: Path | None = None, more_rasa_ports: tuple[int, ...] = (),
) -> Stack:
    """The three servers, ready to answer; `more_rasa_ports` adds Rasa servers
    sharing the same tracker store, lock store and action server (scale-out)."""
    ports = ports or {name: port(name) for name in ("rasa", "actions", "web")}
    var_dir.mkdir(parents=True, exist_ok=True)
    host = "127.0.0.1"
    stack = Stack(
        rasa_url=f"http://{host}:{ports['rasa']}", actions_url=f"http://{host}:{ports['actions']}",
        web_url=f"http://{host}:{ports['web']}", admin_token=admin_token, database_url=database_url,
        var_dir=var_dir,
    )
    endpoints_file = var_dir / "endpoints.yml"
    endpoints_file.write_text(yaml.safe_dump(endpoints(f"{stack.actions_url}/webhook", tracker_url, lock_url)))
    env = {
        **os.environ, "DATABASE_URL": database_url, "ADMIN_TOKEN": admin_token, "RASA_URL": stack.rasa_url,
        "WEB_PORT": str(ports["web"]), "RASA_TELEMETRY_ENABLED": "false", "PYTHONPATH": str(ROOT),
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    commands = {
        "actions": [str(VENV_BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(ports["actions"])],
        "rasa": [str(VENV_BIN / "rasa"), "run", "--enable-api", "--cors", "*", "--model", str(model),
                 "--endpoints", str(endpoints_file), "--credentials", str(credentials or ROOT / "credentials.yml"),
                 "--interface", host, "--port", str(ports["rasa"])],
        "web": [sys.executable, "-m", "bot.web"],
    }
    for extra in more_rasa_ports:
        commands[f"rasa-{extra}"] = [*commands["rasa"][:-1], str(extra)]
        stack.more_rasa_urls.append(f"http://{host}:{extra}")
    try:
        for name, command in commands.items():
            out = open(var_dir / f"{name}.log", "ab") if log_to_files else None
            stack.processes.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT))
        _wait(f"{stack.actions_url}/health", timeout, stack)
        _wait(f"{stack.web_url}/healthz", timeout, stack)
        for url in (stack.rasa_url, *stack.more_rasa_urls):
            _wait(f"{url}/status", timeout, stack)
    except BaseException:
        stack.stop()
        raise
    return stack


def _wait(url: str, timeout: float, stack: Stack) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in stack.processes:
            if process.poll() is not None:
                raise RuntimeError(f"{' '.join(map(str, process.args[:3]))} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description="Run the whole bot (what `make run` does).")
    parser.add_argument("--model", default=str(ROOT / "models" / "collections.tar.gz"))
    parser.add_argument("--demo", default=str(ROOT / "data" / "demo" / "portfolio.csv"))
    args = parser.parse_args()

    from bot.records.cli import main as records_cli

    var = ROOT / "var"
    var.mkdir(exist_ok=True)
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{var / 'bot.db'}"
    os.environ["DATABASE_URL"] = database_url
    if records_cli(["migrate"]) != 0 or records_cli(["import", args.demo]) not in (0,):
        print("could not prepare the database (see above)", file=sys.stderr)
        return 1
    token = os.environ.get("ADMIN_TOKEN") or secrets.token_urlsafe(24)
    # The key a lender's app signs borrower tokens with (bot/channels/widget_token.py).
    os.environ.setdefault("WIDGET_TOKEN_SECRET", secrets.token_urlsafe(48))
    from bot.channels.widget_token import issue
    signed_in = issue("BR-1005", os.environ["WIDGET_TOKEN_SECRET"], minutes=24 * 60 - 1)
    from bot.records.agents import ensure_demo_agents
    new_agents = ensure_demo_agents(database_url)  # {username: password}, only those just created
    console_users = "\n".join(f"                 {name} / {password}" for name, password in new_agents.items()) \
        or "                 supervisor, agent (created earlier; reset with `python -m bot.records.cli agent-passwd NAME`)"
    tracker_url = os.environ.get("TRACKER_DB_URL") or f"sqlite:///{var / 'tracker.db'}"
    print("==> starting the Rasa server, the action server and the web server (logs in var/*.log)")
    from bot.channels.telegram_config import credentials_with_telegram, polling_needed

    # Telegram is on only when TELEGRAM_TOKEN is set (docs/telegram.md).
    credentials = credentials_with_telegram(ROOT / "credentials.yml", var / "credentials.yml")
    stack = start(model=Path(args.model), database_url=database_url, tracker_url=tracker_url, var_dir=var,
                  admin_token=token, lock_url=os.environ.get("LOCK_STORE_URL"), credentials=credentials)
    if polling_needed(os.environ):  # a token but no public webhook URL: long-poll Telegram instead
        stack.processes.append(subprocess.Popen(
            [sys.executable, "-m", "bot.channels.telegram_polling", "--rasa-url", stack.rasa_url],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=open(var / "telegram.log", "ab"), stderr=subprocess.STDOUT))
        print("==> Telegram: polling for updates (logs in var/telegram.log)")
    print(f"""
Web chat:        {stack.web_url.replace('127.0.0.1', 'localhost')}/
Rasa REST:       {stack.rasa_url}/webhooks/rest/webhook
Admin API:       {stack.web_url}/api/loans/<loan_id>   (Authorization: Bearer {token})
ADMIN_TOKEN={token}
Console:         {stack.web_url.replace('127.0.0.1', 'localhost')}/console   (agents, username / password:)
{console_users}
Demo borrower:   loan LN-20931, born 17 April 1991; data/demo/portfolio.csv has the others.
Signed-in demo:  {stack.web_url.replace('127.0.0.1', 'localhost')}/?token={signed_in}
                 (as a lender's app would embed it: borrower BR-1005 skips the identity questions)
Ctrl-C stops everything.""", flush=True)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    try:
        while not stopping and all(p.poll() is None for p in stack.processes):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    print("\n==> stopping")
    stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
