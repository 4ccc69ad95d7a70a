"""The everyday emotion examples (data/emotion) and the component that adds them.

They must load, cover every emotion, stay out of the held-out split, reach the
emotion classifier and never the intent classifier, and refuse a bad file
whole, naming it.
"""
from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

from rasa.shared.nlu.constants import INTENT, TEXT  # noqa: E402
from rasa.shared.nlu.training_data.message import Message  # noqa: E402
from rasa.shared.nlu.training_data.training_data import TrainingData  # noqa: E402

from bot.nlu import emotion  # noqa: E402
from bot.nlu.emotion_examples import (  # noqa: E402
    EmotionExamples,
    EmotionExamplesError,
    fingerprint,
    read_examples,
)

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "data" / "emotion"
# Where bench/nlu_eval.py finds the external evaluation data, too.
DATASETS = Path(os.environ.get("NLU_DATASETS", ROOT.parent / "shared" / "datasets"))
GOEMOTIONS = DATASETS / "goemotions-collections"


def norm(text: str) -> str:
    return " ".join(text.lower().split())


def write(folder: Path, name: str, body: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(body, encoding="utf-8")


def test_every_emotion_has_varied_everyday_examples():
    examples = read_examples(DATA)
    by_emotion = {e: [t for t, label in examples if label == e] for e in emotion.EMOTIONS}
    for label, texts in by_emotion.items():
        assert len(texts) >= 150, f"{label}: only {len(texts)} examples"
        assert len({norm(t) for t in texts}) == len(texts), f"{label}: duplicate lines"
    texts = [norm(t) for t, _ in examples]
    assert len(set(texts)) == len(texts), "a line is labelled with two emotions"


def test_everyday_examples_stay_out_of_the_heldout_split():
    from rasa.shared.nlu.training_data.loading import load_data

    heldout = {norm(m.get(TEXT)) for m in load_data(str(ROOT / "tests" / "nlu" / "heldout")).nlu_examples}
    leaked = [t for t, _ in read_examples(DATA) if norm(t) in heldout]
    assert not leaked, leaked


@pytest.mark.skipif(not GOEMOTIONS.is_dir(), reason="external evaluation data not found (set NLU_DATASETS)")
def test_no_everyday_example_is_copied_from_the_evaluation_data():
    evaluation = set()
    for split in ("dev", "test"):
        with open(GOEMOTIONS / f"{split}.tsv", newline="", encoding="utf-8") as fh:
            evaluation |= {norm(r["text"]) for r in csv.DictReader(fh, delimiter="\t")}
    copied = [t for t, _ in read_examples(DATA) if norm(t) in evaluation]
    assert not copied, copied


def test_component_adds_intentless_emotion_examples(tmp_path):
    write(tmp_path, "positive.yml", "emotion: positive\nexamples:\n  - what a great day\n  - love it\n")
    write(tmp_path, "angry.yml", "emotion: angry\nexamples:\n  - this is ridiculous\n")
    intent_example = Message(data={TEXT: "hello", INTENT: "greet"})
    story_message = Message(data={TEXT: "some story text"})
    data = TrainingData(training_examples=[intent_example, story_message])

    merged = EmotionExamples({"path": str(tmp_path)}).process_training_data(data)

    assert [m.get(TEXT) for m in merged.intent_examples] == ["hello"]
    chosen = emotion.training_examples(merged)
    assert sorted((m.get(TEXT), emotion.emotion_label(m)) for m in chosen) == [
        ("hello", "neutral"), ("love it", "positive"),
        ("this is ridiculous", "angry"), ("what a great day", "positive"),
    ]


def test_component_leaves_messages_alone_at_inference(tmp_path):
    write(tmp_path, "neutral.yml", "emotion: neutral\nexamples:\n  - ok\n")
    message = Message(data={TEXT: "hi"})
    assert EmotionExamples({"path": str(tmp_path)}).process([message]) == [message]
    assert message.get(emotion.EMOTION) is None


@pytest.mark.parametrize("body, problem", [
    ("emotion: happy\nexamples:\n  - yay\n", "needs 'emotion:'"),
    ("emotion: positive\nexamples: []\n", "non-empty 'examples:'"),
    ("emotion: positive\nexamples:\n  - fine\n  - 42\n", "example 2 is not a non-empty string"),
    ("emotion: positive\nexamples:\n  - '  '\n", "example 1 is not a non-empty string"),
    ("emotion: [positive\n", "not valid YAML"),
    ("- just a list\n", "needs 'emotion:'"),
])
def test_bad_file_is_refused_with_its_name(tmp_path, body, problem):
    write(tmp_path, "good.yml", "emotion: neutral\nexamples:\n  - ok\n")
    write(tmp_path, "bad.yml", body)
    with pytest.raises(EmotionExamplesError, match=problem) as info:
        read_examples(tmp_path)
    assert "bad.yml" in str(info.value)


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(EmotionExamplesError, match="not found"):
        read_examples(tmp_path / "nowhere")


def test_fingerprint_follows_the_contents(tmp_path):
    """Rasa reuses a cached component unless its fingerprint changes, so an edited
    example file must change it although config.yml did not."""
    write(tmp_path, "neutral.yml", "emotion: neutral\nexamples:\n  - ok\n")
    before = EmotionExamples.fingerprint_addon({"path": str(tmp_path)})
    assert before == fingerprint(tmp_path)
    write(tmp_path, "neutral.yml", "emotion: neutral\nexamples:\n  - okay\n")
    assert EmotionExamples.fingerprint_addon({"path": str(tmp_path)}) != before
