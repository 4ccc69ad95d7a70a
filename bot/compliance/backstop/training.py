"""Train the backstop classifier (`make train`), from the training split only.

Why a split by file name: data/compliance holds train_* (fitted on), dev_*
(looked at while developing rules, never fitted on) and blind_* (never looked
at, never fitted on: the honest measure). Only train_<set>_{unacceptable,
acceptable}.txt are read here, and the model records which files and which
bytes it was fitted on, so a test can prove no dev or blind line leaked in.
scikit-learn is needed here only; the model it writes is scored by hand.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import numpy as np

from bot.compliance.backstop import CORPUS_DIR, FORMAT, BackstopMissing, load_model, reads_english
from bot.compliance.matching import plain_spelling
from bot.compliance.negation import normalise
from bot.compliance.rules import RULES_FILE, load_rules

_TRAIN = re.compile(r"train_(?P<set>[a-z0-9_]+)_(?P<label>unacceptable|acceptable)\.txt")
VECTORISERS = (  # scikit-learn TfidfVectorizer settings (sublinear tf); the scoring mirrors them
    {"analyzer": "word", "ngram_range": [1, 2], "min_df": 1},
    {"analyzer": "char_wb", "ngram_range": [3, 5], "min_df": 2},
)
# The sentence-embedding classifier: encoder (bot/embeddings.py) and the logistic C,
# chosen on the dev split (dev_round5_*, dev_examples_*, dev_multilingual_*; the
# figures are in data/compliance/rules.yml `backstop` and bench/results/compliance.md).
ENCODER = "minilm"  # English text only (it reads no other language)
EMBEDDING_C = 10
# The second one, for every text that is not English (issue 15): multilingual e5.
OTHER_LANGUAGES_ENCODER = "e5"
OTHER_LANGUAGES_C = 100
# What the model depends on besides the training files and rules.yml (its rewrites).
_PACKAGE = Path(__file__).resolve().parent
_CODE = [_PACKAGE / "__init__.py", _PACKAGE / "training.py", _PACKAGE.parent / "matching.py",
         _PACKAGE.parent / "negation.py", _PACKAGE.parent / "rules.py"]


def corpus_lines(path: Path) -> list[str]:
    """One message per non-empty line."""
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def training_files(corpus_dir: Path = CORPUS_DIR) -> list[tuple[Path, int]]:
    """(file, label 1 = unacceptable) for every train_<set>_{unacceptable,acceptable}.txt,
    sets in name order, unacceptable before acceptable (the order the model was
    first fitted in). A set missing one of its two files is an error."""
    by_set: dict[str, dict[str, Path]] = {}
    for path in sorted(corpus_dir.glob("train_*.txt")):
        match = _TRAIN.fullmatch(path.name)
        if not match:
            raise BackstopMissing(f"{path}: training files are named train_<set>_unacceptable.txt and "
                                  "train_<set>_acceptable.txt")
        by_set.setdefault(match["set"], {})[match["label"]] = path
    if not by_set:
        raise BackstopMissing(f"no training files (train_*.txt) in {corpus_dir}")
    files = []
    for name, pair in sorted(by_set.items()):
        if set(pair) != {"unacceptable", "acceptable"}:
            raise BackstopMissing(f"{corpus_dir}: training set {name!r} needs both train_{name}_unacceptable.txt "
                                  f"and train_{name}_acceptable.txt")
        files += [(pair["unacceptable"], 1), (pair["acceptable"], 0)]
    return files


def fingerprint(corpus_dir: Path = CORPUS_DIR, rules_file: Path = RULES_FILE) -> str:
    """Of every input the model depends on: `make train` retrains only when it changes."""
    import sklearn

    from bot.embeddings import weights_id

    digest = hashlib.sha256(f"format {FORMAT} sklearn {sklearn.__version__} "
                            f"{ENCODER} {weights_id(ENCODER)} C {EMBEDDING_C} "
                            f"{OTHER_LANGUAGES_ENCODER} {weights_id(OTHER_LANGUAGES_ENCODER)} C {OTHER_LANGUAGES_C}".encode())
    for path in [p for p, _ in training_files(corpus_dir)] + [rules_file] + _CODE:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def fit(corpus_dir: Path = CORPUS_DIR, rules_file: Path = RULES_FILE) -> dict:
    """The model as a JSON-ready dict: fitted on the training files, normalised like scoring."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    book = load_rules(rules_file)
    texts, raw, labels, inputs = [], [], [], []
    for path, label in training_files(corpus_dir):
        lines = corpus_lines(path)
        texts += [normalise(t, book.negation) for t in lines]
        raw += lines
        labels += [label] * len(lines)
        inputs.append({"file": path.name, "label": label, "lines": len(lines),
                       "sha256": hashlib.sha256(path.read_bytes()).hexdigest()})
    vectorisers = [TfidfVectorizer(analyzer=v["analyzer"], ngram_range=tuple(v["ngram_range"]),
                                   min_df=v["min_df"], sublinear_tf=True) for v in VECTORISERS]
    matrix = hstack([v.fit_transform(texts) for v in vectorisers]).tocsr()
    clf = LogisticRegression(C=10, max_iter=2000, class_weight="balanced").fit(matrix, labels)
    coef, offset, parts = clf.coef_[0], 0, []
    for settings, v in zip(VECTORISERS, vectorisers):
        idf = v.idf_
        terms = {t: [float(idf[i]), float(idf[i] * coef[offset + i])] for t, i in sorted(v.vocabulary_.items())}
        parts.append({**settings, "terms": terms})
        offset += len(idf)
    return {"format": FORMAT, "fingerprint": fingerprint(corpus_dir, rules_file),
            "normalisation": book.negation.fingerprint, "trained_on": inputs,
            "intercept": float(clf.intercept_[0]), "vectorisers": parts,
            "embedding": fit_embedding(*_reading(raw, labels, english=True), book),
            "embedding_other_languages": fit_embedding(*_reading(raw, labels, english=False), book,
                                                       OTHER_LANGUAGES_ENCODER, OTHER_LANGUAGES_C)}


def _reading(lines: list[str], labels: list[int], english: bool) -> tuple[list[str], list[int]]:
    """The lines one embedding classifier will score at run time (reads_english decides, as in
    suspicion), with their labels. Why not every line: fitted on all of them, MiniLM learned
    from Chinese and Hindi word pieces and held "No, that's not it" (0.98), and e5 learned
    from English and held "任何自称公安的催收都是诈骗。" (0.92); fitted on their own texts, 0.73 and 0.45."""
    keep = [i for i, text in enumerate(lines) if reads_english(text) == english]
    return [lines[i] for i in keep], [labels[i] for i in keep]


# Embeddings already computed in this process: retraining (tests, --if-changed after an
# edit of one file) embeds only the lines it has not seen.
_VECTORS: dict[tuple[str, str], "np.ndarray"] = {}


def fit_embedding(lines: list[str], labels: list[int], book, encoder: str = ENCODER, c: float = EMBEDDING_C) -> dict:
    """Logistic regression on sentence embeddings of the plain-spelled, normalised lines:
    it reads meaning ("officers will take you in") where the n-grams read words."""
    from sklearn.linear_model import LogisticRegression

    from bot.embeddings import sentence_vectors, weights_id

    texts = [embedding_text(t, book) for t in lines]
    missing = sorted({t for t in texts if (encoder, t) not in _VECTORS})
    if missing:
        _VECTORS.update({(encoder, t): v for t, v in zip(missing, sentence_vectors(missing, encoder))})
    vectors = np.stack([_VECTORS[(encoder, t)] for t in texts])
    clf = LogisticRegression(C=c, max_iter=3000, class_weight="balanced").fit(vectors, labels)
    return {"encoder": encoder, "weights_sha256": weights_id(encoder), "C": c,
            "intercept": float(clf.intercept_[0]), "coef": [float(x) for x in clf.coef_[0]]}


def embedding_text(text: str, book) -> str:
    """What the encoder reads: disguises undone, then the negation rewrites (as the rules see it)."""
    return normalise(plain_spelling(text), book.negation)


def train(out: Path, corpus_dir: Path = CORPUS_DIR, rules_file: Path = RULES_FILE) -> dict:
    """Fit and write the model to `out` atomically (a server never reads half a file)."""
    model = fit(corpus_dir, rules_file)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(model, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, out)
    load_model.cache_clear()
    return model


def up_to_date(out: Path, corpus_dir: Path = CORPUS_DIR, rules_file: Path = RULES_FILE) -> str | None:
    """The fingerprint when `out` was trained on exactly the current inputs, else None."""
    current = fingerprint(corpus_dir, rules_file)
    try:
        return current if json.loads(out.read_text(encoding="utf-8")).get("fingerprint") == current else None
    except (OSError, ValueError, AttributeError):
        return None
