"""The operator's settings: config/bot.yml (bot.config.bot_file), with ports overridable by the environment.

The file is read and validated once per process by the typed model; these
functions are the names the rest of the code calls.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pydantic import ValidationError

from bot.config.bot_file import BotFile, Escalation, Verification, load_bot
from bot.config.errors import ConfigError, describe
from bot.config.files import ROOT

__all__ = ["ROOT", "VerificationSettings", "config", "crisis_line", "escalation", "lender", "parse_verification",
           "port", "settings", "verification"]


def config() -> BotFile:
    """config/bot.yml (or BOT_YML) as its typed model; ConfigError names a wrong key."""
    return load_bot()


def settings() -> dict[str, Any]:
    """The whole file as plain values (defaults filled in), for code that reads one key."""
    return config().dict()


def port(name: str) -> int:
    """The port of 'rasa', 'actions' or 'web': env RASA_PORT / ACTIONS_PORT / WEB_PORT wins."""
    return int(os.environ.get(f"{name.upper()}_PORT") or getattr(config().ports, name))


def lender(language: str = "en") -> dict[str, str]:
    """The lender's texts, the ones config/bot.yml gives in `language` (in_languages) in it."""
    texts = config().lender.dict()
    return {**texts, **{name: config().lender_text(name, language) for name in ("contact", "payment_instructions")}}


def crisis_line(jurisdiction: str | None, language: str = "en") -> str:
    return config().crisis_line(jurisdiction, language)


def escalation() -> Escalation:
    """When a person takes over (config/bot.yml `escalation:`)."""
    return config().escalation


@dataclass(frozen=True)
class VerificationSettings:
    """How hard date-of-birth guessing is made (config/bot.yml `verification:`)."""

    max_failures: int  # failures within `window` that lock a loan or a sender
    window: timedelta
    lock: timedelta  # how long a lock lasts unless an agent lifts it
    idle: timedelta  # silence after which a verified borrower must verify again


def verification() -> VerificationSettings:
    return _settings_of(config().verification)


def parse_verification(section: Any) -> VerificationSettings:
    """One `verification:` section, validated by the same model as the file (errors name the key)."""
    if not isinstance(section, dict):
        raise ConfigError("config/bot.yml: missing section 'verification' (max_failures, window_hours, "
                          "lock_hours, idle_minutes)")
    try:
        model = Verification.parse_obj(section)
    except ValidationError as exc:
        errors = [{**e, "loc": ("verification", *e["loc"])} for e in exc.errors()]
        raise ConfigError(describe("config/bot.yml", errors)) from None
    return _settings_of(model)


def _settings_of(model: Verification) -> VerificationSettings:
    return VerificationSettings(max_failures=model.max_failures, window=model.window, lock=model.lock,
                                idle=model.idle)
