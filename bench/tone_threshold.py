"""Choose config/bot.yml tone.min_confidence on the dev split (tests/nlu/heldout) with a trained model.

Usage: PYTHONPATH=. python bench/tone_threshold.py [models/collections.tar.gz]   (split: dev; re-run after each retrain)
Rule: the smallest threshold (0.50..0.95, step 0.01) maximising right openers - 3 x wrong ones,
over the emotions that have an opener in config/messages.yml `tone:`.
"""
import sys
from pathlib import Path

ROOT = Path.cwd()
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from nlu_eval import Parser, load_examples  # noqa: E402

from bot.dialogue.messages import load  # noqa: E402

openers = set(load()["tone"])
examples = load_examples(ROOT / "tests" / "nlu" / "heldout")
parser = Parser(sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "models" / "collections.tar.gz"))
rows = [(e.emotion, parser.parse(e.text).get("emotion") or {"name": "neutral", "confidence": 1.0}) for e in examples]
best = None
for step in range(50, 96):
    t = step / 100
    said = [(gold, e["name"]) for gold, e in rows if e["name"] in openers and e["confidence"] >= t]
    right = sum(g == p for g, p in said)
    wrong = len(said) - right
    on_neutral = sum(g == "neutral" for g, p in said)
    print(f"{t:.2f} right {right} wrong {wrong} (on neutral {on_neutral}) score {right - 3 * wrong}")
    if best is None or right - 3 * wrong > best[1]:
        best = (t, right - 3 * wrong)
print(f"{len(rows)} dev messages; chosen min_confidence: {best[0]:.2f}")
