"""Where the web server listens and what it talks to.

Ports live in config/bot.yml so one file tells an operator every port; the
environment overrides it (WEB_PORT, RASA_PORT as in bot/settings.py) so tests
and `make run` can move things without editing YAML. The file is the typed
bot.yml of bot.config (a typo in a port stops the server naming the key);
this takes the environment and the file as arguments and validates every
environment value the same way (an override of a file setting through the
file's own model, bot/config/overrides.py).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bot.config.bot_file import load_bot
from bot.config.files import CONFIG_DIR, ROOT, path_of
from bot.config.overrides import overridden

REPO_ROOT = ROOT
BOT_YML = CONFIG_DIR / "bot.yml"
PRODUCTS_YML = CONFIG_DIR / "products.yml"
# Shorter admin tokens are accepted but logged as a warning at start-up.
MIN_TOKEN_LENGTH = 16
DEFAULT_PAYMENT_TOLERANCE_S = 300
# The payment callback's window (bot.yml payment_callback.signature_tolerance_seconds,
# bounds in bot/config/bot_file.py): long enough for a provider's retry queue,
# short enough that a captured request soon dies.
TOLERANCE_OVERRIDE = {"signature_tolerance_seconds": "PAYMENT_SIGNATURE_TOLERANCE_S"}


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
    # The payment provider's callback: its own HMAC secret (never the admin
    # token) and how old a signature's timestamp may be (payment_signature.py).
    payment_webhook_secret: str | None = None
    payment_tolerance_s: int = DEFAULT_PAYMENT_TOLERANCE_S
    # Delivery receipts (bot/web/campaigns_api.py): Twilio signs with its auth token over the
    # public URL it was given; Africa's Talking does not sign, so its URL carries a secret.
    twilio_auth_token: str | None = None
    twilio_status_callback_url: str = ""
    at_delivery_secret: str | None = None


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


def _secret(env: dict[str, str], name: str) -> str | None:
    """A token or secret from the environment, surrounding spaces dropped; None when unset or blank."""
    return (env.get(name) or "").strip() or None


def load_config(env: dict[str, str] | None = None, bot_yml: Path | None = None) -> WebConfig:
    """Read config/bot.yml, then let WEB_HOST / WEB_PORT / RASA_URL etc. override it.

    RASA_URL is what the borrower's *browser* connects to, so it defaults to
    localhost and the Rasa port of config/bot.yml, not to the server's view.
    """
    env = dict(os.environ if env is None else env)
    # The typed bot.yml (bot.config): a missing file or a wrong key stops the server naming it.
    bot = load_bot(bot_yml or env.get("BOT_YML"))

    def port_of(name: str) -> int:
        variable = f"{name.upper()}_PORT"
        return _port(env[variable], variable) if env.get(variable) else int(getattr(bot.ports, name))

    rasa_port = port_of("rasa")
    tolerance = overridden(bot.payment_callback, TOLERANCE_OVERRIDE, env).signature_tolerance_seconds
    rasa_url = _rasa_url(env.get("RASA_URL") or f"http://localhost:{rasa_port}")
    return WebConfig(
        host=env.get("WEB_HOST") or "127.0.0.1",
        port=port_of("web"),
        rasa_url=rasa_url,
        admin_token=_secret(env, "ADMIN_TOKEN"),
        database_url=_secret(env, "DATABASE_URL"),
        products_path=path_of("products.yml", env.get("PRODUCTS_YML") or PRODUCTS_YML),
        lender_name=bot.lender.name,
        assistant_name=bot.lender.assistant_name,
        rasa_api_url=_rasa_url(env["RASA_API_URL"]) if env.get("RASA_API_URL") else rasa_url,
        rasa_token=_secret(env, "RASA_TOKEN"),
        cookie_secure=(env.get("CONSOLE_COOKIE_SECURE") or "").strip().lower() in ("1", "true", "yes"),
        payment_webhook_secret=_secret(env, "PAYMENT_WEBHOOK_SECRET"),
        twilio_auth_token=_secret(env, "TWILIO_AUTH_TOKEN"),
        twilio_status_callback_url=(env.get("TWILIO_STATUS_CALLBACK_URL") or "").strip(),
        at_delivery_secret=_secret(env, "AT_DELIVERY_SECRET"),
        payment_tolerance_s=tolerance,
    )
