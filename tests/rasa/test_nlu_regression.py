"""Regression floor of the shipped model on the held-out split (tests/nlu/heldout).

Runs the model `make test` trains (models/collections.tar.gz) over every
held-out message, with the same scoring as `make eval` (bench/nlu_eval.py), and
fails when intent macro-F1 drops below 0.90, emotion macro-F1 below 0.80,
entity F1 below 0.90, or when any self-harm message is not classified
disclose_vulnerability. The floors sit under the measured values (about 0.95,
0.84, 0.98) so that a data or config change that costs real accuracy fails
here before it reaches borrowers.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

ROOT = Path(__file__).resolve().parents[2]
# COLLECTIONS_MODEL: a model trained elsewhere (a scratch training), instead of models/.
MODEL = Path(os.environ.get("COLLECTIONS_MODEL") or ROOT / "models" / "collections.tar.gz")
sys.path.insert(0, str(ROOT / "bench"))

from nlu_eval import Parser, evaluate_heldout, load_examples  # noqa: E402

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def metrics():
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: `make test` trains it first (or run `make train`)")
    return evaluate_heldout(Parser(str(MODEL)), load_examples(ROOT / "tests" / "nlu" / "heldout"))


def test_heldout_split_is_big_enough(metrics):
    assert metrics["n"] >= 32 * 10


def test_intent_macro_f1_floor(metrics):
    assert metrics["intent_f1"] >= 0.90, metrics["misses"][:20]


def test_emotion_macro_f1_floor(metrics):
    assert metrics["emotion_f1"] is not None and metrics["emotion_f1"] >= 0.80


def test_entity_f1_floor(metrics):
    assert metrics["entity_f1"] >= 0.90


def test_every_self_harm_message_goes_to_disclose_vulnerability(metrics):
    caught, total = metrics["self_harm"]
    assert total >= 10, "the held-out split must keep its self-harm messages"
    assert caught == total, [m for m in metrics["misses"] if m[0] == "disclose_vulnerability"]
