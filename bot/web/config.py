"""Where the web server listens and what it talks to.

Ports live in config/bot.yml so one file tells an operator every port; the
environment overrides it (WEB_PORT, RASA_PORT as in bot/settings.py) so tests
and `make run` can move things without editing YAML. Unlike bot.settings this
takes the environment and file as arguments and validates every value, so a
typo in a port stops the server with a message instead of a traceback.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
BOT_YML = REPO_ROOT / "config" / "bot.yml"
PRODUCTS_YML = REPO_ROOT / "config" / "products.yml"
DEFAULT_PORT = 8000
DEFAULT_RASA_PORT = 5005
# Shorter admin tokens are accepted but logged as a warning at start-up.
MIN_TOKEN_LENGTH = 16


@dataclass(frozen=True)
class WebConfig:
    host: str
    port: int
    rasa_url: str
    admin_token: str | None
    database_url: str | None
    products_path: Path
    lender_name: str
    assistant_name: str
    # The console's server-side view of Rasa's HTTP API (RASA_API_URL, default
    # RASA_URL) and its --auth-token if Rasa runs with one (RASA_TOKEN).
    rasa_api_url: str = ""
    rasa_token: str | None = None
    # Force the Secure flag on the console cookie (TLS ended by a proxy).
    cookie_secure: bool = False


def _port(value: object, where: str) -> int:
    try:
        port = int(str(value))
    except ValueError:
        raise ValueError(f"{where}: port must be a number, got {value!r}") from None
    if not 0 < port < 65536:
        raise ValueError(f"{where}: port must be 1-65535, got {port}")
    return port


def _rasa_url(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"RASA_URL must be an http(s) URL like http://localhost:5005, got {value!r}")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def load_config(env: dict[str, str] | None = None, bot_yml: Path = BOT_YML) -> WebConfig:
    """Read config/bot.yml, then let WEB_HOST / WEB_PORT / RASA_URL etc. override it.

    RASA_URL is what the borrower's *browser* connects to, so it defaults to
    localhost and the Rasa port of config/bot.yml, not to the server's view.
    """
    env = dict(os.environ if env is None else env)
    data = yaml.safe_load(bot_yml.read_text(encoding="utf-8")) if bot_yml.exists() else {}
    data = data or {}
    ports = data.get("ports") or {}
    lender = data.get("lender") or {}

    def port_of(name: str, default: int) -> int:
        variable = f"{name.upper()}_PORT"
        if env.get(variable):
            return _port(env[variable], variable)
        return _port(ports.get(name, default), f"{bot_yml}: ports.{name}")

    rasa_port = port_of("rasa", DEFAULT_RASA_PORT)
    rasa_url = _rasa_url(env.get("RASA_URL") or f"http://localhost:{rasa_port}")
    return WebConfig(
        host=env.get("WEB_HOST") or "127.0.0.1",
        port=port_of("web", DEFAULT_PORT),
        rasa_url=rasa_url,
        admin_token=(env.get("ADMIN_TOKEN") or "").strip() or None,
        database_url=(env.get("DATABASE_URL") or "").strip() or None,
        products_path=Path(env.get("PRODUCTS_YML") or PRODUCTS_YML),
        lender_name=str(lender.get("name") or "Your lender"),
        assistant_name=str(lender.get("assistant_name") or "Assistant"),
        rasa_api_url=_rasa_url(env["RASA_API_URL"]) if env.get("RASA_API_URL") else rasa_url,
        rasa_token=(env.get("RASA_TOKEN") or "").strip() or None,
        cookie_secure=(env.get("CONSOLE_COOKIE_SECURE") or "").strip().lower() in ("1", "true", "yes"),
    )
