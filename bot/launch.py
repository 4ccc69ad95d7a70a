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
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy.engine import make_url

from bot import redact
from bot.settings import ROOT, port

VENV_BIN = Path(sys.executable).parent


def endpoints(action_url: str, tracker_url: str, lock_url: str | None, action_token: str | None = None) -> dict:
    """Rasa's endpoints.yml for these URLs (tracker: any SQLAlchemy URL; lock: redis://...);
    Rasa sends `action_token` to the action server as `?token=` on every call."""
    url = make_url(tracker_url)
    tracker = {"type": "SQL", "dialect": url.drivername.split("+")[0], "db": url.database}
    if url.host:
        tracker.update(url=url.host, port=url.port, username=url.username, password=url.password)
    if url.query:
        tracker["query"] = dict(url.query)
    action = {"url": action_url, **({"token": action_token} if action_token else {})}
    config = {"action_endpoint": action, "tracker_store": tracker}
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
    rasa_token: str = ""
    action_token: str = ""
    more_rasa_urls: list[str] = field(default_factory=list)
    processes: list[subprocess.Popen] = field(default_factory=list)

    def rasa_api(self, path: str, base: str | None = None) -> str:
        """A URL of Rasa's HTTP API with its token (Rasa reads it from `?token=`)."""
        joiner = "&" if "?" in path else "?"
        return f"{base or self.rasa_url}{path}{joiner}token={self.rasa_token}"

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


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def web_origins(web_port: int) -> list[str]:
    """The origins a browser may open the web chat from: the only ones Rasa grants CORS to.
    RASA_CORS_ORIGINS (comma-separated) adds the public origin of a deployment."""
    extra = [o.strip() for o in os.environ.get("RASA_CORS_ORIGINS", "").split(",") if o.strip()]
    return [f"http://localhost:{web_port}", f"http://127.0.0.1:{web_port}", *extra]


def pump(process: subprocess.Popen, sink) -> threading.Thread:
    """Copies a server's output line by line through `redact` into its log: what a
    server prints on its own (access logs, crashes before logging is set up)
    is masked as well as what it logs."""

    def run() -> None:
        for raw in iter(process.stdout.readline, b""):
            sink.write(redact.redact(raw.decode("utf-8", "replace")).encode("utf-8"))
            sink.flush()

    thread = threading.Thread(target=run, daemon=True, name=f"log-{process.pid}")
    thread.start()
    return thread


def start(
    *, model: Path, database_url: str, tracker_url: str, var_dir: Path, admin_token: str,
    ports: dict[str, int] | None = None, lock_url: str | None = None, log_to_files: bool = True,
    timeout: float = 300, credentials: Path | None = None, more_rasa_ports: tuple[int, ...] = (),
    rasa_token: str | None = None, action_token: str | None = None, channel_secret: str | None = None,
) -> Stack:
    """The three servers, ready to answer; `more_rasa_ports` adds Rasa servers
    sharing the same tracker store, lock store and action server (scale-out).

    Every server listens on loopback only. Rasa's HTTP API answers only with
    `rasa_token`, the action server only with `action_token` (which Rasa
    sends), so the public surface is whatever a reverse proxy in front
    forwards (deploy/nginx.conf, docs/security.md).
    """
    ports = ports or {name: port(name) for name in ("rasa", "actions", "web")}
    var_dir.mkdir(parents=True, exist_ok=True)
    host = "127.0.0.1"
    stack = Stack(
        rasa_url=f"http://{host}:{ports['rasa']}", actions_url=f"http://{host}:{ports['actions']}",
        web_url=f"http://{host}:{ports['web']}", admin_token=admin_token, database_url=database_url,
        var_dir=var_dir, rasa_token=rasa_token or new_secret(), action_token=action_token or new_secret(),
    )
    endpoints_file = var_dir / "endpoints.yml"
    endpoints_file.touch(mode=0o600)
    endpoints_file.chmod(0o600)  # it holds the action server's token and maybe database passwords
    endpoints_file.write_text(yaml.safe_dump(endpoints(f"{stack.actions_url}/webhook", tracker_url, lock_url,
                                                       stack.action_token)))
    env = {
        **os.environ, "DATABASE_URL": database_url, "ADMIN_TOKEN": admin_token, "RASA_URL": stack.rasa_url,
        "RASA_TOKEN": stack.rasa_token, "ACTION_SERVER_TOKEN": stack.action_token,
        "CHANNEL_SECRET": channel_secret or os.environ.get("CHANNEL_SECRET") or new_secret(),
        "WEB_PORT": str(ports["web"]), "RASA_TELEMETRY_ENABLED": "false", "PYTHONPATH": str(ROOT),
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    redact.remember_secrets(redact.secrets_from_environment(env))
    commands = {
        "actions": [sys.executable, "-m", "actions.server", "--host", host, "--port", str(ports["actions"])],
        "rasa": [str(VENV_BIN / "rasa"), "run", "--enable-api", f"--auth-token={stack.rasa_token}",
                 "--cors", *web_origins(ports["web"]), "--model", str(model),
                 "--endpoints", str(endpoints_file), "--credentials", str(credentials or ROOT / "credentials.yml"),
                 "--interface", host, "--port", str(ports["rasa"])],
        "web": [sys.executable, "-m", "bot.web"],
    }
    for extra in more_rasa_ports:
        commands[f"rasa-{extra}"] = [*commands["rasa"][:-1], str(extra)]
        stack.more_rasa_urls.append(f"http://{host}:{extra}")
    try:
        for name, command in commands.items():
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            stack.processes.append(process)
            sink = open(var_dir / f"{name}.log", "ab") if log_to_files else sys.stdout.buffer
            pump(process, sink)
        _wait(f"{stack.actions_url}/health", timeout, stack)
        _wait(f"{stack.web_url}/healthz", timeout, stack)
        for url in (stack.rasa_url, *stack.more_rasa_urls):
            _wait(stack.rasa_api("/status", url), timeout, stack)
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


def _secret(name: str, generated: dict[str, str]) -> str:
    """The environment's value, or a fresh one that `make run` will print (env values never are)."""
    value = (os.environ.get(name) or "").strip()
    if not value:
        value = generated[name] = new_secret()
    os.environ[name] = value
    return value


def _prepare_database(database_url: str, embedded: bool, demo: str) -> dict[str, str] | None:
    """Migrations always; the demo portfolio and demo console users only into the
    embedded default database, never into one the operator pointed us at."""
    from bot.records.cli import main as records_cli

    if records_cli(["migrate"]) != 0:
        return None
    if not embedded:
        print("==> DATABASE_URL is set: no demo data loaded (import with `make import CSV=...`,"
              " add agents with `python -m bot.records.cli agent-add`)")
        return {}
    if records_cli(["import", demo]) != 0:
        return None
    from bot.records.agents import ensure_demo_agents

    return ensure_demo_agents(database_url)  # {username: password}, only those just created


def _anchor_settings(var: Path, embedded: bool) -> None:
    """The demo anchors its audit trail too: a key kept in var/ (mode 0600), which a
    production start replaces with AUDIT_ANCHOR_KEY from a secret store (docs/deploy.md)."""
    os.environ.setdefault("AUDIT_ANCHOR_FILE", str(var / "audit-anchors.jsonl"))
    if os.environ.get("AUDIT_ANCHOR_KEY"):
        return
    if not embedded:
        print("==> AUDIT_ANCHOR_KEY is not set: the audit trail is not anchored (docs/deploy.md)")
        return
    key_file = var / "audit-anchor.key"
    if not key_file.exists():
        key_file.touch(mode=0o600)
        key_file.write_text(new_secret())
    os.environ["AUDIT_ANCHOR_KEY"] = key_file.read_text().strip()


def main() -> int:
    parser = argparse.ArgumentParser(description="Run the whole bot (what `make run` does).")
    parser.add_argument("--model", default=str(ROOT / "models" / "collections.tar.gz"))
    parser.add_argument("--demo", default=str(ROOT / "data" / "demo" / "portfolio.csv"))
    args = parser.parse_args()
    redact.install()

    var = ROOT / "var"
    var.mkdir(exist_ok=True)
    embedded = not os.environ.get("DATABASE_URL")
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{var / 'bot.db'}"
    os.environ["DATABASE_URL"] = database_url
    new_agents = _prepare_database(database_url, embedded, args.demo)
    if new_agents is None:
        print("could not prepare the database (see above)", file=sys.stderr)
        return 1
    generated: dict[str, str] = {}
    token = _secret("ADMIN_TOKEN", generated)
    rasa_token = _secret("RASA_TOKEN", generated)
    # The key a lender's app signs borrower tokens with (bot/channels/widget_token.py).
    widget_secret = _secret("WIDGET_TOKEN_SECRET", generated)
    channel_secret = _secret("CHANNEL_SECRET", generated)
    _secret("PAYMENT_WEBHOOK_SECRET", generated)  # the payment provider signs its callbacks with it
    _anchor_settings(var, embedded)
    tracker_url = os.environ.get("TRACKER_DB_URL") or f"sqlite:///{var / 'tracker.db'}"
    print("==> starting the Rasa server, the action server and the web server (logs in var/*.log)")
    from bot.channels.sms_config import credentials_with_sms
    from bot.channels.telegram_config import credentials_with_telegram, polling_needed

    # Telegram is on only when TELEGRAM_TOKEN is set (docs/telegram.md).
    credentials = credentials_with_telegram(ROOT / "credentials.yml", var / "credentials.yml")
    # SMS and WhatsApp replies join the conversation when a provider is configured (docs/channels.md).
    credentials = credentials_with_sms(credentials, var / "credentials.yml", os.environ)
    stack = start(model=Path(args.model), database_url=database_url, tracker_url=tracker_url, var_dir=var,
                  admin_token=token, lock_url=os.environ.get("LOCK_STORE_URL"), credentials=credentials,
                  rasa_token=rasa_token, action_token=os.environ.get("ACTION_SERVER_TOKEN"),
                  channel_secret=channel_secret)
    if polling_needed(os.environ):  # a token but no public webhook URL: long-poll Telegram instead
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.channels.telegram_polling", "--rasa-url", stack.rasa_url],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        stack.processes.append(process)
        pump(process, open(var / "telegram.log", "ab"))
        print("==> Telegram: polling for updates (logs in var/telegram.log)")
    # The campaign worker (Huey): reminders, contact steps, upkeep, legal review (docs/campaigns.md).
    queue = os.environ.get("CAMPAIGN_QUEUE_URL") or f"sqlite:///{var / 'campaign-queue.db'}"
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.campaigns.worker"], cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": database_url, "CAMPAIGN_QUEUE_URL": queue,
             "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    stack.processes.append(process)
    pump(process, open(var / "campaigns.log", "ab"))
    print("==> campaign worker started (logs in var/campaigns.log)")
    print(_banner(stack, embedded, new_agents, generated, widget_secret), flush=True)
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


def _banner(stack: Stack, embedded: bool, new_agents: dict[str, str], generated: dict[str, str],
            widget_secret: str) -> str:
    """What `make run` prints: URLs, and only the secrets it generated itself."""
    web = stack.web_url.replace("127.0.0.1", "localhost")
    lines = [
        "",
        f"Web chat:        {web}/",
        f"Console:         {web}/console",
        f"Admin API:       {stack.web_url}/api/loans/<loan_id>   (Authorization: Bearer $ADMIN_TOKEN)",
        f"Rasa (loopback): {stack.rasa_url}  REST channel /webhooks/rest/webhook; HTTP API needs ?token=$RASA_TOKEN",
        f"Action server:   {stack.actions_url}  (loopback; only Rasa has its token)",
        f"Campaign plan:   {stack.web_url}/api/campaigns/plan?date=YYYY-MM-DD   (admin token; worker log var/campaigns.log)",
    ]
    for name, value in generated.items():
        if name in ("ADMIN_TOKEN", "RASA_TOKEN", "PAYMENT_WEBHOOK_SECRET"):
            lines.append(f"{name}={value}   (generated for this run; set it in the environment to keep one)")
    if not embedded:
        lines.append("Secrets from the environment are not printed. See docs/deploy.md.")
    elif new_agents:
        lines.append("Console users (demo database, created now; change with `python -m bot.records.cli agent-passwd NAME`):")
        lines += [f"                 {name} / {password}" for name, password in new_agents.items()]
    else:
        lines.append("Console users:   supervisor, agent (created earlier; reset with"
                     " `python -m bot.records.cli agent-passwd NAME`)")
    if embedded:
        lines.append("Demo borrower:   loan LN-20931, born 17 April 1991; data/demo/portfolio.csv has the others.")
        if "WIDGET_TOKEN_SECRET" in generated:
            from bot.channels.widget_token import issue

            signed_in = issue("BR-1005", widget_secret, minutes=24 * 60 - 1)
            lines.append(f"Signed-in demo:  {web}/?token={signed_in}")
            lines.append("                 (as a lender's app would embed it: borrower BR-1005 skips the identity questions)")
    lines.append("Ctrl-C stops everything.")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
