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


HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Devanagari vowel signs are not word characters to `re`, so `\b` cannot bound a Hindi word.
EDGE_BEFORE = r"(?<![\w\u0900-\u097f])"
EDGE_AFTER = r"(?![\w\u0900-\u097f])"


def words_in_any_script(words: Iterable[Any]) -> str:
    """Lexicon words as one alternation: Chinese anywhere (no spaces between words), the others whole."""
    han = [str(w) for w in words if HAN.search(str(w))]
    other = [str(w) for w in words if not HAN.search(str(w))]
    parts = ([alternation(han)] if han else []) + ([EDGE_BEFORE + alternation(other) + EDGE_AFTER] if other else [])
    return "(?:" + "|".join(parts) + ")"
