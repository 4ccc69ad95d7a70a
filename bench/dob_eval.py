"""Do the blind dates of birth verify? The shipped model reads each, the records' rule compares it.

    PYTHONPATH=. python bench/dob_eval.py --label "after 13 (abc1234)" [--model models/collections.tar.gz]

bench/blind/dob.jsonl holds dates of birth as borrowers write them, with the
date meant and the jurisdiction whose numeric order applies. Each text goes
through the trained pipeline (as a borrower's message would), the date of
birth is taken as action_verify takes it (the `date_of_birth` entity, or its
readings by field order), and bot.records.queries.dob_matches decides with
config/compliance.yml's `date_order`: the same rule the verification uses.
Blind split: one reported run per call, appended to bench/results/dob.md.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "dob.md"


def rows() -> list[dict]:
    lines = (ROOT / "bench" / "blind" / "dob.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip() and not line.lstrip().startswith("#")]


def typed_dob(parse: dict) -> tuple[date | None, dict[str, date] | None]:
    """What action_verify would compare: the entity's readings by order, or its value."""
    for entity in parse.get("entities") or []:
        if entity.get("entity") != "date_of_birth":
            continue
        readings = entity.get("readings")
        if isinstance(readings, dict) and readings:
            try:
                parsed = {order: date.fromisoformat(str(v)[:10]) for order, v in readings.items()}
            except ValueError:
                return None, None
            return next(iter(parsed.values())), parsed
        try:
            return date.fromisoformat(str(entity.get("value"))[:10]), None
        except ValueError:
            return None, None
    return None, None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--label", required=True)
    parser.add_argument("--model", default=str(ROOT / "models" / "collections.tar.gz"))
    args = parser.parse_args()
    from nlu_eval import Parser

    from bot.config.compliance import date_orders
    from bot.records.queries import dob_matches

    orders = date_orders()
    parse = Parser(args.model).parse
    results = []
    for row in rows():
        typed, readings = typed_dob(parse(row["text"]))
        holder = SimpleNamespace(date_of_birth=date.fromisoformat(row["date"]), jurisdiction=row["jurisdiction"])
        ok = typed is not None and dob_matches(holder, typed, readings, orders)
        results.append((row, ok, typed, readings))
    passed = sum(ok for _, ok, _, _ in results)
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"## {args.label}", "", f"{when}; split: **blind** (bench/blind/dob.jsonl).", "",
             f"{passed} of {len(results)} dates of birth verify (target: all, and at least 50).", "",
             "| text | jurisdiction | meant | read | verifies |", "|---|---|---|---|---|"]
    for row, ok, typed, readings in results:
        read = ", ".join(f"{k} {v}" for k, v in readings.items()) if readings else (typed or "nothing")
        lines.append(f"| {row['text']} | {row['jurisdiction']} | {row['date']} | {read} | {'yes' if ok else '**no**'} |")
    text = "\n".join(lines) + "\n"
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Blind dates of birth\n\n"
    RESULTS.write_text(old + "\n" + text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
