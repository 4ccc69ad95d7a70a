"""Writing a variant of a shipped config file for a test: the shipped file with some keys changed.

The typed configuration (bot/config) refuses a file with a section missing,
so a test that needs other ports or a broken value starts from the real file
and changes only what it is about.
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Callable

import yaml

from bot.config.files import CONFIG_DIR


def shipped(name: str) -> Any:
    """A fresh copy of config/<name> as plain data."""
    return copy.deepcopy(yaml.safe_load((CONFIG_DIR / name).read_text(encoding="utf-8")))


def merged(base: dict, changes: dict) -> dict:
    """`base` with `changes` merged in, mapping by mapping (a value of None removes the key)."""
    out = dict(base)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


def write_variant(path: Path, name: str, changes: dict | None = None,
                  edit: Callable[[Any], None] | None = None) -> Path:
    """Write config/<name> with `changes` merged in (and `edit` applied) to `path`."""
    data = merged(shipped(name), changes or {})
    if edit is not None:
        edit(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path
