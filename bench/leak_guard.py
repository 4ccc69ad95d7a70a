"""Does any evaluation text also appear, exactly or nearly, among the training texts?

    PYTHONPATH=. python -m bench.leak_guard

A number measured on text the model was trained on says nothing about
borrowers nobody has seen, so every training source of the shipped models is
compared with every evaluation set, in both directions of a copy: the same
text after normalising case, accents, punctuation and spacing (exact), and
texts whose word sets overlap by at least NEAR_JACCARD (near: a typo, a word
swapped, a name changed). tests/unit/nlu/test_leak_guard.py fails on any pair.

Training sources: data/nlu (intents, entities, emotions), data/emotion
(everyday emotion examples), data/compliance/train_* (the guard's backstop),
the self-harm check's prototypes and contrasts (data/lexicons/self_harm*.yml), the
self-harm classifier's examples (data/self_harm).
Evaluation sets: tests/nlu/heldout (the dev split), tests/nlu/dev_*.yml (further
dev sets, e.g. dev_emotion.yml), data/compliance dev_* and
blind_*, bench/blind/ (written blind, never trained on), and the external sets
in ../shared/datasets when present (GoEmotions dev/test, BANKING77 test,
CLINC150 val/test and out-of-scope).
"""
from __future__ import annotations

import csv
import json
import os
import re
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from typing import Iterable, Iterator

import yaml

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NLU_DATASETS") or ROOT.parent / "shared" / "datasets")
NEAR_JACCARD = 0.85
# "thank you" or "yes please" in two sets is the language, not a copy: texts of
# fewer words than these are not compared (tests/unit/nlu/test_nlu_data.py still
# keeps the dev split free of any exact training text, however short).
MIN_WORDS_FOR_EXACT = 3
MIN_WORDS_FOR_NEAR = 5
COMMON_WORD = 400  # words in more training texts than this do not nominate candidates

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
Texts = list[tuple[str, str]]  # (where, text)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    # Chinese has no spaces: each Han character counts as a word, so a Chinese
    # sentence is compared character by character instead of as one "word".
    text = HAN.sub(lambda m: f" {m.group()} ", text)
    return " ".join(re.findall(r"\w+", text))


def _rasa_nlu(path: Path) -> Iterator[str]:
    for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
        examples = block.get("examples") or []
        if isinstance(examples, str):  # "- text\n- text" block form
            yield from (line[2:] for line in examples.splitlines() if line.startswith("- "))
            continue
        for example in examples:
            text = example.get("text") if isinstance(example, dict) else example
            if text:
                yield re.sub(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}", lambda m: m.group(1) or m.group(2),
                             str(text)).strip()


def _lines(path: Path) -> Iterator[str]:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            yield line.strip()


def _jsonl(path: Path) -> Iterator[str]:
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "//")):
            row = json.loads(line)
            if row.get("text"):
                yield row["text"]


def _dev_texts(path: Path) -> Iterator[str]:
    """A further dev set: Rasa NLU YAML, any other YAML of texts, or JSON lines."""
    if path.suffix == ".jsonl":
        yield from _jsonl(path)
    elif path.suffix in (".yml", ".yaml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        yield from _rasa_nlu(path) if isinstance(doc, dict) and "nlu" in doc else _strings(doc)


def _blind(folder: Path) -> Iterator[tuple[str, str]]:
    """Every borrower or collector text in bench/blind, whatever file shape it is written in."""
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".jsonl":
            yield from ((str(path.relative_to(ROOT)), t) for t in _jsonl(path))
        elif path.suffix in (".yml", ".yaml"):
            yield from ((str(path.relative_to(ROOT)), t) for t in _strings(yaml.safe_load(path.read_text("utf-8"))))


def _strings(node) -> Iterator[str]:
    """The sentences a conversation script puts in a borrower's mouth (lists of turns, `text:` fields)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("text", "says", "message", "borrower") and isinstance(value, str):
                yield value
            else:
                yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, str) and len(item.split()) >= 3:
                yield item
            else:
                yield from _strings(item)


def training_texts(root: Path = ROOT) -> Texts:
    found: Texts = []
    for path in sorted((root / "data" / "nlu").glob("*.yml")):
        found += [(str(path.relative_to(root)), t) for t in _rasa_nlu(path)]
    for path in sorted((root / "data" / "emotion").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        found += [(str(path.relative_to(root)), str(t)) for t in data.get("examples") or []]
    for path in sorted((root / "data" / "compliance").glob("train_*.txt")):
        found += [(str(path.relative_to(root)), t) for t in _lines(path)]
    found += list(_self_harm_references(root / "data" / "lexicons"))
    for path in sorted((root / "data" / "self_harm").glob("*.yml")):  # the self-harm classifier's examples
        found += [(str(path.relative_to(root)), t) for t in _dev_texts(path)]
    return found


def _self_harm_references(folder: Path) -> Iterator[tuple[str, str]]:
    """The self-harm check's prototypes and contrasts: what it compares with is what it learnt."""
    english = yaml.safe_load((folder / "self_harm.yml").read_text(encoding="utf-8")) or {}
    semantic = english.get("semantic") or {}
    for kind in ("prototypes", "contrasts"):
        yield from (("data/lexicons/self_harm.yml", str(t)) for t in semantic.get(kind) or [])
    path = folder / "self_harm_multilingual.yml"
    if path.is_file():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for kind in ("prototypes", "contrasts"):
            for texts in (data.get(kind) or {}).values():
                yield from ((str(path.relative_to(folder.parents[1])), str(t)) for t in texts or [])


def evaluation_texts(root: Path = ROOT, shared: Path = SHARED) -> Texts:
    found: Texts = []
    for path in sorted((root / "tests" / "nlu" / "heldout").glob("*.yml")):
        found += [(str(path.relative_to(root)), t) for t in _rasa_nlu(path)]
    for path in sorted((root / "tests" / "nlu").glob("dev_*")):  # dev_emotion.yml, dev_self_harm.*
        found += [(str(path.relative_to(root)), t) for t in _dev_texts(path)]
    for pattern in ("dev_*.txt", "blind_*.txt"):
        for path in sorted((root / "data" / "compliance").glob(pattern)):
            found += [(str(path.relative_to(root)), t) for t in _lines(path)]
    if (root / "bench" / "blind").is_dir():
        found += list(_blind(root / "bench" / "blind"))
    found += list(external_texts(shared))
    return found


def external_texts(shared: Path = SHARED) -> Iterator[tuple[str, str]]:
    goemotions = shared / "goemotions-collections"
    for name in ("dev.tsv", "test.tsv"):
        if (goemotions / name).exists():
            with (goemotions / name).open(encoding="utf-8") as handle:
                yield from ((f"goemotions/{name}", row["text"]) for row in csv.DictReader(handle, delimiter="\t"))
    if (shared / "banking77" / "test.csv").exists():
        with (shared / "banking77" / "test.csv").open(encoding="utf-8") as handle:
            yield from (("banking77/test.csv", row["text"]) for row in csv.DictReader(handle))
    clinc = shared / "clinc150" / "data_full.json"
    if clinc.exists():
        data = json.loads(clinc.read_text(encoding="utf-8"))
        for split in ("val", "test", "oos_val", "oos_test"):
            yield from ((f"clinc150/{split}", text) for text, _ in data[split])


def leaks(train: Texts, evaluation: Texts) -> list[tuple[str, str, str, str, str]]:
    """(kind, evaluation place, evaluation text, training place, training text) for every leak."""
    by_text: dict[str, tuple[str, str]] = {}
    words_of: list[set[str]] = []
    index: dict[str, list[int]] = defaultdict(list)
    for n, (where, text) in enumerate(train):
        norm = normalise(text)
        by_text.setdefault(norm, (where, text))
        words = set(norm.split())
        words_of.append(words)
        for word in words:
            index[word].append(n)
    found = []
    for where, text in evaluation:
        norm = normalise(text)
        if len(norm.split()) < MIN_WORDS_FOR_EXACT:
            continue
        if norm in by_text:
            found.append(("exact", where, text, *by_text[norm]))
            continue
        words = set(norm.split())
        if len(words) < MIN_WORDS_FOR_NEAR:
            continue
        shared = Counter(n for w in words if len(index.get(w, ())) <= COMMON_WORD for n in index.get(w, ()))
        for n, _ in shared.most_common(20):
            other = words_of[n]
            if len(words & other) / len(words | other) >= NEAR_JACCARD:
                found.append(("near", where, text, *train[n]))
                break
    return found


def report(found: Iterable[tuple[str, str, str, str, str]]) -> str:
    return "\n".join(f"{kind}: {ew}: {et!r} ~ {tw}: {tt!r}" for kind, ew, et, tw, tt in found)


if __name__ == "__main__":
    train, evaluation = training_texts(), evaluation_texts()
    found = leaks(train, evaluation)
    print(f"{len(train)} training texts, {len(evaluation)} evaluation texts, {len(found)} leaks")
    print(report(found))
