"""Which language a borrower's message is in (BCP 47), for the parse and the reply language.

Why three readers: a script names Chinese (Han) and Hindi (Devanagari) with
certainty and costs nothing; lingua (a maintained library with models for
every language we serve, restricted to them, ~0.1 ms a message) tells the
Latin-script languages apart; lingua has no romanised Hindi, so a word list
names "hi-Latn". A short message ("ok", "LN-20931") says nothing about its
language: then the prior (what the borrower is known to speak) stands, or
"und" when there is none, and the caller keeps the language it had.
The languages and thresholds are data: data/lexicons/languages.yml.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional

import yaml

LEXICON = Path(__file__).resolve().parents[2] / "data" / "lexicons" / "languages.yml"
UNDETERMINED = "und"
SCRIPTS = {"han": re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"),
           "devanagari": re.compile(r"[\u0900-\u097f]")}
LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
WORD = re.compile(r"[a-z]+")
NOISE = re.compile(r"\bLN-?\d+\b|https?://\S+|\S+@\S+", re.IGNORECASE)
_LOCK = threading.Lock()


def script(text: str) -> str:
    """"han", "devanagari" or "other": the script a text is mostly read in, for
    models whose word vectors differ by script (bot/nlu/token_match.py)."""
    for name, pattern in SCRIPTS.items():
        if pattern.search(text or ""):
            return name
    return "other"


@dataclass(frozen=True)
class Guess:
    language: str  # BCP 47: "zh", "sw", "hi-Latn", or "und"
    confidence: float
    by: str  # "script", "lingua", "words", "prior" or "none": so a test or an auditor sees why


@lru_cache(maxsize=1)
def lexicon() -> dict:
    data = yaml.safe_load(LEXICON.read_text(encoding="utf-8"))
    for code, spec in data["languages"].items():
        if spec.get("script") and spec["script"] not in SCRIPTS:
            raise ValueError(f"{LEXICON}: {code}: unknown script {spec['script']!r}")
    return data


@lru_cache(maxsize=1)
def _detector():
    from lingua import Language, LanguageDetectorBuilder

    wanted = [getattr(Language, spec["lingua"]) for spec in lexicon()["languages"].values()]
    with _LOCK:
        return LanguageDetectorBuilder.from_languages(*wanted).with_preloaded_language_models().build()


def warm_up() -> None:
    _detector()


def base(code: str | None) -> str:
    """"hi-Latn" -> "hi", "zh-CN" -> "zh", "fil" -> "tl" (the lexicon's aliases): the catalogue
    a language is answered from, and the key the language reader's prior is checked by."""
    primary = (code or UNDETERMINED).split("-")[0].split("_")[0].lower()
    return lexicon().get("aliases", {}).get(primary, primary)


def identify(text: str, prior: Optional[str] = None) -> Guess:
    """The language of `text`; `prior` (e.g. the borrower's portfolio language) wins when the
    text is too short or too mixed to tell."""
    lex = lexicon()
    clean = NOISE.sub(" ", text or "")
    letters = LETTER.findall(clean)
    fallback = Guess(prior, 0.0, "prior") if prior else Guess(UNDETERMINED, 0.0, "none")
    if not letters:
        return fallback
    for code, spec in lex["languages"].items():
        pattern = SCRIPTS.get(spec.get("script", ""))
        if pattern is not None:
            share = sum(1 for ch in letters if pattern.match(ch)) / len(letters)
            if share >= 0.3:  # "能不能分期 pay": Chinese with an English word is Chinese
                return Guess(code, round(min(1.0, 0.5 + share), 3), "script")
    if len(letters) < lex["min_letters"]:
        return fallback
    scores = _scores(clean)
    words = WORD.findall(clean.lower())
    hindi = sum(1 for w in words if w in set(lex["hindi_latin"]["words"]))
    if hindi >= lex["hindi_latin"]["min_hits"] and hindi / max(1, len(words)) >= 0.3:
        return Guess("hi-Latn", round(min(1.0, hindi / len(words) + 0.4), 3), "words")
    best = max(scores, key=scores.get)
    if scores[best] < lex["min_confidence"]:
        return fallback if prior else Guess(UNDETERMINED, round(scores[best], 3), "none")
    return Guess(best, round(scores[best], 3), "lingua")


def _scores(text: str) -> Dict[str, float]:
    by_name = {spec["lingua"]: code for code, spec in lexicon()["languages"].items()}
    values = _detector().compute_language_confidence_values(text)
    return {by_name[v.language.name]: float(v.value) for v in values if v.language.name in by_name}
