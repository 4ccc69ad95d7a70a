"""config/messages.yml: every text the bot sends, with its emotion variants.

Texts are configuration so an operator can read and change every word; the
model makes sure each entry has a `default` text, that variants are named by
an emotion the NLU detects (a typo such as `angy:` would otherwise never be
sent), that `tone:` openers exist only for those emotions, and that each entry
states its compliance facts (`facts:`): whether it mentions the debt (so only a
verified borrower may receive it) and whether it is the first disclosure of the
debt (which carries the debt-collection notice). Facts are required, not
defaulted: a forgotten flag would silently switch identity-before-disclosure
off for that text, so a missing one stops the process at start-up.

The reserved section `parts:` holds the pieces the actions assemble texts from
(offer notes, summaries, schedule lines, button titles) and how money and
dates are written (a Babel locale and patterns); see `Parts` below. A
second language is a second file with the same keys, config/messages.<lang>.yml
next to this one (`path_for`). A language file may be partial (issue 15: the
safety texts first): the keys it lacks are said in English
(bot/dialogue/messages.py), and without a `parts:` section it writes money,
dates and buttons as English does, because a text half in one language and a
refused start-up are both worse than an English sentence.
"""
import string
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, FrozenSet, Iterator, Optional, Union

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import parse_pattern
from pydantic import BaseModel, Extra, StrictBool, ValidationError, validator

from bot.negotiation.kinds import ArrangementKind, OfferKind
from bot.negotiation.notes import PARAMS, NoteCode

from .errors import ConfigError, describe
from .files import label, path_of, read_yaml, stamp
from .types import Text

ENGLISH = "en"
RESERVED = ("tone", "parts")

EMOTIONS = ("anxious", "angry", "distressed", "apologetic", "confused", "positive")


class Strict(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False


class Tone(Strict):
    """Openers put before a `toned: true` message when it has no variant for the emotion."""

    anxious: Optional[Text] = None
    angry: Optional[Text] = None
    distressed: Optional[Text] = None
    apologetic: Optional[Text] = None
    confused: Optional[Text] = None
    positive: Optional[Text] = None


class Facts(Strict):
    """What the compliance gate must know about a text; both required, so no entry can forget one."""

    mentions_debt: StrictBool
    first_disclosure: StrictBool


class Entry(Tone):
    default: Text
    facts: Facts
    toned: StrictBool = False


class Piece(str):
    """A non-empty text kept exactly as written: joiners such as "; " and " or " need their spaces."""

    @classmethod
    def __get_validators__(cls) -> Iterator[Callable[[Any], str]]:
        yield cls.check

    @classmethod
    def check(cls, value: Any) -> str:
        if not isinstance(value, str) or not value:
            raise ValueError(f"expected a non-empty text, got {value!r}")
        return value


# The button titles the actions use (bot/dialogue/wording.py BUTTON_SETS gives each its payload).
BUTTON_TITLES = ("pay_in_full", "pay_on_a_date", "more_time", "instalments", "yes_set_it_up", "no",
                 "yes_thats_right", "no_thats_not_it")
SUMMARY_FILLS = {"count", "total", "amount", "due", "waived"}
# part -> the placeholders its template may use
FILLS = {"waived": {"waiver"}, "schedule_line": {"n", "due", "amount"}, "loan_block": {"loan_id", "why", "summary",
         "schedule"}, "loan_why": {"reasons"}, "arrangement_line": {"due", "amount"}}


def placeholders(template: str) -> set:
    """The {names} of a template; a field with an index, attribute or format spec is refused."""
    names = set()
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"placeholder {{{name}}} must be a plain name")
        names.add(name)
    return names


def _exactly(found: Dict[str, str], expected: Any, what: str) -> None:
    unknown, missing = sorted(set(found) - set(expected)), sorted(set(expected) - set(found))
    if unknown:
        raise ValueError(f".{unknown[0]}: unknown {what}")
    if missing:
        raise ValueError(f"missing {what}(s): {', '.join(missing)}")


def _fills(name: str, template: str, allowed: set) -> None:
    extra = sorted(placeholders(template) - set(allowed))
    if extra:
        raise ValueError(f".{name}: unknown placeholder {{{extra[0]}}}; it may use {sorted(allowed)}")


class ListWords(Strict):
    between: Piece  # "7, 14"
    last: Piece  # "14 or 30"


class Parts(Strict):
    """The pieces texts are built from, and how this language writes money and dates (Babel patterns)."""

    locale: Text
    money: Text  # a number pattern with the currency; the decimals come from the currency's minor unit
    date: Text  # schedules and notes
    long_date: Text  # offer summaries
    statement_date: Text  # the balance statement's due date
    arrangement_date: Text  # an active arrangement's dates
    percent: Text
    list: ListWords  # "7, 14 or 30"
    note_joiner: Piece
    notes: Dict[str, Piece]  # one per NoteCode, with that code's parameters as placeholders
    summaries: Dict[str, Piece]  # one per offer kind
    waived: Piece
    schedule_line: Piece
    schedule_joiner: Piece
    loan_block: Piece
    loan_why: Piece
    loan_joiner: Piece
    arrangement_line: Piece
    arrangement_joiner: Piece
    arrangement_kinds: Dict[str, Piece]  # one per arrangement kind
    buttons: Dict[str, Piece]  # one per BUTTON_TITLES
    # How contact is limited ("no more phone calls", "only SMS from now on"): one word per channel of
    # bot/nlu/contact_limits.py and the phrases `no`, `only`, `only_no`; English's where a language has none.
    contact_limits: Dict[str, Piece] = {}

    @validator("locale")
    def _locale(cls, value: str) -> str:
        try:
            Locale.parse(value)
        except (ValueError, UnknownLocaleError) as exc:
            raise ValueError(f"not a locale Babel knows: {value!r} ({exc})") from None
        return value

    @validator("money", "percent")
    def _number(cls, value: str) -> str:
        try:
            parse_pattern(value)
        except ValueError as exc:
            raise ValueError(f"not a number pattern: {exc}") from None
        return value

    @validator("date", "long_date", "statement_date", "arrangement_date")
    def _date(cls, value: str) -> str:
        try:
            format_date(date(2026, 12, 4), value, locale="en")
        except (ValueError, KeyError) as exc:
            raise ValueError(f"not a date pattern: {exc}") from None
        return value

    @validator("notes")
    def _notes(cls, value: Dict[str, str]) -> Dict[str, str]:
        _exactly(value, [c.value for c in NoteCode], "note code")
        for code, template in value.items():
            _fills(code, template, set(PARAMS[NoteCode(code)]))
        return value

    @validator("summaries")
    def _summaries(cls, value: Dict[str, str]) -> Dict[str, str]:
        _exactly(value, [k.value for k in OfferKind], "offer kind")
        for kind, template in value.items():
            _fills(kind, template, SUMMARY_FILLS)
        return value

    @validator("waived", "schedule_line", "loan_block", "loan_why", "arrangement_line")
    def _part(cls, value: str, field: Any) -> str:
        extra = sorted(placeholders(value) - FILLS[field.name])
        if extra:
            raise ValueError(f"unknown placeholder {{{extra[0]}}}; it may use {sorted(FILLS[field.name])}")
        return value

    @validator("arrangement_kinds")
    def _arrangement_kinds(cls, value: Dict[str, str]) -> Dict[str, str]:
        _exactly(value, [k.value for k in ArrangementKind], "arrangement kind")
        return value

    @validator("buttons")
    def _buttons(cls, value: Dict[str, str]) -> Dict[str, str]:
        _exactly(value, BUTTON_TITLES, "button")
        return value


class MessagesFile(Strict):
    tone: Tone = Tone()
    parts: Parts
    messages: Dict[str, Entry]

    def keys_where(self, fact: str) -> FrozenSet[str]:
        """The message keys whose compliance fact `fact` (a `Facts` field) is true."""
        if fact not in Facts.__fields__:
            raise KeyError(f"unknown compliance fact {fact!r}; known: {sorted(Facts.__fields__)}")
        return frozenset(key for key, entry in self.messages.items() if getattr(entry.facts, fact))

    def as_dict(self) -> Dict[str, Any]:
        """The plain {key: {default, <emotion>..., toned}, tone: {...}, parts: {...}} the renderers read."""
        data: Dict[str, Any] = {"tone": self.tone.dict(exclude_none=True), "parts": self.parts.dict()}
        for key, entry in self.messages.items():
            data[key] = entry.dict(exclude_none=True, exclude_defaults=True, exclude={"facts"}) | {"default": entry.default}
            if entry.toned:
                data[key]["toned"] = True
        return data


class PartialMessagesFile(MessagesFile):
    """A second language's file: any subset of the English keys, `parts:` optional (English's then)."""

    parts: Optional[Parts] = None  # type: ignore[assignment]


def parse_messages(data: Any, where: str = "messages.yml", partial: bool = False) -> MessagesFile:
    """Validate an already-read messages.yml; errors name the message key ("greet.angy: unknown key").
    `partial`: a second language's file, which may lack `parts:` (the caller puts English's in)."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping of message key -> texts")
    body = {"tone": data.get("tone") or {}, "messages": {k: v for k, v in data.items() if k not in RESERVED},
            **({"parts": data["parts"]} if "parts" in data else {})}
    try:
        return (PartialMessagesFile if partial else MessagesFile).parse_obj(body)
    except ValidationError as exc:
        errors = [{**e, "loc": e["loc"][1:] if e["loc"][:1] == ("messages",) else e["loc"]} for e in exc.errors()]
        raise ConfigError(describe(where, errors)) from None


def path_for(language: str = ENGLISH, path: Union[str, Path, None] = None) -> Path:
    """The catalogue of `language`: the English file itself, or messages.<language>.yml next to it."""
    english = path_of("messages.yml", path)
    if language == ENGLISH:
        return english
    if not language.replace("_", "").replace("-", "").isalnum():
        raise ValueError(f"not a language code: {language!r}")
    return english.with_name(f"{english.stem}.{language}{english.suffix}")


def languages(path: Union[str, Path, None] = None) -> tuple:
    """English and every language with a catalogue file next to it, e.g. ("en", "sw")."""
    english = path_of("messages.yml", path)
    found = sorted(p.name[len(english.stem) + 1:-len(english.suffix)]
                   for p in english.parent.glob(f"{english.stem}.*{english.suffix}"))
    return (ENGLISH, *(lang for lang in found if lang and lang != ENGLISH))


def load_messages(path: Union[str, Path, None] = None, language: str = ENGLISH) -> MessagesFile:
    """config/messages.yml (or MESSAGES_YML, or `path`), or the file of `language`; English when that
    language has no file. A language file without `parts:` gets English's. Read again only when a
    file changed."""
    english = path_for(ENGLISH, path)
    resolved = path_for(language, path)
    if language == ENGLISH or not resolved.exists():
        return _load(english, stamp(english))
    return _load_language(resolved, stamp(resolved), english, stamp(english))


@lru_cache(maxsize=8)
def _load(path: Path, _stamp: tuple) -> MessagesFile:
    return parse_messages(read_yaml(path), label(path))


@lru_cache(maxsize=16)
def _load_language(path: Path, _stamp: tuple, english: Path, english_stamp: tuple) -> MessagesFile:
    found = parse_messages(read_yaml(path), label(path), partial=True)
    base = _load(english, english_stamp)
    problems = [f"{label(path)}: {problem}" for key, entry in found.messages.items()
                for problem in _differs(key, entry, base.messages.get(key))]
    if problems:
        raise ConfigError("\n".join(problems))
    return MessagesFile(tone=found.tone, parts=found.parts or base.parts, messages=found.messages)


def _texts(entry: Entry) -> Dict[str, str]:
    return {name: text for name, text in entry.dict(exclude={"facts", "toned"}).items() if text is not None}


def _differs(key: str, entry: Entry, english: Optional[Entry]) -> Iterator[str]:
    """How a translated entry departs from English in what the code relies on: a key English lacks is
    never sent (a typo), other facts would change what the compliance gate lets through, and a
    placeholder English lacks is never filled (the text would fail when sent)."""
    if english is None:
        yield f"{key}: unknown key (config/messages.yml has no such message)"
        return
    if entry.facts != english.facts:
        yield f"{key}.facts: must be the English entry's ({english.facts.dict()})"
    allowed = set().union(*(placeholders(t) for t in _texts(english).values()))
    for name, text in _texts(entry).items():
        extra = sorted(placeholders(text) - allowed)
        if extra:
            yield f"{key}.{name}: unknown placeholder {{{extra[0]}}}; the English text uses {sorted(allowed)}"
