"""Prohibited-language filter (bot.compliance.check_text) on every message set.

The corpus and the early held-out rounds were used to write the rules (and to
train the review classifier); `heldout4_*` was never tuned on, and `blind_*`
was written by someone who never saw the rules or the corpus: those two are
the honest estimate of what the filter does with text nobody here wrote.
Writes bench/results/compliance.md.

    python bench/compliance_eval.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.compliance import check_text  # noqa: E402

SETS = {
    "corpus (rules written on it)": "",
    "heldout (tuned on)": "heldout_",
    "heldout2 (tuned on)": "heldout2_",
    "heldout3 (tuned on)": "heldout3_",
    "heldout4 (never tuned on)": "heldout4_",
    "blind (written without seeing the rules)": "blind_",
}


def lines(path: Path) -> list[str]:
    return [l.strip() for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]


def score(prefix: str) -> tuple[int, int, int, int]:
    folder = ROOT / "tests" / "compliance"
    bad, good = lines(folder / f"{prefix}unacceptable.txt"), lines(folder / f"{prefix}acceptable.txt")
    caught = sum(not check_text(t).allowed for t in bad)
    false_blocks = sum(not check_text(t).allowed for t in good)
    return caught, len(bad), false_blocks, len(good)


def main() -> int:
    rows = ["| set | recall (unacceptable blocked) | false blocks of acceptable | precision |", "|---|---|---|---|"]
    started = time.monotonic()
    for name, prefix in SETS.items():
        caught, bad, fp, good = score(prefix)
        precision = caught / (caught + fp) if caught + fp else 0.0
        rows.append(f"| {name} | {caught}/{bad} = {caught / bad:.3f} | {fp}/{good} | {precision:.3f} |")
    text = "\n".join(["# Prohibited-language filter", "", "`python bench/compliance_eval.py` "
                      f"({time.monotonic() - started:.1f} s)", "", *rows, ""])
    out = ROOT / "bench" / "results" / "compliance.md"
    out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
