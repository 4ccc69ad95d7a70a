"""The leak guard: the backstop never learns from a line it is measured on.

data/compliance/*.txt are split by name into train_ (fitted on), dev_ and
blind_ (never fitted on; see data/compliance/README.md). A blind score is only
honest if no blind line, nor a trivially different copy of one, is among the
training lines.
"""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from pathlib import Path

from bot.compliance import backstop
from bot.compliance.backstop.training import corpus_lines, training_files

CORPUS = backstop.CORPUS_DIR
NAME = re.compile(r"(?P<split>train|dev|blind)_(?P<set>[a-z0-9_]+)_(?P<label>unacceptable|acceptable)\.txt")


def _files(split: str) -> list[Path]:
    return sorted(p for p in CORPUS.glob("*.txt") if NAME.fullmatch(p.name)["split"] == split)


def _lines(files: list[Path]) -> list[tuple[str, str]]:
    return [(p.name, t) for p in files for t in corpus_lines(p)]


def _same(text: str) -> str:
    """Equal for copies that differ only in case, spacing, punctuation or Unicode form."""
    text = unicodedata.normalize("NFKC", text).lower()
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"\w+", _same(text)))


def test_every_corpus_file_belongs_to_one_split():
    for path in CORPUS.iterdir():
        if path.suffix == ".txt":
            assert NAME.fullmatch(path.name), f"{path.name}: name it train_/dev_/blind_<set>_<label>.txt"
        else:
            assert path.name in {"rules.yml", "README.md"}, path.name
    for split in ("train", "dev", "blind"):
        sets = {NAME.fullmatch(p.name)["set"] for p in _files(split)}
        assert sets, split
        for name in sets:
            assert (CORPUS / f"{split}_{name}_unacceptable.txt").exists()
            assert (CORPUS / f"{split}_{name}_acceptable.txt").exists()


def test_training_reads_the_train_files_and_nothing_else():
    assert sorted(p for p, _ in training_files()) == _files("train")
    assert all(label == int(NAME.fullmatch(p.name)["label"] == "unacceptable") for p, label in training_files())


def test_the_loaded_model_was_fitted_on_exactly_the_train_files_as_they_are():
    model = json.loads(backstop.model_path().read_text(encoding="utf-8"))
    assert sorted(i["file"] for i in model["trained_on"]) == [p.name for p in _files("train")]
    assert sorted(backstop.require_model().trained_on) == [p.name for p in _files("train")]
    for item in model["trained_on"]:
        assert item["sha256"] == hashlib.sha256((CORPUS / item["file"]).read_bytes()).hexdigest(), item["file"]
        assert not item["file"].startswith(("dev_", "blind_"))


def test_no_dev_or_blind_line_is_a_training_line():
    """Exact copies after normalising case, spacing and punctuation, and near
    copies (nine words in ten the same) both count as a leak."""
    train = _lines(_files("train"))
    seen = {_same(t): (f, t) for f, t in train}
    words = [(_words(t), f, t) for f, t in train]
    leaks = []
    for name, text in _lines(_files("dev") + _files("blind")):
        if _same(text) in seen:
            leaks.append((name, text, *seen[_same(text)]))
            continue
        mine = _words(text)
        for theirs, f, t in words:
            if mine | theirs and len(mine & theirs) / len(mine | theirs) >= 0.9:
                leaks.append((name, text, f, t))
    assert not leaks, leaks


def test_no_blind_line_is_a_dev_line():
    """Dev lines are looked at while writing rules; a blind line among them is no longer blind."""
    dev = {_same(t) for _, t in _lines(_files("dev"))}
    assert not [(f, t) for f, t in _lines(_files("blind")) if _same(t) in dev]


def test_no_text_carries_both_labels():
    labels: dict[str, set[str]] = {}
    for path in CORPUS.glob("*.txt"):
        for text in corpus_lines(path):
            labels.setdefault(_same(text), set()).add(NAME.fullmatch(path.name)["label"])
    assert not [t for t, found in labels.items() if len(found) > 1]
