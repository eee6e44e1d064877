"""A randomly initialised model the size of bertweet-base, for bench/run.mjs.

    $PYTHON bench/make_roberta_base.py [--out bench/out/roberta-base-random] [--seed 0] [--force]

RobertaForSequenceClassification with bertweet-base's shape: 12 layers, hidden 768, 12 heads,
intermediate 3072, vocab 64001, max_position_embeddings 130 (128 tokens per text), 6 labels
(the embedded model's id2label). Weights are random (torch.manual_seed), so the labels are
meaningless: it only measures speed and memory of a model that size.

Tokenizer: fixtures/models/tiny-roberta's byte-level BPE tokenizer.json (1,500 tokens; ids stay
below the 64,001-row embedding table), with model_max_length set to 128. Its small vocabulary
cuts texts into ~30 tokens on average on the emotion texts, a little more than a real 64k
vocabulary would (~23 for the embedded WordPiece tokenizer), so this model's sequences are
somewhat longer than bertweet-base's would be.

Writes OUT/ckpt (Hugging Face checkpoint, for the Python pipeline) and OUT/onnx (model.onnx fp32,
exported with training/export.py, for the CLI). Cached: does nothing when both exist (--force redoes).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
TOKENIZER_SRC = ROOT / "fixtures" / "models" / "tiny-roberta"
EMBEDDED_CONFIG = ROOT / "model" / "config.json"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(ROOT / "bench" / "out" / "roberta-base-random"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--force", action="store_true")
    args = ap.parse_args()
    out = Path(args.out)
    ckpt, onnx_dir = out / "ckpt", out / "onnx"
    if not args.force and (ckpt / "model.safetensors").exists() and (onnx_dir / "model.onnx").exists():
        print(f"cached: {out}")
        return

    import torch
    from transformers import RobertaConfig, RobertaForSequenceClassification

    id2label = {int(k): v for k, v in json.loads(EMBEDDED_CONFIG.read_text())["id2label"].items()}
    config = RobertaConfig(
        vocab_size=64001, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
        intermediate_size=3072, max_position_embeddings=130, type_vocab_size=1,
        pad_token_id=1, bos_token_id=0, eos_token_id=2, layer_norm_eps=1e-5,
        id2label=id2label, label2id={v: k for k, v in id2label.items()},
        problem_type="single_label_classification",
    )
    torch.manual_seed(args.seed)
    model = RobertaForSequenceClassification(config).eval()
    n_params = sum(p.numel() for p in model.parameters())
    if ckpt.exists():
        shutil.rmtree(ckpt)
    ckpt.mkdir(parents=True)
    model.save_pretrained(ckpt)
    for f in ("tokenizer.json", "special_tokens_map.json"):
        shutil.copy2(TOKENIZER_SRC / f, ckpt / f)
    tc = json.loads((TOKENIZER_SRC / "tokenizer_config.json").read_text())
    tc["model_max_length"] = 128
    (ckpt / "tokenizer_config.json").write_text(json.dumps(tc, indent=2) + "\n")
    print(f"wrote {ckpt} ({n_params / 1e6:.1f} M parameters, seed {args.seed})")

    subprocess.run([sys.executable, str(ROOT / "training" / "export.py"), str(ckpt), str(onnx_dir)], check=True)
    size = (onnx_dir / "model.onnx").stat().st_size
    print(f"wrote {onnx_dir / 'model.onnx'} ({size / 1e6:.0f} MB)")


if __name__ == "__main__":
    main()
