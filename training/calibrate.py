"""Fit a temperature for an exported model directory on the held-out slice of the training data and
store it in MODEL_DIR/config.json as `calibration.temperature` (the CLI divides the logits by it).

    python training/calibrate.py MODEL_DIR --pool /work/scratch/fast/pool.pkl

The held-out slice is the stratified 8% of emotion + GoEmotions-6 train that training/fast_model.py
draws and that neither the teacher (teacher.py) nor the students (distil.py) are trained on; never the
validation sets. Inference exactly as training/evaluate_onnx.py (Rust tokenizers + onnxruntime with
the CLI's session setting); the fit minimizes the negative log-likelihood (fast_model.fit_temperature).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from evaluate_onnx import ece15, load_model, predict_logits, softmax64
from fast_model import fit_temperature


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model_dir")
    ap.add_argument("--pool", required=True, help="pool.pkl of training/fast_model.py teacher (its split column)")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    d = Path(a.model_dir)
    cfg, id2label, tok, sess, _, _ = load_model(
        d, None, a.threads, {"optimization.disable_specified_optimizers": "SkipLayerNormFusion"})
    df = pd.read_pickle(a.pool)
    ho = df[(df.split == "heldout") & (df.kind == "orig")].reset_index(drop=True)
    label2id = {v: k for k, v in id2label.items()}
    from fast_model import LABELS
    y = np.array([label2id[LABELS[i]] for i in ho.label])
    logits = predict_logits(tok, sess, ho.text.tolist())
    t, n1, nt = fit_temperature(logits, y)
    print(f"held-out slice n={len(ho)}: T={t}; NLL {n1:.4f} -> {nt:.4f}; "
          f"ECE {ece15(y, softmax64(logits)):.4f} -> {ece15(y, softmax64(logits / t)):.4f}")
    cfg["calibration"] = {"temperature": t,
                          "fitted_on": "held-out slice of emotion + goemotions6 train (not trained on)"}
    (d / "config.json").write_text(json.dumps(cfg, indent=2) + "\n")


if __name__ == "__main__":
    main()
