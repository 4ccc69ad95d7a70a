"""Rasa component that adds the dialogue's signals (bot/nlu/signals.py) to every parse.

Pipeline entry (after the entity normaliser): - name: bot.nlu.signal_reader.SignalReader
Output: ``parse["signals"]``; the shape is in bot/nlu/signals.py and docs/nlu-entities.md.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.signals import check_lexicon, read_signals


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class SignalReader(GraphComponent):
    """Adds ``signals`` to every parse; no training, no state."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext) -> "SignalReader":
        check_lexicon()  # a broken lexicon fails when the model loads, not on a borrower's message
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            message.set("signals", read_signals(message.get("text") or "", message.get("entities") or ()), add_to_output=True)
        return messages
