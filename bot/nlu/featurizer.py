"""Rasa dense featurizer: MiniLM sentence embedding (+ token-aligned sequence vectors).

Why not Rasa's LanguageModelFeaturizer: it runs the transformer eagerly
(~200 ms/message here). This one uses the traced encoder in ``bot.nlu.minilm``
(load once, warm up at load, ~10-17 ms/message) and encodes training data in
batches. Sentence features are the mean-pooled, L2-normalised embedding
(what all-MiniLM-L6-v2 was trained to produce); sequence features are the
wordpiece vectors averaged onto each spaCy token so that DIET/CRF could use
them too.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import FEATURIZER_CLASS_ALIAS, TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.minilm import DEFAULT_MAX_LENGTH, EMBEDDING_DIM, Encoded, shared_encoder


def align_to_tokens(encoded: Encoded, spans: List[tuple]) -> np.ndarray:
    """Average the wordpiece vectors whose char span overlaps each token span."""
    out = np.zeros((len(spans), EMBEDDING_DIM), dtype=np.float32)
    for row, (start, end) in enumerate(spans):
        hits = [
            i for i, (s, e) in enumerate(encoded.offsets) if s < end and e > start
        ]
        if hits:
            out[row] = encoded.tokens[hits].mean(axis=0)
    return out


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class MiniLMFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds MiniLM dense features to the TEXT of every message."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            "max_length": DEFAULT_MAX_LENGTH,  # wordpieces; longer text is truncated
            "sequence_features": True,
            "batch_size": 64,
        }

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)
        self._encoder = shared_encoder(int(self._config["max_length"]))

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "MiniLMFeaturizer":
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if int(config.get("max_length", DEFAULT_MAX_LENGTH)) < 8:
            raise ValueError("MiniLMFeaturizer: max_length must be at least 8")

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        todo = [m for m in messages if m.get(TEXT)]
        if not todo:
            return messages
        encoded = self._encoder.encode(
            [m.get(TEXT) for m in todo], batch_size=int(self._config["batch_size"])
        )
        alias = self._config[FEATURIZER_CLASS_ALIAS]
        for message, enc in zip(todo, encoded):
            tokens = message.get(TOKENS_NAMES[TEXT]) or []
            if self._config["sequence_features"] and tokens:
                seq = align_to_tokens(enc, [(t.start, t.end) for t in tokens])
                message.add_features(Features(seq, FEATURE_TYPE_SEQUENCE, TEXT, alias))
            message.add_features(
                Features(enc.sentence[np.newaxis, :], FEATURE_TYPE_SENTENCE, TEXT, alias)
            )
        return messages
