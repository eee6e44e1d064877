"""The pool every student trains on (`teacher`), and the WordPiece CNN student that was `model-fast/` until
2026-11-28 (replaced by the BiLSTM of `distil.py export-bilstm`; training/README.md, "Fast model v2").

    python training/fast_model.py teacher --work /work/scratch/fast            # held-out slice, augmentation, teacher targets
    python training/fast_model.py train   --work /work/scratch/fast --run cnn128 [--emb 128 --filters 128 ...]
    python training/fast_model.py export  --work /work/scratch/fast --run cnn128 --epoch N --out DIR

1. `teacher`: emotion train + GoEmotions-6 train, minus a stratified held-out slice (`--holdout`, default
   8 % of each set per label, seed 42) that is never trained on (it fits the temperature). Augmented copies
   of the remaining training texts (real-text style for the lower-cased emotion tweets: punctuation,
   apostrophes, emoji, commas; emotion-set style for Reddit text: punctuation and apostrophes stripped;
   and for both: word dropout, crops, adjacent swaps). The default model (`model/model.onnx`, run with
   onnxruntime exactly as the CLI feeds it: same tokenizer, right padding, max 128 tokens) labels every
   text: its logits are the soft targets. Written to WORK/pool.pkl.
2. `train`: CNN over the same WordPiece ids (`model/tokenizer.json`, max `--max-len` 64 tokens):
   embedding (optionally initialised from PCA of the default model's MiniLM word embeddings), masked,
   convolutions of widths 2-5 (each window starts on a real token; windows reaching past the end see zero
   vectors, so the result does not depend on batch padding), ReLU, masked max-pool (+ optional mean-pool),
   dropout, linear -> 6. Loss: soft cross-entropy against the teacher's probabilities (at `--kd-t`) on
   every text, plus `--hard` x cross-entropy with the gold label on original texts. A checkpoint and a
   log line (both validation sets, held-out slice) every epoch in WORK/RUN/.
3. `export`: the chosen epoch -> ONNX (opset 17, inputs input_ids / attention_mask, output logits
   [batch, 6]) with the embedding table stored int8 with one float scale per row (Gather -> Cast -> Mul),
   checked against PyTorch (float and int8-embedding); temperature fitted on the held-out slice's ONNX
   logits (NLL, grid + golden section); model dir = config.json (+ calibration.temperature),
   tokenizer.json, tokenizer_config.json (model_max_length = --max-len), model.onnx.
Only the validation sets are used for choices (epoch, variant); no test split is read.
"""
from __future__ import annotations

import os
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # ONNX Runtime's telemetry off before it loads (README: "Privacy")
import argparse
import json
import os
import random
import re
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
LABELS = ["sadness", "joy", "love", "anger", "fear", "surprise"]
L2I = {l: i for i, l in enumerate(LABELS)}
DATA = REPO.parent / "shared" / "data"
TEACHER_MAX = 128


def load_csv(p: Path):
    df = pd.read_csv(p)
    return df["text"].astype(str).tolist(), np.array([L2I[l] for l in df["label"]])


def tokenizer(max_len: int):
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(str(REPO / "model" / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_len)
    return tok


# ---------------------------------------------------------------- augmentation
CONTRACTIONS = {
    "didnt": "didn't", "dont": "don't", "cant": "can't", "im": "i'm", "ive": "i've", "wasnt": "wasn't",
    "isnt": "isn't", "doesnt": "doesn't", "wont": "won't", "youre": "you're", "thats": "that's",
    "couldnt": "couldn't", "shouldnt": "shouldn't", "wouldnt": "wouldn't", "arent": "aren't", "havent": "haven't",
    "id": "i'd", "ill": "i'll", "theyre": "they're", "hes": "he's", "shes": "she's", "weve": "we've",
}
ENDINGS = [".", ".", "!", "!!", "...", "?", " :)", " :(", " lol", " 😊", " 😭", " 😡", " ❤️", " 😱", "!!!", " haha"]


def real_style(t: str, rng: random.Random) -> str:
    """emotion tweet (lower-case, no punctuation) -> something like ordinary text"""
    w = [CONTRACTIONS.get(x, x) if rng.random() < 0.8 else x for x in t.split()]
    for i in range(1, len(w) - 1):
        if rng.random() < 0.06:
            w[i] = w[i] + ","
    s = " ".join(w)
    if rng.random() < 0.5:
        s = s[:1].upper() + s[1:]
    if rng.random() < 0.15:
        s = s.replace("i feel", "I feel")
    return s + rng.choice(ENDINGS)


def plain_style(t: str, rng: random.Random) -> str:
    """ordinary text -> emotion-set style: lower-case, no punctuation, no apostrophes"""
    s = t.lower().replace("'", "").replace("’", "")
    s = re.sub(r"[^\w\s\[\]]", " ", s)
    return re.sub(r"\s+", " ", s).strip() or t


def word_dropout(t: str, rng: random.Random, p: float = 0.15) -> str:
    w = t.split()
    keep = [x for x in w if rng.random() > p]
    return " ".join(keep) if len(keep) >= 2 else t


def crop(t: str, rng: random.Random) -> str:
    w = t.split()
    if len(w) < 5:
        return t
    n = rng.randint(max(3, int(0.6 * len(w))), len(w) - 1)
    s = rng.randint(0, len(w) - n)
    return " ".join(w[s:s + n])


def swap(t: str, rng: random.Random) -> str:
    w = t.split()
    if len(w) < 3:
        return t
    i = rng.randrange(len(w) - 1)
    w[i], w[i + 1] = w[i + 1], w[i]
    return " ".join(w)


def augment(texts, source, rng: random.Random, n_emo: int, n_go: int):
    """returns [(orig_index, text, kind)]"""
    out = []
    for i, (t, src) in enumerate(zip(texts, source)):
        if src == "emotion":
            fns = [("real", lambda x: real_style(x, rng)),
                   ("real+drop", lambda x: real_style(word_dropout(x, rng), rng)),
                   ("drop", lambda x: word_dropout(x, rng)), ("crop", lambda x: crop(x, rng))][:n_emo]
        else:
            fns = [("plain", lambda x: plain_style(x, rng)), ("drop", lambda x: word_dropout(x, rng)),
                   ("crop", lambda x: crop(x, rng)), ("plain+drop", lambda x: word_dropout(plain_style(x, rng), rng)),
                   ("swap", lambda x: swap(x, rng)), ("drop2", lambda x: word_dropout(x, rng, 0.25)),
                   ("plain+crop", lambda x: crop(plain_style(x, rng), rng))][:n_go]
        seen = {t}
        for kind, fn in fns:
            a = fn(t)
            if a not in seen:
                seen.add(a)
                out.append((i, a, kind))
    return out


# ---------------------------------------------------------------- teacher
def run_onnx(model_path: Path, tok, texts, threads: int = 2, bs: int = 64):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(str(model_path), so, providers=["CPUExecutionProvider"])
    names = [i.name for i in sess.get_inputs()]
    encs = tok.encode_batch(texts)
    order = np.argsort([len(e.ids) for e in encs], kind="stable")
    out = None  # [texts, the model's outputs]
    for s in range(0, len(order), bs):
        idx = order[s:s + bs]
        L = max(len(encs[i].ids) for i in idx)
        arr = {n: np.zeros((len(idx), L), dtype=np.int64) for n in ("input_ids", "attention_mask", "token_type_ids")}
        for r, i in enumerate(idx):
            n = len(encs[i].ids)
            arr["input_ids"][r, :n] = encs[i].ids
            arr["attention_mask"][r, :n] = 1
        lg = sess.run(["logits"], {n: arr[n] for n in names})[0]
        if out is None:
            out = np.zeros((len(texts), lg.shape[1]), dtype=np.float32)
        out[idx] = lg
    return out


def cmd_teacher(a):
    work = Path(a.work); work.mkdir(parents=True, exist_ok=True)
    rng = np.random.RandomState(a.seed)
    rows = []
    for src, d in (("emotion", "emotion"), ("goemotions6", "goemotions6")):
        X, y = load_csv(DATA / d / "train.csv")
        held = np.zeros(len(X), bool)
        for c in range(6):  # stratified held-out slice
            idx = np.where(y == c)[0]
            k = int(round(a.holdout * len(idx)))
            held[rng.choice(idx, k, replace=False)] = True
        for t, l, h in zip(X, y, held):
            rows.append(dict(text=t, label=int(l), source=src, split="heldout" if h else "train", kind="orig"))
    df = pd.DataFrame(rows)
    tr = df[df.split == "train"].reset_index(drop=True)
    aug = augment(tr.text.tolist(), tr.source.tolist(), random.Random(a.seed), a.aug_emotion, a.aug_go)
    adf = pd.DataFrame([dict(text=t, label=int(tr.label[i]), source=tr.source[i], split="train", kind=k)
                        for i, t, k in aug])
    df = pd.concat([df, adf], ignore_index=True)
    print(df.groupby(["source", "split", "kind"]).size().to_string(), flush=True)
    t0 = time.time()
    logits = run_onnx(REPO / "model" / "model.onnx", tokenizer(TEACHER_MAX), df.text.tolist(), threads=a.threads)
    print(f"teacher: {len(df)} texts in {time.time() - t0:.0f}s", flush=True)
    for c in range(6):
        df[f"t{c}"] = logits[:, c]
    o = df[df.kind == "orig"]
    for (src, sp), g in o.groupby(["source", "split"]):
        acc = (g[[f"t{c}" for c in range(6)]].values.argmax(1) == g.label.values).mean()
        print(f"teacher accuracy on {src}/{sp} (the teacher was trained on all of it): {acc:.4f}")
    df.to_pickle(work / "pool.pkl")


# ---------------------------------------------------------------- student
def build_model(a):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class CNN(nn.Module):
        def __init__(self, vocab=30522, emb=128, filters=128, kernels=(2, 3, 4, 5), dropout=0.3,
                     emb_dropout=0.1, mean_pool=False, hidden=0):
            super().__init__()
            self.kernels = list(kernels)
            self.emb = nn.Embedding(vocab, emb, padding_idx=0)
            self.convs = nn.ModuleList(nn.Conv1d(emb, filters, k) for k in self.kernels)
            self.mean_pool = mean_pool
            feat = filters * len(self.kernels) * (2 if mean_pool else 1)
            self.hidden = nn.Linear(feat, hidden) if hidden else None
            self.drop = nn.Dropout(dropout)
            self.edrop = nn.Dropout(emb_dropout)
            self.out = nn.Linear(hidden or feat, 6)

        def embed(self, input_ids):
            return self.emb(input_ids)

        def forward(self, input_ids, attention_mask):
            m = attention_mask.to(torch.float32).unsqueeze(1)  # [B,1,T]
            x = self.edrop(self.embed(input_ids)).transpose(1, 2) * m  # [B,E,T]
            kmax = max(self.kernels)
            x = F.pad(x, (0, kmax - 1))  # windows starting at a real token may reach past the end: zeros
            feats, means = [], []
            T = input_ids.shape[1]
            for k, conv in zip(self.kernels, self.convs):
                h = torch.relu(conv(x[:, :, : T + k - 1]))  # [B,F,T]: window t covers tokens t..t+k-1
                feats.append((h * m + (m - 1.0) * 1e4).amax(2))
                if self.mean_pool:
                    means.append((h * m).sum(2) / m.sum(2).clamp(min=1.0))
            z = torch.cat(feats + means, 1)
            if self.hidden is not None:
                z = torch.relu(self.hidden(self.drop(z)))
            return self.out(self.drop(z))

    return CNN(emb=a.emb, filters=a.filters, kernels=tuple(a.kernels), dropout=a.dropout,
               emb_dropout=a.emb_dropout, mean_pool=a.mean_pool, hidden=a.hidden)


def pad_batch(ids_list, max_len):
    import torch
    T = max(len(x) for x in ids_list)
    ids = torch.zeros(len(ids_list), T, dtype=torch.long)
    mask = torch.zeros(len(ids_list), T, dtype=torch.long)
    for i, x in enumerate(ids_list):
        ids[i, : len(x)] = torch.tensor(x)
        mask[i, : len(x)] = 1
    return ids, mask


def predict(model, ids_list, bs=256):
    import torch
    order = np.argsort([len(x) for x in ids_list], kind="stable")
    out = np.zeros((len(ids_list), 6), dtype=np.float32)
    with torch.no_grad():
        for s in range(0, len(order), bs):
            idx = order[s:s + bs]
            ids, mask = pad_batch([ids_list[i] for i in idx], None)
            out[idx] = model(ids, mask).numpy()
    return out


def metrics(y, logits):
    from sklearn.metrics import f1_score
    p = np.asarray(logits).argmax(-1)
    return float((p == y).mean()), float(f1_score(y, p, average="macro"))


def ece(y, logits, t=1.0, bins=15):
    z = logits / t
    p = np.exp(z - z.max(1, keepdims=True)); p /= p.sum(1, keepdims=True)
    conf, pred = p.max(1), p.argmax(1)
    e = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        sel = (conf > lo) & (conf <= hi)
        if sel.any():
            e += sel.mean() * abs((pred[sel] == y[sel]).mean() - conf[sel].mean())
    return float(e)


def pca_init(emb_dim: int, seed: int):
    """the default model's (fine-tuned MiniLM) word embeddings, dequantized from model/model.onnx, PCA -> emb_dim"""
    import onnx
    from onnx import numpy_helper
    g = onnx.load(str(REPO / "model" / "model.onnx")).graph
    init = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    p = "bert.bert.embeddings.word_embeddings.weight"
    w = (init[p + "_quantized"].astype(np.float32) - init[p + "_zero_point"].astype(np.float32)) * init[p + "_scale"]
    mu = w.mean(0, keepdims=True)
    u, s, vt = np.linalg.svd(w - mu, full_matrices=False)
    z = (w - mu) @ vt[:emb_dim].T
    z = z / z.std() * 0.5
    z[0] = 0.0
    return z.astype(np.float32)


def cmd_train(a):
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed); random.seed(a.seed); np.random.seed(a.seed)
    work = Path(a.work); run = work / a.run; run.mkdir(parents=True, exist_ok=True)
    (run / "args.json").write_text(json.dumps(vars(a), indent=1, default=str))
    tok = tokenizer(a.max_len)
    df = pd.read_pickle(work / "pool.pkl")
    if a.no_aug:
        df = df[df.kind == "orig"]
    tr = df[df.split == "train"].reset_index(drop=True)
    ho = df[(df.split == "heldout")].reset_index(drop=True)
    X = [e.ids for e in tok.encode_batch(tr.text.tolist())]
    tlog = torch.tensor(tr[[f"t{c}" for c in range(6)]].values, dtype=torch.float32)
    soft = torch.softmax(tlog / a.kd_t, -1)
    Y = torch.tensor(tr.label.values)
    is_orig = torch.tensor((tr.kind == "orig").values, dtype=torch.float32)
    w_row = torch.ones(len(tr))
    w_row[torch.tensor((tr.source == "goemotions6").values)] = a.go_weight
    Xho = [e.ids for e in tok.encode_batch(ho.text.tolist())]; yho = ho.label.values
    vals = {}
    for s in ("emotion", "goemotions6"):
        t, y = load_csv(DATA / s / "validation.csv")
        vals[s] = ([e.ids for e in tok.encode_batch(t)], y)

    model = build_model(a)
    if a.init_pca:
        with torch.no_grad():
            model.emb.weight.copy_(torch.from_numpy(pca_init(a.emb, a.seed)))
    print(f"params {sum(p.numel() for p in model.parameters()):,}; train rows {len(X)}", flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=a.wd)
    steps = a.epochs * ((len(X) + a.bs - 1) // a.bs)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=steps, pct_start=0.1)
    rng = np.random.RandomState(a.seed)
    logf = open(run / "log.jsonl", "a")
    for ep in range(1, a.epochs + 1):
        t0 = time.time(); model.train()
        perm = rng.permutation(len(X))
        chunks = [perm[i:i + a.bs * 50] for i in range(0, len(perm), a.bs * 50)]
        batches = []
        for c in chunks:
            c = sorted(c, key=lambda i: len(X[i]))
            batches += [c[i:i + a.bs] for i in range(0, len(c), a.bs)]
        rng.shuffle(batches)
        tot = 0.0
        for b in batches:
            ids, mask = pad_batch([X[i] for i in b], a.max_len)
            out = model(ids, mask)
            lp = F.log_softmax(out / a.kd_t, -1)
            l_soft = -(soft[b] * lp).sum(-1) * (a.kd_t ** 2)
            l_hard = F.cross_entropy(out, Y[b], reduction="none", label_smoothing=a.ls) * is_orig[b]
            w = w_row[b]
            loss = ((a.soft * l_soft + a.hard * l_hard) * w).sum() / w.sum()
            opt.zero_grad(); loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step(); sched.step(); tot += loss.item() * len(b)
        model.eval()
        rec = dict(epoch=ep, loss=tot / len(X), sec=round(time.time() - t0, 1))
        for s, (ids, y) in vals.items():
            lg = predict(model, ids)
            rec[s] = metrics(y, lg) + (ece(y, lg),)
        lh = predict(model, Xho)
        rec["heldout"] = metrics(yho, lh) + (ece(yho, lh),)
        rec["combined"] = 0.25 * (sum(rec["emotion"][:2]) + sum(rec["goemotions6"][:2]))
        torch.save(model.state_dict(), run / f"ep{ep}.pt")
        logf.write(json.dumps(rec) + "\n"); logf.flush()
        print(f"[{a.run}] ep {ep} loss {rec['loss']:.4f} emotion {rec['emotion'][0]:.4f}/{rec['emotion'][1]:.4f} "
              f"go6 {rec['goemotions6'][0]:.4f}/{rec['goemotions6'][1]:.4f} heldout {rec['heldout'][0]:.4f} "
              f"ece {rec['emotion'][2]:.3f}/{rec['goemotions6'][2]:.3f} comb {rec['combined']:.4f} ({rec['sec']}s)",
              flush=True)


# ---------------------------------------------------------------- export
def fit_temperature(logits, y):
    z = logits.astype(np.float64)

    def nll(t):
        s = z / t
        s = s - s.max(1, keepdims=True)
        return float(-(s[np.arange(len(y)), y] - np.log(np.exp(s).sum(1))).mean())

    grid = np.exp(np.linspace(np.log(0.25), np.log(8.0), 200))
    t = grid[int(np.argmin([nll(g) for g in grid]))]
    lo, hi = t / 1.05, t * 1.05
    for _ in range(60):  # golden section
        m1, m2 = lo + 0.382 * (hi - lo), lo + 0.618 * (hi - lo)
        if nll(m1) < nll(m2):
            hi = m2
        else:
            lo = m1
    return round(float((lo + hi) / 2), 4), nll(1.0), nll((lo + hi) / 2)


def int8_rows(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An embedding table as int8 with one float scale per row (symmetric): w ≈ q * scale[:, None].
    A row of zeros ([PAD]) stays exactly zero. Used by both fast-model exports (this CNN, and
    distil.py export-bilstm)."""
    scale = np.abs(w).max(1) / 127.0
    scale[scale == 0] = 1.0
    return np.clip(np.round(w / scale[:, None]), -127, 127).astype(np.int8), scale


def cmd_export(a):
    import torch
    import torch.nn as nn
    import onnxruntime as ort
    torch.set_num_threads(a.threads)
    work = Path(a.work); run = work / a.run
    targs = argparse.Namespace(**json.loads((run / "args.json").read_text()))
    model = build_model(targs)
    model.load_state_dict(torch.load(run / f"ep{a.epoch}.pt"))
    model.eval()
    max_len = targs.max_len
    tok = tokenizer(max_len)

    q, scale = int8_rows(model.emb.weight.detach().numpy())

    class QEmb(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("q", torch.from_numpy(q))
            self.register_buffer("s", torch.from_numpy(scale.astype(np.float32)).unsqueeze(1))

        def forward(self, ids):
            return self.q[ids].to(torch.float32) * self.s[ids]

    qemb = QEmb()
    fp_embed = model.embed
    model.embed = lambda ids: qemb(ids)  # the exported graph
    out_dir = Path(a.out); out_dir.mkdir(parents=True, exist_ok=True)
    onnx_path = out_dir / "model.onnx"
    ids = torch.tensor([[101, 1045, 2514, 3407, 102], [101, 1045, 102, 0, 0]])
    mask = (ids != 0).long()
    torch.onnx.export(model, (ids, mask), str(onnx_path), dynamo=False, opset_version=17,
                      input_names=["input_ids", "attention_mask"], output_names=["logits"],
                      dynamic_axes={"input_ids": {0: "batch", 1: "sequence"},
                                    "attention_mask": {0: "batch", 1: "sequence"}, "logits": {0: "batch"}})
    import onnx
    m = onnx.load(str(onnx_path))
    m.graph.ClearField("value_info")
    onnx.save(m, str(onnx_path))

    # checks: ONNX vs PyTorch (int8 embedding) exactly-ish, and vs the float model on validation
    texts, ys = {}, {}
    for s in ("emotion", "goemotions6"):
        texts[s], ys[s] = load_csv(DATA / s / "validation.csv")
    allt = texts["emotion"] + texts["goemotions6"]
    ids_list = [e.ids for e in tok.encode_batch(allt)]
    onnx_logits = run_onnx(onnx_path, tok, allt)
    q_logits = predict(model, ids_list)
    model.embed = fp_embed
    f_logits = predict(model, ids_list)
    d = np.abs(onnx_logits - q_logits).max()
    agree_fp = (onnx_logits.argmax(1) == f_logits.argmax(1)).mean()
    print(f"[check] max |ONNX - torch(int8 emb)| = {d:.2e}; argmax agreement ONNX vs float model {agree_fp:.4f}")
    assert d < 1e-3, d
    # padding invariance: the same text alone and in a longer batch
    one = run_onnx(onnx_path, tok, allt[:64], bs=1)
    assert np.abs(one - onnx_logits[:64]).max() < 1e-4
    n_e = len(texts["emotion"])
    for s, lg in (("emotion", onnx_logits[:n_e]), ("goemotions6", onnx_logits[n_e:])):
        print(f"[onnx] {s}: acc/F1 {metrics(ys[s], lg)}  (float: {metrics(ys[s], f_logits[:n_e] if s == 'emotion' else f_logits[n_e:])})")

    # temperature on the held-out training slice (never trained on)
    df = pd.read_pickle(work / "pool.pkl")
    ho = df[df.split == "heldout"].reset_index(drop=True)
    ho_logits = run_onnx(onnx_path, tok, ho.text.tolist())
    t, n1, nt = fit_temperature(ho_logits, ho.label.values)
    print(f"[temperature] held-out slice n={len(ho)}: T={t} NLL {n1:.4f} -> {nt:.4f}; held-out ECE "
          f"{ece(ho.label.values, ho_logits):.4f} -> {ece(ho.label.values, ho_logits, t):.4f}")
    for s, lg in (("emotion", onnx_logits[:n_e]), ("goemotions6", onnx_logits[n_e:])):
        print(f"[temperature] {s} validation ECE (python) {ece(ys[s], lg):.4f} -> {ece(ys[s], lg, t):.4f}")

    nparams = sum(p.numel() for p in model.parameters())
    cfg = {
        "architectures": ["WordPieceCNN"],
        "model_type": "emotion-label-cnn",
        "vocab_size": 30522,
        "embedding_size": targs.emb,
        "embedding_dtype": "int8 (one float32 scale per row)",
        "num_filters": targs.filters,
        "kernel_sizes": list(targs.kernels),
        "mean_pool": bool(targs.mean_pool),
        "hidden_size": targs.hidden,
        "num_parameters": nparams,
        "max_position_embeddings": max_len,
        "pad_token_id": 0,
        "id2label": {str(i): l for i, l in enumerate(LABELS)},
        "label2id": {l: i for i, l in enumerate(LABELS)},
        "problem_type": "single_label_classification",
        "calibration": {"temperature": t, "fitted_on": "held-out slice of emotion + goemotions6 train (not trained on)"},
        "distilled_from": "model/ (MiniLM-L4 + BiLSTM int8 ensemble)",
    }
    (out_dir / "config.json").write_text(json.dumps(cfg, indent=2) + "\n")
    shutil.copy(REPO / "model" / "tokenizer.json", out_dir / "tokenizer.json")
    tc = json.loads((REPO / "model" / "tokenizer_config.json").read_text())
    tc["model_max_length"] = max_len
    tc["max_length"] = max_len
    (out_dir / "tokenizer_config.json").write_text(json.dumps(tc, indent=2) + "\n")
    print(f"[export] {out_dir}: model.onnx {onnx_path.stat().st_size:,} B, {nparams:,} parameters, T={t}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("teacher", "train", "export"):
        p = sub.add_parser(name)
        p.add_argument("--work", default="/work/scratch/fast")
        p.add_argument("--seed", type=int, default=42)
        p.add_argument("--threads", type=int, default=2)
    p = sub.choices["teacher"]
    p.add_argument("--holdout", type=float, default=0.08)
    p.add_argument("--aug-emotion", type=int, default=2)
    p.add_argument("--aug-go", type=int, default=7)
    p = sub.choices["train"]
    p.add_argument("--run", required=True)
    p.add_argument("--max-len", type=int, default=64)
    p.add_argument("--emb", type=int, default=128)
    p.add_argument("--filters", type=int, default=128)
    p.add_argument("--kernels", type=int, nargs="+", default=[2, 3, 4, 5])
    p.add_argument("--hidden", type=int, default=0)
    p.add_argument("--mean-pool", action="store_true")
    p.add_argument("--dropout", type=float, default=0.3)
    p.add_argument("--emb-dropout", type=float, default=0.1)
    p.add_argument("--init-pca", action="store_true")
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--bs", type=int, default=64)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--wd", type=float, default=1e-4)
    p.add_argument("--ls", type=float, default=0.05)
    p.add_argument("--kd-t", type=float, default=1.0)
    p.add_argument("--soft", type=float, default=1.0)
    p.add_argument("--hard", type=float, default=0.5)
    p.add_argument("--go-weight", type=float, default=1.0)
    p.add_argument("--no-aug", action="store_true")
    p = sub.choices["export"]
    p.add_argument("--run", required=True)
    p.add_argument("--epoch", type=int, required=True)
    p.add_argument("--out", required=True, help="model dir to write (model-fast/ is the BiLSTM now: not there)")
    a = ap.parse_args()
    {"teacher": cmd_teacher, "train": cmd_train, "export": cmd_export}[a.cmd](a)


if __name__ == "__main__":
    main()
