"""The backstop: a classifier for prohibited wordings no rule names (run time).

Why: rules catch what someone thought of; on fresh wordings they miss about one
in four (bench/results/compliance.md). A word + character n-gram logistic
regression trained on the corpus catches many of the rest but cannot say why,
so it never names a rule: a text only it flags gets
"prohibited_language.suspected" and is held (allowed=False) for a person to
review, never sent unseen.

Why trained by `make train` (training.py) and only loaded here: production
must score with a model built on purpose from named inputs
(data/compliance/train_*.txt, never dev_* or blind_*), and a missing model must
stop the servers at start rather than silently let everything through. The
model is a JSON file (models/compliance_backstop.json, or the path in
$COMPLIANCE_BACKSTOP_MODEL) holding, per n-gram, its idf and idf x coefficient;
scoring redoes the TF-IDF + logistic arithmetic by hand (sublinear tf, l2 norm
per vectoriser), so one call stays well under a millisecond and needs no
scikit-learn at run time.

    python -m bot.compliance.backstop train [--out PATH] [--if-changed]
"""
from __future__ import annotations

import json
import math
import os
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

from bot.compliance.negation import normalise
from bot.compliance.rules import RULES_FILE, RuleBook, default_rules

ROOT = Path(__file__).resolve().parents[3]
CORPUS_DIR = ROOT / "data" / "compliance"
MODEL_FILE = ROOT / "models" / "compliance_backstop.json"
MODEL_ENV = "COMPLIANCE_BACKSTOP_MODEL"
FORMAT = 1
HINT = "run `make train` (or `python -m bot.compliance.backstop train`)"
_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token_pattern
_SPACES = re.compile(r"\s\s+")

__all__ = ["BackstopMissing", "Model", "load_model", "model_path", "require_model", "suspicion"]


class BackstopMissing(RuntimeError):
    """No usable model: the servers refuse to start, and a check refuses to guess."""


def model_path() -> Path:
    return Path(os.environ.get(MODEL_ENV) or MODEL_FILE)


def word_ngrams(text: str, low: int, high: int) -> list[str]:
    """scikit-learn's "word" analyzer (lowercase, default tokens), in its order."""
    tokens = _TOKEN.findall(text.lower())
    grams = list(tokens) if low == 1 else []
    for n in range(max(low, 2), min(high, len(tokens)) + 1):
        grams += [" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
    return grams


def char_wb_ngrams(text: str, low: int, high: int) -> list[str]:
    """scikit-learn's "char_wb" analyzer: character n-grams inside space-padded words."""
    grams = []
    for word in _SPACES.sub(" ", text.lower()).split():
        word = f" {word} "
        for n in range(low, high + 1):
            offset = 0
            grams.append(word[offset:offset + n])
            while offset + n < len(word):
                offset += 1
                grams.append(word[offset:offset + n])
            if offset == 0:  # a word shorter than n counts once
                break
    return grams


ANALYSERS = {"word": word_ngrams, "char_wb": char_wb_ngrams}


@dataclass(frozen=True)
class Model:
    path: Path
    intercept: float
    parts: tuple[tuple[Callable[[str], list[str]], dict[str, list[float]]], ...]
    trained_on: tuple[str, ...]  # file names, for the leak guard and the bench


@lru_cache(maxsize=4)
def load_model(path: Path) -> Model:
    """Read and check a model file; BackstopMissing says what to run when it is unusable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackstopMissing(f"the compliance backstop model {path} is missing: {HINT}") from None
    except (OSError, ValueError) as exc:
        raise BackstopMissing(f"the compliance backstop model {path} is unreadable ({exc}): {HINT}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackstopMissing(f"{path} is not a format-{FORMAT} compliance backstop model: {HINT}")
    if data.get("normalisation") != default_rules().negation.fingerprint:
        raise BackstopMissing(f"{path} was trained with other negation rewrites than {RULES_FILE.name} "
                              f"now holds: {HINT}")
    try:
        parts = []
        for v in data["vectorisers"]:
            low, high = v["ngram_range"]
            analyse = ANALYSERS[v["analyzer"]]
            parts.append(((lambda text, a=analyse, lo=low, hi=high: a(text, lo, hi)), v["terms"]))
        return Model(path, float(data["intercept"]), tuple(parts), tuple(i["file"] for i in data["trained_on"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise BackstopMissing(f"{path} is a malformed compliance backstop model ({exc!r}): {HINT}") from None


def require_model() -> Model:
    """The start-up check of every server that runs the compliance check (and of each check)."""
    return load_model(model_path())


def suspicion(text: str, book: RuleBook | None = None) -> float:
    """The backstop's probability that the text is prohibited language.

    Same arithmetic as the trained TF-IDF pipeline; raises BackstopMissing
    without a model (a check that cannot score must not pass the text)."""
    model = require_model()
    z = model.intercept
    normalised = normalise(text, (book or default_rules()).negation)
    for analyse, terms in model.parts:
        counts = Counter(t for t in analyse(normalised) if t in terms)
        weights = [((1 + math.log(c)) * terms[t][0], (1 + math.log(c)) * terms[t][1]) for t, c in counts.items()]
        norm = math.sqrt(sum(w * w for w, _ in weights))
        if norm:
            z += sum(wc for _, wc in weights) / norm
    return 1 / (1 + math.exp(-z))
