"""The word lists under data/lexicons/, loaded once per process.

Misspellings and words in other languages are data, not code, so a second
language is a second set of entries a reviewer can read; the patterns that
use them (bot/nlu/normalise/, bot/nlu/signals.py) stay in code.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable

import yaml

DIRECTORY = Path(__file__).resolve().parents[2] / "data" / "lexicons"


@lru_cache(maxsize=None)
def load(name: str, directory: Path = DIRECTORY) -> Dict[str, Any]:
    """data/lexicons/<name>.yml as a mapping; a missing or malformed file fails loudly with its path."""
    path = directory / f"{name}.yml"
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of word lists")
    return data


def alternation(words: Iterable[Any]) -> str:
    """A regex alternation of lexicon words: longest first, a space as \\s+, a trailing * as \\w*."""
    parts = []
    for word in sorted((str(w) for w in words), key=len, reverse=True):
        star = word.endswith("*")
        body = re.escape(word.rstrip("*")).replace(r"\ ", r"\s+")
        parts.append(body + (r"\w*" if star else ""))
    return "(?:" + "|".join(parts) + ")"
