"""Re-choose the self-harm semantic check on DEV sets only, and print the dev table.

Usage: PYTHONPATH=. python bench/self_harm_dev.py [--grid] [--show] [--write]   (split: dev)

Dev sets (all tuned on, so every figure here is a dev figure):
data/self_harm/round1.yml (self-harm positives and hard negatives),
data/self_harm/round1_multilingual.yml (the same in the languages served),
data/self_harm/round1_languages.yml (25 each way in Chinese, Swahili, Tagalog,
Indonesian and Hindi, hard negatives being idioms, other people's deaths, illness),
data/self_harm/round2_a.yml and data/self_harm/round2_b.yml (issue 15,
round 2: 40 each way per language in Chinese, Hindi, Hinglish / Swahili-Sheng,
Tagalog-Taglish, Indonesian and world English, written from the definitions only),
tests/nlu/dev_self_harm_everyday.yml (everyday and identity messages, templates
expanded here) and, as further negatives, the training texts of data/nlu
whose intent is not disclose_vulnerability. Never bench/blind/.

Table: positives caught by the patterns, caught only by the semantic check,
missed; false alarms per negative set, split by net. --grid scores other
thresholds / margins; --show lists every semantic false alarm and miss;
--write also writes both tables to bench/results/self_harm.md.
"""
from __future__ import annotations

import itertools
import re
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bot.nlu import safety  # noqa: E402

DEV = ROOT / "data" / "self_harm" / "round1.yml"
MULTILINGUAL = ROOT / "data" / "self_harm" / "round1_multilingual.yml"
LANGUAGES = ROOT / "data" / "self_harm" / "round1_languages.yml"
ROUND2 = {"a": ROOT / "data" / "self_harm" / "round2_a.yml",   # Chinese, Hindi, Hinglish
          "b": ROOT / "data" / "self_harm" / "round2_b.yml",   # Swahili, Tagalog, Indonesian, English
          "3": ROOT / "data" / "self_harm" / "round3.yml",     # round 3: zh, sw, tl, id, hi
          "4": ROOT / "data" / "self_harm" / "round4.yml"}     # round 4: en, pcm, zh, sw, tl, id, hi
EVERYDAY = ROOT / "tests" / "nlu" / "dev_self_harm_everyday.yml"
VULNERABILITY = "disclose_vulnerability"
Texts = List[Tuple[str, str]]  # (group, text)
ENTITY_MARKUP = re.compile(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}")


def dev_sets(path: Path = DEV) -> Tuple[Texts, Texts]:
    """(positives, hard negatives) of the self-harm dev set."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return ([(g, str(t)) for g, ts in data["self_harm"].items() for t in ts],
            [(g, str(t)) for g, ts in data["not_self_harm"].items() for t in ts])


def everyday_messages(path: Path = EVERYDAY) -> Texts:
    """The literal messages, then every template filled with every combination of its slots."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    found = [(g, str(t)) for g, ts in data["messages"].items() for t in ts]
    slots: Dict[str, List[str]] = {k: [str(v) for v in vs] for k, vs in data["slots"].items()}
    for template in data["templates"]:
        text = str(template["text"])
        names = re.findall(r"\{([a-z_]+)\}", text)
        for values in itertools.product(*(slots[n] for n in names)):
            filled = text
            for name, value in zip(names, values):
                filled = filled.replace("{" + name + "}", value, 1)
            found.append(("template:" + text, filled))
    return _unique(found)


def training_negatives(root: Path = ROOT) -> Texts:
    """Every data/nlu example whose intent is not disclose_vulnerability (those can be self-harm)."""
    found: Texts = []
    for path in sorted((root / "data" / "nlu").glob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if block.get("intent") and block["intent"] != VULNERABILITY:
                found += [(block["intent"], t) for t in _examples(block)]
    return _unique(found)


def _examples(block: dict) -> List[str]:
    """The texts of one intent block ("- text" lines or `text:` items), entity markup removed."""
    examples = block.get("examples") or []
    if isinstance(examples, str):
        texts = [line[2:] for line in examples.splitlines() if line.startswith("- ")]
    else:
        texts = [str(e.get("text") if isinstance(e, dict) else e) for e in examples]
    return [ENTITY_MARKUP.sub(lambda m: m.group(1) or m.group(2), t).strip() for t in texts if t]


def _unique(items: Texts) -> Texts:
    """First occurrence of each text (a literal message may also come out of a template)."""
    seen: Dict[str, str] = {}
    for group, text in items:
        seen.setdefault(text, group)
    return [(g, t) for t, g in seen.items()]


def scores(texts: List[str]) -> np.ndarray:
    """(n, 2): nearest ideation and nearest contrast cosine of each text's MiniLM vector."""
    from bot.embeddings import sentence_vectors

    prototypes, contrasts = safety.semantic_vectors()
    vectors = sentence_vectors(texts)
    return np.stack([(vectors @ prototypes.T).max(axis=1), (vectors @ contrasts.T).max(axis=1)], axis=1)


def e5_scores(texts: List[str]) -> np.ndarray:
    """As scores, for the multilingual e5 check (every language's prototypes and contrasts)."""
    from bot.embeddings import sentence_vectors

    prototypes, contrasts = safety.e5_semantic_vectors()
    vectors = sentence_vectors(texts, "e5")
    return np.stack([(vectors @ prototypes.T).max(axis=1), (vectors @ contrasts.T).max(axis=1)], axis=1)


def e5_flags(texts: List[str], sims: np.ndarray, threshold: float = safety.E5_THRESHOLD,
             margin: float = safety.E5_MARGIN) -> List[bool]:
    return [safety.e5_eligible(t) and s[0] >= threshold and s[0] - s[1] >= margin for t, s in zip(texts, sims)]


def e5_table(sets: Dict[str, Texts], sims: Dict[str, np.ndarray], e5: Dict[str, np.ndarray],
             show: bool = False) -> str:
    """What the e5 check adds to the patterns and the MiniLM check, per set."""
    rows = ["| set | messages | patterns or MiniLM | e5 only | flagged in all | missed / not flagged |",
            "|---|---:|---:|---:|---:|---:|"]
    for name, items in sets.items():
        texts = [t for _, t in items]
        before = [p or m for p, m in zip(map(safety.mentions_self_harm, texts),
                                         semantic_flags(texts, sims[name], safety.SEMANTIC_THRESHOLD,
                                                        safety.SEMANTIC_MARGIN))]
        added = [e and not b for b, e in zip(before, e5_flags(texts, e5[name]))]
        flagged = sum(b or a for b, a in zip(before, added))
        rows.append(f"| {name} | {len(texts)} | {sum(before)} | {sum(added)} | {flagged} | {len(texts) - flagged} |")
        if show and "positives" not in name:
            rows += [f"|   {t!r} ({e5[name][i][0]:.2f} vs {e5[name][i][1]:.2f}) | | | | | |"
                     for i, t in enumerate(texts) if added[i]]
    return "\n".join(rows)


def semantic_flags(texts: List[str], sims: np.ndarray, threshold: float, margin: float) -> List[bool]:
    """The component's semantic decision, given precomputed similarities."""
    return [safety.semantic_eligible(t) and s[0] >= threshold and s[0] - s[1] >= margin
            for t, s in zip(texts, sims)]


def table(sets: Dict[str, Texts], sims: Dict[str, np.ndarray], threshold: float, margin: float,
          show: bool = False) -> str:
    rows = ["| set | messages | patterns | semantic only | missed / not flagged | semantic alone |",
            "|---|---:|---:|---:|---:|---:|"]
    for name, items in sets.items():
        texts = [t for _, t in items]
        pattern = [safety.mentions_self_harm(t) for t in texts]
        semantic = semantic_flags(texts, sims[name], threshold, margin)
        only = [t for t, p, s in zip(texts, pattern, semantic) if s and not p]
        neither = [t for t, p, s in zip(texts, pattern, semantic) if not (p or s)]
        rows.append(f"| {name} | {len(texts)} | {sum(pattern)} | {len(only)} | {len(neither)} | {sum(semantic)} |")
        if show:
            listed = neither if name == "positives" else [t for t, p in zip(texts, pattern) if p] + only
            for text in listed:
                s = sims[name][texts.index(text)]
                rows.append(f"|   {text!r} ({s[0]:.2f} vs {s[1]:.2f}) | | | | | |")
    return "\n".join(rows)


ENGLISH = ("english_direct", "english_misspelt", "english_indirect", "plans_and_means", "farewells")


def grid(sets: Dict[str, Texts], sims: Dict[str, np.ndarray]) -> str:
    """The semantic check alone: English positives it catches (the patterns catch every dev
    positive, so this stands in for phrasings no pattern foresaw) against its false alarms."""
    english = [i for i, (g, _) in enumerate(sets["positives"]) if g in ENGLISH]
    names = [n for n in sets if n != "positives"]
    rows = ["| threshold / margin | English positives, semantic alone | " + " | ".join(
        f"{n}: semantic flags" for n in names) + " |", "|---|---:|" + "---:|" * len(names)]
    for threshold in (0.35, 0.40, 0.45, 0.50, 0.55):
        for margin in (0.0, 0.05, 0.10, 0.15):
            caught = semantic_flags([sets["positives"][i][1] for i in english], sims["positives"][english],
                                    threshold, margin)
            cells = [str(sum(semantic_flags([t for _, t in sets[n]], sims[n], threshold, margin))) for n in names]
            rows.append(f"| {threshold:.2f} / {margin:.2f} | {sum(caught)}/{len(english)} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


RESULTS = ROOT / "bench" / "results" / "self_harm.md"


def main(argv: List[str]) -> None:
    positives, hard = dev_sets()
    sets = {"positives": positives, "hard negatives": hard,
            "everyday + identity": everyday_messages(), "data/nlu (not vulnerability)": training_negatives()}
    sims = {name: scores([t for _, t in items]) for name, items in sets.items()}
    more_positives, more_hard = dev_sets(MULTILINGUAL)
    language_positives, language_hard = dev_sets(LANGUAGES)
    every = {**sets, "multilingual positives": more_positives, "multilingual hard negatives": more_hard,
             "language positives": language_positives, "language hard negatives": language_hard}
    for part, path in ROUND2.items():
        round2_positives, round2_hard = dev_sets(path)
        label = f"round 2 ({part})" if part in ("a", "b") else f"round {part}"
        every.update({f"{label} positives": round2_positives, f"{label} hard negatives": round2_hard})
    sims.update({n: scores([t for _, t in every[n]]) for n in every if n not in sims})
    e5 = {name: e5_scores([t for _, t in items]) for name, items in every.items()}
    e5_settings = (f"threshold {safety.E5_THRESHOLD:.2f}, margin {safety.E5_MARGIN:.2f}, min_words "
                   f"{safety.E5_MIN_WORDS}, {len(safety.e5_semantic_vectors()[0])} prototypes, "
                   f"{len(safety.e5_semantic_vectors()[1])} contrasts")
    e5_shipped = e5_table(every, sims, e5, show="--show" in argv or "--write" in argv)
    print(f"\ne5 check: {e5_settings}\n\n{e5_shipped}")
    settings = (f"threshold {safety.SEMANTIC_THRESHOLD:.2f}, margin {safety.SEMANTIC_MARGIN:.2f}, "
                f"min_words {safety.SEMANTIC_MIN_WORDS}, identity guard on, {len(safety.prototype_texts())} "
                f"prototypes, {len(safety.contrast_texts())} contrasts")
    shipped = table(sets, sims, safety.SEMANTIC_THRESHOLD, safety.SEMANTIC_MARGIN, show="--show" in argv)
    print(f"split: dev. semantic check: {settings}\n\n{shipped}")
    choices = grid(sets, sims) if "--grid" in argv or "--write" in argv else ""
    if "--grid" in argv:
        print("\n" + choices)
    if "--write" in argv:
        RESULTS.write_text(RESULT_PAGE.format(
            settings=settings, shipped=table(sets, sims, safety.SEMANTIC_THRESHOLD, safety.SEMANTIC_MARGIN, True),
            grid=choices, e5_settings=e5_settings, e5_shipped=e5_shipped), encoding="utf-8")
        print(f"\nwritten: {RESULTS.relative_to(ROOT)}")


RESULT_PAGE = """# Self-harm safety net: dev figures (split: dev)

Generated by `PYTHONPATH=. python bench/self_harm_dev.py --write`. Every set
below was tuned on (patterns, prototypes, contrasts, threshold, margin, the
identity guard), so these are **dev** figures: what was built, not what unseen
borrowers will get (that is the blind set, measured by the lead only).

Sets: `data/self_harm/round1.yml` (self-harm positives, hard negatives),
`tests/nlu/dev_self_harm_everyday.yml` (everyday and identity messages,
templates expanded) and the data/nlu training texts of every intent but
disclose_vulnerability.

## Shipped: {settings}

"patterns": flagged by data/lexicons/self_harm.yml; "semantic only": flagged
by the MiniLM check and no pattern; "semantic alone": what the check flags by
itself. Listed under each set: its positives missed by both nets, or every
message of a negative set that either net flags (with ideation vs contrast
cosine).

{shipped}

## The semantic check alone, by setting

The patterns catch every dev positive, so the check is scored on the English
positives by itself (a stand-in for phrasings no pattern foresaw; MiniLM is
English). Rule: the most English positives while flagging no everyday,
identity or hard-negative message and at most 0.1 % of the data/nlu texts.

{grid}

## The multilingual e5 check: {e5_settings}

A third net (issue 15) on the e5 sentence vector, with the prototypes and
contrasts of data/lexicons/self_harm_multilingual.yml beside the English ones.
Adds the sets of `data/self_harm/round1_multilingual.yml` (Swahili/Sheng,
Tagalog/Taglish, Indonesian, Hindi, Hinglish, Chinese, Pidgin, indirect
English; written from the label definition by someone who did not write the
prototypes, and tuned on). Listed: every negative the e5 check adds.

{e5_shipped}

Chosen (0.86-0.92 x margin 0-0.05 x min_words 3/5/6, issue 15, 2026-12-06;
also scored on the 789 non-vulnerability messages of tests/nlu/heldout and
dev_emotion.yml, where 0.90 / 0.02 flags none the other nets do not; 0.88 /
0.02 flagged 2, and before 21 payment contrasts were added, "babayaran ko po
ito sa katapusan ng buwan" and "saya bisa lunasi semua sekarang"):
margin 0.01 caught 73-78 of the 96 multilingual positives but flagged 31-96
data/nlu texts; min_words 3 flagged short Hinglish and Tagalog everyday lines
("kal pakka pay kar dunga"). The e5 check alone, nearest English prototype
only (before the multilingual prototypes), caught 5 more positives at most;
a logistic regression on e5 trained on the English prototypes and data/nlu
caught 57 at 14 hard-negative flags.

## Recorded when the setting was chosen (issue 13, 2026-12-06; not regenerated)

- Before this round (0.45 / 0.05, no identity guard, 37 contrasts, old
  patterns) on the same sets: the patterns caught 181 of 227 positives (46 of
  the 68 new ones missed); the check flagged 14 of 623 everyday and identity
  messages (10 of them "I was born on <date>", 0.45-0.48 against contrasts of
  0.23-0.28, plus "I need time to think" 0.48, "go to hell" 0.50, "leave me
  alone" 0.45), 1 of 135 hard negatives and 7 of 2,255 data/nlu texts ("I
  dispute this debt" 0.71 vs 0.62, "I will not settle this debt" 0.82 vs 0.77).
- The guard (identity data alone is left to the patterns) removed the date of
  birth flags; nine contrasts removed the rest. The threshold did not need to
  move.
- The check alone catches 8 of the 30 new English positives at 0.45 / 0.05
  (11 at 0.40 / 0.05, which flags 8 data/nlu texts): it is a second net, the
  patterns carry the recall, and every new phrasing met goes into the patterns.
- Hyperbole ("this debt is killing me", "I'm dying to get this sorted") is in
  the everyday set: neither net sends it to the crisis line.
"""


if __name__ == "__main__":
    main(sys.argv[1:])
