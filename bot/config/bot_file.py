"""config/bot.yml: the lender, ports, crisis lines, verification and escalation numbers.

Every number the dialogue acts on (how many angry messages before a person
takes over, how many failed dates of birth lock a loan) lives here so an
operator changes it in YAML, not in code; the model refuses a typo at start-up.
"""
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Optional, Tuple, Union

from pydantic import BaseModel, Extra, validator
from pydantic.errors import DictError

from .files import load, path_of, stamp
from .types import Port, Text, whole


class Strict(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False

    @classmethod
    def validate(cls, value: Any) -> "Strict":
        """A section must be a mapping: pydantic would take `limits: []` as an empty one (all defaults)."""
        if not isinstance(value, (dict, cls)):
            raise DictError()
        return super().validate(value)


class Lender(Strict):
    name: Text
    # How borrowers name the lender in a hurry ("I'll sue Tawi"): matched, with
    # the full name, by the legal-threat check (bot/dialogue/escalation.py).
    short_name: Optional[Text] = None
    # Whether the lender sends field collectors to homes or workplaces. False: "will someone come
    # to my house?" is answered "no" (text `visits_never`); true: it gets the consequences text.
    field_visits: bool = False
    assistant_name: Text
    contact: Text
    payment_instructions: Text

    @validator("payment_instructions")
    def _fills_loan_id(cls, value: str) -> str:
        try:
            value.format(loan_id="LN-1")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"only {{loan_id}} can be filled in, got {exc!s}") from None
        return value


class LenderTexts(Strict):
    """The lender's own words of this file in one more language; a text not given is said in English."""

    contact: Optional[Text] = None
    payment_instructions: Optional[Text] = None
    handoff_response_time: Optional[Text] = None

    @validator("payment_instructions")
    def _fills_loan_id(cls, value: Optional[str]) -> Optional[str]:
        return Lender._fills_loan_id(value) if value is not None else value


class Ports(Strict):
    rasa: Port
    actions: Port
    web: Port


class PaymentCallback(Strict):
    signature_tolerance_seconds: whole(1, 3600) = 300  # type: ignore[valid-type]


class Verification(Strict):
    """Date-of-birth guessing (docs/architecture.md, Identity); bounds catch typos such as 5000 hours."""

    max_failures: whole(1, 100)  # type: ignore[valid-type]
    window_hours: whole(1, 24 * 365)  # type: ignore[valid-type]
    lock_hours: whole(1, 24 * 365)  # type: ignore[valid-type]
    idle_minutes: whole(1, 24 * 60)  # type: ignore[valid-type]

    @property
    def window(self) -> timedelta:
        return timedelta(hours=self.window_hours)

    @property
    def lock(self) -> timedelta:
        return timedelta(hours=self.lock_hours)

    @property
    def idle(self) -> timedelta:
        return timedelta(minutes=self.idle_minutes)


class Escalation(Strict):
    """When the bot stops answering and a person takes over (bot/dialogue/moves.py)."""

    angry_in_a_row: whole(1, 100)  # type: ignore[valid-type]
    fallbacks_in_a_row: whole(1, 100)  # type: ignore[valid-type]
    # 1: abuse is warned once, abuse after the warning pauses; 0: the first pauses.
    # (The warning is one `abuse_warned` slot, so more than one is not supported.)
    abuse_warnings_before_pause: whole(0, 1)  # type: ignore[valid-type]


class Handoff(Strict):
    """While a case waits for a person (bot/web/handoff_timeout_job.py)."""

    # Nobody took the case within this: the borrower is told and the case escalates (a week at most).
    take_within_minutes: whole(1, 7 * 24 * 60) = 60  # type: ignore[valid-type]


class ChannelLimits(Strict):
    """What the channels accept before a message reaches the dialogue (bot/channels/guard.py)."""

    message_chars: whole(100, 100_000) = 2000  # type: ignore[valid-type]
    per_sender_per_minute: whole(1, 10_000) = 30  # type: ignore[valid-type]
    per_ip_per_minute: whole(1, 100_000) = 60  # type: ignore[valid-type]


class Tone(Strict):
    """When the bot's words follow the borrower's emotion (config/messages.yml `tone:` and variants).

    Why a threshold: an opener that names the wrong feeling ("I hear that
    you're frustrated" to a polite greeting) costs more than a missing one, so
    below `min_confidence` the bot answers in its plain voice. `never_after`:
    borrower intents (greetings, thanks, goodbyes) whose reply never starts
    with an emotion opener, however sure the emotion is.
    """

    min_confidence: float = 0.85
    never_after: Tuple[Text, ...] = ("greet", "thank", "goodbye")

    @validator("min_confidence", pre=True)
    def _probability(cls, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ValueError(f"must be a number from 0 to 1, got {value!r}")
        return float(value)


class BotFile(Strict):
    lender: Lender
    ports: Ports
    handoff_response_time: Text = "one working day"  # type: ignore[assignment]
    handoff: Handoff = Handoff()
    # jurisdiction -> the line in English, or language -> the line in that language (`en` among them)
    crisis_lines: Dict[str, Union[Text, Dict[str, Text]]]
    payment_callback: PaymentCallback = PaymentCallback()
    verification: Verification
    escalation: Escalation
    audit_anchor_minutes: whole(1, 7 * 24 * 60) = 60  # type: ignore[valid-type]
    limits: ChannelLimits = ChannelLimits()
    tone: Tone = Tone()
    # language -> the lender's contact, payment instructions and response time in it (issue 15)
    in_languages: Dict[str, LenderTexts] = {}

    def lender_text(self, name: str, language: str = "en") -> str:
        """`contact`, `payment_instructions` or `handoff_response_time` in `language`, else English."""
        own = getattr(self.in_languages.get(language), name, None) if language in self.in_languages else None
        if own:
            return own
        return self.handoff_response_time if name == "handoff_response_time" else getattr(self.lender, name)

    @validator("crisis_lines")
    def _has_default(cls, value: Dict[str, Any]) -> Dict[str, Any]:
        if "DEFAULT" not in value:
            raise ValueError(".DEFAULT: missing (the line given when the jurisdiction has none)")
        for code, line in value.items():
            if isinstance(line, dict) and "en" not in line:
                raise ValueError(f".{code}.en: missing (the line in English, said in every other language)")
        return value

    def _line(self, code: str, language: str) -> str:
        line = self.crisis_lines[code]
        return line if isinstance(line, str) else line.get(language) or line["en"]

    def crisis_line(self, jurisdiction: Optional[str], language: str = "en") -> str:
        """The jurisdiction's line, in `language` where the file gives it, else in English. Unknown
        (before verification): every line the lender lists, by jurisdiction, then DEFAULT, because a
        line for the wrong country is no help to someone in crisis."""
        if jurisdiction:
            return self._line(jurisdiction if jurisdiction in self.crisis_lines else "DEFAULT", language)
        lines: dict[str, str] = {}
        for code in self.crisis_lines:
            line = self._line(code, language)
            if code != "DEFAULT" and line not in lines.values():
                lines[code] = line
        return "; ".join([*(f"{code}: {line}" for code, line in lines.items()), self._line("DEFAULT", language)])


def load_bot(path: Union[str, Path, None] = None) -> BotFile:
    """config/bot.yml (or BOT_YML, or `path`), validated; ConfigError names the key."""
    resolved = path_of("bot.yml", path)
    return _load(resolved, stamp(resolved))


@lru_cache(maxsize=8)
def _load(path: Path, _stamp: tuple) -> BotFile:
    return load(BotFile, path)
