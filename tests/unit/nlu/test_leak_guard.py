"""No evaluation text is a training text, exactly or nearly (bench/leak_guard.py)."""
from __future__ import annotations

import pytest

from bench import leak_guard
from bench.leak_guard import evaluation_texts, leaks, training_texts


@pytest.fixture(scope="module")
def train():
    return training_texts()


@pytest.fixture(scope="module")
def evaluation():
    return evaluation_texts()


def test_the_guard_reads_every_source(train, evaluation):
    sources = {where.split("/")[1] if where.startswith("data/") else where for where, _ in train}
    assert {"nlu", "emotion", "compliance"} <= sources, sources
    places = {where for where, _ in evaluation}
    assert any(p.startswith("tests/nlu/heldout/") for p in places)
    assert any(p.startswith("data/compliance/blind_") for p in places)
    assert any(p.startswith("data/compliance/dev_") for p in places)
    assert len(train) > 5000 and len(evaluation) > 1000


def test_external_sets_are_read_when_present(evaluation):
    if not leak_guard.SHARED.is_dir():
        pytest.skip(f"external data sets not at {leak_guard.SHARED} (NLU_DATASETS)")
    places = {where.split("/")[0] for where, _ in evaluation}
    assert {"goemotions", "banking77", "clinc150"} <= places


def test_no_evaluation_text_is_a_training_text(train, evaluation):
    found = leaks(train, evaluation)
    assert not found, f"{len(found)} leaks:\n" + leak_guard.report(found[:30])


def test_the_guard_catches_a_copy_a_near_copy_and_not_a_different_sentence():
    train = [("data/nlu/x.yml", "I can pay half of it next Friday when my salary comes in")]
    evaluation = [
        ("dev", "i can pay HALF of it next friday, when my salary comes in!!"),  # exact after normalising
        ("dev", "I can pay half of it next Friday when my salary comes"),  # near: one word dropped
        ("dev", "Could I pay the other half after my salary arrives on Friday"),  # same meaning, own words
        ("dev", "thank you"),  # too short to be a copy
    ]
    assert [(kind, text) for kind, _, text, _, _ in leaks(train, evaluation)] == [
        ("exact", evaluation[0][1]), ("near", evaluation[1][1])]
