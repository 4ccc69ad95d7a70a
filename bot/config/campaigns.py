"""config/campaigns.yml: the collection process in time, per product and jurisdiction, typed and frozen.

The file decides who the bot writes to unprompted, when and how often, so a
typo must stop the process at start-up, never send a message on the wrong day:
unknown keys, anchors that do not belong to a stage or an offset on the wrong
side of its anchor, repeated step names, unknown channels, and messages that
are not in the catalogue or that mention the debt (an outbound text may reach a
phone that is not the borrower's) are refused, each error naming its key.
Products and jurisdictions must exist in config/products.yml and
config/compliance.yml, and every send time must fall inside the contact window
of each profile it applies to on some day.

Every (product, profile) pair is resolved once at load, defaults -> product ->
jurisdiction, a stage named in an override replacing that stage's whole list,
so `Campaigns.cadence` is a lookup and a clash between two overrides is found
at start-up rather than on the day it would have been sent.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar, Dict, Iterator, List, Optional, Tuple, Union

from pydantic import BaseModel, Extra, validator

from .errors import ConfigError
from .files import CONFIG_DIR, ROOT, label, parse, path_of, read_yaml, stamp
from .types import whole

ENV_VAR = "CAMPAIGNS_YML"  # moves the file, like PRODUCTS_YML (bot/config/files.py ENV_VARS)
STAGES = ("reminder", "contact", "upkeep", "follow_up")
CHANNELS = ("sms", "whatsapp", "email", "telegram")
ANCHORS = ("due_date", "instalment_date", "promise_date", "late", "paid", "missed", "closed")
DEFAULT_PROFILE = "DEFAULT"
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_STEP_NAME = re.compile(r"^[a-z][a-z0-9_+-]*$")

# The sign each stage allows for its anchors' offsets: (test, what the error says).
_BEFORE = (lambda d: d <= 0, "must be <= 0")
_AFTER = (lambda d: d > 0, "must be > 0")
_FROM = (lambda d: d >= 0, "must be >= 0")


# ---- the values the planner reads ------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One planned message: `name` (the YAML `step`) is unique within its cadence."""

    stage: str
    name: str
    anchor: str
    offset_days: int
    channels: Tuple[str, ...]
    message: str
    max_sends: int


@dataclass(frozen=True)
class LegalReview:
    broken_arrangements: int
    days_overdue_without_contact: int


@dataclass(frozen=True)
class Cadence:
    """Everything one (product, jurisdiction) plans; `stages` holds every stage, in process order."""

    product_code: str
    jurisdiction: str
    version: str
    send_at: time
    grace_days: int
    stages: Dict[str, Tuple[Step, ...]] = field(hash=False)
    legal_review: LegalReview

    @property
    def steps(self) -> Tuple[Step, ...]:
        return tuple(s for stage in STAGES for s in self.stages.get(stage, ()))

    def step(self, name: str) -> Step:
        for one in self.steps:
            if one.name == name:
                return one
        raise KeyError(f"no step {name!r} in the {self.product_code}/{self.jurisdiction} cadence")

    def for_anchor(self, anchor: str) -> Tuple[Step, ...]:
        return tuple(s for s in self.steps if s.anchor == anchor)


@dataclass(frozen=True)
class Campaigns:
    version: str
    cadences: Dict[Tuple[str, str], Cadence] = field(hash=False)

    def cadence(self, product_code: str, jurisdiction: Optional[str] = None) -> Cadence:
        """The cadence of a loan of `product_code` under compliance profile `jurisdiction` (None: DEFAULT)."""
        key = (product_code, jurisdiction or DEFAULT_PROFILE)
        if key not in self.cadences:
            products = sorted({p for p, _ in self.cadences})
            profiles = sorted({j for _, j in self.cadences})
            what = (f"product_code {product_code!r} (known: {', '.join(products)})" if product_code not in products
                    else f"jurisdiction {key[1]!r} (known profiles: {', '.join(profiles)})")
            raise ConfigError(f"campaigns: unknown {what}")
        return self.cadences[key]


# ---- the file's shape ----------------------------------------------------------------------------


class Strict(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False


class StepModel(Strict):
    RULES: ClassVar[Dict[str, tuple]] = {}

    step: str
    anchor: str
    offset_days: int
    channels: List[str]
    message: str
    max_sends: whole(1, 5)  # type: ignore[valid-type]

    @validator("step", "anchor", "message", pre=True)
    def _text(cls, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"expected a non-empty text, got {value!r}")
        return value.strip()

    @validator("step")
    def _name(cls, value: str) -> str:
        if not _STEP_NAME.match(value):
            raise ValueError(f"{value!r}: use lower-case letters, digits, _, + and - (e.g. contact_d+1)")
        return value

    @validator("anchor")
    def _anchor(cls, value: str) -> str:
        if value not in cls.RULES:
            raise ValueError(f"{value!r} is not an anchor of this stage; use {' or '.join(cls.RULES)}")
        return value

    @validator("offset_days", pre=True)
    def _offset(cls, value: Any, values: Dict[str, Any]) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"must be a whole number of days, got {value!r}")
        rule = cls.RULES.get(values.get("anchor", ""))
        if rule and not rule[0](value):
            raise ValueError(f"{rule[1]} for anchor {values['anchor']}, got {value}")
        return value

    @validator("channels", pre=True)
    def _channels(cls, value: Any) -> List[str]:
        if not isinstance(value, list) or not value:
            raise ValueError(f"must be a non-empty list of channels among {list(CHANNELS)}")
        for i, channel in enumerate(value):
            if channel not in CHANNELS:
                raise ValueError(f"{channel!r} (item {i}) is not a channel; use {', '.join(CHANNELS)}")
        if len(set(value)) != len(value):
            raise ValueError(f"repeated channel in {value}")
        return value


class ReminderStep(StepModel):
    RULES: ClassVar[Dict[str, tuple]] = {"due_date": _BEFORE}


class ContactStep(StepModel):
    RULES: ClassVar[Dict[str, tuple]] = {"due_date": _AFTER}


class UpkeepStep(StepModel):
    RULES: ClassVar[Dict[str, tuple]] = {"instalment_date": _BEFORE, "promise_date": _BEFORE,
                                         "late": _AFTER, "paid": _FROM, "missed": _FROM}


class FollowUpStep(StepModel):
    RULES: ClassVar[Dict[str, tuple]] = {"closed": _FROM}


class StagesOverride(Strict):
    """The stages an override names; each replaces the whole list of that stage ([] switches it off)."""

    reminder: Optional[List[ReminderStep]] = None
    contact: Optional[List[ContactStep]] = None
    upkeep: Optional[List[UpkeepStep]] = None
    follow_up: Optional[List[FollowUpStep]] = None

    @validator("*", pre=True)
    def _list(cls, value: Any) -> Any:
        if value is not None and not isinstance(value, list):
            raise ValueError("must be a list of steps ([] for none)")
        return value


class Stages(StagesOverride):
    reminder: List[ReminderStep]
    contact: List[ContactStep]
    upkeep: List[UpkeepStep]
    follow_up: List[FollowUpStep]


def _hhmm(value: Any) -> time:
    m = _HHMM.match(value) if isinstance(value, str) else None
    if not m:
        raise ValueError(f"must be a time 'HH:MM' (00:00-23:59), got {value!r}")
    return time(int(m.group(1)), int(m.group(2)))


class Override(Strict):
    send_at: Optional[time] = None
    grace_days: Optional[whole(0, 30)] = None  # type: ignore[valid-type]
    stages: Optional[StagesOverride] = None

    @validator("send_at", pre=True)
    def _time(cls, value: Any) -> time:
        return _hhmm(value)


class LegalReviewModel(Strict):
    broken_arrangements: whole(1)  # type: ignore[valid-type]
    days_overdue_without_contact: whole(1)  # type: ignore[valid-type]


class Defaults(Override):
    send_at: time
    grace_days: whole(0, 30)  # type: ignore[valid-type]
    stages: Stages
    legal_review: LegalReviewModel


class CampaignsFile(Strict):
    version: str
    defaults: Defaults
    products: Dict[str, Override] = {}
    jurisdictions: Dict[str, Override] = {}

    @validator("version", pre=True)
    def _version(cls, value: Any) -> str:
        if value is None or isinstance(value, (bool, dict, list)) or not str(value).strip():
            raise ValueError("missing; every change to the cadences needs a new version")
        return str(value).strip()

    @validator("products", "jurisdictions", pre=True)
    def _mapping(cls, value: Any) -> Any:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ValueError("must be a mapping of name -> overrides")
        return {key: ({} if v is None else v) for key, v in value.items()}


# ---- resolution and the checks across files ------------------------------------------------------

Located = Tuple[str, StepModel]  # (key path of the step, the step)


def _layers(data: CampaignsFile, product: str, profile: str) -> List[Tuple[str, Override]]:
    layers: List[Tuple[str, Override]] = [("defaults", data.defaults)]
    if product in data.products:
        layers.append((f"products.{product}", data.products[product]))
    if profile in data.jurisdictions:
        layers.append((f"jurisdictions.{profile}", data.jurisdictions[profile]))
    return layers


def _resolve(layers: List[Tuple[str, Override]]) -> Tuple[Dict[str, Any], Dict[str, List[Located]]]:
    """(where each scalar came from -> value, stage -> located steps), the last layer naming a key winning."""
    scalars: Dict[str, Any] = {}
    stages: Dict[str, List[Located]] = {}
    for where, layer in layers:
        for key in ("send_at", "grace_days"):
            if getattr(layer, key) is not None:
                scalars[key] = (f"{where}.{key}", getattr(layer, key))
        for stage in STAGES:
            steps = getattr(layer.stages, stage) if layer.stages is not None else None
            if steps is not None:
                stages[stage] = [(f"{where}.stages.{stage}[{i}]", s) for i, s in enumerate(steps)]
    return scalars, stages


def _repeats(stages: Dict[str, List[Located]]) -> Iterator[str]:
    seen: Dict[str, str] = {}
    for stage in STAGES:
        for where, step in stages.get(stage, []):
            if step.step in seen and seen[step.step] != where:
                yield f"{where}.step: {step.step!r} repeats the step at {seen[step.step]}; names must be unique"
            seen.setdefault(step.step, where)


def _message_errors(data: CampaignsFile, catalogue: Any) -> Iterator[str]:
    layers = [("defaults", data.defaults), *((f"products.{k}", v) for k, v in data.products.items()),
              *((f"jurisdictions.{k}", v) for k, v in data.jurisdictions.items())]
    for _, stages in (_resolve([layer]) for layer in layers):
        for where, step in (located for steps in stages.values() for located in steps):
            entry = catalogue.messages.get(step.message)
            if entry is None:
                yield f"{where}.message: {step.message!r} is not a key of config/messages.yml"
            elif entry.facts.mentions_debt:
                yield (f"{where}.message: {step.message!r} mentions the debt; an outbound text may reach "
                       "someone else, so it must be flagged mentions_debt: false")


def _window_error(where: str, send_at: time, profile: Any) -> Optional[str]:
    if any(span and span[0] <= send_at < span[1] for span in profile.window):
        return None
    return f"{where}: {send_at:%H:%M} is outside the {profile.name} contact window on every day"


def check_campaigns(data: CampaignsFile, products: Any, profiles: Dict[str, Any], catalogue: Any) -> Campaigns:
    """The cadence of every (product, profile) pair; ConfigError lists every cross-file error by key."""
    errors = [f"products.{p}: not a product_code of config/products.yml ({', '.join(sorted(products))})"
              for p in data.products if p not in products]
    errors += [f"jurisdictions.{j}: not a profile of config/compliance.yml ({', '.join(sorted(profiles))})"
               for j in data.jurisdictions if j not in profiles]
    errors += list(_message_errors(data, catalogue))
    legal = LegalReview(**data.defaults.legal_review.dict())
    cadences = {}
    for product in sorted(products):
        for name, profile in sorted(profiles.items()):
            scalars, stages = _resolve(_layers(data, product, name))
            errors += list(_repeats(stages))
            where, send_at = scalars["send_at"]
            errors += [e for e in [_window_error(where, send_at, profile)] if e]
            cadences[(product, name)] = Cadence(
                product, name, data.version, send_at, scalars["grace_days"][1],
                {stage: tuple(Step(stage, s.step, s.anchor, s.offset_days, tuple(s.channels), s.message, s.max_sends)
                              for _, s in stages[stage]) for stage in STAGES}, legal)
    if errors:
        raise ConfigError("\n".join(dict.fromkeys(errors)))
    return Campaigns(data.version, cadences)


def parse_campaigns(data: Any, where: str = "campaigns.yml", products: Any = None,
                    profiles: Optional[Dict[str, Any]] = None, catalogue: Any = None) -> Campaigns:
    """Validate an already-read campaigns.yml against the products, profiles and message catalogue
    (the shipped ones, or those given); every error reads "<where>: <key path>: <what is wrong>"."""
    from .compliance import load_compliance  # late, as the layers these build import bot.config back
    from .messages import load_messages
    from .products import load_products_file

    model = parse(CampaignsFile, data, where)
    products = products if products is not None else load_products_file().by_code()
    profiles = profiles if profiles is not None else load_compliance().by_name()
    catalogue = catalogue if catalogue is not None else load_messages()
    try:
        return check_campaigns(model, products, profiles, catalogue)
    except ConfigError as exc:
        raise ConfigError("\n".join(f"{where}: {line}" for line in str(exc).splitlines())) from None


def campaigns_path(path: Union[str, Path, None] = None) -> Path:
    """config/campaigns.yml, or CAMPAIGNS_YML, or `path`; a relative path is taken from the repository root."""
    chosen = Path(path or os.environ.get(ENV_VAR) or CONFIG_DIR / "campaigns.yml")
    return chosen if chosen.is_absolute() else ROOT / chosen


def load_campaigns(path: Union[str, Path, None] = None) -> Campaigns:
    """config/campaigns.yml (or CAMPAIGNS_YML, or `path`): read again only when it, or a file it is
    checked against (products, compliance, messages), changed."""
    resolved = campaigns_path(path)
    others = tuple((p, stamp(p)) for p in map(path_of, ("products.yml", "compliance.yml", "messages.yml")))
    return _load(resolved, stamp(resolved), others)


@lru_cache(maxsize=8)
def _load(path: Path, _stamp: tuple, _others: tuple) -> Campaigns:
    return parse_campaigns(read_yaml(path), label(path))
