"""Each intent's name, in words, as one more training example of that intent.

Why: the name is the one description of an intent that somebody wrote on
purpose ("request_deferral", "card_arrival"), and it holds the words that
decide between neighbours. With forty examples an intent hardly needs it; with
ten (a lender's new intent, BANKING77 10-shot) it is worth about a point of
accuracy (docs/nlu.md). Training only: at inference this does nothing.

The examples are labelled neutral so that the emotion classifier, which also
learns from intent examples, reads nothing into them.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.emotion import DEFAULT_EMOTION, labelled_message


def as_words(intent: str) -> str:
    """``request_deferral`` -> ``request deferral``; also splits dots, dashes and camelCase."""
    spaced = "".join(f" {c}" if c.isupper() and i and intent[i - 1].islower() else c
                     for i, c in enumerate(intent))
    return " ".join(spaced.replace("_", " ").replace("-", " ").replace(".", " ").lower().split())


def name_examples(intents: List[str]) -> List[Message]:
    """One per intent (Rasa's TrainingData drops duplicate examples, so one it is)."""
    return [
        labelled_message(words, DEFAULT_EMOTION, intent)
        for intent in sorted(intents)
        if (words := as_words(intent))
    ]


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class IntentNameExamples(GraphComponent):
    """Adds one example per intent, its name in words (training only)."""

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext) -> "IntentNameExamples":
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        extra = name_examples([i for i in training_data.intents if i])
        return training_data.merge(TrainingData(training_examples=extra)) if extra else training_data

    def process(self, messages: List[Message]) -> List[Message]:
        return messages
