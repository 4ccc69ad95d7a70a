"""Build and save a blank English spaCy pipeline for Rasa's SpacyNLP.

No pretrained spaCy model can be downloaded here, but Rasa's SpacyNLP only
needs *a* pipeline on disk (it calls ``spacy.load(<path>)`` and refuses an
in-memory stub), and the blank English tokenizer with its rule-based
exceptions ("don't" -> "do", "n't") is all the pipeline uses it for. Dense
features come from MiniLM, not from spaCy vectors.

Usage (idempotent; the Makefile runs it before ``rasa train``)::

    python -m bot.nlu.spacy_blank models/spacy/en_blank
"""
from __future__ import annotations

import sys
from pathlib import Path

DEFAULT_DIR = Path("models/spacy/en_blank")


def build_blank(target: Path = DEFAULT_DIR) -> Path:
    """Save a blank English pipeline to ``target`` unless one is already there."""
    import spacy

    target = Path(target)
    if (target / "meta.json").is_file() and (target / "config.cfg").is_file():
        return target
    nlp = spacy.blank("en")
    nlp.meta["name"] = "en_blank"
    nlp.meta["version"] = "1.0.0"
    target.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(target)
    return target


def main(argv: list[str]) -> int:
    if len(argv) > 1:
        print("usage: python -m bot.nlu.spacy_blank [target_dir]", file=sys.stderr)
        return 2
    path = build_blank(Path(argv[0]) if argv else DEFAULT_DIR)
    print(f"blank spaCy pipeline ready at {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
