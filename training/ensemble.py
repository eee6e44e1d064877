"""MiniLM + small WordPiece BiLSTM ensemble → one ONNX model dir for the CLI.

    python training/ensemble.py --out /work/scratch/ensemble-model \
        --minilm /work/scratch/run1/best [--minilm /work/scratch/run2/best] --work /work/scratch/ensemble

1. trains a BiLSTM over the SAME WordPiece input_ids as the MiniLM tokenizer (model/tokenizer.json,
   max 128 tokens): embedding 128, one forward + one backward LSTM (hidden 160 each), masked
   max+mean pooling, linear → 6. The backward direction runs over each sequence reversed *within its
   own length* (a gather), so trailing [PAD]s never reach a real position: the output does not depend
   on how much a batch is padded (the CLI pads batches on the right). Data: emotion train +
   goemotions6 train ×2; fixed seed; both validation sets are logged per epoch; best epoch by
   combined = mean over the two sets of (acc+macroF1)/2.
2. combined module (input_ids, attention_mask, token_type_ids) →
   logits = w·log_softmax(minilm) + (1−w)·log_softmax(bilstm); w from a grid on the validation sets
   (best combined score, but emotion's (acc+F1)/2 must improve over the MiniLM alone).
3. ONNX export (legacy exporter, opset 17, dynamic batch/sequence), the BiLSTM branch rewritten as
   bidirectional LSTM ops (bilstm_onnx.py), ONNX-vs-torch check, int8
   dynamic quantization (MatMul, Gather, LSTM; per-channel), model dir with config + tokenizer files.
Only validation splits are used for choices; no test split.
"""
from __future__ import annotations

import os
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # ONNX Runtime's telemetry off before it loads (README: "Privacy")
import argparse
import json
import os
import random
import shutil
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.metrics import accuracy_score, f1_score
from tokenizers import Tokenizer

torch.set_num_threads(1)
REPO = Path(__file__).resolve().parent.parent
LABELS = ["sadness", "joy", "love", "anger", "fear", "surprise"]
L2I = {l: i for i, l in enumerate(LABELS)}
MAXLEN = 128


def load_csv(p: Path):
    df = pd.read_csv(p)
    return df["text"].astype(str).tolist(), np.array([L2I[l] for l in df["label"]])


def encode(tok: Tokenizer, texts):
    return [e.ids for e in tok.encode_batch(texts)]


def pad(batch_ids):
    T = max(len(x) for x in batch_ids)
    ids = torch.zeros(len(batch_ids), T, dtype=torch.long)
    mask = torch.zeros(len(batch_ids), T, dtype=torch.long)
    for i, x in enumerate(batch_ids):
        ids[i, : len(x)] = torch.tensor(x)
        mask[i, : len(x)] = 1
    return ids, mask


class BiLSTM(nn.Module):
    def __init__(self, vocab=30522, emb=128, hidden=160, n=6, dropout=0.3, layers=1):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb, padding_idx=0)
        self.fwd = nn.LSTM(emb, hidden, batch_first=True)
        self.bwd = nn.LSTM(emb, hidden, batch_first=True)
        # layers > 1: stacked bidirectional layers, each reading both directions of the one below
        self.fwd_up = nn.ModuleList(nn.LSTM(2 * hidden, hidden, batch_first=True) for _ in range(layers - 1))
        self.bwd_up = nn.ModuleList(nn.LSTM(2 * hidden, hidden, batch_first=True) for _ in range(layers - 1))
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(4 * hidden, n)

    def forward(self, input_ids, attention_mask):
        m = attention_mask.unsqueeze(-1).to(torch.float32)
        x = self.drop(self.emb(input_ids))
        T = input_ids.shape[1]
        lengths = attention_mask.sum(1, keepdim=True)  # [B,1]
        t = torch.arange(T, device=input_ids.device).unsqueeze(0)  # [1,T]
        rev = torch.where(t < lengths, lengths - 1 - t, t)  # reverse inside the real length
        rev_idx = rev.unsqueeze(-1).expand(-1, -1, x.shape[-1])
        hf, _ = self.fwd(x)
        hb, _ = self.bwd(torch.gather(x, 1, rev_idx))
        rev_h = rev.unsqueeze(-1).expand(-1, -1, hb.shape[-1])
        hb = torch.gather(hb, 1, rev_h)
        h = torch.cat([hf, hb], -1)
        for f, b in zip(self.fwd_up, self.bwd_up):
            x = self.drop(h)
            rev_x = rev.unsqueeze(-1).expand(-1, -1, x.shape[-1])
            hf, _ = f(x)
            hb, _ = b(torch.gather(x, 1, rev_x))
            h = torch.cat([hf, torch.gather(hb, 1, rev_h)], -1)
        mx = (h * m + (m - 1.0) * 1e4).max(1).values
        mean = (h * m).sum(1) / m.sum(1).clamp(min=1.0)
        return self.out(self.drop(torch.cat([mx, mean], -1)))


def metrics(y, logits):
    p = np.asarray(logits).argmax(-1)
    return float(accuracy_score(y, p)), float(f1_score(y, p, average="macro"))


def score(m_emo, m_go):
    return 0.5 * sum(m_emo) / 2 + 0.5 * sum(m_go) / 2


@torch.no_grad()
def predict(fn, ids_list, bs=128):
    order = np.argsort([len(x) for x in ids_list])
    out = None  # [texts, the model's outputs: 6, or 7 with `neutral` last]
    for s in range(0, len(order), bs):
        idx = order[s : s + bs]
        ids, mask = pad([ids_list[i] for i in idx])
        lg = fn(ids, mask).float().numpy()
        if out is None:
            out = np.zeros((len(ids_list), lg.shape[1]), dtype=np.float32)
        out[idx] = lg
    return out


def six(logits):
    """the six-emotion view of a seven-output model (the first six outputs); six outputs as they are"""
    return np.asarray(logits)[:, :6]


def train_bilstm(args, tok, data):
    torch.manual_seed(args.seed); random.seed(args.seed); np.random.seed(args.seed)
    (etr, ytr_e), (gtr, ytr_g), (ev, yev), (gv, ygv) = data
    X = etr + gtr * args.go_oversample
    Y = np.concatenate([ytr_e] + [ytr_g] * args.go_oversample)
    model = BiLSTM(hidden=args.hidden, emb=args.emb, layers=args.layers, dropout=args.dropout)
    if args.init_emb:  # start from the pretrained MiniLM's WordPiece embeddings (same ids)
        from safetensors.torch import load_file
        from train import default_base_model
        w = load_file(str(Path(default_base_model()) / "model.safetensors"))["embeddings.word_embeddings.weight"]
        assert tuple(w.shape) == tuple(model.emb.weight.shape), (w.shape, model.emb.weight.shape)
        with torch.no_grad():
            model.emb.weight.copy_(w)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    steps = args.epochs * ((len(X) + args.bs - 1) // args.bs)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps, pct_start=0.1)
    rng = np.random.RandomState(args.seed)
    best, best_state, log = -1, None, []
    for ep in range(1, args.epochs + 1):
        t0 = time.time(); model.train()
        # length-bucketed shuffled batches
        perm = rng.permutation(len(X))
        chunks = [perm[i : i + args.bs * 50] for i in range(0, len(perm), args.bs * 50)]
        batches = []
        for c in chunks:
            c = sorted(c, key=lambda i: len(X[i]))
            batches += [c[i : i + args.bs] for i in range(0, len(c), args.bs)]
        rng.shuffle(batches)
        tot = 0.0
        for b in batches:
            ids, mask = pad([X[i] for i in b])
            loss = F.cross_entropy(model(ids, mask), torch.tensor(Y[b]), label_smoothing=args.ls)
            opt.zero_grad(); loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step(); sched.step(); tot += loss.item() * len(b)
        model.eval()
        le, lg = predict(model, ev), predict(model, gv)
        me, mg = metrics(yev, le), metrics(ygv, lg)
        sc = score(me, mg)
        rec = dict(epoch=ep, loss=tot / len(X), emotion=me, goemotions6=mg, combined=sc, sec=time.time() - t0)
        log.append(rec)
        print(f"[bilstm] ep {ep} loss {rec['loss']:.4f} emotion {me[0]:.4f}/{me[1]:.4f} "
              f"go6 {mg[0]:.4f}/{mg[1]:.4f} comb {sc:.4f} ({rec['sec']:.0f}s)", flush=True)
        if sc > best:
            best, best_state = sc, {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state); model.eval()
    return model, log


class Ensemble(nn.Module):
    def __init__(self, bert, lstm, w: float):
        super().__init__()
        self.bert, self.lstm, self.w = bert, lstm, w

    def forward(self, input_ids, attention_mask, token_type_ids):
        a = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                      token_type_ids=token_type_ids, return_dict=True).logits
        b = self.lstm(input_ids, attention_mask)
        return self.w * F.log_softmax(a, -1) + (1.0 - self.w) * F.log_softmax(b, -1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="/work/scratch/ensemble-model")
    ap.add_argument("--work", default="/work/scratch/ensemble")
    ap.add_argument("--minilm", action="append", default=None)
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "data"))
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--bs", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--ls", type=float, default=0.1)
    ap.add_argument("--emb", type=int, default=128)
    ap.add_argument("--hidden", type=int, default=160)
    ap.add_argument("--layers", type=int, default=1)
    ap.add_argument("--init-emb", action="store_true",
                    help="initialise the embedding from all-MiniLM-L6-v2's word embeddings (needs --emb 384)")
    ap.add_argument("--dropout", type=float, default=0.3)
    ap.add_argument("--go-oversample", type=int, default=2)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--skip-train", action="store_true", help="reuse WORK/bilstm.pt")
    ap.add_argument("--select", choices=["combined", "emotion"], default="combined",
                    help="how w is chosen: best combined score of both sets, or best emotion (acc+F1)/2 "
                         "among the w that keep GoEmotions-6 acc and F1 >= --go-floor")
    ap.add_argument("--go-floor", type=float, default=0.85)
    ap.add_argument("--w-min", type=float, default=0.3)
    ap.add_argument("--emoji-names", action="store_true",
                    help="texts tokenized with their emoji as names (the v3 students' input)")
    args = ap.parse_args()
    minilms = args.minilm or ["/work/scratch/run1/best"]
    work, out = Path(args.work), Path(args.out)
    work.mkdir(parents=True, exist_ok=True)

    tok = Tokenizer.from_file(str(REPO / "model" / "tokenizer.json"))
    tok.no_padding(); tok.enable_truncation(MAXLEN)
    d = Path(args.data)
    raw = [load_csv(d / "emotion/train.csv"), load_csv(d / "goemotions6/train.csv"),
           load_csv(d / "emotion/validation.csv"), load_csv(d / "goemotions6/validation.csv")]
    if args.emoji_names:
        from teacher import emoji_names
        raw = [([emoji_names(t) for t in x], y) for x, y in raw]
    data = [(encode(tok, t), y) for t, y in raw]
    (_, _), (_, _), (ev, yev), (gv, ygv) = data
    nv = None  # GoEmotions-neutral validation, for seven-output students (seven-way score: go6 + neutral)
    if args.skip_train and torch.load(work / "bilstm.pt")["out.weight"].shape[0] == 7:
        tn = pd.read_csv(d / "goemotions-neutral/validation.csv", keep_default_na=False)["text"].astype(str).tolist()
        if args.emoji_names:
            tn = [emoji_names(t) for t in tn]
        nv = encode(tok, tn)
        y7 = np.concatenate([ygv, np.full(len(nv), 6)])

    def go7(lg_go, lg_neutral):
        return metrics(y7, np.concatenate([lg_go, lg_neutral]))

    # 1. BiLSTM
    if args.skip_train:
        sd = torch.load(work / "bilstm.pt")
        lstm = BiLSTM(hidden=args.hidden, emb=args.emb, layers=args.layers, dropout=args.dropout,
                      n=int(sd["out.weight"].shape[0]))
        lstm.load_state_dict(sd); lstm.eval()
        log = json.loads((work / "bilstm_log.json").read_text())
    else:
        lstm, log = train_bilstm(args, tok, data)
        torch.save(lstm.state_dict(), work / "bilstm.pt")
        (work / "bilstm_log.json").write_text(json.dumps(log, indent=1))
    le, lg = predict(lstm, ev), predict(lstm, gv)
    ln = predict(lstm, nv) if nv is not None else None

    # 2. weight grid per MiniLM checkpoint
    from transformers import AutoModelForSequenceClassification
    results, best = [], None
    for ck in minilms:
        bert = AutoModelForSequenceClassification.from_pretrained(ck, attn_implementation="eager").eval()
        fn = lambda i, m: bert(input_ids=i, attention_mask=m, token_type_ids=torch.zeros_like(i)).logits
        be, bg = predict(fn, ev, 64), predict(fn, gv, 64)
        base_e, base_g = metrics(yev, six(be)), metrics(ygv, six(bg))
        print(f"[minilm {ck}] emotion {base_e[0]:.4f}/{base_e[1]:.4f} go6 {base_g[0]:.4f}/{base_g[1]:.4f}", flush=True)
        lse, lsg = torch.log_softmax(torch.tensor(be), -1), torch.log_softmax(torch.tensor(bg), -1)
        lle, llg = torch.log_softmax(torch.tensor(le), -1), torch.log_softmax(torch.tensor(lg), -1)
        if nv is not None:
            lsn = torch.log_softmax(torch.tensor(predict(fn, nv, 64)), -1)
            lln = torch.log_softmax(torch.tensor(ln), -1)
        for w in np.round(np.arange(args.w_min, 0.801, 0.05), 2):
            me = metrics(yev, six((w * lse + (1 - w) * lle).numpy()))
            mg = metrics(ygv, six((w * lsg + (1 - w) * llg).numpy()))
            sc = score(me, mg)
            m7 = None
            if nv is not None:  # seven outputs: the seven-way set counts as much as the other two together
                m7 = go7((w * lsg + (1 - w) * llg).numpy(), (w * lsn + (1 - w) * lln).numpy())
                sc = 0.5 * sc + 0.5 * sum(m7) / 2
            ok = sum(me) / 2 > sum(base_e) / 2
            if args.select == "emotion":  # best emotion (acc+F1)/2 while GoEmotions-6 keeps the floor
                ok = ok and mg[0] >= args.go_floor and mg[1] >= args.go_floor
                sc = sum(me) / 2
            r = dict(minilm=ck, w=float(w), emotion=me, goemotions6=mg, goemotions7=m7, combined=sc, emotion_improves=ok,
                     minilm_alone=dict(emotion=base_e, goemotions6=base_g, combined=score(base_e, base_g)))
            results.append(r)
            print(f"  w={w:.2f} emotion {me[0]:.4f}/{me[1]:.4f} go6 {mg[0]:.4f}/{mg[1]:.4f}"
                  + (f" go7 {m7[0]:.4f}/{m7[1]:.4f}" if m7 else "") + f" comb {sc:.4f}"
                  f"{'' if ok else '  (excluded: emotion not improved or GoEmotions-6 under the floor)'}", flush=True)
            if ok and (best is None or sc > best["combined"]):
                best = r
        del bert
    (work / "grid.json").write_text(json.dumps(dict(bilstm_log=log, grid=results, chosen=best), indent=1))
    if best is None:
        raise SystemExit("no w improves emotion; nothing exported")
    print(f"[chosen] {best['minilm']} w={best['w']}", flush=True)

    # 3. export
    bert = AutoModelForSequenceClassification.from_pretrained(best["minilm"], attn_implementation="eager").eval()
    ens = Ensemble(bert, lstm, best["w"]).eval()
    n_bert, n_lstm = (sum(p.numel() for p in m.parameters()) for m in (bert, lstm))
    print(f"[params] MiniLM {n_bert:,}  BiLSTM {n_lstm:,}  total {n_bert + n_lstm:,}", flush=True)
    out.mkdir(parents=True, exist_ok=True)
    # config.json (labels, positions, layer count) from the chosen checkpoint; tokenizer files as shipped
    shutil.copy2(Path(best["minilm"]) / "config.json", out / "config.json")
    cfg = json.loads((out / "config.json").read_text())
    if len(cfg["id2label"]) == 7:  # `neutral` last: declare the neutral view (docs/own-model.md, "No emotion")
        cfg["neutral"] = {"label": "neutral"}
        (out / "config.json").write_text(json.dumps(cfg, indent=2) + "\n")
    for f in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        if (REPO / "model" / f).exists():
            shutil.copy2(REPO / "model" / f, out / f)
    checks = ["i feel so happy and grateful today", "This is absolutely infuriating. Who approved this?!",
              "I'm scared of what the doctor will say tomorrow...", "i miss her so much it hurts"]
    ids, mask = pad(encode(tok, checks))
    tt = torch.zeros_like(ids)
    fp32 = work / "ensemble_fp32.onnx"
    names = ["input_ids", "attention_mask", "token_type_ids"]
    torch.onnx.export(ens, (ids, mask, tt), str(fp32), dynamo=False, opset_version=17,
                      input_names=names, output_names=["logits"],
                      dynamic_axes={**{n: {0: "batch", 1: "sequence"} for n in names}, "logits": {0: "batch"}})
    # one bidirectional LSTM op per layer instead of the exported forward/backward pair and its
    # reversing GatherElements (training/bilstm_onnx.py); the checks below run on the rewritten graph
    import onnx
    from bilstm_onnx import rewrite
    graph = onnx.load(str(fp32))
    print(f"[onnx] BiLSTM layers rewritten as bidirectional LSTM ops: {rewrite(graph)}", flush=True)
    onnx.checker.check_model(graph)
    onnx.save(graph, str(fp32))
    import onnxruntime as ort
    so = ort.SessionOptions(); so.intra_op_num_threads = 1
    feeds = dict(input_ids=ids.numpy(), attention_mask=mask.numpy(), token_type_ids=tt.numpy())
    with torch.no_grad():
        ref = ens(ids, mask, tt).numpy()
    o = ort.InferenceSession(str(fp32), so, providers=["CPUExecutionProvider"]).run(["logits"], feeds)[0]
    diff = float(np.abs(o - ref).max())
    print(f"[onnx] fp32 max |diff| vs torch = {diff:.2e}", flush=True)
    assert diff < 1e-4, diff
    # padding invariance check: one text alone vs padded in a batch
    ids1, m1 = pad(encode(tok, checks[:1]))
    o1 = ort.InferenceSession(str(fp32), so, providers=["CPUExecutionProvider"]).run(
        ["logits"], dict(input_ids=ids1.numpy(), attention_mask=m1.numpy(), token_type_ids=np.zeros_like(ids1.numpy())))[0]
    print(f"[onnx] padding invariance |diff| = {float(np.abs(o1[0] - o[0]).max()):.2e}", flush=True)

    from onnxruntime.quantization import QuantType, quantize_dynamic
    q = work / "ensemble_int8.onnx"
    try:
        quantize_dynamic(str(fp32), str(q), weight_type=QuantType.QInt8, per_channel=True,
                         reduce_range=False, op_types_to_quantize=["MatMul", "Gather", "LSTM"])
        ort.InferenceSession(str(q), so, providers=["CPUExecutionProvider"]).run(["logits"], feeds)
        qmode = "MatMul+Gather+LSTM"
    except Exception as e:  # LSTM quantization unsupported → keep LSTM fp32
        print(f"[quant] LSTM quantization failed ({e!r}); MatMul+Gather only", flush=True)
        quantize_dynamic(str(fp32), str(q), weight_type=QuantType.QInt8, per_channel=True,
                         reduce_range=False, op_types_to_quantize=["MatMul", "Gather"])
        qmode = "MatMul+Gather"
    shutil.copy2(q, out / "model.onnx")
    sess = ort.InferenceSession(str(q), so, providers=["CPUExecutionProvider"])
    def ofn(i, m):
        return torch.tensor(sess.run(["logits"], dict(input_ids=i.numpy(), attention_mask=m.numpy(),
                                                         token_type_ids=np.zeros_like(i.numpy())))[0])
    qe, qg = metrics(yev, six(predict(ofn, ev, 64))), metrics(ygv, six(predict(ofn, gv, 64)))
    info = dict(chosen=best, quant=qmode, onnx_fp32_diff=diff, int8_emotion=qe, int8_goemotions6=qg,
                size_bytes=(out / "model.onnx").stat().st_size)
    (work / "export.json").write_text(json.dumps(info, indent=1))
    print(f"[int8 {qmode}] emotion {qe[0]:.4f}/{qe[1]:.4f} go6 {qg[0]:.4f}/{qg[1]:.4f} "
          f"size {info['size_bytes']/1e6:.1f} MB", flush=True)


if __name__ == "__main__":
    main()
