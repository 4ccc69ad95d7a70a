"""The shipped models, language by language (issue 15): what a Chinese, Swahili, Tagalog,
Indonesian or Hindi-speaking borrower gets.

    PYTHONPATH=. python bench/language_eval.py --split dev             # tune on this
    PYTHONPATH=. python bench/language_eval.py --split blind --label X # one reported run

Splits (say which a number comes from):
- `dev`: tests/nlu/dev_zh_*.yml (Chinese messages written beside the training data,
  by the same writers; tuned on), tests/nlu/heldout (English) and
  data/compliance/dev_multilingual_* (guard).
- `blind`: bench/blind/languages/ (written by helpers who saw only the label
  definitions and the compliance profiles; never trained or tuned on;
  tests/unit/nlu/test_leak_guard.py keeps it out of every training source).
  With --label, the run is appended to bench/results/languages.md.

Per language: intent and emotion macro-F1, entity F1 (bench/entity_eval.py's
match; dates by span and ISO form), language-ID accuracy, self-harm recall and
false alarms, the guard's recall and precision (check_text with each text's
jurisdiction), and parse latency p50 / p99 in process.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator

import yaml

ROOT = Path(__file__).resolve().parents[1]
BLIND = ROOT / "bench" / "blind" / "languages"
RESULTS = ROOT / "bench" / "results" / "languages.md"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

SAFETY_INTENT = "disclose_vulnerability"

from bot.nlu.safety import crisis_line_follows as answered_as_self_harm  # noqa: E402
TARGETS = {"zh": {"intent_f1": 0.90, "emotion_f1": 0.75, "guard_recall": 1.0, "guard_precision": 0.95},
           "*": {"guard_recall": 0.95}}


def jsonl(path: Path) -> Iterator[dict]:
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "//")):
            yield json.loads(line)


MARKUP = re.compile(r"\[([^\]]+)\](?:\{[^}]*\}|\([^)]*\))")


def dev_messages() -> Iterator[dict]:
    """The Chinese dev sets, and tests/nlu/heldout as English (the English dev split: its latency
    is the parse budget's, p99 <= 40 ms)."""
    paths = [(path, "zh") for path in sorted((ROOT / "tests" / "nlu").glob("dev_zh_*.yml"))]
    paths += [(path, "en") for path in sorted((ROOT / "tests" / "nlu" / "heldout").glob("*.yml"))]
    for path, language in paths:
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            for example in block["examples"]:
                yield {"text": MARKUP.sub(r"\1", example["text"]).strip(), "intent": block["intent"],
                       "language": language, "entities": None,
                       "emotion": (example.get("metadata") or {}).get("emotion", "neutral")}


def dev_collector() -> Iterator[dict]:
    """dev_multilingual_*: 20 + 20 per language in blocks, in this order (data/compliance/README.md)."""
    order = ["sw", "tl", "id", "hi", "zh", "en"]
    jurisdiction = {"sw": "KE", "tl": "PH", "id": "ID", "hi": "IN", "zh": "CN", "en": "DEFAULT"}
    for name, violation in (("dev_multilingual_unacceptable.txt", True), ("dev_multilingual_acceptable.txt", False)):
        lines = [line for line in (ROOT / "data" / "compliance" / name).read_text(encoding="utf-8").splitlines() if line]
        for index, text in enumerate(lines):
            language = order[min(index // 20, len(order) - 1)]
            yield {"text": text, "violation": violation, "language": language, "jurisdiction": jurisdiction[language]}


def sources(split: str) -> tuple[list[dict], list[dict], list[dict]]:
    if split == "dev":
        return list(dev_messages()), [], list(dev_collector())
    pick = lambda kind: [row for path in sorted(BLIND.glob(f"*_{kind}.jsonl")) for row in jsonl(path)]  # noqa: E731
    return pick("messages"), pick("self_harm"), pick("collector")


def language_of(row: dict) -> str:
    return (row.get("language") or "en").split("-")[0]


def nlu(parser, messages: list[dict], harm: list[dict]) -> dict[str, dict]:
    from entity_eval import written_counts
    from nlu_eval import macro_f1, percentile_ms

    by = defaultdict(lambda: {"gold_i": [], "pred_i": [], "gold_e": [], "pred_e": [], "tp": 0, "fp": 0, "fn": 0,
                              "lang_ok": 0, "n": 0, "lat": [], "misses": [], "harm": [0, 0], "alarms": [0, 0]})
    for row in messages:
        s = by[language_of(row)]
        before = len(parser.latencies)
        result = parser.parse(row["text"])
        s["lat"] += parser.latencies[before:]
        intent = (result.get("intent") or {}).get("name") or "nlu_fallback"
        emotion = (result.get("emotion") or {}).get("name") or "neutral"
        s["n"] += 1
        s["lang_ok"] += (result.get("language") or "und").split("-")[0] == language_of(row)
        s["gold_i"].append(row["intent"]), s["pred_i"].append(intent)
        s["gold_e"].append(row["emotion"]), s["pred_e"].append(emotion)
        if intent != row["intent"]:
            s["misses"].append((row["intent"], intent, row["text"]))
        if row.get("entities") is None:
            continue
        hits, extra, missed = written_counts(row["text"], row["entities"], result.get("entities") or [])
        s["tp"], s["fp"], s["fn"] = s["tp"] + hits, s["fp"] + extra, s["fn"] + missed
    for row in harm:
        s = by[language_of(row)]
        got = answered_as_self_harm(parser.parse(row["text"]))
        key = "harm" if row["self_harm"] else "alarms"
        s[key][0] += got
        s[key][1] += 1
    out = {}
    for language, s in by.items():
        p = s["tp"] / (s["tp"] + s["fp"]) if s["tp"] + s["fp"] else 0.0
        r = s["tp"] / (s["tp"] + s["fn"]) if s["tp"] + s["fn"] else 0.0
        out[language] = {
            "messages": s["n"],
            "intent_f1": macro_f1(s["gold_i"], s["pred_i"]) if s["n"] else None,
            "emotion_f1": macro_f1(s["gold_e"], s["pred_e"]) if s["n"] else None,
            "entity_f1": (2 * p * r / (p + r) if p + r else 0.0) if s["tp"] + s["fn"] else None,
            "language_id": s["lang_ok"] / s["n"] if s["n"] else None,
            "self_harm": tuple(s["harm"]), "false_alarms": tuple(s["alarms"]),
            "p50_ms": percentile_ms(s["lat"], 50) if s["lat"] else None,
            "p99_ms": percentile_ms(s["lat"], 99) if s["lat"] else None,
            "misses": s["misses"],
        }
    return out


def guard(collector: Iterable[dict]) -> dict[str, dict]:
    from bot.compliance import check_text
    from bot.compliance.profiles import load_profiles

    known = set(load_profiles())
    by = defaultdict(lambda: {"tp": 0, "fp": 0, "fn": 0, "tn": 0, "missed": [], "blocked": []})
    for row in collector:
        s = by[language_of(row)]
        jurisdiction = row.get("jurisdiction") if row.get("jurisdiction") in known else "DEFAULT"
        blocked = not check_text(row["text"], jurisdiction).allowed
        if row["violation"]:
            s["tp" if blocked else "fn"] += 1
            if not blocked:
                s["missed"].append(row["text"])
        else:
            s["fp" if blocked else "tn"] += 1
            if blocked:
                s["blocked"].append(row["text"])
    return {language: {"recall": s["tp"] / (s["tp"] + s["fn"]) if s["tp"] + s["fn"] else None,
                       "precision": s["tp"] / (s["tp"] + s["fp"]) if s["tp"] + s["fp"] else None,
                       "counts": (s["tp"] + s["fn"], s["tn"] + s["fp"]), **s}
            for language, s in by.items()}


def cell(value, fmt: str = "{:.3f}") -> str:
    if value is None:
        return "–"
    if isinstance(value, tuple):
        return f"{value[0]}/{value[1]}" if value[1] else "–"
    return fmt.format(value)


def markdown(label: str, split: str, n: dict, g: dict) -> str:
    languages = sorted(set(n) | set(g), key=lambda code: (code != "zh", code))
    lines = [f"## {label}", "",
             f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; split: **{split}**.", "",
             "| language | messages | intent F1 | emotion F1 | entity F1 | language ID | self-harm caught | "
             "false alarms | guard recall | guard precision | p50 / p99 ms |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for code in languages:
        m, c = n.get(code, {}), g.get(code, {})
        latency = f"{m['p50_ms']:.0f} / {m['p99_ms']:.0f}" if m.get("p50_ms") is not None else "–"
        lines.append(f"| {code} | {m.get('messages', 0)} | {cell(m.get('intent_f1'))} | {cell(m.get('emotion_f1'))} | "
                     f"{cell(m.get('entity_f1'))} | {cell(m.get('language_id'))} | {cell(m.get('self_harm'))} | "
                     f"{cell(m.get('false_alarms'))} | {cell(c.get('recall'))} | {cell(c.get('precision'))} | {latency} |")
    lines += ["", "Targets: zh intent ≥ 0.90, emotion ≥ 0.75, self-harm 100 %, guard recall 1.0 at precision ≥ 0.95; "
              "sw, tl, id, hi: self-harm 100 %, guard recall ≥ 0.95.", ""]
    for code in languages:
        c = g.get(code, {})
        if c.get("missed") or c.get("blocked"):
            lines += [f"Guard, {code}: missed {len(c['missed'])}, fair texts blocked {len(c['blocked'])}."]
            # Dev lines may be read; a blind line printed is one whoever tunes next has seen.
            lines += [*[f"- {text}" for text in c["missed"][:5]], ""] if split == "dev" else [""]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("dev", "blind"), default="dev")
    parser.add_argument("--label", help="append this run to bench/results/languages.md (blind: once per reported run)")
    parser.add_argument("--model", default=str(ROOT / "models" / "collections.tar.gz"))
    args = parser.parse_args()
    from nlu_eval import Parser

    messages, harm, collector = sources(args.split)
    n = nlu(Parser(args.model), messages, harm)
    g = guard(collector)
    text = markdown(args.label or "local run (not recorded)", args.split, n, g)
    if args.label:
        header = "# Per-language figures\n\nOne section per reported run (bench/language_eval.py).\n\n"
        old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else header
        RESULTS.write_text(old + "\n" + text, encoding="utf-8")
    print(text)
    if args.split == "dev":  # the misreads of a dev split help tuning; a blind split's lines stay unseen
        for code, m in n.items():
            for want, got, message in m["misses"][:25]:
                print(f"[{code}] intent {want} -> {got}: {message}")


if __name__ == "__main__":
    main()
