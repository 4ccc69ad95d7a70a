"""The backstop: a classifier for prohibited wordings no rule names (run time).

Why: rules catch what someone thought of; on fresh wordings they miss some
(bench/results/compliance.md). Two logistic regressions trained on the corpus
catch many of the rest but cannot say why, so they never name a rule: a text
only they flag gets "prohibited_language.suspected" and is held (allowed=False)
for a person to review, never sent unseen. One reads word + character n-grams
(the words), the other sentence embeddings (bot/embeddings.py: the meaning, so
"officers will take you in" resembles "you will be arrested"): MiniLM for
English text, multilingual e5 for every other language (issue 15); the
suspicion is the larger of the two, each at its own threshold (rules.yml
`backstop`), chosen on the dev split.

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

from bot.compliance.matching import plain_spelling
from bot.compliance.negation import normalise
from bot.compliance.rules import RULES_FILE, RuleBook, default_rules
from bot.embeddings import sentence_vectors, weights_id

ROOT = Path(__file__).resolve().parents[3]
CORPUS_DIR = ROOT / "data" / "compliance"
MODEL_FILE = ROOT / "models" / "compliance_backstop.json"
MODEL_ENV = "COMPLIANCE_BACKSTOP_MODEL"
FORMAT = 2
HINT = "run `make train` (or `python -m bot.compliance.backstop train`)"
_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token_pattern
_SPACES = re.compile(r"\s\s+")

__all__ = ["BackstopMissing", "Model", "embedding_suspicion", "embedding_suspicions", "load_model", "model_path", "ngram_suspicion",
           "require_model", "suspicion"]


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
    encoder: str = "minilm"  # bot/embeddings.py name of the sentence encoder (English text)
    embedding_intercept: float = 0.0
    embedding_coef: tuple[float, ...] = ()
    other_encoder: str = ""  # the multilingual one, for every other text ("": none)
    other_intercept: float = 0.0
    other_coef: tuple[float, ...] = ()

    @property
    def multilingual(self) -> bool:
        """Whether a classifier reads the texts that are not English (issue 15)."""
        return bool(self.other_encoder)


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
        emb, other = data["embedding"], data.get("embedding_other_languages") or {}
        for block in (emb, other) if other else (emb,):
            if block["weights_sha256"] != weights_id(block["encoder"]):
                raise BackstopMissing(f"{path} was trained on other {block['encoder']} weights than are installed: "
                                      f"{HINT}")
        return Model(path, float(data["intercept"]), tuple(parts), tuple(i["file"] for i in data["trained_on"]),
                     emb["encoder"], float(emb["intercept"]), tuple(float(c) for c in emb["coef"]),
                     other.get("encoder", ""), float(other.get("intercept", 0.0)),
                     tuple(float(c) for c in other.get("coef", ())))
    except (KeyError, TypeError, ValueError) as exc:
        raise BackstopMissing(f"{path} is a malformed compliance backstop model ({exc!r}): {HINT}") from None


def require_model() -> Model:
    """The start-up check of every server that runs the compliance check (and of each check)."""
    return load_model(model_path())


def suspicion(text: str, book: RuleBook | None = None) -> float:
    """How far past its threshold the text is, as a score on the n-gram scale: the
    n-gram probability, or the embedding one when that crosses its own threshold
    (then it is reported as at least `hold_at`). Raises BackstopMissing without
    a model (a check that cannot score must not pass the text)."""
    book = book or default_rules()
    words = ngram_suspicion(text, book)
    if words >= book.hold_at:
        return words
    english = reads_english(text)
    if not english and not require_model().multilingual:
        return words
    meaning = embedding_suspicion(text, book, other_languages=not english)
    threshold = book.embedding_hold_at if english else book.other_languages_hold_at
    return max(words, book.hold_at) if meaning >= threshold else words


# Why a language gate: MiniLM was trained on English; on Swahili, Tagalog,
# Indonesian or Hindi it sees word pieces, not meaning, and held protective texts
# ("koi jail nahi hogi") on the dev split. Those texts go to the multilingual e5
# classifier (issue 15); English stays with MiniLM, because e5 held the bot's own
# short English texts ("Set it up") at every threshold that gained recall.
_ENGLISH = frozenset("""a an the you your we our us i to of for and or if is are be will would
    can not no this that it on in at by with from have has as do does please until before""".split())


def reads_english(text: str) -> bool:
    """At least a fifth of the words are common English function words."""
    words = re.findall(r"[a-z']+", text.lower())
    return bool(words) and sum(w in _ENGLISH for w in words) >= 0.2 * len(words)


def embedding_suspicion(text: str, book: RuleBook | None = None, other_languages: bool = False) -> float:
    """A sentence-embedding classifier's probability (one encoder call, ~15-40 ms): MiniLM's,
    or with other_languages the multilingual one's."""
    return embedding_suspicions([text], book, other_languages)[0]


def embedding_suspicions(texts: list[str], book: RuleBook | None = None,
                         other_languages: bool = False) -> list[float]:
    """embedding_suspicion for many texts in batched encoder calls (the bench)."""
    book = book or default_rules()
    model = require_model()
    if other_languages and not model.multilingual:
        raise BackstopMissing(f"{model.path} has no classifier for other languages: {HINT}")
    encoder, intercept, coef = ((model.other_encoder, model.other_intercept, model.other_coef) if other_languages
                                else (model.encoder, model.embedding_intercept, model.embedding_coef))
    plain = [normalise(plain_spelling(t), book.negation) for t in texts]
    key = f"{model.path}:{encoder}:{intercept!r}"
    todo = sorted({t for t in plain if (key, t) not in _SCORED})
    if todo:
        if len(_SCORED) > _SCORED_MAX:
            _SCORED.clear()
        for text, vector in zip(todo, sentence_vectors(todo, encoder)):
            z = intercept + sum(float(v) * c for v, c in zip(vector, coef))
            _SCORED[(key, text)] = 1 / (1 + math.exp(-z))
    return [_SCORED[(key, t)] for t in plain]


# Scores already computed in this process, per loaded model: the bot's own texts and
# campaign templates recur (the same rendering is checked for every jurisdiction).
_SCORED: dict[tuple[str, str], float] = {}
_SCORED_MAX = 20_000


def ngram_suspicion(text: str, book: RuleBook | None = None) -> float:
    """The n-gram classifier's probability: the trained TF-IDF pipeline's arithmetic, by hand."""
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
