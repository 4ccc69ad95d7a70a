"""A multinomial logistic regression saved as plain numpy arrays.

Why not pickle/joblib: a model file that unpickles can run code; arrays in an
``.npz`` cannot. Used by the intent and the emotion classifier.
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression


def fit(
    X: sp.csr_matrix, y: Sequence[str], c: float, max_iter: int, balanced: bool,
    sample_weight: Optional[np.ndarray] = None,
) -> LogisticRegression:
    if len(set(y)) < 2:
        raise ValueError(f"need at least two labels to train a classifier, got {sorted(set(y))}")
    clf = LogisticRegression(
        C=c,
        max_iter=max_iter,
        solver="lbfgs",
        class_weight="balanced" if balanced else None,
        random_state=42,
    )
    clf.fit(X, list(y), sample_weight=sample_weight)
    return clf


def save(clf: LogisticRegression, path: Path) -> None:
    np.savez(
        path,
        coef=clf.coef_,
        intercept=clf.intercept_,
        classes=np.array(clf.classes_, dtype=str),
    )


def load(path: Path) -> LogisticRegression:
    with np.load(path, allow_pickle=False) as data:
        clf = LogisticRegression()
        clf.coef_ = data["coef"]
        clf.intercept_ = data["intercept"]
        clf.classes_ = data["classes"]
    return clf


def probabilities(clf: LogisticRegression, X: sp.csr_matrix) -> np.ndarray:
    """Class probabilities per row, in the order of ``clf.classes_``."""
    if X.shape[1] != clf.coef_.shape[1]:
        raise ValueError(
            f"classifier expects {clf.coef_.shape[1]} features, message has {X.shape[1]}: "
            "the featurizers changed since training; retrain the model"
        )
    return clf.predict_proba(X)


def ranked(names: Sequence[str], row: np.ndarray) -> List[dict]:
    """[{name, confidence}] sorted best first (confidence as float)."""
    return [{"name": str(names[i]), "confidence": float(row[i])} for i in np.argsort(-row)]


def ranking(clf: LogisticRegression, X: sp.csr_matrix) -> List[List[dict]]:
    """Per row: [{name, confidence}] sorted best first."""
    return [ranked(clf.classes_, row) for row in probabilities(clf, X)]
