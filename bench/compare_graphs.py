"""onnxruntime-only speed of several ONNX graphs (or session settings), interleaved batch by batch.

    /work/venv/bin/python bench/compare_graphs.py A.onnx B.onnx [...] [--rows 1600] [--batch-size 16]
        [--repeat 2]

Each argument is a graph path, optionally followed by `@KEY=VALUE[,KEY=VALUE]` session config entries
for that run only (e.g. `model/model.onnx@optimization.disable_specified_optimizers=` to turn the
CLI's setting off). Every run gets one thread and the CLI's session settings (graph optimization
all, SkipLayerNormFusion disabled). The first ROWS emotion validation texts are tokenized with
model/tokenizer.json, sorted by length as the CLI's windows do and padded per batch; each batch is
run through every session in turn, so a slow or busy moment of this shared machine slows all of them
alike and the ratios hold even when the absolute rates drift. A diagnostic for choosing between
graphs, not a test; the end-to-end figures come from bench/run.mjs.
"""
import os
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # ONNX Runtime's telemetry off before it loads (README: "Privacy")
import argparse
import time
from pathlib import Path

import onnxruntime as ort

from ort_feeds import emotion_batches

REPO = Path(__file__).resolve().parent.parent
ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("runs", nargs="+", help="GRAPH.onnx[@KEY=VALUE,...]")
ap.add_argument("--rows", type=int, default=1600)
ap.add_argument("--batch-size", type=int, default=16)
ap.add_argument("--repeat", type=int, default=2)
ap.add_argument("--data", default=str(REPO.parent / "shared" / "data" / "emotion" / "validation.csv"))
args = ap.parse_args()

batches = emotion_batches(REPO / "model" / "tokenizer.json", args.data, args.rows, args.batch_size)

sessions = []
for run in args.runs:
    path, _, extra = run.partition("@")
    cfg = {"optimization.disable_specified_optimizers": "SkipLayerNormFusion"}  # as the CLI
    for kv in filter(None, extra.split(",")):
        k, _, v = kv.partition("=")
        cfg[k] = v
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    for k, v in cfg.items():
        so.add_session_config_entry(k, v)
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    names = {i.name for i in sess.get_inputs()}
    sessions.append((run, sess, names))

total = [0.0] * len(sessions)
for _ in range(args.repeat):
    for feed in batches:
        for k, (_, sess, names) in enumerate(sessions):
            t = time.perf_counter()
            sess.run(None, {n: v for n, v in feed.items() if n in names})
            total[k] += time.perf_counter() - t
n = args.repeat * sum(len(b["input_ids"]) for b in batches)
print(f"{n} rows per run, batch {args.batch_size}, 1 thread, interleaved")
for (run, _, _), t in zip(sessions, total):
    print(f"{n / t:8.1f} rows/s  x{total[0] / t:.3f}  {run}")
