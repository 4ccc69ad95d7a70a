"""Rasa dense featurizers: MiniLM (sentence + token-aligned sequence vectors) and e5 (sentence).

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


class _EncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """What both encoders' featurizers share: Rasa's plumbing and batching."""

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)
        self._encoder = self._load()

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "_EncoderFeaturizer":
        return cls(config, execution_context.node_name)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        todo = [m for m in messages if m.get(TEXT)]
        if todo:
            encoded = self._encoder.encode(
                [m.get(TEXT) for m in todo], batch_size=int(self._config["batch_size"])
            )
            for message, enc in zip(todo, encoded):
                self._add(message, enc)
        return messages

    def _load(self) -> Any:
        raise NotImplementedError

    def _add(self, message: Message, enc: Encoded) -> None:
        raise NotImplementedError


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class MiniLMFeaturizer(_EncoderFeaturizer):
    """Adds MiniLM dense features to the TEXT of every message."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            "max_length": DEFAULT_MAX_LENGTH,  # wordpieces; longer text is truncated
            "sequence_features": True,
            "batch_size": 64,
        }

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if int(config.get("max_length", DEFAULT_MAX_LENGTH)) < 8:
            raise ValueError("MiniLMFeaturizer: max_length must be at least 8")

    def _load(self) -> Any:
        return shared_encoder(int(self._config["max_length"]))

    def _add(self, message: Message, enc: Encoded) -> None:
        alias = self._config[FEATURIZER_CLASS_ALIAS]
        tokens = message.get(TOKENS_NAMES[TEXT]) or []
        if self._config["sequence_features"] and tokens:
            seq = align_to_tokens(enc, [(t.start, t.end) for t in tokens])
            message.add_features(Features(seq, FEATURE_TYPE_SEQUENCE, TEXT, alias))
        message.add_features(Features(enc.sentence[np.newaxis, :], FEATURE_TYPE_SENTENCE, TEXT, alias))


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class E5Featurizer(_EncoderFeaturizer):
    """Adds the multilingual e5 sentence vector beside MiniLM's (issue 15).

    Why beside and not instead: on the dev splits the two together beat either
    alone (docs/nlu.md "e5 featurizer"), and MiniLM's token vectors stay
    available to the word match. e5 reads code-mixed Swahili, Tagalog, Hindi
    and Chinese, which MiniLM maps near random. Sentence features only: the
    engine has no token vectors.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**DenseFeaturizer.get_default_config(), "batch_size": 32}

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if int(config.get("batch_size", 32)) < 1:
            raise ValueError("E5Featurizer: batch_size must be at least 1")

    def _load(self) -> Any:
        from bot.embeddings import shared_e5

        return shared_e5()

    def _add(self, message: Message, enc: Encoded) -> None:
        # Named by the node (Rasa's identifier), so that the safety net can tell
        # this vector from MiniLM's, which has the same width.
        message.add_features(
            Features(enc.sentence[np.newaxis, :], FEATURE_TYPE_SENTENCE, TEXT, self._identifier)
        )
