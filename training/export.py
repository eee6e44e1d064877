"""Export a Hugging Face sequence-classification checkpoint dir to the model directory the CLI reads.

    python training/export.py CHECKPOINT_DIR OUT_DIR [--quantize] [--quant-mode MODE] [--opset 17]

Writes OUT_DIR/config.json (copied from the checkpoint; must carry id2label, label2id, model_type,
max_position_embeddings), tokenizer.json, tokenizer_config.json, special_tokens_map.json (if the
checkpoint has one) and model.onnx (torch.onnx.export, legacy TorchScript exporter, opset 17).
ONNX inputs are named exactly like the model's forward arguments (input_ids, attention_mask and,
for BERT-type models, token_type_ids); the output is "logits"; batch and sequence axes are dynamic.
ONNX logits are checked against PyTorch (max abs diff < 1e-4) on a few texts.

With --quantize, a smaller copy is additionally written as OUT_DIR/model_quantized.onnx: by default
weights only (embeddings int8, other large weights float16, float32 arithmetic, so a text's scores do
not depend on the other texts in its batch); --quant-mode selects onnxruntime's dynamic int8 instead. Which single file to ship
is decided with training/evaluate_onnx.py; the CLI prefers model.onnx, so to ship int8 rename
model_quantized.onnx to model.onnx (or use --ship-quantized, which does that).
"""
from __future__ import annotations

import os
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # ONNX Runtime's telemetry off before it loads (README: "Privacy")
import argparse
import inspect
import json
import os
import shutil
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np
import torch
from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

CHECK_TEXTS = [
    "i feel so happy and grateful today",
    "This is absolutely infuriating. Who approved this?!",
    "I'm scared of what the doctor will say tomorrow...",
    "Wow, I did NOT see that coming 😮",
    "i miss her so much it hurts",
    "Love you all, thanks [NAME]! <3",
]
TOKENIZER_FILES = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]
# Every other tokenizer file a checkpoint dir may have, copied as-is from the checkpoint (BERTweet
# ships vocab.txt + bpe.codes and no tokenizer.json; note transformers 5 re-saves bpe.codes without
# the count column, which its own loader then misreads, so never take these from a re-save).
ORIGINAL_TOKENIZER_FILES = ["vocab.txt", "bpe.codes", "merges.txt", "vocab.json", "spiece.model",
                            "spm.model", "sentencepiece.bpe.model", "added_tokens.json"]
QUANT_MODES = ["weights-only", "matmul-gather", "matmul", "all"]


class LogitsOnly(torch.nn.Module):
    def __init__(self, model, input_names):
        super().__init__()
        self.model = model
        self.input_names = input_names

    def forward(self, *args):
        return self.model(**dict(zip(self.input_names, args)), return_dict=True).logits


def model_input_names(model, tok) -> list[str]:
    params = inspect.signature(model.forward).parameters
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in params]
    # only feed token_type_ids when the model has a segment embedding (BERT-type)
    if "token_type_ids" in names and (getattr(model.config, "type_vocab_size", 0) or 0) < 1:
        names.remove("token_type_ids")
    if "token_type_ids" in names and "token_type_ids" not in tok.model_input_names:
        names.remove("token_type_ids")
    return names


def quantize(src: Path, dst: Path, mode: str, per_channel: bool = True, reduce_range: bool = False) -> None:
    """int8 dynamic quantization (weights int8, activations quantized on the fly).

    modes: matmul-gather = MatMul weights + embedding tables (Gather); matmul = MatMul only (embeddings
    stay fp32: much bigger file); all = every op type onnxruntime can quantize dynamically.
    Pooler/classifier layers are exported as Gemm, which dynamic quantization leaves in fp32.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    if mode == "weights-only":
        quantize_weights_only(src, dst, per_channel, reduce_range)
        return
    op_types = {"matmul-gather": ["MatMul", "Gather"], "matmul": ["MatMul"], "all": None}[mode]
    kwargs = dict(model_input=str(src), model_output=str(dst), weight_type=QuantType.QInt8,
                  per_channel=per_channel, reduce_range=reduce_range)
    if op_types:
        kwargs["op_types_to_quantize"] = op_types
    quantize_dynamic(**kwargs)


def quantize_weights_only(src: Path, dst: Path, per_channel: bool = True, reduce_range: bool = False,
                          min_elements: int = 4096) -> None:
    """Smaller weights, unchanged arithmetic: embedding tables int8 (a Gather followed by a constant
    dequantization) and the other large weights stored as float16 behind a Cast, which onnxruntime
    folds back to float32 when the session loads.

    Dynamic int8 quantization of MatMul inputs computes one activation scale over the whole batch,
    so a text's scores depend on which texts share its batch and how much padding there is (seen:
    10 of 1,000 labels changed between batch sizes 1 and 32). Here every row is computed alone, as
    in float32, so results are identical for any batching.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = dst.with_suffix(".gather.onnx")
    quantize_dynamic(model_input=str(src), model_output=str(tmp), weight_type=QuantType.QInt8,
                     per_channel=per_channel, reduce_range=reduce_range, op_types_to_quantize=["Gather"])
    m = onnx.load(str(tmp))
    g = m.graph
    consumers: dict[str, list] = {}
    for node in g.node:
        for i in node.input:
            consumers.setdefault(i, []).append(node)
    new_inits, casts = [], []
    for init in g.initializer:
        arr = numpy_helper.to_array(init)
        users = consumers.get(init.name, [])
        if (init.data_type == TensorProto.FLOAT and arr.size >= min_elements and users
                and all(u.op_type in ("MatMul", "Gemm") for u in users)):
            half = numpy_helper.from_array(arr.astype(np.float16), init.name + "_fp16")
            new_inits.append(half)
            casts.append(helper.make_node("Cast", [half.name], [init.name], to=TensorProto.FLOAT,
                                          name=init.name + "_to_fp32"))
        else:
            new_inits.append(init)
    del g.initializer[:]
    g.initializer.extend(new_inits)
    nodes = list(g.node)
    del g.node[:]
    g.node.extend(casts + nodes)
    onnx.checker.check_model(m)
    onnx.save_model(m, str(dst), save_as_external_data=False)
    tmp.unlink()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint")
    ap.add_argument("out")
    ap.add_argument("--opset", type=int, default=17)
    ap.add_argument("--quantize", action="store_true", help="also write int8 model_quantized.onnx")
    ap.add_argument("--quant-mode", choices=QUANT_MODES, default="weights-only",
                    help="weights-only (default): embeddings int8, other large weights float16, arithmetic in "
                         "float32, results independent of batching; matmul-gather: dynamic int8 MatMul + "
                         "embeddings (scores depend on the batch); matmul: MatMul only; all: every supported op type")
    ap.add_argument("--no-per-channel", action="store_true", help="per-tensor instead of per-channel scales")
    ap.add_argument("--reduce-range", action="store_true", help="7-bit weights (for older CPUs without VNNI)")
    ap.add_argument("--ship-quantized", action="store_true",
                    help="after --quantize, keep only the int8 file, named model.onnx")
    ap.add_argument("--atol", type=float, default=1e-4)
    ap.add_argument("--model-max-length", type=int, default=None,
                    help="write this model_max_length into tokenizer_config.json: the length the model was "
                         "trained at, so that the CLI and a transformers pipeline(truncation=True) both cut there")
    args = ap.parse_args()

    ckpt, out = Path(args.checkpoint), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(2)

    config = AutoConfig.from_pretrained(ckpt)
    for key in ("id2label", "label2id", "model_type", "max_position_embeddings"):
        if getattr(config, key, None) in (None, {}):
            sys.exit(f"checkpoint config.json lacks {key}")
    tok = AutoTokenizer.from_pretrained(ckpt)
    model = AutoModelForSequenceClassification.from_pretrained(ckpt, attn_implementation="eager").eval()
    model.config.return_dict = True

    # --- config + tokenizer files ----------------------------------------------------------
    cfg = json.loads((ckpt / "config.json").read_text())
    for k in ("id2label", "label2id", "model_type", "max_position_embeddings"):
        assert k in cfg, k
    (out / "config.json").write_text(json.dumps(cfg, indent=2) + "\n")
    if not (ckpt / "tokenizer.json").exists():
        tok.save_pretrained(ckpt / "_fast_tokenizer")  # materialise tokenizer.json for slow checkpoints
        src_dir = ckpt / "_fast_tokenizer"
    else:
        src_dir = ckpt
    for f in TOKENIZER_FILES:
        if (src_dir / f).exists():
            shutil.copy2(src_dir / f, out / f)
    tc = out / "tokenizer_config.json"
    if tc.exists():  # drop machine-local loading flags that transformers 5 writes
        tcj = json.loads(tc.read_text())
        for k in ("is_local", "local_files_only"):
            tcj.pop(k, None)
        if args.model_max_length is not None:
            tcj["model_max_length"] = args.model_max_length
        tc.write_text(json.dumps(tcj, indent=2) + "\n")
    for f in ORIGINAL_TOKENIZER_FILES:
        if (ckpt / f).exists():
            shutil.copy2(ckpt / f, out / f)
    is_bertweet = (out / "vocab.txt").exists() and (out / "bpe.codes").exists()
    if not (out / "tokenizer.json").exists() and not is_bertweet:
        sys.exit("no tokenizer.json could be produced")

    # --- ONNX export -----------------------------------------------------------------------
    names = model_input_names(model, tok)
    enc = tok(CHECK_TEXTS[:2], padding=True, return_tensors="pt")
    dummy = tuple(enc[n] if n in enc else torch.zeros_like(enc["input_ids"]) for n in names)
    onnx_path = out / "model.onnx"
    export_kwargs = dict(
        input_names=names, output_names=["logits"],
        dynamic_axes={**{n: {0: "batch", 1: "sequence"} for n in names}, "logits": {0: "batch"}},
        opset_version=args.opset, do_constant_folding=True,
    )
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        export_kwargs["dynamo"] = False
    wrapper = LogitsOnly(model, names).eval()
    with torch.no_grad():
        torch.onnx.export(wrapper, dummy, str(onnx_path), **export_kwargs)
    model.eval()  # the exporter restores the wrapper's previous mode; make sure dropout is off
    # keep a single self-contained file (no external data)
    import onnx
    m = onnx.load(str(onnx_path))
    onnx.checker.check_model(m)
    for extra in out.glob("*.onnx.data"):
        extra.unlink()
    onnx.save_model(m, str(onnx_path), save_as_external_data=False)
    print(f"wrote {onnx_path} ({onnx_path.stat().st_size / 1e6:.1f} MB), inputs={names}, output=logits, opset={args.opset}")

    # --- verify against PyTorch ------------------------------------------------------------
    import onnxruntime as ort

    def ort_logits(path: Path, enc) -> np.ndarray:
        sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        feed = {n: (enc[n] if n in enc else np.zeros_like(enc["input_ids"])).astype(np.int64) for n in names}
        return sess.run(["logits"], feed)[0]

    enc_pt = tok(CHECK_TEXTS, padding=True, return_tensors="pt")
    with torch.no_grad():
        ref = model(**{n: enc_pt[n] for n in names}).logits.numpy()
    enc_np = tok(CHECK_TEXTS, padding=True, return_tensors="np")
    got = ort_logits(onnx_path, enc_np)
    diff = float(np.abs(ref - got).max())
    print(f"fp32 ONNX vs PyTorch on {len(CHECK_TEXTS)} texts: max abs diff {diff:.2e}")
    if diff >= args.atol:
        sys.exit(f"ONNX export mismatch: {diff} >= {args.atol}")
    # also single unpadded text (batch 1, other sequence length)
    one = tok(CHECK_TEXTS[3:4], return_tensors="np")
    with torch.no_grad():
        ref1 = model(**{n: torch.from_numpy(one[n]) for n in names}).logits.numpy()
    d1 = float(np.abs(ref1 - ort_logits(onnx_path, one)).max())
    print(f"fp32 ONNX vs PyTorch, batch 1: max abs diff {d1:.2e}")
    if d1 >= args.atol:
        sys.exit("ONNX export mismatch (batch 1)")

    if args.quantize:
        q = out / "model_quantized.onnx"
        quantize(onnx_path, q, args.quant_mode, not args.no_per_channel, args.reduce_range)
        qd = float(np.abs(ref - ort_logits(q, enc_np)).max())
        agree = float((ref.argmax(-1) == ort_logits(q, enc_np).argmax(-1)).mean())
        print(f"wrote {q} ({q.stat().st_size / 1e6:.1f} MB, mode={args.quant_mode}, "
              f"per_channel={not args.no_per_channel}, reduce_range={args.reduce_range}); "
              f"int8 vs PyTorch max abs logit diff {qd:.3f}, argmax agreement {agree:.2f}")
        if args.ship_quantized:
            onnx_path.unlink()
            q.rename(onnx_path)
            print(f"shipping int8 as {onnx_path}")
    for f in sorted(out.iterdir()):
        print(f"  {f.name:28s} {f.stat().st_size / 1e6:8.2f} MB")


if __name__ == "__main__":
    main()
