"""The Turn: what the dialogue knows when the borrower has just spoken, built from a Rasa parse.

Built the same way by the policy (Rasa's tracker) and the action server
(rasa-sdk's tracker), so the action runs on the Turn its move was decided on.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Mapping
from zoneinfo import ZoneInfo


# The entities that make a message an identity attempt.
IDENTITY_ENTITIES = ("loan_reference", "date_of_birth", "phone_last4")


@dataclass(frozen=True)
class Turn:
    """What the dialogue knows when the borrower has just spoken."""

    intent: str
    text: str
    now: datetime  # UTC, when the message arrived
    slots: Mapping[str, Any]
    entities: Mapping[str, list] = field(default_factory=dict)  # entity -> values, in order
    emotion: str = "neutral"
    self_harm: bool = False
    self_harm_possible: bool = False  # the classifier alone: a crisis line offered beside the reply
    fallbacks_in_row: int = 0
    signed_in: bool = False  # the channel passed a lender-signed token (checked by action_verify)
    angry_in_row: int = 0  # borrower messages in a row, up to this one, read as angry
    # What the NLU read in the text (bot/nlu/signals.py): the dialogue decides
    # from these and the entities, never from `text` (kept for the audit trail).
    signals: Mapping[str, Any] = field(default_factory=dict)
    # How sure the NLU is of `emotion` (0-1): the bot's words follow the emotion
    # only above config/bot.yml tone.min_confidence (bot/dialogue/messages.py).
    emotion_confidence: float = 1.0
    # How sure the intent classifier is (0-1); a hand-written parse is taken at its word.
    # A record-changing move is named outright only above bot/dialogue/record_moves.MIN_CONFIDENCE.
    intent_confidence: float = 1.0

    def slot(self, name: str, default: Any = None) -> Any:
        value = self.slots.get(name)
        return default if value is None else value

    def first(self, entity: str) -> Any:
        values = self.entities.get(entity) or []
        return values[0] if values else None

    def signal(self, name: str, default: Any = None) -> Any:
        value = self.signals.get(name)
        return default if value is None else value


def local_today(turn: Turn) -> date:
    tz = (turn.slot("loan") or {}).get("timezone") or "UTC"
    return turn.now.astimezone(ZoneInfo(tz)).date()


def turn_from_parse(
    parse: Mapping[str, Any], slots: Mapping[str, Any], now: datetime, fallbacks_in_row: int = 0,
    metadata: Mapping[str, Any] | None = None, angry_in_row: int = 0,
) -> Turn:
    """Builds a Turn from a Rasa parse result (tracker.latest_message).

    Used identically by the policy (Rasa's tracker) and the actions
    (rasa-sdk's tracker), which is what keeps their decisions equal.
    """
    intent = (parse.get("intent") or {}).get("name") or "nlu_fallback"
    intent_confidence = (parse.get("intent") or {}).get("confidence")
    text = parse.get("text") or ""
    # A parse that skipped our pipeline (a test story's given intent, a tracker
    # recorded before the signals existed) gets them from the same NLU reader.
    piped = isinstance(parse.get("signals"), Mapping)
    entities: dict[str, list] = {}
    for entity in parse.get("entities") or []:
        value = entity.get("value_text", entity.get("value"))
        if entity.get("entity") in ("date", "not_date"):  # a refused day is read in their zone too
            value = _resolve_date(entity, now, (slots.get("loan") or {}).get("timezone"), text if not piped else None)
        entities.setdefault(entity.get("entity"), []).append(value)
    emotion = (parse.get("emotion") or {}).get("name") or "neutral"
    confidence = (parse.get("emotion") or {}).get("confidence")  # none (a hand-written parse): taken at its word
    self_harm = bool((parse.get("safety") or {}).get("self_harm"))
    possible = bool((parse.get("safety") or {}).get("self_harm_possible")) and not self_harm
    return Turn(
        intent=intent, text=text, now=now, slots=slots, entities=entities, emotion=emotion,
        self_harm=self_harm, self_harm_possible=possible, fallbacks_in_row=fallbacks_in_row, signed_in=bool((metadata or {}).get("auth_token")),
        angry_in_row=angry_in_row, signals=_signals(parse),
        emotion_confidence=float(confidence) if isinstance(confidence, (int, float)) else 1.0,
        intent_confidence=float(intent_confidence) if isinstance(intent_confidence, (int, float)) else 1.0,
    )


def _signals(parse: Mapping[str, Any]) -> Mapping[str, Any]:
    try:
        from bot.nlu.signals import signals_of
    except ImportError:
        return dict(parse.get("signals") or {})
    return signals_of(parse)


def _resolve_date(entity: Mapping[str, Any], now: datetime, tz: str | None, unpiped_text: str | None) -> Any:
    """Re-resolves a relative date ("tomorrow") in the borrower's own time zone, by arithmetic.

    The NLU resolves dates before it knows who is writing and stores the
    relative form in the entity; once the loan is known, "tomorrow" must mean
    tomorrow where the borrower lives. `unpiped_text` is the message of a
    parse that skipped the pipeline: its date entity has no relative form yet,
    so the NLU's reader gives one for the entity's span.
    """
    relative = entity.get("relative")
    if not tz:
        return entity.get("value")
    try:
        from bot.nlu.relative_dates import relative_of, resolve_relative
    except ImportError:
        return entity.get("value")
    if relative is None and unpiped_text is not None and entity.get("start") is not None:
        relative = relative_of(unpiped_text[entity["start"]:entity["end"]], now)
    if not isinstance(relative, Mapping):
        return entity.get("value")
    resolved = resolve_relative(relative, now.astimezone(ZoneInfo(tz)).date())
    return resolved.isoformat() if resolved else entity.get("value")


def in_a_row(parses: list[Mapping[str, Any]], test) -> int:
    """How many of the latest borrower messages (newest last) in a row pass `test`."""
    count = 0
    for parse in reversed(parses):
        if not test(parse):
            break
        count += 1
    return count


def is_fallback(parse: Mapping[str, Any]) -> bool:
    return ((parse or {}).get("intent") or {}).get("name") == "nlu_fallback"


def is_angry(parse: Mapping[str, Any]) -> bool:
    return ((parse or {}).get("emotion") or {}).get("name") == "angry"
