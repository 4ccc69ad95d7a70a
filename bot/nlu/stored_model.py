"""Train, store and load the logistic regression of a Rasa component.

The intent and emotion classifiers differ only in their labels; how their
model is fitted on the sentence features and kept in Rasa's model storage is
one piece of code.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message

from bot.nlu import linear_model
from bot.nlu.sentence_features import sentence_matrix


def fit_and_store(
    examples: List[Message], labels: Sequence[str], config: Dict[str, Any],
    storage: ModelStorage, resource: Resource, filename: str,
    sample_weight: Optional[Sequence[float]] = None,
) -> Any:
    clf = linear_model.fit(
        sentence_matrix(examples, float(config["dense_weight"])),
        list(labels),
        float(config["C"]),
        int(config["max_iter"]),
        bool(config["class_weight_balanced"]),
        None if sample_weight is None else np.asarray(sample_weight, dtype=float),
    )
    with storage.write_to(resource) as folder:
        linear_model.save(clf, folder / filename)
    return clf


def load_stored(storage: ModelStorage, resource: Resource, filename: str) -> Optional[Any]:
    """The stored model, or None when the component was never trained (no data)."""
    try:
        with storage.read_from(resource) as folder:
            return linear_model.load(folder / filename)
    except (ValueError, FileNotFoundError):
        return None
