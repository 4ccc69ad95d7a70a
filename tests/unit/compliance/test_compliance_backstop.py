"""The backstop classifier: trained by `make train`, loaded at run time, never guessed.

The session fixture (tests/conftest.py) trains the model every test here uses;
tests that need another model train one into tmp_path (about a second).
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.compliance import backstop, check_text
from bot.compliance.backstop import BackstopMissing, ngram_suspicion
from bot.compliance.backstop.__main__ import main as backstop_cli
from bot.compliance.backstop.training import (
    VECTORISERS, corpus_lines, fingerprint, train, training_files, up_to_date,
)
from bot.compliance.negation import normalise
from bot.compliance.rules import RULES_FILE, default_rules

CORPUS = backstop.CORPUS_DIR
EVERY_LINE = [t for p in sorted(CORPUS.glob("*.txt")) for t in corpus_lines(p)]


@pytest.fixture
def no_model(monkeypatch, tmp_path):
    monkeypatch.setenv(backstop.MODEL_ENV, str(tmp_path / "absent.json"))
    yield tmp_path / "absent.json"


def _sklearn_vectorisers():
    from sklearn.feature_extraction.text import TfidfVectorizer

    return [TfidfVectorizer(analyzer=v["analyzer"], ngram_range=tuple(v["ngram_range"]), min_df=v["min_df"],
                            sublinear_tf=True) for v in VECTORISERS]


def test_the_hand_analysers_equal_scikit_learns_on_every_corpus_line():
    negation = default_rules().negation
    for settings, vectoriser in zip(VECTORISERS, _sklearn_vectorisers()):
        theirs = vectoriser.build_analyzer()
        low, high = settings["ngram_range"]
        ours = backstop.ANALYSERS[settings["analyzer"]]
        for text in EVERY_LINE + ["Hi", "!!!", "  a  b\tc  ", "不还钱就让你坐牢"]:
            assert ours(normalise(text, negation), low, high) == theirs(normalise(text, negation)), text


def test_hand_scoring_equals_the_trained_pipeline():
    """ngram_suspicion() redoes the TF-IDF + logistic regression arithmetic by hand from
    the JSON model; it must give the probability scikit-learn would."""
    from scipy.sparse import hstack
    from sklearn.linear_model import LogisticRegression

    negation = default_rules().negation
    texts, labels = [], []
    for path, label in training_files():
        lines = corpus_lines(path)
        texts += [normalise(t, negation) for t in lines]
        labels += [label] * len(lines)
    vecs = _sklearn_vectorisers()
    clf = LogisticRegression(C=10, max_iter=2000, class_weight="balanced").fit(
        hstack([v.fit_transform(texts) for v in vecs]).tocsr(), labels)
    probe = (corpus_lines(CORPUS / "dev_round5_unacceptable.txt")[:10]
             + corpus_lines(CORPUS / "dev_round5_acceptable.txt")[:10] + ["Hi", "!!!"])
    expected = clf.predict_proba(hstack([v.transform([normalise(t, negation) for t in probe]) for v in vecs]))[:, 1]
    assert [round(ngram_suspicion(t), 9) for t in probe] == [round(float(p), 9) for p in expected]


def test_without_a_model_a_check_refuses_rather_than_passes(no_model):
    """Before issue 12 a missing corpus silently switched the backstop off."""
    backstop.load_model.cache_clear()
    with pytest.raises(BackstopMissing, match=r"absent.json is missing: run `make train`"):
        check_text("Pay today, or tomorrow will be a very long day for you.")
    with pytest.raises(BackstopMissing):
        backstop.require_model()


def test_the_web_server_does_not_start_without_a_model(no_model):
    from bot.web.app import make_app
    from tests.support.web_app import web_config

    with pytest.raises(BackstopMissing, match="make train"):
        make_app(web_config("sqlite://"))


def test_the_action_server_does_not_start_without_a_model(no_model):
    from actions.server import make_app

    with pytest.raises(BackstopMissing, match="make train"):
        make_app("t" * 32)


def test_a_model_trained_with_other_rewrites_is_refused(tmp_path, monkeypatch):
    model = json.loads(Path(backstop.model_path()).read_text(encoding="utf-8"))
    model["normalisation"] = "0" * 16
    stale = tmp_path / "stale.json"
    stale.write_text(json.dumps(model), encoding="utf-8")
    monkeypatch.setenv(backstop.MODEL_ENV, str(stale))
    with pytest.raises(BackstopMissing, match="other negation rewrites"):
        backstop.require_model()


def test_a_malformed_model_is_refused(tmp_path, monkeypatch):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": %d, "normalisation": "%s"}' % (backstop.FORMAT, default_rules().negation.fingerprint))
    monkeypatch.setenv(backstop.MODEL_ENV, str(bad))
    with pytest.raises(BackstopMissing, match="malformed"):
        backstop.require_model()


def test_retrains_only_when_a_training_input_changes(tmp_path):
    """`make train` skips the backstop when the model's fingerprint matches its
    inputs: the train_* files, rules.yml and the code. Dev and blind files are
    not inputs, so editing them retrains nothing."""
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    rules = corpus / "rules.yml"
    out = tmp_path / "model.json"
    model = train(out, corpus, rules)
    assert up_to_date(out, corpus, rules) == model["fingerprint"] == fingerprint(corpus, rules)
    with open(corpus / "blind_external_acceptable.txt", "a", encoding="utf-8") as f:
        f.write("A new blind line.\n")
    assert up_to_date(out, corpus, rules)
    with open(corpus / "train_round3_acceptable.txt", "a", encoding="utf-8") as f:
        f.write("A new training line.\n")
    assert up_to_date(out, corpus, rules) is None
    rules.write_text(rules.read_text(encoding="utf-8").replace("hold_at: 0.8", "hold_at: 0.7"), encoding="utf-8")
    train(out, corpus, rules)
    assert up_to_date(out, corpus, rules)


def test_the_command_line_trains_then_skips(tmp_path, capsys):
    out = tmp_path / "compliance_backstop.json"
    assert backstop_cli(["train", "--out", str(out), "--if-changed"]) == 0
    assert "trained on 14 files (1827 lines)" in capsys.readouterr().out
    written = out.stat().st_mtime_ns
    assert backstop_cli(["train", "--out", str(out), "--if-changed"]) == 0
    assert "up to date" in capsys.readouterr().out and out.stat().st_mtime_ns == written


def test_a_training_set_needs_both_labels(tmp_path):
    (tmp_path / "train_x_unacceptable.txt").write_text("We will sue you.\n")
    with pytest.raises(BackstopMissing, match="needs both"):
        training_files(tmp_path)
    with pytest.raises(BackstopMissing, match="no training files"):
        training_files(tmp_path / "empty")


def test_the_model_is_small_and_records_its_inputs():
    path = backstop.model_path()
    assert path.stat().st_size < 2_000_000
    model = json.loads(path.read_text(encoding="utf-8"))
    assert model["fingerprint"] == fingerprint(CORPUS, RULES_FILE)
    assert sum(i["lines"] for i in model["trained_on"]) == 1827
    assert model["embedding_other_languages"]["encoder"] == "e5"
    assert model["embedding"]["encoder"] == "minilm" and len(model["embedding"]["coef"]) == 384


def test_a_model_trained_on_other_encoder_weights_is_refused(tmp_path, monkeypatch):
    """The embedding classifier's weights mean nothing with another encoder."""
    model = json.loads(Path(backstop.model_path()).read_text(encoding="utf-8"))
    model["embedding_other_languages"]["weights_sha256"] = "0" * 64
    stale = tmp_path / "other_weights.json"
    stale.write_text(json.dumps(model), encoding="utf-8")
    monkeypatch.setenv(backstop.MODEL_ENV, str(stale))
    with pytest.raises(BackstopMissing, match="other e5 weights"):
        backstop.require_model()
    model["embedding"]["weights_sha256"] = "0" * 64
    stale.write_text(json.dumps(model), encoding="utf-8")
    backstop.load_model.cache_clear()
    with pytest.raises(BackstopMissing, match="other minilm weights"):
        backstop.require_model()


def test_embedding_scoring_is_the_recorded_logistic_regression():
    """embedding_suspicion() is sigmoid(w . MiniLM(text) + b) with the model's own w and b,
    and for other languages the same with e5 and the second classifier's w and b."""
    import numpy as np

    from bot.compliance.backstop.training import embedding_text
    from bot.embeddings import sentence_vectors

    model = json.loads(Path(backstop.model_path()).read_text(encoding="utf-8"))["embedding"]
    text = "Officers will take you in tonight."
    z = float(np.dot(sentence_vectors([embedding_text(text, default_rules())])[0], model["coef"])) + model["intercept"]
    assert backstop.embedding_suspicion(text) == pytest.approx(1 / (1 + np.exp(-z)), abs=1e-6)
    other = json.loads(Path(backstop.model_path()).read_text(encoding="utf-8"))["embedding_other_languages"]
    text = "Maafisa watakuchukua usiku wa leo."
    vector = sentence_vectors([embedding_text(text, default_rules())], "e5")[0]
    z = float(np.dot(vector, other["coef"])) + other["intercept"]
    assert backstop.embedding_suspicion(text, other_languages=True) == pytest.approx(1 / (1 + np.exp(-z)), abs=1e-6)


def test_a_text_only_the_embedding_classifier_flags_is_held(monkeypatch):
    """No rule and no n-gram fires, the meaning does: held as suspected, not sent."""
    monkeypatch.setattr(backstop, "ngram_suspicion", lambda text, book=None: 0.1)
    monkeypatch.setattr(backstop, "embedding_suspicion", lambda text, book=None, other_languages=False: 0.95)
    decision = check_text("A pleasant afternoon to you.")
    assert (decision.allowed, decision.rule) == (False, "prohibited_language.suspected")
    monkeypatch.setattr(backstop, "embedding_suspicion", lambda text, book=None, other_languages=False: 0.5)
    assert check_text("A pleasant afternoon to you.").allowed


def test_an_english_only_encoder_reads_english_only(monkeypatch):
    """MiniLM is English-only: on other languages it held protective texts, so they are the rules' job."""
    calls = []
    english_only = backstop.Model(Path("m.json"), 0.0, (), (), encoder="minilm")
    monkeypatch.setattr(backstop, "require_model", lambda: english_only)
    monkeypatch.setattr(backstop, "ngram_suspicion", lambda text, book=None: 0.1)
    monkeypatch.setattr(backstop, "embedding_suspicion",
                        lambda text, book=None, other_languages=False: calls.append(text) or 0.99)
    assert check_text("Hum aapki family ya office ko kabhi call nahi karenge.").allowed
    assert check_text("Kami tidak akan menghubungi keluarga Anda.").allowed
    assert calls == []
    assert not check_text("We will be waiting for you after work.").allowed
    assert backstop.reads_english("You will not be contacted again.")
    assert not backstop.reads_english("Tafadhali lipa kiasi kinachofuata tarehe 5 Juni.")


def test_other_languages_go_to_the_multilingual_classifier(monkeypatch):
    """English to MiniLM at its threshold, every other language to e5 at its own (issue 15)."""
    assert backstop.require_model().multilingual and backstop.require_model().other_encoder == "e5"
    seen = []

    def score(text, book=None, other_languages=False):
        seen.append((text, other_languages))
        return 0.75

    monkeypatch.setattr(backstop, "ngram_suspicion", lambda text, book=None: 0.1)
    monkeypatch.setattr(backstop, "embedding_suspicion", score)
    book = default_rules()
    assert book.other_languages_hold_at <= 0.75 < book.embedding_hold_at
    assert backstop.suspicion("Tutakutembelea nyumbani kwako kesho asubuhi.") >= book.hold_at
    assert backstop.suspicion("We will visit you at home tomorrow morning.") < book.hold_at
    assert seen == [("Tutakutembelea nyumbani kwako kesho asubuhi.", True),
                    ("We will visit you at home tomorrow morning.", False)]
