"""Compare calibration recipes for a model directory: each is fitted on the held-out training slice
(as training/calibrate.py fits them) and scored on both validation sets, where the choice among them
is made. Writes nothing.

    python training/calibration_compare.py MODEL_DIR --pool /work/scratch/fast/pool.pkl

Recipes: none (T = 1); temperature alone (NLL, every text once: calibrate.py's default); temperature +
per-label bias with every text once (--bias) and with both sources weighted equally (--bias --weight
source). Per recipe: T, validation accuracy / macro-F1 / ECE per set (15 bins, as `emotion-label eval`),
held-out accuracy. Then, for diagnosis only (nothing is fitted on it): validation ECE for temperatures
0.80–1.20 alone, and finer reliability bins of the calibration in MODEL_DIR/config.json.
The model's raw logits are computed once, with the CLI's session setting, as calibrate.py does.
"""
from __future__ import annotations

import os
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # ONNX Runtime's telemetry off before it loads (README: "Privacy")
import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score

from calibrate import fit_temperature_bias, source_weights
from evaluate_onnx import DEFAULT_DATA_DIR, SETS, ece15, load_model, predict_logits, read_calibration, softmax64
from fast_model import LABELS, fit_temperature


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model_dir")
    ap.add_argument("--pool", required=True, help="pool.pkl of training/fast_model.py teacher (its split column)")
    ap.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    cfg, id2label, tok, sess, _, _ = load_model(
        Path(a.model_dir), None, a.threads, {"optimization.disable_specified_optimizers": "SkipLayerNormFusion"})
    label2id = {v: k for k, v in id2label.items()}
    k = len(id2label)
    df = pd.read_pickle(a.pool)
    ho = df[(df.split == "heldout") & (df.kind == "orig")].reset_index(drop=True)
    y_ho = np.array([label2id[LABELS[i]] for i in ho.label])
    z_ho = predict_logits(tok, sess, ho.text.tolist()).astype(np.float64)
    val = {}
    for name in SETS:
        v = pd.read_csv(Path(a.data_dir) / name / "validation.csv", keep_default_na=False)
        val[name] = (predict_logits(tok, sess, v["text"].tolist()).astype(np.float64),
                     np.array([label2id[x] for x in v["label"]]))

    rows = np.ones(len(ho))
    recipes = [("none (T = 1)", 1.0, np.zeros(k)),
               ("temperature, every text once", fit_temperature(z_ho, y_ho)[0], np.zeros(k))]
    for label, w in (("temperature + bias, every text once", rows),
                     ("temperature + bias, sources weighted equally", source_weights(ho.source))):
        t, b = fit_temperature_bias(z_ho, y_ho, w)
        recipes.append((label, t, np.array(b)))
    print("| calibration | T | " + " | ".join(f"{n} acc / F1 / ECE" for n in SETS) + " | held-out acc |")
    print("| --- | --- | " + " | ".join("---" for _ in SETS) + " | --- |")
    for label, t, b in recipes:
        cells = []
        for z, y in val.values():
            p = softmax64(z / t + b)
            cells.append(f"{(p.argmax(1) == y).mean():.4f} / {f1_score(y, p.argmax(1), average='macro'):.4f} / "
                         f"{ece15(y, p):.4f}")
        acc_ho = ((z_ho / t + b).argmax(1) == y_ho).mean()
        print(f"| {label} | {t} | " + " | ".join(cells) + f" | {acc_ho:.4f} |")

    print("\nvalidation ECE by temperature alone (diagnosis only):")
    for t in np.round(np.arange(0.80, 1.201, 0.01), 2):
        print(f"  T={t:.2f}  " + "  ".join(f"{n} {ece15(y, softmax64(z / t)):.4f}" for n, (z, y) in val.items()))

    t, b = read_calibration(cfg, k)
    edges = [0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99, 1.0]
    print(f"\nreliability of config.json's calibration (T={t}, bias {b.tolist()}), bins [lo, hi): rows, accuracy, mean confidence")
    for n, (z, y) in val.items():
        p = softmax64(z / t + b)
        c, ok = p.max(1), p.argmax(1) == y
        print(f"  {n}:")
        for lo, hi in zip(edges, edges[1:]):
            m = (c >= lo) & ((c < hi) if hi < 1 else (c <= hi))
            if m.any():
                print(f"    [{lo:.2f}, {hi:.2f}{')' if hi < 1 else ']'}  {int(m.sum()):5d}  {ok[m].mean():.3f}  {c[m].mean():.3f}")


if __name__ == "__main__":
    main()
