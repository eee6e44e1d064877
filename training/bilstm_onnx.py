"""Rewrite the exported BiLSTM branch of ensemble_fp32.onnx as bidirectional ONNX LSTM ops.

    python training/bilstm_onnx.py SRC.onnx DST.onnx

torch.onnx exports `ensemble.BiLSTM` as it is written: per layer one forward and one backward
LSTM op, the backward one fed through GatherElements that reverse each row inside its real length,
and more GatherElements to put its output back in order. This pass replaces that branch with one
bidirectional LSTM op per layer that takes the real lengths as `sequence_lens` (the reversal is done
inside the op), then the same masked max + mean pooling and output layer. Same weights, same
arithmetic for every real token. ensemble.py checks the rewritten graph against torch after export
(and one text alone against the same text padded in a batch); on the shipped ensemble the outputs
were identical to the old export's on padded real-text batches. No exporter or onnxruntime pass does
this rewrite, so it is hand-written. It expects ensemble.BiLSTM's export (node and weight names,
opset 17) and right-padded batches, as the CLI makes them; the BiLSTM may be the whole graph (the fast
model, distil.py export-bilstm), whose head output is then the graph's output. Measured effect: bench/README.md, "Optimization log".
"""
from __future__ import annotations

import argparse
import re

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def rewrite(model: onnx.ModelProto) -> int:
    """Returns the number of layers rewritten."""
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    lstm_nodes = {n.name: n for n in g.node if n.op_type == "LSTM" and n.name.startswith("/lstm/")}
    layers = []
    for i in range(len(lstm_nodes) // 2):
        f, b = ("/lstm/fwd/LSTM", "/lstm/bwd/LSTM") if i == 0 else (f"/lstm/fwd_up.{i - 1}/LSTM",
                                                                      f"/lstm/bwd_up.{i - 1}/LSTM")
        layers.append((lstm_nodes[f], lstm_nodes[b]))
    assert layers and 2 * len(layers) == len(lstm_nodes), sorted(lstm_nodes)
    hidden = next(a.i for a in layers[0][0].attribute if a.name == "hidden_size")
    head = next(n for n in g.node if n.name == "/lstm/out/Gemm")
    old_logits = head.output[0]

    new_nodes, new_inits = [], []

    def const(name, arr):
        new_inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def node(op, inputs, name, **attrs):
        out = f"/bilstm/{name}_output_0"
        new_nodes.append(helper.make_node(op, inputs, [out], name=f"/bilstm/{name}", **attrs))
        return out

    def stacked(k, layer):  # input k (W, R or B) of one layer's forward and backward ops as [2, ...]
        f, b = (numpy_helper.to_array(inits[n.input[k]]) for n in layers[layer])
        return np.concatenate([f, b], 0)

    emb = node("Gather", ["lstm.emb.weight", "input_ids"], "emb")
    lens = node("Cast", [node("ReduceSum", ["attention_mask", const("/bilstm/axis1", np.array([1], np.int64))],
                              "len", keepdims=0)], "len_i32", to=TensorProto.INT32)
    x = node("Transpose", [emb], "x0", perm=[1, 0, 2])  # [T, B, E]
    flat = const("/bilstm/flat", np.array([0, 0, -1], np.int64))
    for i in range(len(layers)):
        W, R, B = (const(f"/bilstm/l{i}.{k}", stacked(j, i)) for j, k in ((1, "W"), (2, "R"), (3, "B")))
        y = node("LSTM", [x, W, R, B, lens], f"lstm{i}", hidden_size=hidden, direction="bidirectional")
        last = i == len(layers) - 1
        # Y is [T, 2, B, H]; the next layer reads [T, B, 2H] (forward then backward, as torch.cat)
        t = node("Transpose", [y], f"y{i}", perm=[2, 0, 1, 3] if last else [0, 2, 1, 3])
        x = node("Reshape", [t, flat], f"h{i}")  # last layer: [B, T, 2H]
    m = node("Unsqueeze", [node("Cast", ["attention_mask"], "maskf", to=TensorProto.FLOAT),
                           const("/bilstm/axis2", np.array([2], np.int64))], "mask")  # [B, T, 1]
    hm = node("Mul", [x, m], "hm")
    neg = node("Mul", [node("Sub", [m, const("/bilstm/one", np.array(1.0, np.float32))], "m1"),
                       const("/bilstm/big", np.array(1e4, np.float32))], "neg")
    mx = node("ReduceMax", [node("Add", [hm, neg], "masked")], "max", axes=[1], keepdims=0)
    count = node("Clip", [node("ReduceSum", [m, "/bilstm/axis1"], "count", keepdims=0),
                          const("/bilstm/min1", np.array(1.0, np.float32))], "count_min1")
    mean = node("Div", [node("ReduceSum", [hm, "/bilstm/axis1"], "sum", keepdims=0), count], "mean")
    feats = node("Concat", [mx, mean], "feats", axis=-1)
    logits = node("Gemm", [feats, head.input[1], head.input[2]], "out", transB=1)

    if any(o.name == old_logits for o in g.output):
        # a BiLSTM exported alone: its head is the graph output, which the new head now writes under
        # the same name (anything else reading it reads the new head too)
        head.output[0] = old_logits + "_replaced"
        new_nodes[-1].output[0] = old_logits
    else:
        for n in g.node:
            for k, name in enumerate(n.input):
                if name == old_logits:
                    n.input[k] = logits
    g.initializer.extend(new_inits)
    # the new branch reads only graph inputs and weights, so it goes first (topological order);
    # then drop what nothing reads any more (the old branch)
    outputs = {o.name for o in g.output}
    nodes = new_nodes + list(g.node)
    while True:
        used = {i for n in nodes for i in n.input} | outputs
        kept = [n for n in nodes if any(o in used for o in n.output)]
        if len(kept) == len(nodes):
            break
        nodes = kept
    del g.node[:]
    g.node.extend(nodes)
    used = {i for n in g.node for i in n.input}
    kept_inits = [i for i in g.initializer if i.name in used]
    del g.initializer[:]
    g.initializer.extend(kept_inits)
    assert not any(re.match(r"/lstm/.*LSTM$", n.name) for n in g.node)
    return len(layers)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src")
    ap.add_argument("dst")
    args = ap.parse_args()
    model = onnx.load(args.src)
    n = rewrite(model)
    onnx.checker.check_model(model)
    onnx.save(model, args.dst)
    print(f"rewrote {n} BiLSTM layers as bidirectional LSTM ops: {args.dst}")


if __name__ == "__main__":
    main()
