"""Everyday emotion examples added to the training data of the emotion classifier.

Why: trained on collections chat alone, the emotion classifier learns that a
message about a loan is rarely neutral, and it calls most plain everyday
statements angry or distressed. ``data/emotion/<emotion>.yml`` holds messages
from ordinary life (sport, family, work, online threads) written for this
project, one file per emotion. This component, first in the pipeline, adds
them to the training data as intent-less messages, so they are tokenised and
featurised like every other example; the intent classifier never sees them
(it trains on intent examples only), the emotion classifier does.

At inference it does nothing. Its fingerprint includes the files' contents, so
Rasa retrains when an example changes although the config did not.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Tuple

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.emotion import EMOTIONS, labelled_message

DEFAULT_PATH = "data/emotion"


class EmotionExamplesError(ValueError):
    """An emotion example file is malformed; the message names the file and the problem."""


def _files(path: Path) -> List[Path]:
    if not path.is_dir():
        raise EmotionExamplesError(f"emotion examples folder not found: {path}")
    return sorted(p for p in path.iterdir() if p.suffix in (".yml", ".yaml"))


def read_examples(path: Path) -> List[Tuple[str, str]]:
    """(text, emotion) for every example under ``path``; refuses bad files whole."""
    out: List[Tuple[str, str]] = []
    for file in _files(path):
        try:
            doc = yaml.safe_load(file.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise EmotionExamplesError(f"{file}: not valid YAML: {exc}") from exc
        if not isinstance(doc, dict) or doc.get("emotion") not in EMOTIONS:
            raise EmotionExamplesError(f"{file}: needs 'emotion:' set to one of {', '.join(EMOTIONS)}")
        examples = doc.get("examples")
        if not isinstance(examples, list) or not examples:
            raise EmotionExamplesError(f"{file}: needs a non-empty 'examples:' list")
        for number, text in enumerate(examples, 1):
            if not isinstance(text, str) or not text.strip():
                raise EmotionExamplesError(f"{file}: example {number} is not a non-empty string")
            out.append((text.strip(), doc["emotion"]))
    return out


def fingerprint(path: Path) -> str:
    digest = hashlib.sha256()
    for file in _files(path):
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class EmotionExamples(GraphComponent):
    """Adds data/emotion/*.yml to the training data (training only)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"path": DEFAULT_PATH}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._path = Path(config.get("path") or DEFAULT_PATH)

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext) -> "EmotionExamples":
        return cls({**cls.get_default_config(), **config})

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        return fingerprint(Path(config.get("path") or DEFAULT_PATH))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        extra = [labelled_message(text, emotion) for text, emotion in read_examples(self._path)]
        return training_data.merge(TrainingData(training_examples=extra))

    def process(self, messages: List[Message]) -> List[Message]:
        return messages
