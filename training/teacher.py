"""Fine-tune a large pretrained encoder (all-mpnet-base-v2, 110M parameters) as the 6-emotion teacher
of the model-v2 student, resumably, on 2 CPU cores.

    python training/teacher.py train --base /path/to/all-mpnet-base-v2 --out /work/scratch/teacher
    python training/teacher.py logits --ckpt /work/scratch/teacher/ep2 --pool /work/scratch/fast/pool.pkl \
        --out /work/scratch/teacher/pool_logits.npy

Training data: emotion train + GoEmotions-6 train (×--go-oversample) minus the stratified held-out slice
that training/fast_model.py draws (same seed, same fraction, same draw: the held-out slice is never
trained on by the teacher nor by any student, so temperatures can be fitted on it).

Model v3 (issue #24): `--neutral` adds GoEmotions-neutral train as a seventh label `neutral` (its own
stratified held-out slice, drawn after the other two with the same generator so their slices are
unchanged), and `--emoji-names` replaces every emoji by its name as words (`😭` -> ` loudly crying face `,
the `emoji` package's CLDR names, as BERTweet's normalization does) before tokenizing, so the teacher reads
emoji. With `--neutral`, the log also reports the six-emotion view (argmax over the six emotion outputs) on
the emotion and GoEmotions-6 validation sets and the seven-way accuracy / macro-F1 on GoEmotions-6 +
GoEmotions-neutral validation.

Resumable: OUT/state.pt (model, optimizer, scheduler, epoch, position in the epoch's batch list) is
written every --ckpt-steps optimizer steps and at the end of every epoch; running the same command
again continues from it. Every epoch also leaves a Hugging Face checkpoint in OUT/epN and a line in
OUT/train_log.txt (accuracy / macro-F1 on both validation sets and on the held-out slice).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np
import pandas as pd
import torch
from sklearn.metrics import accuracy_score, f1_score
from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup

LABELS = ["sadness", "joy", "love", "anger", "fear", "surprise"]
LABELS7 = LABELS + ["neutral"]
REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data"


def log_to(path: Path):
    f = path.open("a", encoding="utf-8")

    def log(msg: str) -> None:
        line = f"[{time.strftime('%H:%M:%S')}] {msg}"
        print(line, flush=True)
        f.write(line + "\n")
        f.flush()
    return log


def emoji_names(text: str) -> str:
    """Every emoji as its CLDR name in words: training/emoji_words.py, the same table and rules as the CLI's
    emoji step (src/tokenizer/emojiWords.ts). It replaced emoji.replace_emoji(text, " name "), which gives the
    same WordPiece ids (model/tokenizer.json) on every emoji text of the GoEmotions-6 / GoEmotions-neutral
    files and the parity corpus but one deliberate corner case (a truncated flag tag sequence)."""
    from emoji_words import emoji_to_words
    return emoji_to_words(text)


def load_csv(path: Path):
    df = pd.read_csv(path, keep_default_na=False)
    return df.text.astype(str).tolist(), np.array([LABELS7.index(x) for x in df.label])


def split_rows(holdout: float, seed: int, neutral: bool = False):
    """The same stratified held-out draw as training/fast_model.py `teacher` (RandomState(seed), per class);
    with `neutral`, GoEmotions-neutral's slice is drawn after the other two (their slices stay the same)."""
    rng = np.random.RandomState(seed)
    rows = []
    for src in ("emotion", "goemotions6") + (("goemotions-neutral",) if neutral else ()):
        X, y = load_csv(DATA / src / "train.csv")
        held = np.zeros(len(X), bool)
        for c in sorted(set(y.tolist())):
            idx = np.where(y == c)[0]
            k = int(round(holdout * len(idx)))
            held[rng.choice(idx, k, replace=False)] = True
        rows += [dict(text=t, label=int(l), source=src, heldout=bool(h)) for t, l, h in zip(X, y, held)]
    return pd.DataFrame(rows)


def batches_for(lengths, bs: int, seed: int):
    """Shuffle, sort by length within chunks of 50 batches (little padding), shuffle the batches."""
    rng = random.Random(seed)
    idx = list(range(len(lengths)))
    rng.shuffle(idx)
    out = []
    for s in range(0, len(idx), bs * 50):
        part = sorted(idx[s:s + bs * 50], key=lambda i: lengths[i])
        out += [part[j:j + bs] for j in range(0, len(part), bs)]
    rng.shuffle(out)
    return out


def collate(enc, ids, pad_id):
    L = max(len(enc[i]) for i in ids)
    x = torch.full((len(ids), L), pad_id, dtype=torch.long)
    m = torch.zeros((len(ids), L), dtype=torch.long)
    for r, i in enumerate(ids):
        x[r, :len(enc[i])] = torch.tensor(enc[i])
        m[r, :len(enc[i])] = 1
    return x, m


@torch.no_grad()
def logits_of(model, enc, pad_id, bf16: bool, bs: int = 128) -> np.ndarray:
    model.eval()
    order = sorted(range(len(enc)), key=lambda i: len(enc[i]))
    out = np.zeros((len(enc), model.config.num_labels), np.float32)
    for s in range(0, len(order), bs):
        ids = order[s:s + bs]
        x, m = collate(enc, ids, pad_id)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            out[ids] = model(input_ids=x, attention_mask=m).logits.float().numpy()
    return out


def metrics(y, logits):
    """accuracy / macro-F1 over the labels the logits have (six, or seven with neutral)."""
    p = logits.argmax(1)
    k = logits.shape[1]
    return round(float(accuracy_score(y, p)), 4), round(float(f1_score(y, p, average="macro", labels=list(range(k)))), 4)


def cmd_train(a):
    torch.set_num_threads(a.threads)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    log = log_to(out / "train_log.txt")
    tok = AutoTokenizer.from_pretrained(a.base)
    pad_id = tok.pad_token_id
    labels = LABELS7 if a.neutral else LABELS
    norm = emoji_names if a.emoji_names else (lambda t: t)
    df = split_rows(a.holdout, a.seed, a.neutral)
    df["text"] = [norm(t) for t in df.text]
    tr = df[~df.heldout]
    tr = pd.concat([tr[tr.source == "emotion"]] + [tr[tr.source == "goemotions6"]] * a.go_oversample
                   + [tr[tr.source == "goemotions-neutral"]] * a.neutral_oversample, ignore_index=True)
    ho = df[df.heldout].reset_index(drop=True)
    enc = tok(tr.text.tolist(), truncation=True, max_length=a.max_length)["input_ids"]
    y = torch.tensor(tr.label.values, dtype=torch.long)
    evals = {"heldout": (tok(ho.text.tolist(), truncation=True, max_length=a.max_length)["input_ids"], ho.label.values)}
    for name in ("emotion", "goemotions6") + (("goemotions-neutral",) if a.neutral else ()):
        X, yy = load_csv(DATA / name / "validation.csv")
        evals[name] = (tok([norm(t) for t in X], truncation=True, max_length=a.max_length)["input_ids"], yy)

    torch.manual_seed(a.seed)
    model = AutoModelForSequenceClassification.from_pretrained(
        a.base, num_labels=len(labels), id2label=dict(enumerate(labels)), label2id={l: i for i, l in enumerate(labels)})
    no_decay = ("bias", "LayerNorm.weight", "layer_norm.weight")
    groups = [{"params": [p for n, p in model.named_parameters() if not any(k in n for k in no_decay)], "weight_decay": 0.01},
              {"params": [p for n, p in model.named_parameters() if any(k in n for k in no_decay)], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=a.lr)
    steps_per_epoch = math.ceil(len(enc) / a.bs)
    total = steps_per_epoch * a.epochs
    sched = get_linear_schedule_with_warmup(opt, int(0.06 * total), total)
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=a.ls)
    epoch, pos = 1, 0
    state_path = out / "state.pt"
    if state_path.exists():
        st = torch.load(state_path, weights_only=False)
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        sched.load_state_dict(st["sched"])
        epoch, pos = st["epoch"], st["pos"]
        log(f"resumed from {state_path}: epoch {epoch}, batch {pos}")
    else:
        log(f"args {json.dumps(vars(a))}; training rows {len(enc)}, held-out {len(ho)}, steps/epoch {steps_per_epoch}")

    def save_state(ep, p):
        tmp = out / "state.pt.tmp"
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
                    "epoch": ep, "pos": p}, tmp)
        tmp.replace(state_path)

    while epoch <= a.epochs:
        batches = batches_for([len(e) for e in enc], a.bs, a.seed * 1000 + epoch)
        model.train()
        t0, run, n = time.time(), 0.0, 0
        for b in range(pos, len(batches)):
            ids = batches[b]
            x, m = collate(enc, ids, pad_id)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.bf16):
                logits = model(input_ids=x, attention_mask=m).logits
            loss = loss_fn(logits.float(), y[ids])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            run += loss.item()
            n += 1
            if (b + 1) % 50 == 0:
                log(f"epoch {epoch} batch {b + 1}/{len(batches)} loss {run / n:.4f} {(time.time() - t0) / n:.2f}s/step")
            if (b + 1) % a.ckpt_steps == 0 and b + 1 < len(batches):
                save_state(epoch, b + 1)
        rec = {"epoch": epoch, "train_sec": round(time.time() - t0)}
        lg = {name: logits_of(model, e, pad_id, a.bf16) for name, (e, yy) in evals.items()}
        for name, (e, yy) in evals.items():
            if name == "goemotions-neutral":
                continue
            six = yy < 6
            rec[name] = metrics(yy[six], lg[name][six][:, :6])  # the six-emotion view
        if a.neutral:
            rec["heldout7"] = metrics(evals["heldout"][1], lg["heldout"])
            y7 = np.concatenate([evals["goemotions6"][1], evals["goemotions-neutral"][1]])
            rec["goemotions7"] = metrics(y7, np.concatenate([lg["goemotions6"], lg["goemotions-neutral"]]))
        log(f"EPOCH {json.dumps(rec)}")
        model.save_pretrained(out / f"ep{epoch}")
        tok.save_pretrained(out / f"ep{epoch}")
        epoch, pos = epoch + 1, 0
        save_state(epoch, 0)
    log("done")


def cmd_logits(a):
    torch.set_num_threads(a.threads)
    tok = AutoTokenizer.from_pretrained(a.ckpt)
    model = AutoModelForSequenceClassification.from_pretrained(a.ckpt)
    texts = pd.read_pickle(a.pool).text.tolist() if a.pool.endswith(".pkl") else \
        pd.read_csv(a.pool, keep_default_na=False).text.astype(str).tolist()
    if a.emoji_names:
        texts = [emoji_names(t) for t in texts]
    enc = tok(texts, truncation=True, max_length=a.max_length)["input_ids"]
    t0 = time.time()
    lg = logits_of(model, enc, tok.pad_token_id, a.bf16)
    np.save(a.out, lg)
    print(f"{len(texts)} texts in {time.time() - t0:.0f}s -> {a.out}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("train")
    p.add_argument("--base", required=True, help="pretrained model folder (e.g. the unzipped all-mpnet-base-v2)")
    p.add_argument("--out", required=True)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--lr", type=float, default=4e-5)
    p.add_argument("--bs", type=int, default=32)
    p.add_argument("--ls", type=float, default=0.0, help="label smoothing")
    p.add_argument("--max-length", type=int, default=64)
    p.add_argument("--go-oversample", type=int, default=2)
    p.add_argument("--neutral", action="store_true", help="seventh label: GoEmotions-neutral train")
    p.add_argument("--neutral-oversample", type=int, default=1)
    p.add_argument("--emoji-names", action="store_true", help="emoji replaced by their names as words")
    p.add_argument("--holdout", type=float, default=0.08)
    p.add_argument("--ckpt-steps", type=int, default=150)
    p.add_argument("--bf16", action="store_true", help="CPU bfloat16 autocast (needs avx512_bf16 or amx_bf16)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--threads", type=int, default=2)
    p = sub.add_parser("logits")
    p.add_argument("--ckpt", required=True)
    p.add_argument("--pool", required=True, help="fast_model.py's pool.pkl, or a CSV with a text column")
    p.add_argument("--out", required=True)
    p.add_argument("--max-length", type=int, default=64)
    p.add_argument("--bf16", action="store_true")
    p.add_argument("--emoji-names", action="store_true", help="emoji replaced by their names as words")
    p.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    {"train": cmd_train, "logits": cmd_logits}[a.cmd](a)


if __name__ == "__main__":
    main()
