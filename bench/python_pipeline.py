"""Baseline for bench/run.mjs: the Hugging Face `transformers` text-classification pipeline (PyTorch, CPU).

    $PYTHON bench/python_pipeline.py --model CHECKPOINT_DIR --input in.csv --rows N --batch-size B \
        [--output out.csv] [--threads T]

Reads the first N texts of the `text` column, labels them with
pipeline("text-classification", model=CHECKPOINT_DIR, device="cpu", batch_size=B, truncation=True),
writes text,label,confidence to --output, and prints ONE JSON line on stdout:
  {"rows", "batch_size", "threads", "import_s", "load_s", "label_s", "label_rows_per_s", ...}
label_s times the labelling only (no import, no model load); the caller measures the whole process.

When torch/transformers cannot be imported or the checkpoint has no PyTorch weights, it prints
{"skipped": "<reason>"} and exits with status 3, so the bench can say why and go on.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def skip(reason: str) -> None:
    print(json.dumps({"skipped": reason}))
    sys.exit(3)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--input", required=True)
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--batch-size", type=int, default=1)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--output")
    args = ap.parse_args()

    if not os.path.isdir(args.model):
        skip(f"checkpoint not found: {args.model}")
    if not any(os.path.exists(os.path.join(args.model, f)) for f in ("model.safetensors", "pytorch_model.bin")):
        skip(f"{args.model} has no PyTorch weights (model.safetensors / pytorch_model.bin)")

    t0 = time.perf_counter()
    try:
        import torch
        import transformers
        from transformers import pipeline
    except Exception as e:  # ImportError, or a broken install
        skip(f"cannot import torch/transformers with {sys.executable}: {e}")
    t_import = time.perf_counter() - t0
    torch.set_num_threads(args.threads)

    texts: list[str] = []
    with open(args.input, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            texts.append(row["text"])
            if len(texts) >= args.rows:
                break

    t1 = time.perf_counter()
    clf = pipeline("text-classification", model=args.model, device="cpu", batch_size=args.batch_size)
    t_load = time.perf_counter() - t1

    with torch.inference_mode():
        clf(texts[:1], batch_size=1, truncation=True)  # warm-up, not timed
    t2 = time.perf_counter()
    with torch.inference_mode():
        out = clf(texts, batch_size=args.batch_size, truncation=True)
    t_label = time.perf_counter() - t2

    if args.output:
        with open(args.output, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["text", "label", "confidence"])
            for t, o in zip(texts, out):
                w.writerow([t, o["label"], f"{o['score']:.6f}"])

    print(json.dumps({
        "rows": len(texts), "batch_size": args.batch_size, "threads": torch.get_num_threads(),
        "import_s": round(t_import, 3), "load_s": round(t_load, 3), "label_s": round(t_label, 3),
        "label_rows_per_s": round(len(texts) / t_label, 2) if t_label > 0 else None,
        "torch": torch.__version__, "transformers": transformers.__version__,
    }))


if __name__ == "__main__":
    main()
