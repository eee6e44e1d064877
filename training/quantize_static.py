"""int8 static quantization of an exported model.onnx, calibrated on training texts.

    python training/quantize_static.py SRC.onnx DST.onnx --tokenizer model/tokenizer.json [--n 1000]

Weights int8 per channel; activations int8 with scales fixed by calibration (MinMax over N
training texts from ../shared/data, emotion and GoEmotions-6 train, never validation or test).
MatMuls of two activations (attention scores and context) stay float32 unless
--quantize-attention-matmuls; --exclude keeps other nodes in float32 by name.
A MatMul's output stays float32 unless --quantize-matmul-outputs: onnxruntime then runs it as one
MatMulIntegerToFloat (int8 product, dequantize and bias add fused) instead of QLinearMatMul followed
by a Dequantize/Add/Quantize chain; that was 10% faster and lost less accuracy (bench/README.md).
The bias Add after each such MatMul is then folded into the MatMulIntegerToFloat node
(fuse_bias_into_matmul_integer_to_float; off with --no-fuse-bias): another 7%.
Unlike dynamic quantization, whose activation scale is computed over each whole batch, fixed scales
make a text's scores independent of the other texts in its batch and of padding, and the int8
matrix products keep the speed of dynamic int8.
"""
from __future__ import annotations

import os
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # ONNX Runtime's telemetry off before it loads (README: "Privacy")
import argparse
import csv
import os
import random
import tempfile
from pathlib import Path

import numpy as np
import onnx
from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType,
                                      quantize_static)
from onnxruntime.quantization.shape_inference import quant_pre_process
from tokenizers import Tokenizer

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data"


class TextReader(CalibrationDataReader):
    """Feeds one text at a time (no padding), with the inputs the graph declares."""

    def __init__(self, texts: list[str], tokenizer: Tokenizer, input_names: list[str], max_length: int):
        tokenizer.enable_truncation(max_length)
        tokenizer.no_padding()
        self.items = []
        for t in texts:
            enc = tokenizer.encode(t)
            ids = np.array([enc.ids], dtype=np.int64)
            feed = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
            self.items.append({k: v for k, v in feed.items() if k in input_names})
        self.it = iter(self.items)

    def get_next(self):
        return next(self.it, None)

    def rewind(self):
        self.it = iter(self.items)


def calibration_texts(data_dir: Path, n: int, seed: int, neutral: bool = False, emoji_names: bool = False) -> list[str]:
    """N training texts; --with-neutral adds GoEmotions-neutral train (a seven-output model), --emoji-names
    passes them through the CLI's emoji step (training/emoji_words.py), as the model will see them."""
    texts = []
    files = [data_dir / "emotion" / "train.csv", data_dir / "goemotions6" / "train.csv"]
    if neutral:
        files.append(data_dir / "goemotions-neutral" / "train.csv")
    for f in files:
        with open(f, newline="", encoding="utf-8") as fh:
            texts += [row["text"] for row in csv.DictReader(fh)]
    rng = random.Random(seed)
    out = rng.sample(texts, n)
    if emoji_names:
        import emoji_words
        out = [emoji_words.emoji_to_words(t) for t in out]
    return out


def fuse_bias_into_matmul_integer_to_float(model: onnx.ModelProto) -> int:
    """DequantizeLinear(x_q) · DequantizeLinear(w_q) + bias  →  com.microsoft MatMulIntegerToFloat.

    onnxruntime makes the same MatMulIntegerToFloat node from a QDQ MatMul when it loads the graph,
    but leaves the bias Add that follows it as a separate pass over the activations; no onnxruntime
    graph transformer or quantization option folds it, so this hand-written pass writes the fused
    node into the file. Same arithmetic (int32 product, scaled, plus bias), one node. Returns the
    number of MatMuls fused."""
    g = model.graph
    producer = {o: n for n in g.node for o in n.output}
    consumers: dict[str, list] = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    inits = {i.name: i for i in g.initializer}
    graph_outputs = {o.name for o in g.output}
    def zero_point(dq):  # an optional input of DequantizeLinear
        return dq.input[2] if len(dq.input) > 2 else ""

    replace, drop = {}, set()  # by output name: the MatMuls to replace, the Adds they absorb
    for n in g.node:
        if n.op_type != "MatMul" or n.output[0] in graph_outputs:
            continue
        dq_x, dq_w = (producer.get(i) for i in n.input)
        if not (dq_x and dq_w and dq_x.op_type == dq_w.op_type == "DequantizeLinear"):
            continue
        if dq_w.input[0] not in inits or dq_x.input[0] in inits:
            continue  # needs an activation times a weight
        users = consumers.get(n.output[0], [])
        if len(users) != 1 or users[0].op_type != "Add":
            continue
        add = users[0]
        bias = next((i for i in add.input if i != n.output[0]), None)
        w_dims = list(inits[dq_w.input[0]].dims)
        axis = next((a.i for a in dq_w.attribute if a.name == "axis"), 1)
        if len(w_dims) != 2 or axis not in (1, -1):
            continue  # MatMulIntegerToFloat takes per-column (axis 1) weight scales only
        if bias not in inits or list(inits[bias].dims) != [w_dims[1]]:
            continue  # a bias Add could broadcast; the fused node needs exactly one value per column
        replace[n.output[0]] = onnx.helper.make_node(
            "MatMulIntegerToFloat",
            [dq_x.input[0], dq_w.input[0], dq_x.input[1], dq_w.input[1], zero_point(dq_x), zero_point(dq_w), bias],
            [add.output[0]], name=n.name + "_IntegerToFloat", domain="com.microsoft")
        drop.add(add.output[0])
    nodes = [replace.get(n.output[0], n) for n in g.node if n.output[0] not in drop]
    # DequantizeLinear nodes that nothing reads any more (one pass: a DequantizeLinear never feeds another)
    used = {i for n in nodes for i in n.input} | graph_outputs
    nodes = [n for n in nodes if n.op_type != "DequantizeLinear" or n.output[0] in used]
    del g.node[:]
    g.node.extend(nodes)
    used = {i for n in nodes for i in n.input}
    kept_inits = [i for i in g.initializer if i.name in used]
    del g.initializer[:]
    g.initializer.extend(kept_inits)
    if replace and not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(onnx.helper.make_opsetid("com.microsoft", 1))
    return len(replace)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--tokenizer", required=True, help="tokenizer.json of the model")
    ap.add_argument("--data-dir", default=str(DEFAULT_DATA))
    ap.add_argument("--n", type=int, default=400, help="calibration texts")
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--with-neutral", action="store_true", help="calibration texts from GoEmotions-neutral train too")
    ap.add_argument("--emoji-names", action="store_true", help="calibration texts through the emoji step")
    ap.add_argument("--method", choices=["minmax", "percentile", "entropy"], default="minmax")
    ap.add_argument("--exclude", action="append", default=[],
                    help="keep nodes whose name contains this string in float32 (repeatable)")
    ap.add_argument("--quantize-attention-matmuls", action="store_true",
                    help="also quantize the activation x activation MatMuls (attention scores, context)")
    ap.add_argument("--quantize-matmul-outputs", action="store_true",
                    help="also quantize MatMul outputs (QLinearMatMul; the recipe before 2026-11-26)")
    ap.add_argument("--no-fuse-bias", action="store_true",
                    help="leave each int8 MatMul's bias Add as a separate node")
    args = ap.parse_args()

    src, dst = Path(args.src).resolve(), Path(args.dst).resolve()
    tokenizer_path, data_dir = Path(args.tokenizer).resolve(), Path(args.data_dir).resolve()
    # onnxruntime's pre-processing and calibration leave temporary files in the working directory
    os.chdir(tempfile.mkdtemp(prefix="quantize-static-"))
    pre = Path("pre.onnx").resolve()
    quant_pre_process(str(src), str(pre), skip_symbolic_shape=True)
    graph = onnx.load(str(pre), load_external_data=False).graph
    names = [i.name for i in graph.input]
    # MatMuls with no weight input (Q·Kᵀ and softmax·V) are tiny at these sequence lengths: in int8
    # they buy nothing and cost a Quantize/Dequantize pair each, so by default they stay float32
    weights = {i.name for i in graph.initializer}
    exclude = [] if args.quantize_attention_matmuls else [
        n.name for n in graph.node if n.op_type == "MatMul" and not any(x in weights for x in n.input)]
    exclude += [n.name for n in graph.node if any(e in n.name for e in args.exclude) and n.name not in exclude]
    reader = TextReader(calibration_texts(data_dir, args.n, args.seed, args.with_neutral, args.emoji_names),
                        Tokenizer.from_file(str(tokenizer_path)), names, args.max_length)
    method = {"minmax": CalibrationMethod.MinMax, "percentile": CalibrationMethod.Percentile,
              "entropy": CalibrationMethod.Entropy}[args.method]
    quantize_static(str(pre), str(dst), reader, quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                    op_types_to_quantize=["MatMul", "Gather"], calibrate_method=method, nodes_to_exclude=exclude,
                    extra_options={"WeightSymmetric": True, "ActivationSymmetric": False,
                                   "OpTypesToExcludeOutputQuantization": [] if args.quantize_matmul_outputs
                                   else ["MatMul"]})
    pre.unlink()
    if not (args.no_fuse_bias or args.quantize_matmul_outputs):
        model = onnx.load(str(dst))
        fused = fuse_bias_into_matmul_integer_to_float(model)
        onnx.checker.check_model(model)
        onnx.save(model, str(dst))
        print(f"MatMul + bias fused into MatMulIntegerToFloat: {fused}")
    print(f"float32 MatMuls kept: {len(exclude)}")
    print(f"wrote {dst} ({dst.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
