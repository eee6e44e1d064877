"""Fit the calibration of an exported model directory on the held-out slice of the training data and
store it in MODEL_DIR/config.json as `calibration` (the CLI computes softmax(logits / temperature + bias)).

    python training/calibrate.py MODEL_DIR --pool /work/scratch/fast/pool.pkl [--bias] [--weight source]
        [--view default|neutral] [--heldout CSV]

The held-out slice is the stratified 8% of emotion + GoEmotions-6 train that training/fast_model.py
draws and that neither the teacher (teacher.py) nor the students (distil.py) are trained on; never the
validation sets. Inference exactly as training/evaluate_onnx.py (Rust tokenizers + onnxruntime with
the CLI's session setting). Both fits minimize the negative log-likelihood on the slice:

* default: a temperature T alone (fast_model.fit_temperature: grid + golden section);
* --bias: T and one additive bias per label together (SciPy L-BFGS; the biases are shifted to sum to 0,
  which leaves every softmax unchanged). A bias is a prior correction, so unlike T it can change the
  top label: the labels' shares in the training data differ from what the slice shows the model needs.

--weight source weights the slice so that each source (emotion, GoEmotions-6) counts as much as the
other (the slice holds 1,280 emotion and 421 GoEmotions-6 texts, as train does); --weight rows (the
default) counts every text once. T and the biases are rounded to 4 decimals, the figures printed after
fitting are for the rounded values, which are what config.json holds.

--view (issue #24: a model with a seventh `neutral` output declares it in config.json as
`"neutral": {"label": "neutral", ...}`; see docs/own-model.md, "No emotion"):

* default: the view without --neutral. For a model that declares a neutral output, the fit sees the
  other outputs' logits only and the held-out rows whose label is not the neutral one, and writes
  config.json `calibration` (one bias per emotion label). For any other model, all outputs.
* neutral: the --neutral view: every output and every held-out row, written to
  config.json `neutral.calibration` (one bias per id2label entry). The model must declare `neutral`.

Held-out labels are label names, or ints read through the model's id2label (the pool's ints follow
fast_model.LABELS, which is the embedded models' id order). --heldout CSV (columns text, label and
optionally source) replaces the pool's held-out slice.
"""
from __future__ import annotations

import os
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # ONNX Runtime's telemetry off before it loads (README: "Privacy")
import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from evaluate_onnx import ece15, load_model, predict_logits, read_view, softmax64
from fast_model import fit_temperature


def nll(z: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    z = z - z.max(1, keepdims=True)
    lp = z[np.arange(len(y)), y] - np.log(np.exp(z).sum(1))
    return float(-(w * lp).sum() / w.sum())


def fit_temperature_bias(logits: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, list[float]]:
    """argmin over (T, b) of the weighted NLL of softmax(logits / T + b); returns T and b (sum 0), rounded."""
    z0 = logits.astype(np.float64)
    k = z0.shape[1]
    onehot = np.eye(k)[y]
    ws = w / w.sum()

    def f(th):  # th = [log(1/T), b_0 … b_{k-1}]; value and gradient
        s = np.exp(th[0])
        z = z0 * s + th[1:]
        z = z - z.max(1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(1, keepdims=True)
        lp = np.log(p[np.arange(len(y)), y])
        g = (p - onehot) * ws[:, None]  # d(NLL)/dz
        return -(ws * lp).sum(), np.concatenate([[(g * z0).sum() * s], g.sum(0)])

    r = minimize(f, np.zeros(k + 1), jac=True, method="L-BFGS-B", options={"maxiter": 1000, "gtol": 1e-10})
    if not r.success:
        raise SystemExit(f"calibration fit did not converge: {r.message}")
    b = r.x[1:] - r.x[1:].mean()
    return round(float(1 / np.exp(r.x[0])), 4), [round(float(v), 4) for v in b]


def source_weights(source: pd.Series) -> np.ndarray:
    """Per-text weights that give each source (emotion, GoEmotions-6) the same total weight, mean 1."""
    counts = source.value_counts()
    return source.map(lambda s: len(source) / (len(counts) * counts[s])).to_numpy(dtype=np.float64)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model_dir")
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--pool", help="pool.pkl of training/fast_model.py teacher (its split column)")
    src.add_argument("--heldout", help="a CSV of held-out rows (text, label[, source]) instead of the pool")
    ap.add_argument("--view", choices=["default", "neutral"], default="default",
                    help="which view to fit: default (config.json calibration) or neutral (neutral.calibration)")
    ap.add_argument("--bias", action="store_true", help="fit one additive bias per label with the temperature")
    ap.add_argument("--weight", choices=["rows", "source"], default="rows",
                    help="rows: every held-out text counts once; source: each source's texts weigh as much in all")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    d = Path(a.model_dir)
    cfg, id2label, tok, sess, _, _ = load_model(
        d, None, a.threads, {"optimization.disable_specified_optimizers": "SkipLayerNormFusion"})
    if cfg.get("problem_type") == "multi_label_classification":
        raise SystemExit("calibrate.py fits a softmax (single-label) model; this one is multi-label (sigmoid per label)")
    if a.pool:
        df = pd.read_pickle(a.pool)
        ho = df[(df.split == "heldout") & (df.kind == "orig")].reset_index(drop=True)
    else:
        ho = pd.read_csv(a.heldout, keep_default_na=False)
        if "source" not in ho:
            ho["source"] = Path(a.heldout).stem
    view = read_view(cfg, a.view == "neutral")
    names = ho.label.map(lambda l: l if isinstance(l, str) else id2label[int(l)])
    if view["neutral_label"] is not None and a.view == "default":
        ho = ho[(names != view["neutral_label"]).to_numpy()].reset_index(drop=True)
        names = ho.label.map(lambda l: l if isinstance(l, str) else id2label[int(l)])
    label2id = {v: k for k, v in enumerate(view["labels"])}
    unknown = sorted(set(names) - set(label2id))
    if unknown:
        raise SystemExit(f"held-out labels {unknown} are not labels of the {a.view} view ({', '.join(view['labels'])})")
    y = np.array([label2id[n] for n in names])
    w = source_weights(ho.source) if a.weight == "source" else np.ones(len(ho))
    logits = predict_logits(tok, sess, ho.text.tolist()).astype(np.float64)[:, view["index"]]
    k = logits.shape[1]
    if a.bias:
        t, b = fit_temperature_bias(logits, y, w)
    else:
        if a.weight != "rows":
            raise SystemExit("--weight source needs --bias (the temperature-only fit counts every text once)")
        t, _, _ = fit_temperature(logits, y)
        b = [0.0] * k
    z1, zc = logits, logits / t + np.array(b)
    print(f"held-out slice n={len(ho)} ({', '.join(f'{s} {n}' for s, n in ho.source.value_counts().items())}), "
          f"weight {a.weight}: T={t}" + (f", bias {b}" if a.bias else "") + f"; weighted NLL {nll(z1, y, w):.4f} -> "
          f"{nll(zc, y, w):.4f}; accuracy {(z1.argmax(1) == y).mean():.4f} -> {(zc.argmax(1) == y).mean():.4f}")
    for s in sorted(ho.source.unique()):
        m = (ho.source == s).to_numpy()
        print(f"  {s}: ECE {ece15(y[m], softmax64(z1[m])):.4f} -> {ece15(y[m], softmax64(zc[m])):.4f}")
    cal = {"temperature": t}
    if a.bias:
        cal["bias"] = b
    cal["fitted_on"] = ((f"held-out slice of {' + '.join(sorted(ho.source.unique()))} train (not trained on)" if a.pool else
                         f"{Path(a.heldout).name} (held-out rows)")
                        + (", each source weighted equally" if a.weight == "source" else "")
                        + (", the neutral view (every output)" if a.view == "neutral" else ""))
    if a.view == "neutral":
        cfg["neutral"]["calibration"] = cal
    else:
        cfg["calibration"] = cal
    (d / "config.json").write_text(json.dumps(cfg, indent=2) + "\n")


if __name__ == "__main__":
    main()
