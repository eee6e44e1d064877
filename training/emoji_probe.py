"""Do emoji names help? Issue #15 item 3, measured at inference time only (no retraining).

    python training/emoji_probe.py MODEL_DIR [MODEL_DIR ...]

With the uncased WordPiece vocabulary every emoji is [UNK]. For the validation rows that contain an
emoji (found with the `emoji` package), this labels each text as it is and with every emoji replaced
by its CLDR name ("😭" -> " loudly crying face "), as BERTweet's normalization does, and prints the
accuracy of both on those rows (and on every row, where the others are unchanged). Inference as
training/evaluate_onnx.py (Rust tokenizers + onnxruntime), calibration applied as the CLI does.
A model trained with the names would be the real test; this shows whether the names carry signal the
current models can already read.
"""
from __future__ import annotations

import os
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # ONNX Runtime's telemetry off before it loads (README: "Privacy")
import argparse
from pathlib import Path

import emoji
import numpy as np
import pandas as pd

from evaluate_onnx import DEFAULT_DATA_DIR, SETS, load_model, predict_logits, read_calibration


def named(text: str) -> str:
    return emoji.replace_emoji(text, replace=lambda e, d: " " + d["en"].strip(":").replace("_", " ") + " ")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model_dirs", nargs="+")
    ap.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    a = ap.parse_args()
    for d in a.model_dirs:
        cfg, id2label, tok, sess, _, _ = load_model(
            Path(d), None, 2, {"optimization.disable_specified_optimizers": "SkipLayerNormFusion"})
        t, b = read_calibration(cfg, len(id2label))
        label2id = {v: k for k, v in id2label.items()}
        for name in SETS:
            df = pd.read_csv(Path(a.data_dir) / name / "validation.csv", keep_default_na=False)
            y = np.array([label2id[x] for x in df["label"]])
            has = np.array([emoji.emoji_count(x) > 0 for x in df["text"]])
            if not has.any():
                print(f"{d} {name}: no validation text has an emoji")
                continue
            texts = df["text"][has].tolist()
            p0 = (predict_logits(tok, sess, texts) / t + b).argmax(1)
            p1 = (predict_logits(tok, sess, [named(x) for x in texts]) / t + b).argmax(1)
            ok0, ok1 = int((p0 == y[has]).sum()), int((p1 == y[has]).sum())
            print(f"{d} {name}: {has.sum()} of {len(df)} rows have an emoji; right on them: as they are {ok0}, "
                  f"with names {ok1} (labels changed on {int((p0 != p1).sum())}); whole set {ok1 - ok0:+d} rows")


if __name__ == "__main__":
    main()
