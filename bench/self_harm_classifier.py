"""Choose the self-harm classifier's C and threshold on DEV sets, and print the table.

Usage: PYTHONPATH=. python bench/self_harm_classifier.py [--C 10] [--folds 5]   (split: dev)

Trains as the pipeline does (bot/nlu/self_harm_model.py: data/self_harm, the
lexicons' prototypes and contrasts, the other intents' examples of data/nlu as
negatives) and scores, per decision threshold:
- tests/nlu/dev_self_harm_round5.yml (written from the definition only, never
  trained on): positives and hard negatives flagged by the classifier alone and
  by the nets (patterns and prototype checks) or the classifier;
- tests/nlu/dev_self_harm_everyday.yml (everyday and identity messages);
- the data/nlu negatives, each scored by a model trained without its fold.
Never bench/blind/.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
import self_harm_dev  # noqa: E402
from bot.nlu import safety, self_harm_model  # noqa: E402

ROUND5 = ROOT / "tests" / "nlu" / "dev_self_harm_round5.yml"
THRESHOLDS = (-0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0, 1.25)


def round5() -> tuple[list[str], list[str]]:
    data = yaml.safe_load(ROUND5.read_text(encoding="utf-8"))
    return ([str(t) for ts in data["self_harm"].values() for t in ts],
            [str(t) for ts in data["not_self_harm"].values() for t in ts])


def nets(texts: list[str], vectors: np.ndarray) -> np.ndarray:
    """What the component flags without the classifier (patterns, MiniLM and e5 prototype checks)."""
    return np.array([safety.self_harm_risk(t, v[384:], e5=v[:384]) for t, v in zip(texts, vectors)])


def eligible(texts: list[str]) -> np.ndarray:
    return np.array([safety.e5_eligible(t) for t in texts])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--C", type=float, default=10.0)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    positives, negatives = self_harm_model.training_texts()
    positives += safety.prototype_texts() + safety.multilingual_texts("prototypes")
    negatives += safety.contrast_texts() + safety.multilingual_texts("contrasts")
    others = [t for _, t in self_harm_dev.training_negatives()]
    vec = self_harm_model.text_vectors
    xp, xn, xo = vec(positives), vec(negatives), vec(others)
    model = self_harm_model.fit(xp, np.concatenate([xn, xo]), args.C, 0.0)
    p5, n5 = round5()
    everyday = [t for _, t in self_harm_dev.everyday_messages()]
    vp5, vn5, vev = vec(p5), vec(n5), vec(everyday)
    dp, dn, dev_ = model.decision(vp5), model.decision(vn5), model.decision(vev)
    ep, en, eev = eligible(p5), eligible(n5), eligible(everyday)
    np5, nn5 = nets(p5, vp5), nets(n5, vn5)
    folds = np.arange(len(others)) % args.folds
    held = np.zeros(len(others))
    for k in range(args.folds):
        fold = self_harm_model.fit(xp, np.concatenate([xn, xo[folds != k]]), args.C, 0.0)
        held[folds == k] = fold.decision(xo[folds == k])
    eo = eligible(others)
    print(f"C = {args.C}; round 5 (dev): {len(p5)} self-harm, {len(n5)} hard negatives; nets alone flag "
          f"{np5.sum()} and {nn5.sum()}\n")
    print("| threshold | round 5 self-harm: classifier | nets or classifier | round 5 hard negatives: classifier "
          "| nets or classifier | everyday flagged | data/nlu other intents flagged (held-out fold) |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for t in THRESHOLDS:
        cp, cn = (dp >= t) & ep, (dn >= t) & en
        print(f"| {t} | {cp.sum()} / {len(p5)} | {(cp | np5).sum()} | {cn.sum()} / {len(n5)} | {(cn | nn5).sum()} "
              f"| {((dev_ >= t) & eev).sum()} / {len(everyday)} | {((held >= t) & eo).sum()} / {len(others)} |")


if __name__ == "__main__":
    main()
