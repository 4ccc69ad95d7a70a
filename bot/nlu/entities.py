"""Rasa component that adds rule-extracted, normalised entities to each message.

Pipeline entry: - name: bot.nlu.entities.EntityNormaliser
(after the tokenizer and after any trained entity extractor.)
Options: ``timezone`` (IANA name, default "UTC") is the fallback zone for
dates; a message whose metadata carries ``timezone`` uses that instead, so a
borrower's "tomorrow" is their tomorrow.

It also normalises entities that a trained extractor (DIET, CRF, regex)
found, because the contract promises normalised values whoever extracted
them. On an overlapping span of the same entity type our rule result wins
(our `not_date`, a date the borrower ruled out, counts as a `date` there).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message

from bot import clock
from bot.nlu.normalise import EXTRACTOR, extract, local_today, normalise_entity
from bot.nlu.normalise.negation import check_lexicon as check_negation_lexicon


# A trained extractor labels a refused day `date` (a taken-back amount `amount`); ours on the same span must win.
_SAME_KIND = {"not_date": "date", "not_amount": "amount"}


def _kind(entity: Dict[Text, Any]) -> Any:
    return _SAME_KIND.get(entity.get("entity"), entity.get("entity"))


def _overlaps(a: Dict[Text, Any], b: Dict[Text, Any]) -> bool:
    return _kind(a) == _kind(b) and a["start"] < b["end"] and b["start"] < a["end"]


def merge_entities(ours: List[Dict], theirs: List[Dict], text: str, now: datetime, tz: str) -> List[Dict]:
    """Their entities normalised, minus those our same-type spans overlap, plus ours."""
    kept = []
    for ent in theirs:
        if ent.get("extractor") == EXTRACTOR:
            continue  # a second run must not duplicate our own output
        if isinstance(ent.get("start"), int) and any(_overlaps(ent, o) for o in ours):
            continue
        kept.append(normalise_entity(ent, text, now, tz))
    return sorted(kept + ours, key=lambda e: (e.get("start") or 0, e.get("end") or 0))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class EntityNormaliser(GraphComponent):
    """Rule-based extraction + normalisation; no training, no state."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"timezone": "UTC"}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.timezone = str(config.get("timezone") or "UTC")
        local_today(datetime.now(timezone.utc), self.timezone)  # fail fast on a bad zone name
        check_negation_lexicon()  # a broken data/lexicons/negation.yml fails at load, not on a message

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext) -> "EntityNormaliser":
        return cls(config)

    def _zone(self, message: Message) -> str:
        meta: Optional[Dict] = message.get("metadata")
        zone = meta.get("timezone") if isinstance(meta, dict) else None
        if zone:
            try:
                local_today(datetime.now(timezone.utc), str(zone))
                return str(zone)
            except ValueError:
                pass  # a bad zone from a channel must not break parsing
        return self.timezone

    def process(self, messages: List[Message]) -> List[Message]:
        now = clock.now()  # BOT_NOW_FILE in simulations: 'tomorrow' is the simulated one
        for message in messages:
            text = message.get("text") or ""
            tz = self._zone(message)
            ours = extract(text, now, tz)
            merged = merge_entities(ours, message.get("entities") or [], text, now, tz)
            message.set("entities", merged, add_to_output=True)
        return messages
