"""config/ui.yml: the words the chat page, the widget and the console show on their own, per language.

A language is data: adding one is a block in ui.yml, not a code change. English
is the reference, so a translation that lacks a key shows that key in English
(a half-translated page is better than a broken one), while a key English does
not have, or a translation whose `{placeholders}` differ from the English ones,
is a typo that stops the web server at start-up with the key path, like every
other configuration file (errors.py).

The page language is chosen per request by `pick_language`: `?lang=` when it
names a language we have, else the first one of Accept-Language we have, else
English.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from string import Formatter
from typing import Any, Optional, Union

from .errors import ConfigError
from .files import CONFIG_DIR, ROOT, label, read_yaml, stamp

ENGLISH = "en"
ENV_VAR = "UI_YML"
Strings = dict[str, dict[str, str]]  # group -> key -> text
_LANG = re.compile(r"^[a-z]{2,3}$")


def ui_path(path: Union[str, Path, None] = None) -> Path:
    """`path`, else $UI_YML, else config/ui.yml; a relative path is taken from the repository root."""
    chosen = Path(path or os.environ.get(ENV_VAR) or CONFIG_DIR / "ui.yml")
    return chosen if chosen.is_absolute() else ROOT / chosen


def _placeholders(text: str, where: str) -> set[str]:
    try:
        return {name for _, name, _, _ in Formatter().parse(text) if name is not None}
    except ValueError as exc:  # a lone { or }
        raise ConfigError(f"{where}: {exc}") from None


def _group(data: Any, where: str) -> dict[str, str]:
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: must be a mapping")
    for key, text in data.items():
        if hasattr(dict, str(key)):  # templates read t.key, which would find the dict's method
            raise ConfigError(f"{where}.{key}: reserved name, choose another key")
        if not isinstance(text, str) or not text:
            raise ConfigError(f"{where}.{key}: must be a non-empty text")
    return {str(k): v for k, v in data.items()}


def parse_ui(data: Any, where: str) -> dict[str, Strings]:
    """Every language of an already-read ui.yml, each completed from English; ConfigError names a bad key."""
    if not isinstance(data, dict) or not isinstance(data.get(ENGLISH), dict):
        raise ConfigError(f"{where}: expected a mapping of languages with an `{ENGLISH}` block")
    english = {g: _group(keys, f"{where}: {ENGLISH}.{g}") for g, keys in data[ENGLISH].items()}
    found = {}
    for lang, groups in data.items():
        if not isinstance(lang, str) or not _LANG.match(lang):
            raise ConfigError(f"{where}: {lang}: a language is a two- or three-letter code like zh")
        if not isinstance(groups, dict):
            raise ConfigError(f"{where}: {lang}: must be a mapping of groups")
        done: Strings = {}
        for group, keys in english.items():
            given = _group(groups.get(group) or {}, f"{where}: {lang}.{group}")
            for key, text in given.items():
                at = f"{where}: {lang}.{group}.{key}"
                if key not in keys:
                    raise ConfigError(f"{at}: unknown key (not in {ENGLISH}.{group})")
                want, got = _placeholders(keys[key], at), _placeholders(text, at)
                if want != got:
                    raise ConfigError(f"{at}: uses {sorted(got)}, {ENGLISH} uses {sorted(want)}")
            done[group] = {**keys, **given}
        unknown = sorted(set(groups) - set(english))
        if unknown:
            raise ConfigError(f"{where}: {lang}.{unknown[0]}: unknown group (not in {ENGLISH})")
        found[lang] = done
    return found


def missing(data: Any, lang: str) -> list[str]:
    """The `group.key`s that `lang` leaves to English in an already-read ui.yml (for tests and reviews)."""
    english, given = data[ENGLISH], data.get(lang) or {}
    return [f"{g}.{k}" for g, keys in english.items() for k in keys if k not in (given.get(g) or {})]


def load_ui(path: Union[str, Path, None] = None) -> dict[str, Strings]:
    """config/ui.yml (or UI_YML, or `path`), every language completed; read again only when it changed."""
    resolved = ui_path(path)
    return _load(resolved, stamp(resolved))


@lru_cache(maxsize=4)
def _load(path: Path, _stamp: tuple) -> dict[str, Strings]:
    return parse_ui(read_yaml(path), label(path))


def languages(path: Union[str, Path, None] = None) -> tuple[str, ...]:
    """The languages ui.yml has, English first."""
    found = load_ui(path)
    return (ENGLISH, *sorted(lang for lang in found if lang != ENGLISH))


def ui_strings(lang: str, path: Union[str, Path, None] = None) -> Strings:
    """The texts of `lang`, English for a language we do not have."""
    found = load_ui(path)
    return found.get(lang) or found[ENGLISH]


def _accepted(header: str) -> list[str]:
    """Accept-Language's language ranges, most wanted first (q=0 means 'not this one')."""
    ranked = []
    for i, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        match = re.search(r"q\s*=\s*([0-9.]+)", params)
        if match:
            try:
                q = float(match.group(1))
            except ValueError:
                q = 0.0
        if tag and q > 0:
            ranked.append((-q, i, tag.strip().lower()))
    return [tag for _, _, tag in sorted(ranked)]


def pick_language(query: Optional[str], accept: Optional[str], supported: tuple[str, ...]) -> str:
    """`?lang=` if we have it; else the first language of Accept-Language we have
    (zh, zh-CN and zh-Hans all mean zh); else English."""
    wanted = [query.strip().lower()] if query else []
    wanted += _accepted(accept or "")
    for tag in wanted:
        base = tag.split("-")[0].split("_")[0]
        if base in supported:
            return base  # an unknown ?lang= falls through to Accept-Language
    return ENGLISH
