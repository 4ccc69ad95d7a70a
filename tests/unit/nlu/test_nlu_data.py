"""Checks on the NLU training and held-out data (data/nlu, tests/nlu/heldout).

The files are read with Rasa's own loader so that anything Rasa would mis-parse
(broken entity markup, bad YAML) fails here instead of silently at training time.
Intent, emotion and entity names come from /work/shared/spec/nlu-contract.md.
"""
from __future__ import annotations

import datetime as dt
import os
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

import pytest

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

from rasa.shared.nlu.training_data.loading import load_data  # noqa: E402
from rasa.shared.nlu.training_data.message import Message  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
TRAIN_DIR = ROOT / "data" / "nlu"
HELDOUT_DIR = ROOT / "tests" / "nlu" / "heldout"

INTENTS = [
    "greet", "goodbye", "affirm", "deny", "thank", "bot_challenge", "request_human",
    "out_of_scope", "provide_identity", "wrong_person", "third_party", "ask_balance",
    "ask_due_date", "ask_fees", "ask_payment_methods", "ask_consequences",
    "pay_in_full", "already_paid", "promise_to_pay", "request_deferral",
    "request_instalments", "offer_partial_payment", "request_fee_waiver", "cannot_pay",
    "refuse_to_pay", "dispute_debt", "stop_contact", "complain",
    "disclose_vulnerability", "busy_later", "abuse", "apologize",
]
EMOTIONS = {"neutral", "anxious", "angry", "distressed", "apologetic", "positive", "confused"}
ENTITIES = {"amount", "currency", "date", "duration_days", "instalments",
            "loan_reference", "date_of_birth", "phone_last4"}
MIN_TRAIN, MIN_HELDOUT = 40, 10
SPLITS = {"train": (TRAIN_DIR, MIN_TRAIN), "heldout": (HELDOUT_DIR, MIN_HELDOUT)}


def normalise(text: str) -> str:
    """Leakage is judged on what a model sees, so case and spacing must not hide a copy."""
    return " ".join(text.lower().split())


@lru_cache(maxsize=None)
def examples(split: str, intent: str) -> tuple[Message, ...]:
    """One file per intent and split, so a missing file names the intent that is missing."""
    path = SPLITS[split][0] / f"{intent}.yml"
    assert path.is_file(), f"{split} file for intent {intent!r} is missing: {path}"
    data = load_data(str(path))
    return tuple(data.nlu_examples)


@lru_cache(maxsize=None)
def all_examples(split: str) -> tuple[Message, ...]:
    """Every example in the split's folder, including files for non-contract intents."""
    folder = SPLITS[split][0]
    return tuple(m for p in sorted(folder.glob("*.yml")) for m in load_data(str(p)).nlu_examples)


def emotion_of(message: Message) -> object:
    return ((message.get("metadata") or {}).get("example") or {}).get("emotion")


def _is_number(value: object) -> bool:
    try:
        return Decimal(str(value)).is_finite()
    except InvalidOperation:
        return False


def _is_iso_date(value: object) -> bool:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


VALUE_CHECKS = {
    "amount": _is_number,
    "duration_days": lambda v: _is_number(v) and Decimal(str(v)) == int(Decimal(str(v))),
    "instalments": lambda v: _is_number(v) and Decimal(str(v)) == int(Decimal(str(v))),
    "date_of_birth": _is_iso_date,
    "phone_last4": lambda v: isinstance(v, str) and re.fullmatch(r"\d{4}", v) is not None,
    "loan_reference": lambda v: isinstance(v, str) and re.fullmatch(r"LN-\d{5}", v) is not None,
    "currency": lambda v: isinstance(v, str) and re.fullmatch(r"[A-Z]{3}", v) is not None,
}


@pytest.mark.parametrize("split", sorted(SPLITS))
@pytest.mark.parametrize("intent", INTENTS)
def test_intent_has_enough_examples(intent: str, split: str) -> None:
    found = examples(split, intent)
    wrong = {m.get("intent") for m in found} - {intent}
    assert not wrong, f"{split}/{intent}.yml holds examples of other intents: {wrong}"
    assert len(found) >= SPLITS[split][1], (
        f"{split}/{intent}: {len(found)} examples, need at least {SPLITS[split][1]}")


@pytest.mark.parametrize("split", sorted(SPLITS))
@pytest.mark.parametrize("intent", INTENTS)
def test_every_example_has_a_contract_emotion(intent: str, split: str) -> None:
    bad = [(m.get("text"), emotion_of(m)) for m in examples(split, intent)
           if emotion_of(m) not in EMOTIONS]
    assert not bad, f"{split}/{intent}: examples without a valid emotion: {bad[:5]}"


@pytest.mark.parametrize("split", sorted(SPLITS))
@pytest.mark.parametrize("intent", INTENTS)
def test_entities_use_contract_names_and_normalised_values(intent: str, split: str) -> None:
    problems = []
    for m in examples(split, intent):
        for ent in m.get("entities") or []:
            name, value = ent["entity"], ent.get("value")
            if name not in ENTITIES:
                problems.append((m.get("text"), name, "unknown entity"))
            elif name in VALUE_CHECKS and not VALUE_CHECKS[name](value):
                problems.append((m.get("text"), name, f"bad value {value!r}"))
    assert not problems, f"{split}/{intent}: {problems[:5]}"


@pytest.mark.parametrize("intent", INTENTS)
def test_heldout_does_not_repeat_training(intent: str) -> None:
    seen = {normalise(m.get("text")) for m in all_examples("train")}
    leaked = [m.get("text") for m in examples("heldout", intent)
              if normalise(m.get("text")) in seen]
    assert not leaked, f"heldout/{intent} repeats training text: {leaked}"


@pytest.mark.parametrize("split", sorted(SPLITS))
def test_no_text_is_labelled_with_two_intents(split: str) -> None:
    """The same text under two intents makes the classifier's target contradictory."""
    labels: dict[str, set] = {}
    for m in all_examples(split):
        labels.setdefault(normalise(m.get("text")), set()).add(m.get("intent"))
    clashes = {t: i for t, i in labels.items() if len(i) > 1}
    assert not clashes, f"{split}: texts with several intents: {list(clashes.items())[:5]}"
