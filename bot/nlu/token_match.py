"""Word-by-word match of a message against the training examples of its likeliest intents.

Why: a sentence embedding averages a message into one point, and with ten
examples an intent is a thin cloud of points. Comparing word vectors instead
(each word of the message against its best-matching word of an example, the
"late interaction" of ColBERT) recognises a message that reuses the decisive
words of one example in a different frame. The intent classifier lets this
score re-share the probability of its top few candidates only, so the cost per
message stays a few small matrix products whatever the number of intents.

Pure numpy, no Rasa: the classifier owns the features and the storage.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np


@dataclass(frozen=True)
class TokenIndex:
    """Unit word vectors of the kept examples, grouped by label.

    Label ``i`` owns examples ``label_starts[i]:label_starts[i+1]``; example
    ``j`` owns rows ``starts[j]:starts[j+1]`` of ``vectors``.
    """

    labels: np.ndarray  # (n_labels,) str
    label_starts: np.ndarray  # (n_labels + 1,) int
    starts: np.ndarray  # (n_examples + 1,) int
    vectors: np.ndarray  # (n_tokens, dim) float32

    @cached_property
    def position(self) -> Dict[str, int]:
        return {str(label): i for i, label in enumerate(self.labels)}


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1; all-zero rows (words no wordpiece covered) dropped."""
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim != 2:
        return np.zeros((0, 0), dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1)
    keep = norms > 1e-9
    return matrix[keep] / norms[keep, None]


def build(
    token_matrices: Sequence[np.ndarray], labels: Sequence[str], per_label: int,
    groups: Optional[Sequence[str]] = None,
) -> TokenIndex:
    """Index the first ``per_label`` non-empty examples of every label in each group
    (a script: "han", "devanagari", "other"), in data order.

    A quota per script, not per label: the Chinese files come first in data
    order, and with one quota every index slot of most intents went to Chinese
    examples, whose word vectors an English message never matches, so the match
    turned to noise for English (dev heldout intent F1 0.961 -> 0.939; 0.957 with the quota)."""
    if len(token_matrices) != len(labels) or (groups is not None and len(groups) != len(labels)):
        raise ValueError("one label per example is needed, and one group when groups are given")
    if per_label < 1:
        raise ValueError("per_label must be at least 1")
    kept: Dict[str, List[np.ndarray]] = {}
    filled: Dict[tuple, int] = {}
    for position, (matrix, label) in enumerate(zip(token_matrices, labels)):
        rows = unit_rows(matrix)
        key = (str(label), groups[position] if groups is not None else "")
        if len(rows) and filled.get(key, 0) < per_label:
            kept.setdefault(str(label), []).append(rows)
            filled[key] = filled.get(key, 0) + 1
    names = sorted(label for label, bucket in kept.items() if bucket)
    examples = [rows for label in names for rows in kept[label]]
    dim = examples[0].shape[1] if examples else 0
    return TokenIndex(
        labels=np.array(names, dtype=str),
        label_starts=np.cumsum([0] + [len(kept[label]) for label in names]),
        starts=np.cumsum([0] + [len(rows) for rows in examples]),
        vectors=np.vstack(examples) if examples else np.zeros((0, dim), dtype=np.float32),
    )


def label_score(index: TokenIndex, query: np.ndarray, label_position: int) -> float:
    """Best example of the label: mean over the query's words of the best word match."""
    first, last = index.label_starts[label_position], index.label_starts[label_position + 1]
    if first == last or not len(query):
        return 0.0
    top, bottom = index.starts[first], index.starts[last]
    sims = query @ index.vectors[top:bottom].T  # (query words, label's words)
    per_example = np.maximum.reduceat(sims, index.starts[first:last] - top, axis=1)
    return float(per_example.mean(axis=0).max())


def blend(
    probabilities: np.ndarray, classes: Sequence[str], index: TokenIndex, query: np.ndarray,
    weight: float, temperature: float, candidates: int,
) -> np.ndarray:
    """Re-share the probability of the top ``candidates`` classes: ``weight`` of
    it by a softmax of their match scores, the rest as the classifier had it.

    The candidates keep their total, so the match reorders what the classifier
    already found likely but never makes it surer that a message is in scope:
    the fallback threshold keeps its meaning (added on top instead, the match
    cost CLINC150 1.8 points of out-of-scope recall)."""
    query = unit_rows(query)
    if weight <= 0 or not len(query) or not len(index.labels):
        return probabilities
    position = index.position
    top = [i for i in np.argsort(-probabilities)[:candidates] if str(classes[i]) in position]
    if not top:
        return probabilities
    scores = np.array([label_score(index, query, position[str(classes[i])]) for i in top])
    shares = np.exp((scores - scores.max()) / temperature)
    out = probabilities.copy()
    mass = probabilities[top].sum()
    out[top] = (1.0 - weight) * probabilities[top] + weight * mass * shares / shares.sum()
    return out


def save(index: TokenIndex, path: Path) -> None:
    np.savez(
        path, labels=index.labels, label_starts=index.label_starts, starts=index.starts,
        vectors=index.vectors.astype(np.float16),
    )


def load(path: Path) -> Optional[TokenIndex]:
    if not Path(path).is_file():
        return None
    with np.load(path, allow_pickle=False) as data:
        return TokenIndex(
            labels=data["labels"], label_starts=data["label_starts"], starts=data["starts"],
            vectors=data["vectors"].astype(np.float32),
        )
