"""Emotion classifier: the dialogue answers a frightened borrower differently
from an angry one, so every parse carries ``emotion`` and ``emotion_ranking``.

Trained on the per-example ``metadata: {emotion: ...}`` of the NLU data (Rasa
3.6 keeps it on the training Message under ``metadata.example``); an example
without a known label counts as ``neutral``. Same features and model family as
the intent classifier (logistic regression over MiniLM ⊕ n-grams). The keys
are set as output properties, which is what makes Rasa keep them in
``/model/parse`` and in the tracker's ``UserUttered.parse_data``.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import METADATA, METADATA_EXAMPLE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu import linear_model
from bot.nlu.sentence_features import sentence_matrix
from bot.nlu.stored_model import fit_and_store, load_stored

EMOTIONS = ("neutral", "anxious", "angry", "distressed", "apologetic", "positive", "confused")
DEFAULT_EMOTION = "neutral"
EMOTION = "emotion"
EMOTION_RANKING = "emotion_ranking"
MODEL_FILE = "emotion_lr.npz"


def emotion_label(message: Message) -> str:
    """The example's emotion label, or neutral when missing/unknown."""
    metadata = message.get(METADATA) or {}
    example = metadata.get(METADATA_EXAMPLE) if isinstance(metadata, dict) else None
    label = example.get(EMOTION) if isinstance(example, dict) else None
    label = label.strip().lower() if isinstance(label, str) else None
    return label if label in EMOTIONS else DEFAULT_EMOTION


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class EmotionClassifier(GraphComponent):
    """Adds ``emotion`` {name, confidence} and ``emotion_ranking`` to messages."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"C": 5.0, "dense_weight": 1.0, "max_iter": 1000, "class_weight_balanced": True}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        clf: Optional[Any] = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self._clf = clf

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "EmotionClassifier":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(TEXT)]
        labels = [emotion_label(e) for e in examples]
        if len(set(labels)) < 2:
            return self._resource  # nothing to learn: every parse says neutral
        self._clf = fit_and_store(examples, labels, self._config, self._storage, self._resource, MODEL_FILE)
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "EmotionClassifier":
        return cls(config, model_storage, resource, load_stored(model_storage, resource, MODEL_FILE))

    def process(self, messages: List[Message]) -> List[Message]:
        todo = [m for m in messages if m.get(TEXT)]
        if self._clf is not None and todo:
            rankings = linear_model.ranking(
                self._clf, sentence_matrix(todo, float(self._config["dense_weight"]))
            )
        else:
            rankings = [[{"name": DEFAULT_EMOTION, "confidence": 1.0}]] * len(todo)
        for message, ranking in zip(todo, rankings):
            message.set(EMOTION, ranking[0], add_to_output=True)
            message.set(EMOTION_RANKING, ranking, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
