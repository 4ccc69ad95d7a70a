"""Prohibited-language filter (bot.compliance.check_text): precision and recall per split.

data/compliance/*.txt are split by name (data/compliance/README.md): train_*
(rules tuned on, backstop trained on: a regression floor, not a measure),
dev_* (rules written against, backstop never trained on) and blind_* (nothing
tuned or trained on: the honest estimate of what the filter does with text
nobody here wrote). Every row says its split; the rules-alone columns show what
the transparent rules do before the backstop classifier holds the rest.
Scores with the backstop model the servers load ($COMPLIANCE_BACKSTOP_MODEL or
models/compliance_backstop.json: run `make train` first).
Writes bench/results/compliance.md; with --split only the named splits are scored
(no other file is read) and the table is printed, not written: `--split dev` is what
one measures while tuning, since blind must not be looked at then. Sets whose lines
come in language blocks (LANGUAGE_BLOCKS) also get one row per language.

    python bench/compliance_eval.py [--split dev]
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.compliance import backstop, check_text  # noqa: E402
from bot.compliance.backstop.training import corpus_lines  # noqa: E402
from bot.compliance.matching import find_violations  # noqa: E402
from bot.compliance.rules import default_rules  # noqa: E402

CORPUS = ROOT / "data" / "compliance"
SPLITS = {
    "train": "rules tuned on it, backstop trained on it: a regression floor, not a measure",
    "dev": "rules written against it, backstop never trained on it",
    "blind": "never tuned on, never trained on: the honest estimate",
}
ABOUT = {
    "train_corpus": "first corpus, written before the rules",
    "train_round1": "held-out round 1 (formerly heldout)",
    "train_round2": "held-out round 2 (formerly heldout2)",
    "train_round3": "held-out round 3 (formerly heldout3)",
    "train_round5": "issue 13: protective texts and sw/tl/id/hi-Latn/zh threats written for training",
    "train_round6": "issue 15: 60 + 60 zh, 25 + 25 each sw, tl, id, hi (Devanagari and romanised): "
                    "third parties, impersonation, visits, violence, insults, borrowing elsewhere, veiled threats, "
                    "euphemisms; protective texts",
    "dev_multilingual": "issue 15: 120 + 120 collector texts in sw, tl, id, hi (Devanagari and romanised), zh "
                        "and en (disguised spellings, euphemisms), written from the rules' definitions",
    "dev_examples": "the specification examples of tests/unit/compliance/test_compliance_language.py",
    "dev_round5": "issue 13: protective texts, disguised spellings, sw/tl/id/hi-Latn/zh, every jurisdiction; "
                  "rules, thresholds and C chosen on it",
    "blind_round4": "written after the last rule change (formerly heldout4)",
    "blind_external": "written by someone who never saw the rules or the corpus",
}
# Sets written as equal blocks of lines per language, in this order (both files of the set).
LANGUAGE_BLOCKS = {
    "dev_multilingual": ("sw", "tl", "id", "hi", "zh", "en"),
    "dev_round7": ("zh", "sw", "tl", "id", "hi"),
    "dev_round8": ("zh", "sw", "tl", "id", "hi"),
    "dev_round8b": ("zh", "sw", "tl", "id", "hi", "en", "mixed"),
}
_NAME = re.compile(r"(?P<split>train|dev|blind)_(?P<set>[a-z0-9_]+)_unacceptable\.txt")


def sets(split: str) -> list[str]:
    """The <split>_<set> prefixes present in data/compliance, in name order."""
    return sorted(f"{m['split']}_{m['set']}" for p in CORPUS.glob(f"{split}_*_unacceptable.txt")
                  if (m := _NAME.fullmatch(p.name)))


def score(prefix: str) -> dict[str, int]:
    return score_lines(corpus_lines(CORPUS / f"{prefix}_unacceptable.txt"),
                       corpus_lines(CORPUS / f"{prefix}_acceptable.txt"))


def by_language(prefix: str) -> list[tuple[str, dict[str, int]]]:
    """(language, score) per block of a set in LANGUAGE_BLOCKS; a set whose files do not
    split evenly into its blocks is an error rather than a mislabelled row."""
    languages = LANGUAGE_BLOCKS[prefix]
    files = [corpus_lines(CORPUS / f"{prefix}_{label}.txt") for label in ("unacceptable", "acceptable")]
    sizes = [len(lines) // len(languages) for lines in files]
    if any(len(lines) != size * len(languages) for lines, size in zip(files, sizes)):
        raise SystemExit(f"{prefix}_*: {[len(f) for f in files]} lines do not split into {len(languages)} blocks")
    return [(lang, score_lines(files[0][i * sizes[0]:(i + 1) * sizes[0]], files[1][i * sizes[1]:(i + 1) * sizes[1]]))
            for i, lang in enumerate(languages)]


def score_lines(bad: list[str], good: list[str]) -> dict[str, int]:
    book = default_rules()

    def meaning(t: str) -> bool:
        if backstop.reads_english(t):
            return backstop.embedding_suspicion(t) >= book.embedding_hold_at
        return (backstop.require_model().multilingual
                and backstop.embedding_suspicion(t, other_languages=True) >= book.other_languages_hold_at)
    return {"bad": len(bad), "good": len(good),
            "rules_tp": sum(bool(find_violations(t)) for t in bad),
            "rules_fp": sum(bool(find_violations(t)) for t in good),
            "emb_tp": sum(meaning(t) for t in bad), "emb_fp": sum(meaning(t) for t in good),
            "model_tp": sum(backstop.suspicion(t) >= book.hold_at for t in bad),
            "model_fp": sum(backstop.suspicion(t) >= book.hold_at for t in good),
            "tp": sum(not check_text(t).allowed for t in bad),
            "fp": sum(not check_text(t).allowed for t in good)}


def cost_ms(texts: list[str], repeat: int = 3) -> dict[str, float]:
    """Median milliseconds per call: rules alone, the embedding classifier, check_text."""
    import statistics

    def per_call(fn) -> float:
        runs = []
        for _ in range(repeat):
            backstop._SCORED.clear()  # measure the encoder, not the cache
            started = time.perf_counter()
            for t in texts:
                fn(t)
            runs.append((time.perf_counter() - started) * 1000 / len(texts))
        return statistics.median(runs)
    return {"rules": per_call(find_violations), "embedding": per_call(backstop.embedding_suspicion),
            "check_text": per_call(check_text)}


def row(split: str, name: str, s: dict[str, int]) -> str:
    def prf(tp: int, fp: int) -> str:
        precision = tp / (tp + fp) if tp + fp else 0.0
        return f"{tp}/{s['bad']} = {tp / s['bad']:.3f} | {fp}/{s['good']} | {precision:.3f}"
    return (f"| {split} | {name} | {prf(s['rules_tp'], s['rules_fp'])} | {prf(s['emb_tp'], s['emb_fp'])} "
            f"| {prf(s['model_tp'], s['model_fp'])} | {prf(s['tp'], s['fp'])} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", action="append", choices=list(SPLITS),
                        help="score only this split (repeatable); prints, does not write the results file")
    args = parser.parse_args(argv)
    chosen = args.split or list(SPLITS)
    started = time.monotonic()
    model = backstop.require_model()  # BackstopMissing tells you to run `make train`
    # Score every line's embeddings once, in batches; check_text then reads the cached numbers.
    every = sorted({t for split in chosen for p in CORPUS.glob(f"{split}_*.txt") for t in corpus_lines(p)})
    backstop.embedding_suspicions(every)
    if model.multilingual:
        backstop.embedding_suspicions(every, None, True)
    rows = ["| split | set | rules alone: recall | false blocks | precision "
            "| embedding classifier alone: recall | false holds | precision "
            "| backstop (n-grams or embeddings) alone: recall | false holds | precision "
            "| check_text (rules, then backstop): recall | false blocks | precision |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for split in chosen:
        total: dict[str, int] = {}
        names = sets(split)
        for prefix in names:
            s = score(prefix)
            rows.append(row(split, f"`{prefix}_*`", s))
            total = {k: total.get(k, 0) + v for k, v in s.items()}
            if prefix in LANGUAGE_BLOCKS:
                rows += [row(split, f"`{prefix}_*` {lang}", part) for lang, part in by_language(prefix)]
        if len(names) > 1:
            rows.append(row(split, f"**all {split}**", total))
    if chosen != list(SPLITS):
        print("\n".join(rows))
        return 0
    probe = corpus_lines(CORPUS / "dev_round5_acceptable.txt")[:40]
    backstop.embedding_suspicion(probe[0])  # load and trace the encoder outside the timing
    cost = cost_ms(probe)
    model_name = model.path.relative_to(ROOT) if model.path.is_relative_to(ROOT) else model.path
    text = "\n".join([
        "# Prohibited-language filter", "",
        f"`python bench/compliance_eval.py` ({time.monotonic() - started:.1f} s). Precision and recall of "
        "`check_text` per split of `data/compliance` (see its README.md); recall = unacceptable lines "
        "blocked or held, false blocks = acceptable lines blocked or held.", "",
        *(f"- **{split}**: {about}." for split, about in SPLITS.items()),
        *(f"- `{prefix}_*`: {about}." for prefix, about in ABOUT.items()),
        f"- Backstop model: `{model_name}`, trained on {', '.join(f'`{f}`' for f in sorted(model.trained_on))} "
        f"(train split only): n-gram and sentence-embedding logistic regressions ({model.encoder} for English"
        f"{f', {model.other_encoder} for every other language' if model.multilingual else ' only'}); it holds a "
        f"text at an n-gram score of {default_rules().hold_at} or an embedding score of "
        f"{default_rules().embedding_hold_at} (English) / {default_rules().other_languages_hold_at} (other "
        "languages; `data/compliance/rules.yml`, `backstop`). Thresholds and C were chosen on the dev split.",
        f"- Cost per call (median over {len(probe)} dev texts, this machine): rules {cost['rules']:.2f} ms, "
        f"embedding classifier {cost['embedding']:.1f} ms, `check_text` {cost['check_text']:.1f} ms "
        "(the classifier runs only when no rule blocks).", "",
        *rows, ""])
    out = ROOT / "bench" / "results" / "compliance.md"
    out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
