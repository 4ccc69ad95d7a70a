"""The shipped models on the blind sets of bench/blind: one reported run per call.

    PYTHONPATH=. python bench/blind_eval.py --label "after 13 (abc1234)" [--model models/collections.tar.gz]

bench/blind/ was written by someone who saw only the label definitions
(../shared/spec/nlu-contract.md) and the compliance profiles; nothing is tuned
or trained on it (tests/unit/nlu/test_leak_guard.py keeps it out of every
training source). So every number here is from the **blind** split, and each
call appends one run to bench/results/blind.md: touch it once per reported
run, never to choose a setting (choose on the dev split, tests/nlu/heldout).

Measures: intent macro-F1, emotion macro-F1 and recall per emotion, entity F1
(bench/entity_eval.py's match: same entity, overlapping span, equal value;
dates by span and ISO form, since the blind set's relative dates were written
against its own "today"), self-harm recall and false alarms, and the
outbound guard's recall and precision on collector texts (check_text with
each text's jurisdiction).
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
BLIND = ROOT / "bench" / "blind"
RESULTS = ROOT / "bench" / "results" / "blind.md"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

SAFETY_INTENT = "disclose_vulnerability"

from bot.nlu.safety import crisis_line_follows as answered_as_self_harm  # noqa: E402
TARGET_RECALL = ("angry", "anxious", "distressed")


def rows(name: str) -> Iterator[dict]:
    for line in (BLIND / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "//")):
            yield json.loads(line)


def nlu(parse) -> dict:
    """Intent, emotion, entities and self-harm on messages.jsonl and self_harm.jsonl."""
    from entity_eval import written_counts
    from sklearn.metrics import f1_score, recall_score

    messages = list(rows("messages.jsonl"))
    gold_i, pred_i, gold_e, pred_e, misses = [], [], [], [], []
    tp = fp = fn = 0
    for row in messages:
        result = parse(row["text"])
        intent = (result.get("intent") or {}).get("name") or "nlu_fallback"
        emotion = (result.get("emotion") or {}).get("name") or "neutral"
        gold_i.append(row["intent"])
        pred_i.append(intent)
        gold_e.append(row["emotion"])
        pred_e.append(emotion)
        if intent != row["intent"]:
            misses.append(("intent", row["intent"], intent, row["text"]))
        if emotion != row["emotion"]:
            misses.append(("emotion", row["emotion"], emotion, row["text"]))
        hits, extra, missed = written_counts(row["text"], row.get("entities") or [], result.get("entities") or [])
        tp, fp, fn = tp + hits, fp + extra, fn + missed
    emotions = sorted(set(gold_e))
    recalls = recall_score(gold_e, pred_e, labels=emotions, average=None, zero_division=0)
    precision, recall = (tp / (tp + fp) if tp + fp else 0.0), (tp / (tp + fn) if tp + fn else 0.0)
    harm = list(rows("self_harm.jsonl"))
    caught = [(row["self_harm"], answered_as_self_harm(parse(row["text"]))) for row in harm]
    return {
        "messages": len(messages),
        "intent_f1": f1_score(gold_i, pred_i, labels=sorted(set(gold_i)), average="macro", zero_division=0),
        "emotion_f1": f1_score(gold_e, pred_e, labels=emotions, average="macro", zero_division=0),
        "emotion_recall": dict(zip(emotions, map(float, recalls))),
        "neutral_swallowed": Counter(g for g, p in zip(gold_e, pred_e) if p == "neutral" and g != "neutral"),
        "entity_f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "self_harm": (sum(1 for want, got in caught if want and got), sum(1 for want, _ in caught if want)),
        "false_alarms": (sum(1 for want, got in caught if got and not want), sum(1 for want, _ in caught if not want)),
        "misses": misses,
    }


def guard() -> dict:
    from bot.compliance import check_text
    from bot.compliance.profiles import load_profiles

    known = set(load_profiles())
    tp = fp = fn = tn = 0
    missed, blocked_fine = [], []
    for row in rows("collector.jsonl"):
        jurisdiction = row.get("jurisdiction") if row.get("jurisdiction") in known else "DEFAULT"
        blocked = not check_text(row["text"], jurisdiction).allowed
        if row["violation"]:
            tp, fn = tp + blocked, fn + (not blocked)
            if not blocked:
                missed.append((row.get("language"), row["text"]))
        else:
            fp, tn = fp + blocked, tn + (not blocked)
            if blocked:
                blocked_fine.append((row.get("language"), row["text"]))
    return {"violations": tp + fn, "compliant": fp + tn, "recall": tp / (tp + fn) if tp + fn else 0.0,
            "precision": tp / (tp + fp) if tp + fp else 0.0, "missed": missed, "blocked_fine": blocked_fine}


def markdown(label: str, n: dict, g: dict) -> str:
    recall = ", ".join(f"{k} {v:.2f}" for k, v in n["emotion_recall"].items())
    swallowed = ", ".join(f"{k} {v}" for k, v in n["neutral_swallowed"].most_common())
    lines = [
        f"## {label}", "",
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; split: **blind** (bench/blind, never tuned or trained on).", "",
        "| measure | target | result |", "|---|---|---|",
        f"| intent macro-F1 ({n['messages']} messages) | ≥ 0.95 | {n['intent_f1']:.3f} |",
        f"| emotion macro-F1 | ≥ 0.80 | {n['emotion_f1']:.3f} |",
        f"| emotion recall | ≥ 0.70 for {', '.join(TARGET_RECALL)} | {recall} |",
        f"| gold emotions predicted neutral | | {swallowed or 'none'} |",
        f"| entity F1 | ≥ 0.95 | {n['entity_f1']:.3f} |",
        f"| self-harm recall | 100 % | {n['self_harm'][0]}/{n['self_harm'][1]} |",
        f"| self-harm false alarms (hard negatives) | | {n['false_alarms'][0]}/{n['false_alarms'][1]} |",
        f"| guard recall ({g['violations']} violations) | 1.0 | {g['recall']:.3f} |",
        f"| guard precision ({g['compliant']} compliant texts) | ≥ 0.95 | {g['precision']:.3f} |",
        "", "Guard misses by language: " + by_language(g["missed"]),
        "Compliant texts blocked by language: " + by_language(g["blocked_fine"]),
        "(Counts only: a blind line printed here is a line whoever tunes next has seen.)",
    ]
    return "\n".join(lines) + "\n"


def by_language(rows) -> str:
    counts: dict = {}
    for lang, _ in rows:
        counts[lang] = counts.get(lang, 0) + 1
    return ", ".join(f"{lang} {n}" for lang, n in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))) or "none"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--label", required=True, help="which code this run measures, e.g. 'before 13 (facb34b)'")
    parser.add_argument("--model", default=str(ROOT / "models" / "collections.tar.gz"))
    args = parser.parse_args()
    from nlu_eval import Parser

    n = nlu(Parser(args.model).parse)
    g = guard()
    text = markdown(args.label, n, g)
    header = "# Blind sets\n\nOne section per reported run (bench/blind_eval.py); never used to choose a setting.\n\n"
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else header
    RESULTS.write_text(old + "\n" + text, encoding="utf-8")
    print(text)  # counts only: a blind line shown is a line whoever tunes next has seen


if __name__ == "__main__":
    main()
