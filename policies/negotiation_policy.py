"""Our dialogue policy: the negotiation moves, decided by rules we can audit.

A learned policy may generalise; a collections bot must not improvise an
offer. This policy answers every borrower turn with the move chosen by
`bot.dialogue.moves.decide` (confidence 1.0), and listens after each of our
actions. Rasa's RulePolicy keeps the built-in turns (restart, session start,
fallback when we have no opinion).

The decision is made here, once: the move (its action, terms and reasons)
rides on the prediction as a `move` slot event, which Rasa applies to the
tracker before it calls the action (rasa.core.processor `_run_action`), and
the action server executes exactly that move. It is an optional event, so
it is applied only when this policy's prediction wins.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction, SupportedData
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot import clock, redact
from bot.dialogue import verification
from bot.dialogue.move import MOVE_SLOT, Move, to_dict
from bot.dialogue.moves import decide, in_a_row, is_angry, is_fallback, turn_from_parse
from bot.negotiation.ladder import load_ladder
from bot.negotiation.limits import DEFAULT_PATH as DEFAULT_PRODUCTS, load_products
from bot.settings import verification as verification_settings

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
        # Read through bot.config from the repository root, not Rasa's working
        # directory; the shipped default lets PRODUCTS_YML move the file, as it
        # does for the action server and the web server.
        configured = config.get("products")
        path = None if configured in (None, DEFAULT_PRODUCTS) else configured
        self.products = load_products(path)
        self.ladder = load_ladder(path)
        self.idle = verification_settings().idle

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
        move = NegotiationPolicy.next_move(self, tracker)
        probabilities = self._default_predictions(domain)
        if move is None:
            return self._prediction(probabilities)
        probabilities[domain.index_for_action(move.action)] = 1.0
        if move.action == ACTION_LISTEN_NAME:
            return self._prediction(probabilities)
        decided = to_dict(move, for_message=tracker.latest_message.message_id)
        return self._prediction(probabilities, optional_events=[SlotSet(MOVE_SLOT, decided)])

    def next_action(self, tracker: DialogueStateTracker) -> Optional[str]:
        # Called through the class so that a test can pass the policy's fields as `self`.
        move = NegotiationPolicy.next_move(self, tracker)
        return None if move is None else move.action

    def next_move(self, tracker: DialogueStateTracker) -> Optional[Move]:
        """Listen after our own actions; answer a borrower's message with the decided move;
        None (no opinion) for Rasa's built-in intents."""
        if tracker.latest_action_name != ACTION_LISTEN_NAME:
            return Move(ACTION_LISTEN_NAME)
        message = tracker.latest_message
        if message is None or not message.text and not message.intent:
            return None
        intent = (message.intent or {}).get("name")
        if intent in RASA_DEFAULT_INTENTS:
            return None
        stamped = datetime.fromtimestamp(message.timestamp, timezone.utc)
        # Dates on the simulated clock when one is set (bot/clock.py), as the action server reads them.
        now = clock.now() if clock.is_set() else stamped
        parses = [e.parse_data for e in tracker.events if isinstance(e, UserUttered)]
        # The action server clears the slots of an expired verification; decide on them as it will.
        slots, _ = verification.current_slots(tracker.current_slot_values(), [e.as_dict() for e in tracker.events],
                                              stamped, self.idle)
        turn = turn_from_parse(message.parse_data, slots, now, in_a_row(parses, is_fallback),
                               message.metadata, in_a_row(parses, is_angry))
        return decide(turn, self.products, self.ladder)
