"""The word-level match of the intent classifier (bot/nlu/token_match.py) and the
intent-name examples (bot/nlu/intent_names.py), on hand-made vectors and data."""
from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

from rasa.shared.nlu.constants import INTENT, METADATA, METADATA_EXAMPLE, TEXT  # noqa: E402
from rasa.shared.nlu.training_data.message import Message  # noqa: E402
from rasa.shared.nlu.training_data.training_data import TrainingData  # noqa: E402

from bot.nlu import token_match  # noqa: E402
from bot.nlu.emotion import training_examples  # noqa: E402
from bot.nlu.intent_names import IntentNameExamples, as_words, name_examples  # noqa: E402

# Five orthogonal "words" in a 5-d space make the arithmetic checkable by hand.
W = np.eye(5, dtype=np.float32)
CARD, ARRIVE, TOP, UP, FEE = W


def words(*vectors):
    return np.stack(vectors)


def index(per_label=10):
    return token_match.build(
        [words(CARD, ARRIVE), words(TOP, UP), words(TOP, FEE), words(CARD, CARD * 3)],
        ["card_arrival", "top_up", "top_up", "card_arrival"],
        per_label,
    )


def test_build_groups_examples_by_label_and_normalises():
    idx = index()
    assert list(idx.labels) == ["card_arrival", "top_up"]
    assert list(idx.label_starts) == [0, 2, 4]
    assert list(idx.starts) == [0, 2, 4, 6, 8]
    assert np.allclose(np.linalg.norm(idx.vectors, axis=1), 1.0)


def test_build_keeps_the_first_examples_and_drops_empty_ones():
    idx = token_match.build(
        [np.zeros((2, 5)), words(TOP), words(UP), words(FEE)], ["a", "a", "a", "a"], per_label=2
    )
    assert list(idx.label_starts) == [0, 2]  # the empty one dropped, FEE over the cap
    assert np.allclose(idx.vectors, words(TOP, UP))
    with pytest.raises(ValueError, match="per_label"):
        token_match.build([words(TOP)], ["a"], per_label=0)
    with pytest.raises(ValueError, match="one label per example"):
        token_match.build([words(TOP)], ["a", "b"], per_label=1)


def test_build_keeps_a_quota_per_group_so_one_script_cannot_fill_the_index():
    """The Chinese examples come first in data order; a quota per label alone gave them every slot."""
    matrices = [words(TOP), words(UP), words(CARD), words(FEE)]
    groups = ["han", "han", "other", "other"]
    idx = token_match.build(matrices, ["a"] * 4, per_label=1, groups=groups)
    assert np.allclose(idx.vectors, words(TOP, CARD))
    assert list(idx.label_starts) == [0, 2]
    assert np.allclose(token_match.build(matrices, ["a"] * 4, per_label=1).vectors, words(TOP))
    with pytest.raises(ValueError, match="one group"):
        token_match.build(matrices, ["a"] * 4, per_label=1, groups=["han"])


def test_label_score_is_the_best_example_word_by_word():
    idx = index()
    position = idx.position
    # every query word finds itself in the first top_up example
    assert token_match.label_score(idx, words(TOP, UP), position["top_up"]) == pytest.approx(1.0)
    # half the words match: mean over the query's words
    assert token_match.label_score(idx, words(TOP, ARRIVE), position["top_up"]) == pytest.approx(0.5)
    assert token_match.label_score(idx, words(TOP, ARRIVE), position["card_arrival"]) == pytest.approx(0.5)
    assert token_match.label_score(idx, np.zeros((0, 5)), position["top_up"]) == 0.0


def test_blend_reorders_the_candidates_by_their_match():
    idx = index()
    classes = np.array(["card_arrival", "top_up", "other"])
    probs = np.array([0.45, 0.40, 0.15])
    out = token_match.blend(probs, classes, idx, words(TOP, UP), weight=0.2, temperature=0.05, candidates=2)
    assert out.sum() == pytest.approx(1.0)
    assert out.argmax() == 1  # the word-for-word match wins the close call
    assert out[2] == 0.15  # outside the candidates: untouched
    # a confident classifier is not overturned by a 20 % share
    firm = np.array([0.9, 0.05, 0.05])
    assert token_match.blend(firm, classes, idx, words(TOP, UP), 0.2, 0.05, 2).argmax() == 0


def test_blend_never_adds_confidence_the_classifier_did_not_have():
    """An unsure classifier stays unsure, so the fallback threshold still catches it."""
    idx = index()
    classes = np.array(["card_arrival", "top_up", "a", "b", "c"])
    unsure = np.array([0.25, 0.15, 0.2, 0.2, 0.2])
    out = token_match.blend(unsure, classes, idx, words(TOP, UP), 0.5, 0.05, 2)
    assert out[:2].sum() == pytest.approx(0.40)
    assert out.max() < 0.3


def test_blend_leaves_probabilities_alone_when_it_cannot_help():
    idx = index()
    classes = np.array(["card_arrival", "top_up"])
    probs = np.array([0.6, 0.4])
    assert token_match.blend(probs, classes, idx, words(TOP), 0.0, 0.05, 2) is probs
    assert token_match.blend(probs, classes, idx, np.zeros((3, 5)), 0.2, 0.05, 2) is probs
    unknown = np.array(["x", "y"])
    assert token_match.blend(probs, unknown, idx, words(TOP), 0.2, 0.05, 2) is probs


def test_index_round_trips_through_a_file(tmp_path):
    idx = index()
    token_match.save(idx, tmp_path / "t.npz")
    loaded = token_match.load(tmp_path / "t.npz")
    assert list(loaded.labels) == list(idx.labels)
    assert np.allclose(loaded.vectors, idx.vectors, atol=1e-3)  # kept as float16
    assert token_match.load(tmp_path / "missing.npz") is None


@pytest.mark.parametrize(
    "intent, expected",
    [
        ("request_deferral", "request deferral"),
        ("card_arrival", "card arrival"),
        ("getSpendingHistory", "get spending history"),
        ("utility.oos", "utility oos"),
        ("greet", "greet"),
        ("__", ""),
    ],
)
def test_intent_names_in_words(intent, expected):
    assert as_words(intent) == expected


def test_name_examples_are_neutral_intent_examples():
    data = TrainingData([Message.build(text="can I pay next month", intent="request_deferral"),
                         Message.build(text="hi", intent="greet")])
    merged = IntentNameExamples.create({}, None, None, None).process_training_data(data)
    added = {m.get(TEXT): m for m in merged.intent_examples}
    assert added["request deferral"].get(INTENT) == "request_deferral"
    assert added["greet"].get(INTENT) == "greet"
    assert added["greet"].get(METADATA) == {METADATA_EXAMPLE: {"emotion": "neutral"}}
    assert len(merged.intent_examples) == 4
    # the emotion classifier sees them as the neutral messages they are
    assert [m.get(TEXT) for m in training_examples(merged)].count("greet") == 1


def test_unnameable_intents_add_nothing():
    assert name_examples(["__", ""]) == []
    assert [m.get(TEXT) for m in name_examples(["b_x", "a"])] == ["a", "b x"]
