"""Rasa component that names each message's language: parse["language"] (BCP 47, or "und").

Pipeline entry (anywhere before the classifiers): - name: bot.nlu.language_reader.LanguageReader
The operator contract asks /model/parse for it; the action server uses it to
answer in the borrower's language (actions/context.py). A channel that knows
the borrower's language may send it as message metadata `language` (the web
chat sends its page language): it is the prior for messages too short to tell.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.language_id import base, identify, lexicon, warm_up

LANGUAGE = "language"


def prior_of(message: Message) -> str | None:
    metadata = message.get("metadata") or {}
    value = metadata.get(LANGUAGE) if isinstance(metadata, dict) else None
    if isinstance(value, str) and base(value) in lexicon()["languages"]:
        return base(value)
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class LanguageReader(GraphComponent):
    """Adds ``language`` to every parse; no training, no state."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext) -> "LanguageReader":
        warm_up()  # lingua's models load with the model, not on a borrower's first message
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            guess = identify(message.get("text") or "", prior_of(message))
            message.set(LANGUAGE, guess.language, add_to_output=True)
        return messages

    def process_training_data(self, training_data: Any) -> Any:
        return training_data
