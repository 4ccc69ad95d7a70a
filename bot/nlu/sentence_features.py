"""One feature matrix per batch of messages, shared by our two classifiers.

Why per-block L2 normalisation: the MiniLM vector has norm 1 while a
CountVectors char n-gram vector has counts in the tens; concatenated raw, the
sparse block drowns the dense one and the regularisation strength means
something different for each. Normalising each featurizer's sentence vector
and then weighting the dense blocks keeps one knob (``dense_weight``).
"""
from __future__ import annotations

from typing import List

import numpy as np
import scipy.sparse as sp
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message


def _row(features: List, dense_weight: float) -> sp.csr_matrix:
    blocks = []
    for feat in sorted(features, key=lambda f: (f.is_dense(), str(f.origin))):
        matrix = feat.features
        if feat.is_dense():
            vec = np.asarray(matrix, dtype=np.float64).reshape(1, -1)
            norm = np.linalg.norm(vec)
            blocks.append(sp.csr_matrix(vec * (dense_weight / norm if norm else 0.0)))
        else:
            vec = sp.csr_matrix(matrix, dtype=np.float64).reshape(1, -1)
            norm = sp.linalg.norm(vec)
            blocks.append(vec / norm if norm else vec)
    return sp.hstack(blocks, format="csr") if blocks else sp.csr_matrix((1, 0))


def sentence_matrix(messages: List[Message], dense_weight: float = 1.0) -> sp.csr_matrix:
    """Stack the TEXT sentence features of every message (one row each)."""
    rows = []
    for message in messages:
        feats = [
            f
            for f in message.features
            if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE
        ]
        rows.append(_row(feats, dense_weight))
    widths = {r.shape[1] for r in rows}
    if len(widths) > 1:
        raise ValueError(f"messages carry sentence features of different widths: {widths}")
    return sp.vstack(rows, format="csr")
