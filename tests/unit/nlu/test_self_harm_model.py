"""The self-harm classifier (bot/nlu/self_harm_model.py): what it is trained on, how it is stored, when it speaks.

Its figures are dev figures (bench/self_harm_classifier.py on tests/nlu/dev_self_harm_round5.yml); these
tests pin the mechanics: plain arrays in and out, the same decision after loading, the classifier left
silent on identity data, and only the training folder read.
"""
from __future__ import annotations

import numpy as np

from bot.nlu import safety, self_harm_model


def _toy(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    positives = rng.normal(1.0, 0.3, size=(30, 8)).astype(np.float32)
    negatives = rng.normal(-1.0, 0.3, size=(60, 8)).astype(np.float32)
    return positives, negatives


def test_it_separates_what_it_was_trained_on_and_loads_back_the_same(tmp_path):
    positives, negatives = _toy()
    model = self_harm_model.fit(positives, negatives, C=10.0, threshold=0.25)
    assert model.flags(positives).all() and not model.flags(negatives).any()
    path = tmp_path / "svm.npz"
    self_harm_model.save(model, path)
    loaded = self_harm_model.load(path)
    probe = np.concatenate(_toy(1))
    np.testing.assert_allclose(loaded.decision(probe), model.decision(probe), rtol=1e-5, atol=1e-5)
    assert loaded.threshold == 0.25
    with np.load(path, allow_pickle=False) as data:  # arrays only: loading never unpickles
        assert sorted(data.files) == ["scalars", "support", "weights"]


def test_the_training_folder_holds_both_classes_in_every_language_and_no_measuring_round():
    positives, negatives = self_harm_model.training_texts()
    assert len(positives) > 800 and len(negatives) > 700
    names = {p.name for p in self_harm_model.TRAINING_DIR.glob("*.yml")}
    assert not any("round5" in n for n in names)  # round 5 measures the classifier (tests/nlu): never trained on
    assert any("自杀" in t or "死" in t for t in positives) and any("mati" in t for t in positives)


def test_identity_data_and_short_replies_are_left_to_the_patterns():
    class Always:
        def decision(self, rows):
            return np.full(len(rows), 9.0)

    vector = np.ones(384, dtype=np.float32)
    assert safety.classifier_score(Always(), "LN-20931, born 17 April 1991", vector, vector) is None
    assert safety.classifier_score(Always(), "ok", vector, vector) is None
    assert safety.classifier_score(Always(), "I will not be around for the next payment", vector, None) is None
    assert safety.classifier_score(Always(), "I will not be around for the next payment", vector, vector) == 9.0
