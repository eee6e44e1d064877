"""Share of onnxruntime time per operator type, one thread, for bench/README.md.

    /work/venv/bin/python bench/profile_ops.py [model/model.onnx] [--rows 1600] [--batch-size 16]

Feeds the first ROWS emotion validation texts (tokenized with model/tokenizer.json, sorted by
length as the CLI's windows do, padded per batch) through one InferenceSession with profiling on,
and prints each operator type's share of the summed node time. A diagnostic, not a test.
"""
import os
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # ONNX Runtime's telemetry off before it loads (README: "Privacy")
import argparse
import collections
import json
import os
from pathlib import Path

import onnxruntime as ort

from ort_feeds import emotion_batches

REPO = Path(__file__).resolve().parent.parent
ap = argparse.ArgumentParser()
ap.add_argument("model", nargs="?", default=str(REPO / "model" / "model.onnx"))
ap.add_argument("--rows", type=int, default=1600)
ap.add_argument("--batch-size", type=int, default=16)
ap.add_argument("--data", default=str(REPO.parent / "shared" / "data" / "emotion" / "validation.csv"))
args = ap.parse_args()

batches = emotion_batches(Path(args.model).parent / "tokenizer.json", args.data, args.rows, args.batch_size)
so = ort.SessionOptions()
so.intra_op_num_threads = 1
so.add_session_config_entry("optimization.disable_specified_optimizers", "SkipLayerNormFusion")  # as the CLI
so.enable_profiling = True
so.profile_file_prefix = str(Path(os.environ.get("TMPDIR", "/tmp")) / "emotion-label-profile")
sess = ort.InferenceSession(args.model, so, providers=["CPUExecutionProvider"])
names = {i.name for i in sess.get_inputs()}
for feed in batches:
    sess.run(None, {k: v for k, v in feed.items() if k in names})
trace = sess.end_profiling()
by_op = collections.Counter()
for e in json.load(open(trace)):
    if e.get("cat") == "Node":
        by_op[e["args"].get("op_name")] += e["dur"]
os.remove(trace)
total = sum(by_op.values())
for op, us in by_op.most_common(12):
    print(f"{op:28s} {100 * us / total:5.1f}%")
