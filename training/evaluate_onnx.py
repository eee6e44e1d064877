"""Score an exported model directory (config.json + tokenizer.json + an ONNX file) on both validation sets
with onnxruntime + tokenizers (no torch), the same inputs the CLI feeds.

    python training/evaluate_onnx.py MODEL_DIR [--onnx model_quantized.onnx] [--data-dir DIR] [--json OUT]
        [--session-config KEY=VALUE] [--golden OUT]

Truncation length: min(max_position_embeddings, tokenizer_config model_max_length), like the CLI
(and never longer than the tokenizer.json truncation setting, if any).

--golden OUT writes the reference that test/default-model.test.ts checks the CLI against
(fixtures/default-model/reference.json): per data set n, the exact number of correct rows,
accuracy and macro-F1 at full precision (scikit-learn), and every row's predicted label id and
probabilities (softmax of the logits divided by config.json's `calibration.temperature`, 1 when
absent, plus its `calibration.bias`, one number per label, none when absent, in float64, rounded to
6 decimals; the predicted label is the argmax of those calibrated logits, as in the CLI). When the model
directory's tokenizer_config.json says "emoji_to_words": true, every text goes through
training/emoji_words.py first, as in the CLI (the golden records that, with the name table's SHA-256). Unlike --json it holds no
timing, so the same command on the same files writes the same bytes. Everything in it is computed
here, independently of the CLI: the tokenizer is the Rust `tokenizers` library, the inference
Python onnxruntime, the metrics scikit-learn. --session-config KEY=VALUE passes onnxruntime session
config entries, e.g. the graph fusion the CLI turns off (src/infer/classifier.ts):
optimization.disable_specified_optimizers=SkipLayerNormFusion.
"""
from __future__ import annotations

import os
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # ONNX Runtime's telemetry off before it loads (README: "Privacy")
import argparse
import hashlib
import json
import re
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pandas as pd
import sklearn
import tokenizers
from sklearn.metrics import accuracy_score, classification_report, f1_score
from tokenizers import Tokenizer

import emoji_words

SCRIPT_DIR = Path(__file__).resolve().parent
DEFAULT_DATA_DIR = SCRIPT_DIR.parent.parent / "shared" / "data"
SETS = ("emotion", "goemotions6")


CALIBRATION_KEYS = {"temperature", "bias", "fitted_on"}
NEUTRAL_KEYS = {"label", "calibration"}
# Data sets of the seven-way view (--neutral): GoEmotions-6 plus the neutral-only comments of the same release.
NEUTRAL_SETS = {"emotion": ["emotion/validation.csv"], "goemotions6": ["goemotions6/validation.csv"],
                "goemotions7": ["goemotions6/validation.csv", "goemotions-neutral/validation.csv"]}


def parse_calibration(cal, name: str, labels: list[str]) -> tuple[float, np.ndarray]:
    """A `calibration` object (config.json's `calibration`, or `neutral.calibration`) as the CLI reads it
    (src/infer/modelDir.ts), with the same checks: absent (None) means T = 1 and no bias; otherwise an object
    with only the keys temperature (a positive finite number), bias (one finite number per label of the
    view) and fitted_on; anything else is an error."""
    num_labels = len(labels)
    if cal is None:
        return 1.0, np.zeros(num_labels)
    if not isinstance(cal, dict):
        raise SystemExit(f"config.json {name} must be an object, got {json.dumps(cal)}")
    unknown = set(cal) - CALIBRATION_KEYS
    if unknown:
        raise SystemExit(f"config.json {name} has unknown keys {sorted(unknown)} (known: {sorted(CALIBRATION_KEYS)})")
    t = cal.get("temperature", 1.0)
    if isinstance(t, bool) or not isinstance(t, (int, float)) or not (np.isfinite(t) and t > 0):
        raise SystemExit(f"config.json {name}.temperature must be a positive number, got {json.dumps(t)}")
    b = cal.get("bias", [0.0] * num_labels)
    if (not isinstance(b, list) or len(b) != num_labels
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v) for v in b)):
        raise SystemExit(f"config.json {name}.bias must be an array of {num_labels} numbers "
                         f"(one per label: {', '.join(labels)}), got {json.dumps(b)}")
    return float(t), np.array(b, dtype=np.float64)


def read_calibration(cfg: dict, num_labels: int) -> tuple[float, np.ndarray]:
    """config.json's top-level `calibration` for `num_labels` labels (see parse_calibration). For a model
    that declares a neutral view, use read_view: its top-level calibration is the six-emotion view's."""
    if "calibration" in cfg and cfg["calibration"] is None:
        raise SystemExit("config.json calibration must be an object, got null")
    return parse_calibration(cfg.get("calibration"), "calibration", [str(i) for i in range(num_labels)])


def neutral_label(cfg: dict) -> str | None:
    """config.json's `neutral: {"label": NAME, "calibration": {...}}` checked as the CLI checks it: the declared
    "no emotion" output, or None when the model declares no neutral view (a `neutral` entry of id2label is then an
    ordinary label)."""
    if "neutral" not in cfg:
        return None
    n = cfg["neutral"]
    id2label = [cfg["id2label"][str(i)] for i in range(len(cfg["id2label"]))]
    if not isinstance(n, dict):
        raise SystemExit(f"config.json neutral must be an object, got {json.dumps(n)}")
    unknown = set(n) - NEUTRAL_KEYS
    if unknown:
        raise SystemExit(f"config.json neutral has unknown keys {sorted(unknown)} (known: {sorted(NEUTRAL_KEYS)})")
    if not isinstance(n.get("label"), str) or n["label"] not in id2label:
        raise SystemExit(f"config.json neutral.label must name a label of id2label ({', '.join(id2label)}), "
                         f"got {json.dumps(n.get('label'))}")
    if cfg.get("problem_type") == "multi_label_classification":
        raise SystemExit("config.json declares a neutral view, which needs a softmax model; this one is multi-label")
    if len(id2label) < 3:
        raise SystemExit("config.json declares a neutral view, which needs at least two other labels")
    return n["label"]


def read_view(cfg: dict, neutral: bool) -> dict:
    """The labels a model gives in one view, as the CLI computes them (src/infer/modelDir.ts):

    * a model without a declared neutral view: every id2label entry, config.json `calibration`;
      neutral=True is an error (the CLI: exit 2);
    * a declared neutral view, neutral=False (the default view): the outputs other than the neutral
      one, in id order, softmax over those alone with config.json `calibration` (one bias per
      emotion label);
    * neutral=True: every output, softmax over all of them with `neutral.calibration` (one bias per
      id2label entry).

    Returns labels, index (the logits' columns, in label order), temperature, bias, neutral_label."""
    id2label = [cfg["id2label"][str(i)] for i in range(len(cfg["id2label"]))]
    nl = neutral_label(cfg)
    if neutral and nl is None:
        raise SystemExit('--neutral: this model declares no neutral view (its config.json has no "neutral" object)')
    if nl is not None and not neutral:
        index = [i for i, l in enumerate(id2label) if l != nl]
        cal, name = cfg.get("calibration"), "calibration"
    elif nl is not None:
        index = list(range(len(id2label)))
        cal, name = cfg["neutral"].get("calibration"), "neutral.calibration"
    else:
        index = list(range(len(id2label)))
        cal, name = cfg.get("calibration"), "calibration"
    if name in cfg and cfg[name] is None:
        raise SystemExit(f"config.json {name} must be an object, got null")
    if nl is not None and neutral and "calibration" in cfg["neutral"] and cal is None:
        raise SystemExit("config.json neutral.calibration must be an object, got null")
    labels = [id2label[i] for i in index]
    t, b = parse_calibration(cal, name, labels)
    return {"labels": labels, "index": np.array(index), "temperature": t, "bias": b, "neutral_label": nl}


def calibrated_probs(z: np.ndarray, multi_label: bool) -> np.ndarray:
    """softmax (single-label) or sigmoid (multi-label) of calibrated logits, in float64, as the CLI."""
    z = z.astype(np.float64)
    return 1.0 / (1.0 + np.exp(-z)) if multi_label else softmax64(z)


class EmojiWordsTokenizer:
    """A tokenizers.Tokenizer whose texts go through emoji_words.emoji_to_words first: what the CLI does for a
    model directory whose tokenizer_config.json says "emoji_to_words": true (src/tokenizer/index.ts)."""

    def __init__(self, tok: Tokenizer):
        self.tok = tok

    def encode_batch(self, texts, *args, **kwargs):
        return self.tok.encode_batch([emoji_words.emoji_to_words(t) for t in texts], *args, **kwargs)

    def encode(self, text, *args, **kwargs):
        return self.tok.encode(emoji_words.emoji_to_words(text), *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.tok, name)


def load_model(model_dir: Path, onnx_name: str | None, threads: int, session_config: dict[str, str] | None = None):
    """(config, id2label, tokenizer, session, onnx file name, truncation length). The tokenizer applies the
    emoji-as-words step first when the model directory asks for it (tokenizer_config.json emoji_to_words)."""
    cfg = json.loads((model_dir / "config.json").read_text())
    id2label = {int(k): v for k, v in cfg["id2label"].items()}
    max_len = int(cfg.get("max_position_embeddings", 512))
    tc = model_dir / "tokenizer_config.json"
    if tc.exists():
        mml = json.loads(tc.read_text()).get("model_max_length")
        if isinstance(mml, (int, float)) and mml < 1e6:
            max_len = min(max_len, int(mml))
    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    if tok.truncation is not None:
        max_len = min(max_len, tok.truncation["max_length"])
    tok.no_padding()
    tok.enable_truncation(max_len)
    if emoji_words.enabled(model_dir):
        tok = EmojiWordsTokenizer(tok)
    if onnx_name is None:
        onnx_name = "model.onnx" if (model_dir / "model.onnx").exists() else "model_quantized.onnx"
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    for key, value in (session_config or {}).items():
        so.add_session_config_entry(key, value)
    sess = ort.InferenceSession(str(model_dir / onnx_name), so, providers=["CPUExecutionProvider"])
    return cfg, id2label, tok, sess, onnx_name, max_len


def predict_logits(tok: Tokenizer, sess, texts: list[str], batch_size: int = 64) -> np.ndarray:
    """Logits (float32, len(texts) x labels), in input order."""
    input_names = [i.name for i in sess.get_inputs()]
    encs = tok.encode_batch(texts)
    order = sorted(range(len(texts)), key=lambda i: len(encs[i].ids))
    out = None
    for s in range(0, len(order), batch_size):
        idx = order[s:s + batch_size]
        L = max(len(encs[i].ids) for i in idx)
        arr = {n: np.zeros((len(idx), L), dtype=np.int64) for n in ("input_ids", "attention_mask", "token_type_ids")}
        for r, i in enumerate(idx):
            e = encs[i]
            n = len(e.ids)
            arr["input_ids"][r, :n] = e.ids
            arr["attention_mask"][r, :n] = e.attention_mask
            arr["token_type_ids"][r, :n] = e.type_ids
        logits = sess.run(["logits"], {n: arr[n] for n in input_names})[0]
        if out is None:
            out = np.zeros((len(texts), logits.shape[1]), dtype=np.float32)
        out[idx] = logits
    return out


def predict(tok: Tokenizer, sess, texts: list[str], batch_size: int = 64) -> np.ndarray:
    return predict_logits(tok, sess, texts, batch_size).argmax(-1)


def softmax64(logits: np.ndarray) -> np.ndarray:
    z = logits.astype(np.float64)
    z = np.exp(z - z.max(-1, keepdims=True))
    return z / z.sum(-1, keepdims=True)


def ece15(y: np.ndarray, probs: np.ndarray, bins: int = 15) -> float:
    """Expected calibration error of the top label, 15 equal-width confidence bins (lo, hi]."""
    conf, pred = probs.max(1), probs.argmax(1)
    e = 0.0
    for b in range(bins):
        sel = (conf > b / bins) & (conf <= (b + 1) / bins)
        if sel.any():
            e += sel.mean() * abs((pred[sel] == y[sel]).mean() - conf[sel].mean())
    return float(e)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model_dir")
    ap.add_argument("--onnx", default=None, help="ONNX file name inside MODEL_DIR (default model.onnx)")
    ap.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", default=None, help="write metrics to this JSON file")
    ap.add_argument("--session-config", action="append", default=[], metavar="KEY=VALUE",
                    help="onnxruntime session config entry (repeatable), e.g. the CLI's "
                         "optimization.disable_specified_optimizers=SkipLayerNormFusion")
    ap.add_argument("--golden", default=None,
                    help="write the exact reference (counts, full-precision metrics, per-row predictions) to this JSON file")
    ap.add_argument("--report", action="store_true", help="print per-class report")
    ap.add_argument("--neutral", action="store_true",
                    help="the neutral view (the CLI's --neutral): every output, neutral.calibration; the sets are then "
                         "emotion, goemotions6 and goemotions7 (goemotions6 + goemotions-neutral validation)")
    args = ap.parse_args()

    model_dir = Path(args.model_dir)
    session_config = dict(kv.split("=", 1) for kv in args.session_config)
    cfg, id2label, tok, sess, onnx_name, max_len = load_model(model_dir, args.onnx, args.threads, session_config)
    view = read_view(cfg, args.neutral)
    temperature, bias, index = view["temperature"], view["bias"], view["index"]
    label2id = {v: k for k, v in enumerate(view["labels"])}
    multi_label = cfg.get("problem_type") == "multi_label_classification"
    size_mb = (model_dir / onnx_name).stat().st_size / 1e6
    print(f"{model_dir}/{onnx_name}: {size_mb:.1f} MB, truncation {max_len}, temperature {temperature}, bias {bias.tolist()}")
    results = {"model": str(model_dir / onnx_name), "onnx_mb": round(size_mb, 2)}
    labels = list(range(len(view["labels"])))
    golden = {
        "command": "python " + " ".join(shlex.quote(a) for a in [sys.argv[0], *sys.argv[1:]]),
        "generated_by": "training/evaluate_onnx.py: tokenizers (Rust) + Python onnxruntime + scikit-learn",
        "session_config": session_config,
        "versions": {"onnxruntime": ort.__version__, "tokenizers": tokenizers.__version__,
                     "scikit-learn": sklearn.__version__, "numpy": np.__version__, "pandas": pd.__version__},
        "model": {"onnx": onnx_name, "sha256": sha256(model_dir / onnx_name),
                  "tokenizer_sha256": sha256(model_dir / "tokenizer.json"), "truncation": max_len,
                  "temperature": temperature, "bias": bias.tolist(),
                  "emoji_to_words": emoji_words.enabled(model_dir)},
        "labels": view["labels"],
        "view": "neutral" if args.neutral else "default",
        "sets": {},
    }
    if emoji_words.enabled(model_dir):
        golden["model"]["emoji_table_sha256"] = sha256(emoji_words.TABLE)
    sets = NEUTRAL_SETS if args.neutral else {name: [f"{name}/validation.csv"] for name in SETS}
    for name, files in sets.items():
        paths = [Path(args.data_dir) / f for f in files]
        df = pd.concat([pd.read_csv(p, keep_default_na=False) for p in paths], ignore_index=True)
        y = np.array([label2id[x] for x in df["label"]])
        t0 = time.time()
        logits = predict_logits(tok, sess, df["text"].astype(str).tolist())[:, index]
        dt = time.time() - t0
        z = logits.astype(np.float64) / temperature + bias  # as src/infer/classifier.ts toProbabilities
        probs = calibrated_probs(z, multi_label)
        p = probs.argmax(-1)  # the CLI's label: the top probability (same as the argmax of z)
        ece = ece15(y, probs)
        acc = accuracy_score(y, p)
        f1 = f1_score(y, p, average="macro", labels=labels)
        golden["sets"][name] = {
            **({"file": files[0], "sha256": sha256(paths[0])} if len(files) == 1 else
               {"files": files, "sha256s": [sha256(p) for p in paths]}),
            "n": len(y),
            "correct": int(accuracy_score(y, p, normalize=False)),
            "accuracy": float(acc),
            "macro_f1": float(f1),
            "predictions": [int(i) for i in p],
            "ece": ece,
            "probs": [[round(float(x), 6) for x in row] for row in probs],
        }
        results[name] = {"acc": round(float(acc), 4), "f1": round(float(f1), 4), "n": len(y),
                         "ece": round(ece, 4), "texts_per_sec": round(len(y) / dt, 1)}
        print(f"  {name:12s} n={len(y):5d} acc {acc:.4f} macro-F1 {f1:.4f} ECE {ece:.4f}  ({len(y) / dt:.0f} texts/s)")
        if args.report:
            print(classification_report(y, p, labels=labels, target_names=view["labels"], digits=3))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    if args.golden:
        Path(args.golden).parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(golden, indent=1)
        # each list of numbers on one line (predictions; one row of probabilities)
        text = re.sub(r"\[\s+([-0-9.e]+(?:,\s+[-0-9.e]+)*)\s+\]", lambda m: "[" + re.sub(r",\s+", ", ", m.group(1)) + "]", text)
        Path(args.golden).write_text(text + "\n")


if __name__ == "__main__":
    main()
