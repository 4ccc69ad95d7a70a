"""Entity F1 of the rule-based extractor (bot.nlu.normalise.extract) on our labelled data.

Run:  PYTHONPATH=. RASA_TELEMETRY_ENABLED=false .venv/bin/python bench/entity_eval.py [--errors]

Scores the extractor alone, not the trained pipeline, so a regression in the
rules shows up without training anything. Training data (data/nlu/) is where
rules get fixed; the held-out split (tests/nlu/heldout/) is only reported.

A prediction matches a gold entity when the entity name agrees, the spans
overlap and the normalised values are equal. Gold ``date`` carries no value
(its meaning depends on the day the message is read), so for dates the span
overlap suffices and our value must be an ISO date. Gold values without an
explicit ``value`` are the annotated text itself ("[500](amount)"), so they
are normalised the same light way before comparing (500 == "500").
Results go to stdout and bench/results/entities.md.
"""
from __future__ import annotations

import argparse
import glob
import logging
import os
import sys
from collections import Counter
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Dict, List, Optional, Tuple

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.nlu.normalise import ENTITY_TYPES, extract  # noqa: E402

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)  # fixed so the numbers are repeatable
TZ = "UTC"
SPLITS = {"training": "data/nlu/*.yml", "held-out": "tests/nlu/heldout/*.yml"}
NUMERIC = {"amount", "duration_days", "instalments"}


def load_examples(pattern: str) -> List[Tuple[str, str, List[Dict]]]:
    """(file, text, gold entities) for every example of every file matching pattern."""
    logging.disable(logging.WARNING)
    from rasa.shared.nlu.training_data.loading import load_data

    rows = []
    for path in sorted(glob.glob(str(ROOT / pattern))):
        for msg in load_data(path).intent_examples:
            text = msg.get("text") or ""
            rows.append((os.path.relpath(path, ROOT), text, list(msg.get("entities") or [])))
    return rows


def norm_value(kind: str, value) -> Optional[str]:
    """A comparable string for a gold or predicted value (numbers by value, codes upper-cased)."""
    if value is None:
        return None
    if kind in NUMERIC:
        try:
            return str(Decimal(str(value).replace(",", "")).normalize())
        except InvalidOperation:
            return str(value)
    if kind in ("currency", "loan_reference"):
        return str(value).strip().upper()
    return str(value).strip()


def _is_iso_date(value) -> bool:
    try:
        date.fromisoformat(str(value))
        return True
    except ValueError:
        return False


def matches(gold: Dict, pred: Dict) -> bool:
    if gold["entity"] != pred["entity"]:
        return False
    if not (gold["start"] < pred["end"] and pred["start"] < gold["end"]):
        return False
    if gold["entity"] == "date":
        return _is_iso_date(pred["value"])
    return norm_value(gold["entity"], gold.get("value")) == norm_value(pred["entity"], pred.get("value"))


def written_counts(text: str, gold_entities: List[Dict], predicted: List[Dict]) -> Tuple[int, int, int]:
    """(tp, fp, fn) of a message whose gold entities name their span by its `text` (the blind
    sets' shape): dates match by span and ISO form, the sets' "today" not being ours."""
    left = [dict(p) for p in predicted if p.get("start") is not None]
    tp = fn = 0
    for gold in gold_entities:
        start = text.find(gold.get("text") or "\0")
        g = {"entity": gold["entity"], "start": start, "end": start + len(gold.get("text") or ""),
             "value": None if gold["entity"] == "date" else gold.get("value")}
        hit = next((p for p in left if start >= 0 and matches(g, p)), None)
        if hit is not None:
            left.remove(hit)
            tp += 1
        else:
            fn += 1
    return tp, len(left), fn


def score(rows) -> Tuple[Dict[str, Counter], List[str]]:
    """Per-entity tp/fp/fn counters and a readable list of the errors."""
    counts: Dict[str, Counter] = {k: Counter() for k in ENTITY_TYPES}
    errors: List[str] = []
    for path, text, gold in rows:
        gold = [g for g in gold if g["entity"] in ENTITY_TYPES]
        preds = extract(text, NOW, TZ)
        used = set()
        for g in gold:
            hit = next((i for i, p in enumerate(preds) if i not in used and matches(g, p)), None)
            if hit is None:
                counts[g["entity"]]["fn"] += 1
                errors.append(f"MISS  {g['entity']}={g.get('value')!r} [{text[g['start']:g['end']]}]"
                              f"  in {text!r} ({path})")
            else:
                used.add(hit)
                counts[g["entity"]]["tp"] += 1
        for i, p in enumerate(preds):
            if i not in used:
                counts[p["entity"]]["fp"] += 1
                errors.append(f"EXTRA {p['entity']}={p['value']!r} [{p['text']}]  in {text!r} ({path})")
    return counts, errors


def prf(c: Counter) -> Tuple[float, float, float]:
    p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
    r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def table(counts: Dict[str, Counter]) -> List[str]:
    lines = ["| entity | gold | tp | fp | fn | precision | recall | F1 |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    total = Counter()
    for kind in ENTITY_TYPES:
        c = counts[kind]
        total.update(c)
        p, r, f = prf(c)
        lines.append(f"| {kind} | {c['tp'] + c['fn']} | {c['tp']} | {c['fp']} | {c['fn']} "
                     f"| {p:.3f} | {r:.3f} | {f:.3f} |")
    p, r, f = prf(total)
    lines.append(f"| **micro** | {total['tp'] + total['fn']} | {total['tp']} | {total['fp']} "
                 f"| {total['fn']} | {p:.3f} | {r:.3f} | **{f:.3f}** |")
    return lines


def lexicon_coverage() -> List[str]:
    """Every entry of data/lexicons/ read where it should be (a word the rules never see is dead data)."""
    from bot.nlu import lexicons
    from bot.nlu.signals import about_all_loans, hardship_reason, lexicon, payment_period

    dates = lexicons.load("dates")
    checks: List[Tuple[str, bool]] = []
    for word in dates["tomorrow"]:
        checks.append((f"dates.tomorrow: {word}", _values(f"I will pay {word}", "date") == ["2026-12-01"]))
    for word, weekday in dates["weekdays"].items():
        got = _values(f"nitalipa {word}", "date")
        checks.append((f"dates.weekdays: {word}", len(got) == 1 and date.fromisoformat(got[0]).weekday() == weekday))
    for unit, days in dates["swahili_units_days"].items():
        for word, n in dates["swahili_numbers"].items():
            checks.append((f"dates.swahili: {unit} {word}", _values(f"nipe {unit} {word}", "duration_days") == [n * days]))
    signals = lexicon()
    for word in signals["scope"]["loans"]:
        checks.append((f"signals.scope.loans: {word}", about_all_loans(f"all my {word}")))
    for phrase in signals["scope"]["phrases"]:
        checks.append((f"signals.scope.phrases: {phrase}", about_all_loans(phrase)))
    for unit in ("fortnight", "week", "month"):
        for word in signals["period"][unit]:
            said = str(word).rstrip("*")
            checks.append((f"signals.period.{unit}: {word}", payment_period(f"500 {said}")["unit"] == unit))
    for reason, words in signals["hardship"].items():
        for word in words:
            checks.append((f"signals.hardship.{reason}: {word}", hardship_reason(word) == reason))
    missed = [name for name, ok in checks if not ok]
    return [f"{len(checks) - len(missed)}/{len(checks)} lexicon entries read (data/lexicons/).", "",
            *(f"- NOT READ: {name}" for name in missed)]


def _values(text: str, kind: str) -> List[object]:
    return [e["value"] for e in extract(text, NOW, TZ) if e["entity"] == kind]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--errors", action="store_true", help="print every miss and spurious entity")
    ap.add_argument("--out", default=str(ROOT / "bench/results/entities.md"))
    args = ap.parse_args()

    md = ["# Entity extraction (rule-based `extract`) on our labelled data", "",
          f"`bench/entity_eval.py`, now = {NOW.isoformat()}, tz = {TZ}. A match needs the same "
          "entity, overlapping spans and equal normalised values (gold `date` has no value: "
          "span overlap + an ISO value).", ""]
    for split, pattern in SPLITS.items():
        rows = load_examples(pattern)
        counts, errors = score(rows)
        md += [f"## {split} ({len(rows)} messages)", ""] + table(counts) + [""]
        md += [f"Errors ({len(errors)}):", "", "```"] + errors + ["```", ""]
        print(f"\n{split}: {len(rows)} messages")
        print("\n".join(table(counts)))
        if args.errors:
            print("\n".join(errors))
    coverage = lexicon_coverage()
    md += ["## Lexicons", ""] + coverage + [""]
    print("\n" + coverage[0])
    print("\n".join(coverage[2:]))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(md))
    print(f"\nwritten {os.path.relpath(args.out, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
