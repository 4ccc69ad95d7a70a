"""The operator's settings: config/bot.yml, with ports overridable by the environment."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]


@lru_cache(maxsize=1)
def settings() -> dict[str, Any]:
    with open(ROOT / "config" / "bot.yml", encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    for key in ("lender", "ports"):
        if key not in data:
            raise ValueError(f"config/bot.yml: missing section {key!r}")
    return data


def port(name: str) -> int:
    """The port of 'rasa', 'actions' or 'web': env RASA_PORT / ACTIONS_PORT / WEB_PORT wins."""
    return int(os.environ.get(f"{name.upper()}_PORT") or settings()["ports"][name])


def lender() -> dict[str, str]:
    return settings()["lender"]


def crisis_line(jurisdiction: str | None) -> str:
    lines = settings()["crisis_lines"]
    return lines.get(jurisdiction or "DEFAULT") or lines["DEFAULT"]
