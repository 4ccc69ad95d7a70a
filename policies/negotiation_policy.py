"""Our dialogue policy: the negotiation moves, decided by rules we can audit.

A learned policy may generalise; a collections bot must not improvise an
offer. This policy answers every borrower turn with the move chosen by
`bot.dialogue.moves.decide` (confidence 1.0), and listens after each of our
actions. Rasa's RulePolicy keeps the built-in turns (restart, session start,
fallback when we have no opinion).
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction, SupportedData
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot import redact
from bot.dialogue.moves import decide, in_a_row, is_angry, is_fallback, turn_from_parse
from bot.negotiation.ladder import load_ladder
from bot.negotiation.limits import load_products

redact.install()  # the Rasa server loads this module: its logs are redacted from here on

RASA_DEFAULT_INTENTS = {"restart", "back", "session_start", "out_of_scope_default"}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class NegotiationPolicy(Policy):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"priority": 5, "products": "config/products.yml"}

    @staticmethod
    def supported_data() -> SupportedData:
        return SupportedData.ML_DATA

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Optional[Any] = None,
    ) -> None:
        super().__init__(config, model_storage, resource, execution_context, featurizer)
        path = Path(config.get("products", "config/products.yml"))
        self.products = load_products(path)
        self.ladder = load_ladder(path)

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        # Nothing to learn: the moves come from configuration and code.
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[Text, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        action = self.next_action(tracker)
        probabilities = self._default_predictions(domain)
        if action is not None:
            probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities)

    def next_action(self, tracker: DialogueStateTracker) -> Optional[str]:
        if tracker.latest_action_name != ACTION_LISTEN_NAME:
            return ACTION_LISTEN_NAME
        message = tracker.latest_message
        if message is None or not message.text and not message.intent:
            return None
        intent = (message.intent or {}).get("name")
        if intent in RASA_DEFAULT_INTENTS:
            return None
        now = datetime.fromtimestamp(message.timestamp, timezone.utc)
        parses = [e.parse_data for e in tracker.events if isinstance(e, UserUttered)]
        turn = turn_from_parse(message.parse_data, tracker.current_slot_values(), now, in_a_row(parses, is_fallback),
                               message.metadata, in_a_row(parses, is_angry))
        return decide(turn, self.products, self.ladder).action
