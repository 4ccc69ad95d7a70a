"""NLU evaluation: our pipeline vs Rasa's stock default, dev split + public benchmarks.

Which split each number comes from is printed beside it:
- **dev**: tests/nlu/heldout (its folder keeps the old name). Settings were
  chosen on it, so it is a dev set whatever the folder says: a floor for
  regressions, not an estimate of unseen messages.
- **test**: the public benchmarks' test splits (and GoEmotions' test), touched
  once per reported run (this script), never to choose a setting.
- **blind**: bench/blind, measured by bench/blind_eval.py, never tuned on.

Usage::

    python bench/nlu_eval.py                      # everything (about 46 min on 2 cores)
    python bench/nlu_eval.py --only ours,stock    # a subset while developing
    python bench/nlu_eval.py --list               # names accepted by --only

Prints one table per section and writes bench/results/nlu.md. Public data is
read from ../shared/datasets (override with NLU_DATASETS); it is evaluation
data only and is written to a temp dir, never into the repo. Every benchmark
trains *our config.yml pipeline* on that benchmark's own training split;
Rasa's stock pipeline runs beside it on the held-out split and on BANKING77
10-shot (DIET on the full benchmarks would take hours).
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import json
import logging
import os
import re
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
warnings.filterwarnings("ignore")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
DATASETS = Path(os.environ.get("NLU_DATASETS", ROOT.parent / "shared" / "datasets"))
RESULTS = ROOT / "bench" / "results" / "nlu.md"
OURS_CONFIG = ROOT / "config.yml"
SAFETY_INTENT = "disclose_vulnerability"
FALLBACK_INTENT = "nlu_fallback"
OOS_INTENTS = {"out_of_scope", "oos", FALLBACK_INTENT}

# Which held-out messages are self-harm disclosures (their recall must be 100 %):
# those marked `metadata: {self_harm: true}` plus any disclose_vulnerability
# example matching this deliberately broad pattern.
SELF_HARM_PATTERN = re.compile(
    r"suicid|kill(ing)? my ?self|end(ing)? (it all|my life|everything)|take my (own )?life|"
    r"hurt(ing)? my ?self|harm(ing)? my ?self|self[- ]?harm|don'?t want to (live|be alive|wake up)|"
    r"no reason to live|better off (dead|if i was dead)|want to die|wan die|overdose|jump off|pills|"
    r"(it all|all) to be over|(to|2) die\b",
    re.I,
)

# `rasa init`'s default pipeline (Rasa 3.6), so "stock" means what a new project gets.
STOCK_PIPELINE = """
recipe: default.v1
language: en
pipeline:
  - name: WhitespaceTokenizer
  - name: RegexFeaturizer
  - name: LexicalSyntacticFeaturizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 4
  - name: DIETClassifier
    epochs: 100
    constrain_similarities: true
  - name: EntitySynonymMapper
  - name: ResponseSelector
    epochs: 100
    constrain_similarities: true
  - name: FallbackClassifier
    threshold: 0.3
    ambiguity_threshold: 0.1
"""
STOCK_DIET_SKIP = (
    "not run: stock DIET measured at ~140 s/epoch on 10k rows here, "
    "100 epochs ≈ 4 h, beyond the 60-min eval budget"
)


log = logging.getLogger("nlu_eval")


# ---------------------------------------------------------------- data + models
@dataclass
class Example:
    text: str
    intent: str
    emotion: str = "neutral"
    entities: List[dict] = field(default_factory=list)
    self_harm: bool = False


def load_examples(folder: Path) -> List[Example]:
    from rasa.shared.nlu.training_data.loading import load_data

    from bot.nlu.emotion import emotion_label

    out = []
    for path in sorted(Path(folder).glob("*.yml")):
        for msg in load_data(str(path)).intent_examples:
            meta = (msg.get("metadata") or {}).get("example") or {}
            intent = msg.get("intent")
            out.append(
                Example(
                    text=msg.get("text"),
                    intent=intent,
                    emotion=emotion_label(msg),
                    entities=list(msg.get("entities") or []),
                    self_harm=bool(meta.get("self_harm"))
                    or (intent == SAFETY_INTENT and bool(SELF_HARM_PATTERN.search(msg.get("text")))),
                )
            )
    return out


def write_nlu_yaml(rows: Iterable[Tuple[str, str]], path: Path) -> Path:
    """Benchmark rows -> Rasa training YAML in a temp dir."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    data = TrainingData([Message.build(text=t, intent=i) for t, i in rows])
    RasaYAMLWriter().dump(str(path), data)
    return path


def nlu_only_config(source: Path, target: Path) -> Path:
    """Our config without the dialogue policies, spaCy dir built and paths made absolute
    (so `make eval` works from a fresh clone and from any working directory)."""
    from rasa.shared.utils.io import read_yaml_file, write_yaml

    from bot.nlu.spacy_blank import build_blank

    cfg = read_yaml_file(str(source))
    cfg.pop("policies", None)
    for step in cfg.get("pipeline", []):
        if step.get("name") == "SpacyNLP":
            model = Path(step.get("model", "models/spacy/en_blank"))
            step["model"] = str(build_blank(model if model.is_absolute() else ROOT / model))
        if step.get("name", "").endswith("EmotionExamples") and "path" in step:
            step["path"] = str(ROOT / step["path"])
    write_yaml(cfg, str(target))
    return target


def train(config: Path, nlu: Path, out: Path, name: str) -> Tuple[str, float]:
    from rasa.model_training import train_nlu

    start = time.perf_counter()
    model = train_nlu(str(config), str(nlu), str(out), fixed_model_name=name)
    seconds = time.perf_counter() - start
    if not model:
        raise RuntimeError(f"training {name} produced no model")
    return model, seconds


class Parser:
    """In-process parsing through the trained graph, one message at a time."""

    def __init__(self, model_path: str):
        from rasa.core.agent import Agent

        self._loop = asyncio.new_event_loop()
        self._agent = Agent.load(model_path)
        self.latencies: List[float] = []
        self.parse("warm up")
        self.latencies.clear()

    def parse(self, text: str) -> dict:
        start = time.perf_counter()
        result = self._loop.run_until_complete(self._agent.parse_message(text))
        self.latencies.append(time.perf_counter() - start)
        return result


# ---------------------------------------------------------------- metrics
def macro_f1(gold: Sequence[str], pred: Sequence[str]) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(gold, pred, labels=sorted(set(gold)), average="macro", zero_division=0))


def percentile_ms(values: Sequence[float], q: float) -> float:
    import numpy as np

    return float(np.percentile(values, q) * 1000) if values else float("nan")


def entity_counts(gold: Example, predicted: List[dict]) -> Tuple[int, int, int]:
    """(tp, fp, fn) with the one definition of a match used by bench/entity_eval.py:
    same entity, overlapping spans, equal normalised values (gold dates carry no
    value: span overlap and an ISO value)."""
    from entity_eval import matches

    unmatched = [dict(p) for p in predicted if p.get("start") is not None]
    tp = 0
    for g in gold.entities:
        hit = next((p for p in unmatched if matches(g, p)), None)
        if hit is not None:
            unmatched.remove(hit)
            tp += 1
    return tp, len(unmatched), len(gold.entities) - tp


def top_intent(result: dict, skip_fallback: bool) -> str:
    if not skip_fallback:
        return (result.get("intent") or {}).get("name") or FALLBACK_INTENT
    for item in result.get("intent_ranking") or []:
        if item.get("name") != FALLBACK_INTENT:
            return item["name"]
    return FALLBACK_INTENT


def evaluate_heldout(parser: Parser, heldout: List[Example]) -> Dict[str, object]:
    gold_i, pred_i, emotions = [], [], []
    tp = fp = fn = 0
    harm_total = harm_hit = 0
    misses = []
    for ex in heldout:
        res = parser.parse(ex.text)
        intent = top_intent(res, skip_fallback=False)
        gold_i.append(ex.intent)
        pred_i.append(intent)
        emotions.append((ex.emotion, res.get("emotion")))
        a, b, c = entity_counts(ex, res.get("entities") or [])
        tp, fp, fn = tp + a, fp + b, fn + c
        if ex.self_harm:
            harm_total += 1
            harm_hit += intent == SAFETY_INTENT
        if intent != ex.intent:
            misses.append((ex.intent, intent, ex.text))
    # a pipeline with an emotion component must answer every message; a missing
    # emotion then counts as neutral. Stock Rasa has none at all: reported n/a.
    has_emotion = any(pred for _, pred in emotions)
    gold_e = [gold for gold, _ in emotions] if has_emotion else []
    pred_e = [pred["name"] if pred else "neutral" for _, pred in emotions] if has_emotion else []
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {
        "n": len(heldout),
        "intent_f1": macro_f1(gold_i, pred_i),
        "emotion_f1": macro_f1(gold_e, pred_e) if pred_e else None,
        "entity_f1": (2 * precision * recall / (precision + recall)) if precision + recall else 0.0,
        "self_harm": (harm_hit, harm_total),
        "p50": percentile_ms(parser.latencies, 50),
        "p99": percentile_ms(parser.latencies, 99),
        "misses": misses,
    }


# ---------------------------------------------------------------- runs
class Run:
    def __init__(self, workdir: Path, config: Path = OURS_CONFIG):
        self.workdir = workdir
        self.config = nlu_only_config(config, workdir / "ours_config.yml")
        self.heldout_rows: Dict[str, dict] = {}
        self.bench_rows: List[List[str]] = []
        self.ours_model: Optional[str] = None
        self.notes: List[str] = []

    # held-out, side by side
    def heldout(self, name: str, config: Path) -> None:
        heldout = load_examples(ROOT / "tests" / "nlu" / "heldout")
        model, seconds = train(config, ROOT / "data" / "nlu", self.workdir / "models", name)
        if name == "ours":
            self.ours_model = model
        metrics = evaluate_heldout(Parser(model), heldout)
        metrics["train_s"] = seconds
        self.heldout_rows[name] = metrics
        for gold, pred, text in metrics["misses"][:15]:
            log.info("[%s] miss %s -> %s: %s", name, gold, pred, text)

    def ours(self) -> None:
        self.heldout("ours", self.config)

    def stock_config(self) -> Path:
        path = self.workdir / "stock_config.yml"
        path.write_text(STOCK_PIPELINE)
        return path

    def stock(self) -> None:
        self.heldout("stock", self.stock_config())

    def ours_diet(self) -> None:
        """Our featurizers with DIET instead of the logistic regression (trade-off check)."""
        from rasa.shared.utils.io import read_yaml_file, write_yaml

        cfg = read_yaml_file(str(self.config))
        epochs = int(os.environ.get("NLU_DIET_EPOCHS", "20"))
        cfg["pipeline"] = [
            {"name": "DIETClassifier", "epochs": epochs, "constrain_similarities": True}
            if "DenseSparseIntentClassifier" in step["name"]
            else step
            for step in cfg["pipeline"]
        ]
        path = self.workdir / "ours_diet_config.yml"
        write_yaml(cfg, str(path))
        self.heldout(f"ours_diet{epochs}", path)

    # public benchmarks
    def _intent_benchmark(
        self, label: str, train_rows, test_rows, oos_label: Optional[str], config: Optional[Path] = None
    ) -> None:
        nlu = write_nlu_yaml(train_rows, self.workdir / f"{label}.yml")
        model, seconds = train(config or self.config, nlu, self.workdir / "models", label)
        parser = Parser(model)
        gold, raw, skip = [], [], []
        for text, intent in test_rows:
            res = parser.parse(text)
            gold.append(intent)
            raw.append(top_intent(res, skip_fallback=False))
            skip.append(top_intent(res, skip_fallback=True))
        lat = f"{percentile_ms(parser.latencies, 50):.1f} / {percentile_ms(parser.latencies, 99):.1f}"
        if oos_label is None:
            acc = sum(g == p for g, p in zip(gold, skip)) / len(gold)
            acc_fb = sum(g == p for g, p in zip(gold, raw)) / len(gold)
            self.bench_rows.append([label, "test accuracy (classifier top-1)", f"{acc:.2%}", f"{seconds:.0f}", lat])
            self.bench_rows.append([label, "test accuracy, nlu_fallback counted wrong", f"{acc_fb:.2%}", "", ""])
        else:
            ins = [(g, p) for g, p in zip(gold, raw) if g != oos_label]
            oos = [(g, p) for g, p in zip(gold, raw) if g == oos_label]
            in_acc = sum(g == p for g, p in ins) / len(ins)
            oos_rec = sum(p in OOS_INTENTS for _, p in oos) / len(oos)
            self.bench_rows.append([label, "in-scope accuracy", f"{in_acc:.2%}", f"{seconds:.0f}", lat])
            self.bench_rows.append([label, "out-of-scope recall (oos or nlu_fallback)", f"{oos_rec:.2%}", "", ""])

    def _banking(self, shots: Optional[int], stock: bool = False) -> None:
        train_rows = read_csv(DATASETS / "banking77" / "train.csv")
        if shots:
            seen: Dict[str, int] = {}
            kept = []
            for text, intent in train_rows:
                if seen.get(intent, 0) < shots:
                    seen[intent] = seen.get(intent, 0) + 1
                    kept.append((text, intent))
            train_rows = kept
        label = f"banking77_{shots}shot" if shots else "banking77_full"
        test_rows = read_csv(DATASETS / "banking77" / "test.csv")
        if stock:
            self._intent_benchmark(f"{label}_stock", train_rows, test_rows, None, self.stock_config())
            return
        self._intent_benchmark(label, train_rows, test_rows, None)
        if not shots:
            self.bench_rows.append([f"{label} (stock DIET)", "test accuracy", STOCK_DIET_SKIP, "", ""])

    def banking10(self) -> None:
        self._banking(10)

    def banking10_stock(self) -> None:
        """Rasa's stock pipeline on the same 770 rows (about 4 min here; the
        full sets would take hours of DIET)."""
        self._banking(10, stock=True)

    def banking_full(self) -> None:
        self._banking(None)

    def clinc(self) -> None:
        data = json.loads((DATASETS / "clinc150" / "data_full.json").read_text())
        train_rows = [tuple(r) for r in data["train"] + data["oos_train"]]
        test_rows = [tuple(r) for r in data["test"] + data["oos_test"]]
        self._intent_benchmark("clinc150", train_rows, test_rows, "oos")
        self.bench_rows.append(["clinc150 (stock DIET)", "in-scope / oos", STOCK_DIET_SKIP, "", ""])

    def goemotions(self) -> None:
        if self.ours_model is None:
            self.ours_model, _ = train(self.config, ROOT / "data" / "nlu", self.workdir / "models", "ours")
        parser = Parser(self.ours_model)
        gold, pred, missing = [], [], 0
        with open(DATASETS / "goemotions-collections" / "test.tsv", newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                gold.append(row["emotion"])
                # Rasa answers text starting with "/" (e.g. "/u/name said") as an intent
                # command without running the pipeline: no emotion -> count as neutral.
                emotion = parser.parse(row["text"]).get("emotion")
                missing += emotion is None
                pred.append(emotion["name"] if emotion else "neutral")
        self.bench_rows.append(["goemotions (test, mapped)", "emotion macro-F1, trained on our data only", f"{macro_f1(gold, pred):.3f}", "", f"{len(gold)} msgs, {missing} without emotion"])


def read_csv(path: Path) -> List[Tuple[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return [(r["text"], r["category"]) for r in csv.DictReader(fh)]


STEPS = {
    "ours": Run.ours,
    "stock": Run.stock,
    "ours_diet": Run.ours_diet,
    "banking10": Run.banking10,
    "banking10_stock": Run.banking10_stock,
    "banking_full": Run.banking_full,
    "clinc": Run.clinc,
    "goemotions": Run.goemotions,
}
DEFAULT_STEPS = ["ours", "goemotions", "banking10", "banking10_stock", "stock", "banking_full", "clinc"]


# ---------------------------------------------------------------- report
def table(header: List[str], rows: List[List[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def report(run: Run, elapsed: float) -> str:
    parts = [
        "# NLU evaluation",
        "",
        f"Generated by `python bench/nlu_eval.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{os.cpu_count()} CPUs, total {elapsed / 60:.1f} min.",
    ]
    if run.heldout_rows:
        names = list(run.heldout_rows)
        fmt = {
            "intent macro-F1 (≥ 0.93)": lambda m: f"{m['intent_f1']:.3f}",
            "emotion macro-F1 (≥ 0.80)": lambda m: "n/a (no emotion output)" if m["emotion_f1"] is None else f"{m['emotion_f1']:.3f}",
            "entity F1, values normalised (≥ 0.90)": lambda m: f"{m['entity_f1']:.3f}",
            "self-harm → disclose_vulnerability (100 %)": lambda m: f"{m['self_harm'][0]}/{m['self_harm'][1]}",
            "parse latency p50 / p99 ms (≤ 20 / 40)": lambda m: f"{m['p50']:.1f} / {m['p99']:.1f}",
            "train wall time s (≤ 600)": lambda m: f"{m['train_s']:.0f}",
            "dev messages": lambda m: str(m["n"]),
        }
        rows = [[k] + [f(run.heldout_rows[n]) for n in names] for k, f in fmt.items()]
        parts += ["", "## Split: dev (tests/nlu/heldout: settings were chosen on it), trained on data/nlu", "", table(["measure"] + names, rows)]
    if run.bench_rows:
        parts += [
            "",
            "## Split: test (public benchmarks; our config.yml pipeline trained on each benchmark's train split; touched once per reported run)",
            "",
            table(["benchmark", "measure", "result", "train s", "parse p50 / p99 ms"], run.bench_rows),
        ]
    if run.notes:
        parts += ["", *run.notes]
    return "\n".join(parts) + "\n"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated subset of: " + ",".join(STEPS))
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--out", default=str(RESULTS), help="markdown file to write")
    parser.add_argument("--config", default=str(OURS_CONFIG),
                        help="pipeline to evaluate as 'ours' (try a change before committing it)")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(STEPS))
        return 0
    steps = args.only.split(",") if args.only else DEFAULT_STEPS
    unknown = [s for s in steps if s not in STEPS]
    if unknown:
        parser.error(f"unknown step(s) {unknown}; choose from {list(STEPS)}")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for noisy in ("rasa", "tensorflow", "transformers", "absl", "sanic"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="nlu_eval_") as tmp:
        run = Run(Path(tmp), Path(args.config))
        for step in steps:
            t0 = time.perf_counter()
            STEPS[step](run)
            log.info("step %s done in %.0f s", step, time.perf_counter() - t0)
            # written after every step so a long run leaves partial results behind
            text = report(run, time.perf_counter() - started)
            Path(args.out).parent.mkdir(parents=True, exist_ok=True)
            Path(args.out).write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
