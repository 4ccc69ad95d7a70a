"""MiniLM (all-MiniLM-L6-v2) sentence encoder for the NLU pipeline.

The loading, weights pinning and compiled graph live in bot/embeddings.py,
shared with the compliance guard (which must not import bot/nlu); this module
keeps the names the NLU code and its tests import.
"""
from __future__ import annotations

from bot.embeddings import (  # noqa: F401  (re-exported)
    DEFAULT_MAX_LENGTH,
    EMBEDDING_DIM,
    WEIGHTS_FILE,
    WEIGHTS_SHA256,
    Encoded,
    MiniLMEncoder,
    WeightsIntegrityError,
    default_model_dir,
    sha256_of,
    shared_encoder,
    verify_weights,
)
