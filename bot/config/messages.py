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
"""
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, Optional, Union

from pydantic import BaseModel, Extra, StrictBool, ValidationError

from .errors import ConfigError, describe
from .files import label, path_of, read_yaml, stamp
from .types import Text

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


class MessagesFile(Strict):
    tone: Tone = Tone()
    messages: Dict[str, Entry]

    def keys_where(self, fact: str) -> FrozenSet[str]:
        """The message keys whose compliance fact `fact` (a `Facts` field) is true."""
        if fact not in Facts.__fields__:
            raise KeyError(f"unknown compliance fact {fact!r}; known: {sorted(Facts.__fields__)}")
        return frozenset(key for key, entry in self.messages.items() if getattr(entry.facts, fact))

    def as_dict(self) -> Dict[str, Any]:
        """The plain {key: {default, <emotion>..., toned}, tone: {...}} the renderer reads (texts only)."""
        data: Dict[str, Any] = {"tone": self.tone.dict(exclude_none=True)}
        for key, entry in self.messages.items():
            data[key] = entry.dict(exclude_none=True, exclude_defaults=True, exclude={"facts"}) | {"default": entry.default}
            if entry.toned:
                data[key]["toned"] = True
        return data


def parse_messages(data: Any, where: str = "messages.yml") -> MessagesFile:
    """Validate an already-read messages.yml; errors name the message key ("greet.angy: unknown key")."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping of message key -> texts")
    body = {"tone": data.get("tone") or {}, "messages": {k: v for k, v in data.items() if k != "tone"}}
    try:
        return MessagesFile.parse_obj(body)
    except ValidationError as exc:
        errors = [{**e, "loc": e["loc"][1:] if e["loc"][:1] == ("messages",) else e["loc"]} for e in exc.errors()]
        raise ConfigError(describe(where, errors)) from None


def load_messages(path: Union[str, Path, None] = None) -> MessagesFile:
    """config/messages.yml (or MESSAGES_YML, or `path`): read again only when the file changed."""
    resolved = path_of("messages.yml", path)
    return _load(resolved, stamp(resolved))


@lru_cache(maxsize=8)
def _load(path: Path, _stamp: tuple) -> MessagesFile:
    return parse_messages(read_yaml(path), label(path))
