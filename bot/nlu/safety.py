"""Self-harm safety net: forces disclose_vulnerability on any self-harm mention.

Pipeline entry: - name: bot.nlu.safety.SelfHarmSafetyNet
(LAST, after FallbackClassifier.)

Runs on the raw text whatever the classifiers said, so no classifier error can
hide a message about suicide or self-harm. It prefers recall: a false
positive costs one kind hand-off to a person, a miss may cost a life
(see docs/nlu-entities.md for the trade-off and the measured rates).

Three nets, any one flags: the patterns of data/lexicons/self_harm.yml (per
language, data a reviewer can read) and, in the component only, a semantic
check of the message's MiniLM and e5 sentence vectors against ideation
prototypes, and a classifier trained on data/self_harm (bot/nlu/self_harm_model.py:
indirect phrasings no pattern or prototype foresaw). ``mentions_self_harm`` (patterns
only) needs neither Rasa nor TensorFlow, so tests and the action server can use it.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Tuple

import numpy as np
import yaml

from bot.embeddings import EMBEDDING_DIM, sentence_vectors  # TensorFlow loads on first encode only

VULNERABILITY_INTENT = "disclose_vulnerability"
# The component reads this much of a message. The channels refuse longer
# messages before parsing (bot/channels/guard.py); the cap keeps a parse that
# comes through any other door bounded too. Every pattern is linear
# (tests/security/test_regex_linear.py), so this is a second line, not the fix.
MAX_TEXT_CHARS = 2000
LEXICON = Path(__file__).resolve().parents[2] / "data" / "lexicons" / "self_harm.yml"


def load_lexicon(path: Path = LEXICON) -> Dict[str, Any]:
    """The patterns and prototypes of data/lexicons/self_harm.yml; a malformed file fails loudly."""
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if not isinstance(data, dict) or not isinstance(data.get("patterns"), dict):
        raise ValueError(f"{path}: expected 'patterns' as a mapping of language -> regexes")
    return data


def expand(pattern: str, macros: Dict[str, str]) -> str:
    """Replace each {name} of a macro by its regex; {0,40}-style quantifiers are left alone."""
    return re.sub(r"\{([a-z_]+)\}", lambda m: macros.get(m.group(1), m.group(0)), pattern)


def alternatives(pattern: str) -> List[str]:
    """The top-level alternatives of a regex (splits on | outside groups and classes)."""
    parts, depth, in_class, start, i = [], 0, False, 0, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            i += pattern.startswith("^", i + 1)  # "[^]...]" and "[]...]": that "]" is a member
            i += pattern.startswith("]", i + 1)
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    return parts + [pattern[start:]]


def compile_patterns(lexicon: Dict[str, Any]) -> "re.Pattern[str]":
    """One alternation of every language's patterns (NFKC like the text they read).

    Why the split: Python's re tries every alternative at every position, so
    the alternatives that start a word (``\\b`` then a letter, nearly all)
    share one leading ``\\b(?=letter)``: a position inside a word or before a
    digit or space is then refused by one test instead of hundreds, which
    keeps 100 KB of hostile text fast (tests/security/test_regex_linear.py).
    """
    macros = {k: str(v) for k, v in (lexicon.get("macros") or {}).items()}
    word_start, anywhere = [], []
    for patterns in lexicon["patterns"].values():
        for pattern in patterns:
            for alt in alternatives(unicodedata.normalize("NFKC", expand(str(pattern), macros))):
                if alt.startswith("\\b") and _STARTS_WITH_LETTER.match(alt[2:]):
                    word_start.append(alt[2:])
                else:
                    anywhere.append(alt)
    gated = r"\b(?=[^\W\d_])(?:" + "|".join(word_start) + ")"
    return re.compile("|".join([gated] + anywhere), re.I)


# An alternative whose first matched character is surely a letter: a letter,
# or groups whose every branch begins with one (checked loosely, then proven
# by tests/unit/nlu/test_nlu_safety.py comparing with the plain alternation).
_STARTS_WITH_LETTER = re.compile(r"(?:\(\?:|\()*[a-z]", re.I)


_LEXICON = load_lexicon()
_PATTERN = compile_patterns(_LEXICON)
_LEET_RUN = re.compile(r"[0-9!@$]+")
_LEET = str.maketrans({"1": "i", "!": "i", "3": "e", "0": "o", "@": "a", "$": "s", "4": "a", "7": "t"})


def _variants(text: str) -> List[str]:
    """Normalised forms of text: plain, squeezed repeats, and leetspeak undone."""
    t = unicodedata.normalize("NFKC", text).lower()
    t = t.replace("\u2019", "'").replace("\u2018", "'")
    t = re.sub(r"[_*~|]+", " ", t)
    t = re.sub(r"\s+", " ", t)
    squeezed = re.sub(r"([a-z])\1{2,}", r"\1\1", t)
    no_apos = squeezed.replace("'", "")
    leet = _LEET_RUN.sub(_unleet, squeezed)
    return list(dict.fromkeys([t, squeezed, no_apos, leet]))


def _unleet(run: re.Match) -> str:
    """A run of digits/symbols touching a letter is leetspeak ("k1ll", "d13"); a bare number is not.

    Looks at the neighbours of the whole run instead of a lookahead per
    position, which made a long run of digits quadratic.
    """
    text, start, end = run.string, run.start(), run.end()
    touches = (start > 0 and "a" <= text[start - 1] <= "z") or (end < len(text) and "a" <= text[end] <= "z")
    return run.group(0).translate(_LEET) if touches else run.group(0)


def mentions_self_harm(text: str) -> bool:
    """True when text mentions suicide or self-harm (recall first)."""
    if not text:
        return False
    return any(_PATTERN.search(v) for v in _variants(text))


def _semantic_settings(lexicon: Dict[str, Any]) -> Dict[str, Any]:
    return lexicon.get("semantic") or {}


def prototype_texts(lexicon: Dict[str, Any] = _LEXICON) -> List[str]:
    """The ideation sentences the semantic check compares a message with."""
    return [str(t) for t in _semantic_settings(lexicon).get("prototypes") or []]


def contrast_texts(lexicon: Dict[str, Any] = _LEXICON) -> List[str]:
    """Sentences with the same words and no danger ("these repayments are killing me")."""
    return [str(t) for t in _semantic_settings(lexicon).get("contrasts") or []]


SEMANTIC_THRESHOLD = float(_semantic_settings(_LEXICON).get("threshold", 1.01))
SEMANTIC_MARGIN = float(_semantic_settings(_LEXICON).get("margin", 0.0))
# Fewer words than this and a sentence vector says little ("birthday
# 06/27/1991" sits near anything): such messages are left to the patterns.
SEMANTIC_MIN_WORDS = int(_semantic_settings(_LEXICON).get("min_words", 0))
_WORD = re.compile(r"[^\W\d_]{2,}")


def enough_words(text: str, minimum: int = SEMANTIC_MIN_WORDS) -> bool:
    """At least `minimum` words of two letters or more (numbers and symbols do not count)."""
    return len(_WORD.findall(text or "")) >= minimum


# Identity data and the words around it ("i was born 17 April 1991", "my loan
# reference is LN-20931"): a sentence vector of such a message sat at 0.47 from
# "I wish I had never been born", so a message made only of these words, dates,
# numbers and loan references is left to the patterns (issue 13).
_IDENTITY_WORDS = frozenset(str(w).lower() for w in _semantic_settings(_LEXICON).get("identity_words") or [])
_LOAN_REFERENCE = re.compile(r"\b[a-z]{2,3}[-\s]?\d{3,}\b", re.I)
_ANY_WORD = re.compile(r"[^\W\d_]+")


def identity_only(text: str, words: frozenset = _IDENTITY_WORDS) -> bool:
    """Nothing but identity data: every word is an identity word (months, "born", "dob", "my"...),
    the rest dates, numbers, loan references and punctuation."""
    found = _ANY_WORD.findall(_LOAN_REFERENCE.sub(" ", unicodedata.normalize("NFKC", text or "").lower()))
    return all(w in words for w in found)


def semantic_eligible(text: str) -> bool:
    """Worth comparing by meaning: enough words, and not identity data alone."""
    return enough_words(text) and not identity_only(text)


@lru_cache(maxsize=1)
def semantic_vectors() -> Tuple[np.ndarray, np.ndarray]:
    """MiniLM vectors (unit rows) of the prototypes and the contrasts, encoded once per process.

    Only the component calls this (TensorFlow and the weights load here, on
    first use), so the pattern net stays usable where they are not.
    """
    return sentence_vectors(prototype_texts()), sentence_vectors(contrast_texts())


# The multilingual e5 check (issue 15): the English prototypes and contrasts plus
# those of data/lexicons/self_harm_multilingual.yml, on e5's own scale (unrelated
# sentences sit near 0.8 there), with its own threshold and margin (`semantic: e5:`).
MULTILINGUAL_LEXICON = LEXICON.with_name("self_harm_multilingual.yml")
_E5_SETTINGS = _semantic_settings(_LEXICON).get("e5") or {}
E5_THRESHOLD = float(_E5_SETTINGS.get("threshold", 1.01))
E5_MARGIN = float(_E5_SETTINGS.get("margin", 0.0))
E5_MIN_WORDS = int(_E5_SETTINGS.get("min_words", SEMANTIC_MIN_WORDS))
E5_MIN_CJK = int(_E5_SETTINGS.get("min_cjk_characters", 2 * E5_MIN_WORDS))
_CJK = re.compile(r"[\u3400-\u9fff]")


def multilingual_texts(kind: str, path: Path = MULTILINGUAL_LEXICON) -> List[str]:
    """Every language's `prototypes` or `contrasts` of the multilingual lexicon."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
    by_language = (data or {}).get(kind) or {}
    if not isinstance(by_language, dict):
        raise ValueError(f"{path}: expected '{kind}' as a mapping of language -> sentences")
    return [str(t) for texts in by_language.values() for t in texts or []]


@lru_cache(maxsize=1)
def e5_semantic_vectors() -> Tuple[np.ndarray, np.ndarray]:
    """e5 vectors of every language's prototypes and contrasts, encoded once per process."""
    return (sentence_vectors(prototype_texts() + multilingual_texts("prototypes"), "e5"),
            sentence_vectors(contrast_texts() + multilingual_texts("contrasts"), "e5"))


def e5_eligible(text: str) -> bool:
    """As semantic_eligible, counting Chinese by characters (it has no spaces between words)."""
    words = enough_words(text, E5_MIN_WORDS) or len(_CJK.findall(text or "")) >= E5_MIN_CJK
    return words and not identity_only(text)


def nearest(sentence: np.ndarray, rows: np.ndarray) -> float:
    """Highest cosine of a sentence vector with unit rows (-1.0 when they cannot be compared)."""
    vector = np.asarray(sentence, dtype=np.float32).reshape(-1)
    norm = float(np.linalg.norm(vector))
    if not norm or rows.ndim != 2 or not len(rows) or rows.shape[1] != vector.shape[0]:
        return -1.0
    return float(np.max(rows @ (vector / norm)))


def semantic_flag(sentence: np.ndarray, prototypes: np.ndarray, contrasts: np.ndarray,
                  threshold: float = SEMANTIC_THRESHOLD, margin: float = SEMANTIC_MARGIN) -> bool:
    """Close enough to an ideation sentence, and nearer to it than to every harmless one.

    The contrast keeps the threshold low (recall first) without flagging
    every "this loan is killing me"; numbers in docs/nlu-entities.md.
    """
    ideation = nearest(sentence, prototypes)
    return ideation >= threshold and ideation - nearest(sentence, contrasts) >= margin


def self_harm_risk(text: str, sentence: Optional[np.ndarray] = None,
                   vectors: Optional[Tuple[np.ndarray, np.ndarray]] = None,
                   e5: Optional[np.ndarray] = None,
                   e5_vectors: Optional[Tuple[np.ndarray, np.ndarray]] = None) -> bool:
    """The pattern net, or a semantic check on the message's MiniLM or e5 sentence vector.

    Without vectors (no encoder in the pipeline) only the patterns decide.
    """
    if mentions_self_harm(text):
        return True
    if sentence is not None and semantic_eligible(text):
        if semantic_flag(sentence, *(vectors if vectors is not None else semantic_vectors())):
            return True
    if e5 is not None and e5_eligible(text):
        prototypes, contrasts = e5_vectors if e5_vectors is not None else e5_semantic_vectors()
        return semantic_flag(e5, prototypes, contrasts, E5_THRESHOLD, E5_MARGIN)
    return False


CLASSIFIER_FILE = "self_harm_svm.npz"


def classifier_score(model: Any, text: str, minilm: Optional[np.ndarray], e5: Optional[np.ndarray]) -> Optional[float]:
    """The trained classifier's decision value for a message with both sentence vectors and enough words
    (the e5 check's rule: identity data alone or a two-word reply is left to the patterns), else None."""
    if minilm is None or e5 is None or not e5_eligible(text):
        return None
    return float(model.decision(np.concatenate([e5, minilm])[None, :])[0])


def crisis_line_follows(parse: Dict[Text, Any]) -> bool:
    """Whether a parse is answered with a crisis line: the safety intent, or the classifier's flag
    alone (`self_harm_possible`: the reply goes on and offers the line). What the benches count."""
    return (parse.get("intent") or {}).get("name") == VULNERABILITY_INTENT \
        or bool((parse.get("safety") or {}).get("self_harm_possible"))


def force_vulnerability(data: Dict[Text, Any]) -> None:
    """Set the intent to disclose_vulnerability at confidence 1.0, first in ranking."""
    top = {"name": VULNERABILITY_INTENT, "confidence": 1.0}
    ranking = [r for r in data.get("intent_ranking") or [] if r.get("name") != VULNERABILITY_INTENT]
    data["intent"] = dict(top)
    data["intent_ranking"] = [dict(top)] + ranking


try:  # the Rasa component; the pure functions above work without Rasa
    from rasa.engine.graph import ExecutionContext, GraphComponent
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe
    from rasa.engine.storage.resource import Resource
    from rasa.engine.storage.storage import ModelStorage
    from rasa.shared.nlu.training_data.message import Message
except ImportError:  # pragma: no cover - only when Rasa is absent
    GraphComponent = None

# The featurizer whose sentence vectors the prototypes were encoded with
# (bot/nlu/featurizer.py). It leaves the origin unset unless an `alias` is
# configured, so a dense sentence vector of MiniLM's width with no origin, or
# an origin naming MiniLM, is taken; a vector of another encoder is not.
MINILM_ORIGIN = "minilm"
E5_ORIGIN = "e5featurizer"


def minilm_sentence(message: Any, origin: str = MINILM_ORIGIN) -> Optional[np.ndarray]:
    """The message's MiniLM (or, given E5_ORIGIN, e5) sentence vector, if the pipeline computed one."""
    for feature in getattr(message, "features", None) or []:
        origins = [o for o in (feature.origin if isinstance(feature.origin, list) else [feature.origin]) if o]
        named = any(origin in str(o).lower() for o in origins)
        if (feature.attribute == "text" and feature.type == "sentence" and feature.is_dense()
                and feature.features.shape[-1] == EMBEDDING_DIM
                and (named or (not origins and origin == MINILM_ORIGIN))):
            return np.asarray(feature.features, dtype=np.float32).reshape(-1)
    return None


if GraphComponent is not None:

    @DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
    class SelfHarmSafetyNet(GraphComponent):
        """Last pipeline step: overrides the intent when self-harm is mentioned or meant."""

        @staticmethod
        def get_default_config() -> Dict[Text, Any]:
            # semantic: compare the MiniLM sentence vector with the ideation
            # prototypes of data/lexicons/self_harm.yml when the pipeline has one.
            # classifier: the SVM of bot/nlu/self_harm_model.py, trained on data/self_harm
            # and the other intents' examples; C and the decision threshold it flags at.
            # At classifier_sure or above the classifier alone counts as the nets do (the crisis reply and
            # a person); between the two thresholds the reply goes on and offers the crisis line.
            return {"semantic": True, "classifier": False, "classifier_C": 10.0, "classifier_threshold": 0.0,
                    "classifier_sure": 1.0}

        def __init__(self, config: Dict[Text, Any], model_storage: Optional[ModelStorage] = None,
                     resource: Optional[Resource] = None, model: Optional[Any] = None) -> None:
            self.component_config = {**self.get_default_config(), **config}
            self._storage, self._resource, self._model = model_storage, resource, model

        @classmethod
        def create(cls, config: Dict[Text, Any], model_storage: ModelStorage,
                   resource: Resource, execution_context: ExecutionContext) -> "SelfHarmSafetyNet":
            return cls(config, model_storage, resource)

        def train(self, training_data: Any) -> Resource:
            if not self.component_config["classifier"]:
                return self._resource
            from bot.nlu import self_harm_model

            # The other intents' examples are negatives (disclose_vulnerability's may be self-harm).
            others = [m for m in training_data.intent_examples if m.get("text") and m.get("intent") != VULNERABILITY_INTENT
                      and minilm_sentence(m) is not None and minilm_sentence(m, E5_ORIGIN) is not None]
            negatives_seen = self_harm_model.stacked([minilm_sentence(m, E5_ORIGIN) for m in others],
                                                     [minilm_sentence(m) for m in others])
            positives, negatives = self_harm_model.training_texts()
            positives += prototype_texts() + multilingual_texts("prototypes")
            negatives += contrast_texts() + multilingual_texts("contrasts")
            self._model = self_harm_model.fit(self_harm_model.text_vectors(positives),
                                              np.concatenate([self_harm_model.text_vectors(negatives), negatives_seen]),
                                              float(self.component_config["classifier_C"]),
                                              float(self.component_config["classifier_threshold"]))
            with self._storage.write_to(self._resource) as folder:
                self_harm_model.save(self._model, folder / CLASSIFIER_FILE)
            return self._resource

        @classmethod
        def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 execution_context: ExecutionContext, **kwargs: Any) -> "SelfHarmSafetyNet":
            from bot.nlu import self_harm_model

            try:
                with model_storage.read_from(resource) as folder:
                    model = self_harm_model.load(folder / CLASSIFIER_FILE)
            except (ValueError, FileNotFoundError):
                model = None  # classifier off when trained: the nets alone decide
            return cls(config, model_storage, resource, model)

        def _flags(self, message: Message) -> Tuple[bool, bool]:
            """(flagged by the nets, flagged by the classifier alone)."""
            text = (message.get("text") or "")[:MAX_TEXT_CHARS]
            if not self.component_config["semantic"]:
                return self_harm_risk(text), False
            minilm, e5 = minilm_sentence(message), minilm_sentence(message, E5_ORIGIN)
            if self_harm_risk(text, minilm, e5=e5):
                return True, False
            score = classifier_score(self._model, text, minilm, e5) if self._model is not None else None
            if score is None or score < self._model.threshold:
                return False, False
            return (True, False) if score >= float(self.component_config["classifier_sure"]) else (False, True)

        def process(self, messages: List[Message]) -> List[Message]:
            for message in messages:
                flagged, possible = self._flags(message)
                if flagged:
                    data = {"intent_ranking": message.get("intent_ranking")}
                    force_vulnerability(data)
                    message.set("intent", data["intent"], add_to_output=True)
                    message.set("intent_ranking", data["intent_ranking"], add_to_output=True)
                # The classifier alone: the reply goes on and offers the crisis line (round 8 (dev): a promise
                # "…tolong jangan pernah hubungi keluarga saya lagi" scored above the threshold).
                message.set("safety", {"self_harm": flagged, "self_harm_possible": possible}, add_to_output=True)
            return messages
