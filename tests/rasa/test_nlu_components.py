"""Unit tests of the NLU components (bot/nlu) with a real, small trained model.

The module fixture trains the pipeline of config.yml (with the spaCy dir
pointed at a tmp copy) on five intents of data/nlu, which takes ~30 s on 2 cores.
"""
from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

from rasa.shared.nlu.training_data.message import Message  # noqa: E402

from bot.nlu import linear_model  # noqa: E402
from bot.nlu.emotion import EMOTIONS, decide, emotion_label  # noqa: E402
from bot.nlu.featurizer import align_to_tokens  # noqa: E402
from bot.nlu.minilm import (  # noqa: E402
    WEIGHTS_FILE,
    MiniLMEncoder,
    WeightsIntegrityError,
    default_model_dir,
    shared_encoder,
    verify_weights,
)
from bot.nlu.spacy_blank import build_blank  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
INTENTS = ["greet", "goodbye", "affirm", "deny", "thank"]
NEUTRAL_BELOW = next(
    float(step.get("neutral_below", 0.0))
    for step in yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]
    if step["name"].endswith("EmotionClassifier")
)


# ------------------------------------------------------------ weights check
def test_pinned_weights_verify():
    assert verify_weights(default_model_dir()).name == WEIGHTS_FILE


def test_tampered_weights_are_refused(tmp_path):
    src = default_model_dir()
    for item in src.iterdir():
        if item.is_file():
            shutil.copy(item, tmp_path / item.name)
    weights = tmp_path / WEIGHTS_FILE
    with open(weights, "r+b") as fh:
        fh.seek(4096)
        byte = fh.read(1)
        fh.seek(4096)
        fh.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(WeightsIntegrityError, match="sha256"):
        verify_weights(tmp_path)
    with pytest.raises(WeightsIntegrityError):
        MiniLMEncoder(model_dir=tmp_path)  # refuses before loading anything


def test_missing_weights_are_refused(tmp_path):
    with pytest.raises(WeightsIntegrityError, match="not found"):
        verify_weights(tmp_path)


# ------------------------------------------------------------ encoder / featurizer
def test_sentence_embedding_is_normalised_and_semantic():
    enc = shared_encoder()
    hello, hi, balance = enc.encode(["hello there", "hi, good morning", "how much do I still owe on my loan"])
    assert hello.sentence.shape == (384,)
    assert np.linalg.norm(hello.sentence) == pytest.approx(1.0, abs=1e-4)
    assert hello.sentence @ hi.sentence > hello.sentence @ balance.sentence


def test_batch_and_single_encoding_agree():
    enc = shared_encoder()
    texts = ["I can't pay 2.5k tmrw abeg", "ok"]
    batch = enc.encode(texts)
    single = [enc.encode([t])[0] for t in texts]
    for b, s in zip(batch, single):
        np.testing.assert_allclose(b.sentence, s.sentence, atol=1e-4)


def test_sequence_features_align_to_spacy_tokens(tmp_path):
    import spacy

    nlp = spacy.load(build_blank(tmp_path / "en"))
    text = "I can't pay 2.5k tmrw"
    tokens = [(t.idx, t.idx + len(t.text)) for t in nlp(text)]
    seq = align_to_tokens(shared_encoder().encode([text])[0], tokens)
    assert seq.shape == (len(tokens), 384)
    assert np.all(np.linalg.norm(seq, axis=1) > 0)  # every token got wordpieces


# ------------------------------------------------------------ spaCy blank pipeline
def test_blank_spacy_is_idempotent_and_loadable_by_rasa(tmp_path):
    from rasa.nlu.utils.spacy_utils import SpacyNLP

    path = build_blank(tmp_path / "en_blank")
    stamp = (path / "meta.json").stat().st_mtime_ns
    assert build_blank(path) == path
    assert (path / "meta.json").stat().st_mtime_ns == stamp
    model = SpacyNLP.load_model(str(path))
    SpacyNLP.ensure_proper_language_model(model.model)
    assert [t.text for t in model.model("don't")] == ["do", "n't"]


# ------------------------------------------------------------ emotion labels
@pytest.mark.parametrize(
    "metadata, expected",
    [
        ({"example": {"emotion": "angry"}}, "angry"),
        ({"example": {"emotion": " Anxious "}}, "anxious"),
        ({"example": {"emotion": "furious"}}, "neutral"),
        ({"example": {}}, "neutral"),
        (None, "neutral"),
        ({"example": "oops"}, "neutral"),
    ],
)
def test_emotion_label_from_metadata(metadata, expected):
    msg = Message(data={"text": "x", "intent": "greet"})
    if metadata is not None:
        msg.set("metadata", metadata)
    assert emotion_label(msg) == expected


def ranked(**confidences):
    return [{"name": n, "confidence": c} for n, c in sorted(confidences.items(), key=lambda kv: -kv[1])]


@pytest.mark.parametrize("ranking, threshold, expected", [
    (ranked(angry=0.7, neutral=0.2, anxious=0.1), 0.5, ("angry", 0.7)),
    (ranked(angry=0.5, neutral=0.3, anxious=0.2), 0.5, ("angry", 0.5)),
    (ranked(angry=0.45, neutral=0.3, anxious=0.25), 0.5, ("neutral", 0.3)),
    (ranked(angry=0.45, anxious=0.3, neutral=0.25), 0.5, ("neutral", 0.25)),
    (ranked(neutral=0.35, angry=0.33, anxious=0.32), 0.5, ("neutral", 0.35)),
    (ranked(angry=0.45, anxious=0.3, positive=0.25), 0.5, ("neutral", 0.0)),
    (ranked(angry=0.45, neutral=0.3, anxious=0.25), 0.0, ("angry", 0.45)),
])
def test_faint_emotion_counts_as_neutral(ranking, threshold, expected):
    chosen = decide(ranking, threshold)
    assert (chosen["name"], chosen["confidence"]) == expected


def test_linear_model_round_trip(tmp_path):
    import scipy.sparse as sp

    rng = np.random.default_rng(0)
    X = sp.csr_matrix(rng.normal(size=(60, 5)))
    y = ["a", "b", "c"] * 20
    clf = linear_model.fit(X, y, c=1.0, max_iter=200, balanced=True)
    linear_model.save(clf, tmp_path / "m.npz")
    loaded = linear_model.load(tmp_path / "m.npz")
    np.testing.assert_allclose(clf.predict_proba(X), loaded.predict_proba(X))
    with pytest.raises(ValueError, match="features"):
        linear_model.ranking(loaded, sp.csr_matrix(np.ones((1, 4))))
    with pytest.raises(ValueError, match="two labels"):
        linear_model.fit(X, ["a"] * 60, c=1.0, max_iter=10, balanced=False)


# ------------------------------------------------------------ trained pipeline
@pytest.fixture(scope="module")
def agent(tmp_path_factory):
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu
    from rasa.shared.utils.io import read_yaml_file, write_yaml

    tmp = tmp_path_factory.mktemp("nlu_model")
    spacy_dir = build_blank(tmp / "en_blank")
    cfg = read_yaml_file(str(ROOT / "config.yml"))
    cfg.pop("policies", None)
    for step in cfg["pipeline"]:
        if step["name"] == "SpacyNLP":
            step["model"] = str(spacy_dir)
        if "path" in step:  # data/emotion, whatever the working directory
            step["path"] = str(ROOT / step["path"])
    write_yaml(cfg, str(tmp / "config.yml"))
    data = tmp / "nlu"
    data.mkdir()
    for intent in INTENTS:
        shutil.copy(ROOT / "data" / "nlu" / f"{intent}.yml", data / f"{intent}.yml")
    model = train_nlu(str(tmp / "config.yml"), str(data), str(tmp / "models"), fixed_model_name="t")
    assert model, "training produced no model"
    return Agent.load(model)


def parse(agent, text):
    return asyncio.new_event_loop().run_until_complete(agent.parse_message(text))


@pytest.mark.parametrize("text, intent", [("hello there!", "greet"), ("ok bye, talk later", "goodbye"), ("thank you so much", "thank")])
def test_trained_pipeline_predicts_intent(agent, text, intent):
    assert parse(agent, text)["intent"]["name"] == intent


def test_parse_result_carries_emotion(agent):
    result = parse(agent, "thank you so much, you really helped me 🙏")
    emotion, ranking = result["emotion"], result["emotion_ranking"]
    assert emotion["name"] in EMOTIONS
    assert 0.0 < emotion["confidence"] <= 1.0
    assert emotion in ranking
    assert ranking[0] == emotion or (emotion["name"] == "neutral" and ranking[0]["confidence"] < NEUTRAL_BELOW)
    confidences = [r["confidence"] for r in ranking]
    assert confidences == sorted(confidences, reverse=True)
    assert sum(confidences) == pytest.approx(1.0, abs=1e-6)
    assert {r["name"] for r in ranking} <= set(EMOTIONS)
    assert isinstance(emotion["confidence"], float)  # JSON-serialisable


def test_parse_result_carries_the_signals(agent):
    signals = parse(agent, "I lost my job, can I pay both loans 500 a week")["signals"]
    assert signals["scope"] == "all_loans" and signals["hardship"] == "job_loss"
    assert signals["period"] == {"unit": "week", "per": True, "every": True}
    assert signals["parts"] is None


def test_parse_result_pairs_each_part_of_a_payment_with_its_date(agent):
    """The SignalReader sees the normaliser's entities with their positions (issue 13: two parts, two dates)."""
    result = parse(agent, "I can pay 2000 today and the rest on friday")
    assert result["signals"]["parts"] == [{"amount": 0, "when": ["date", 0]}, {"amount": "rest", "when": ["date", 1]}]


def test_emotion_follows_the_message(agent):
    assert parse(agent, "thank you so much, you really helped me, I'm so relieved")["emotion"]["name"] == "positive"
    assert parse(agent, "hello")["emotion"]["name"] == "neutral"


def test_emotion_survives_into_tracker_event(agent):
    from rasa.shared.core.events import Event, UserUttered

    result = parse(agent, "hi")
    event = UserUttered(result["text"], result["intent"], result["entities"], result)
    stored = event.as_dict()
    assert stored["parse_data"]["emotion"] == result["emotion"]
    restored = Event.from_parameters(stored)
    assert restored.parse_data["emotion_ranking"] == result["emotion_ranking"]


def test_intent_ranking_stays_a_distribution_with_the_word_match(agent):
    import tarfile

    with tarfile.open(agent.processor.model_path) as archive:
        stored = [Path(name).name for name in archive.getnames()]
    assert "intent_tokens.npz" in stored  # the word-level index of config.yml is trained and kept
    for text in ("thanks a lot, bye", "hello there!", "no"):
        ranking = parse(agent, text)["intent_ranking"]
        confidences = [r["confidence"] for r in ranking]
        assert confidences == sorted(confidences, reverse=True)
        assert sum(confidences) == pytest.approx(1.0, abs=1e-6)
        assert {r["name"] for r in ranking} <= set(INTENTS)
