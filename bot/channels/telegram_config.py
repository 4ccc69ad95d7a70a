"""The Telegram channel's settings, validated, and how `make run` turns them on.

The channel is configured in Rasa's credentials file under SECTION. Rasa
refuses to start when a `${VAR}` there is unset, so the section is only
written (by `credentials_with_telegram`, into a per-run file) when
TELEGRAM_TOKEN is in the environment; without it the bot runs as before.
"""
from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping
from urllib.parse import urlparse

import yaml

SECTION = "bot.channels.telegram.TelegramInput"
DEFAULT_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_CONTACT_PROMPT = r"(?i)\bloan reference\b"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query"]
WEBHOOK_PATH = "/webhooks/telegram/webhook"
_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ConfigError(ValueError):
    """The credentials section is incomplete or malformed (the message says which key and why)."""


@dataclass(frozen=True)
class TelegramConfig:
    access_token: str
    secret_token: str
    webhook_url: str | None = None
    base_url: str = DEFAULT_BASE_URL
    contact_prompt: str = DEFAULT_CONTACT_PROMPT


def parse(credentials: Mapping | None) -> TelegramConfig:
    """Validate the credentials section; raises ConfigError naming the bad key."""
    if not isinstance(credentials, Mapping):
        raise ConfigError(f"{SECTION}: expected a mapping with access_token and secret_token")
    unknown = set(credentials) - {"access_token", "secret_token", "webhook_url", "base_url", "contact_prompt"}
    if unknown:
        raise ConfigError(f"{SECTION}: unknown keys {sorted(unknown)}")
    token = str(credentials.get("access_token") or "").strip()
    if not _TOKEN.match(token):
        raise ConfigError(f"{SECTION}.access_token: expected a bot token like 123456:ABC-def (from @BotFather)")
    secret = str(credentials.get("secret_token") or "").strip()
    if not _SECRET.match(secret):
        raise ConfigError(f"{SECTION}.secret_token: expected 1-256 characters of A-Z a-z 0-9 _ -")
    webhook_url = credentials.get("webhook_url") or None
    if webhook_url is not None and urlparse(str(webhook_url)).scheme != "https":
        raise ConfigError(f"{SECTION}.webhook_url: Telegram only calls https:// URLs, got {webhook_url!r}")
    base_url = str(credentials.get("base_url") or DEFAULT_BASE_URL)
    if urlparse(base_url).scheme not in ("http", "https") or not urlparse(base_url).netloc:
        raise ConfigError(f"{SECTION}.base_url: expected an http(s) URL, got {base_url!r}")
    prompt = str(credentials.get("contact_prompt") or DEFAULT_CONTACT_PROMPT)
    try:
        re.compile(prompt)
    except re.error as error:
        raise ConfigError(f"{SECTION}.contact_prompt: not a regular expression ({error})") from None
    return TelegramConfig(token, secret, str(webhook_url) if webhook_url else None, base_url, prompt)


def section_from_env(environ: Mapping[str, str]) -> dict | None:
    """The credentials section for this environment, with `${VAR}` placeholders (no secret on disk)."""
    if not environ.get("TELEGRAM_TOKEN"):
        return None
    section = {"access_token": "${TELEGRAM_TOKEN}", "secret_token": "${TELEGRAM_SECRET_TOKEN}"}
    if environ.get("TELEGRAM_WEBHOOK_URL"):
        section["webhook_url"] = "${TELEGRAM_WEBHOOK_URL}"
    if environ.get("TELEGRAM_BASE_URL"):
        section["base_url"] = "${TELEGRAM_BASE_URL}"
    return section


def credentials_with_telegram(base: Path, out: Path, environ: os._Environ | dict = os.environ) -> Path:
    """`base` when TELEGRAM_TOKEN is unset; else `out`: base plus the Telegram section.

    Generates TELEGRAM_SECRET_TOKEN into `environ` when missing, so the Rasa
    server and the polling runner started after this call share it.
    """
    section = section_from_env(environ)
    if section is None:
        return base
    if not environ.get("TELEGRAM_SECRET_TOKEN"):
        environ["TELEGRAM_SECRET_TOKEN"] = secrets.token_urlsafe(32)
    credentials = yaml.safe_load(base.read_text(encoding="utf-8")) or {}
    credentials[SECTION] = section
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(credentials, sort_keys=False), encoding="utf-8")
    return out


def polling_needed(environ: Mapping[str, str]) -> bool:
    """Local use: a token but no public webhook URL, so updates must be fetched by polling."""
    return bool(environ.get("TELEGRAM_TOKEN")) and not environ.get("TELEGRAM_WEBHOOK_URL")
