"""Model v3 (issue #24): the pool every v3 student trains on, and the teacher's targets for it.

    python training/pool.py build   --work /work/scratch/pool3          # WORK/pool.pkl (texts, no targets)
    python training/teacher.py logits --ckpt T/ep2 --pool /work/scratch/pool3/pool.pkl --emoji-names --bf16 \
        --out /work/scratch/pool3/teacher_logits.npy
    python training/pool.py save    --work /work/scratch/pool3 --logits /work/scratch/pool3/teacher_logits.npy
    python training/pool.py load    --work /work/scratch/pool3          # rebuild + committed targets -> pool.pkl

The pool, deterministic for a seed (no model runs while building it):
* `orig`: emotion, GoEmotions-6 and GoEmotions-neutral train with the stratified held-out slice of
  training/teacher.py (`split_rows(..., neutral=True)`: the teacher never trained on it; it fits the
  calibration of both views). Label ids: 0-5 the six emotions, 6 `neutral`.
* augmented copies of the training texts (training/fast_model.py `augment`: real-text style for the
  emotion tweets, emotion-set style, word dropout, crops and swaps for the Reddit comments, neutral ones
  included), `--aug` of them drawn at random;
* emoji posts (kind `emoji-*`, label -1: no gold label, the teacher's targets only): an emoji alone,
  repeated, two or three different ones, and a training text with emoji before, after or inside it. Emoji
  are drawn from the `emoji` package's fully-qualified emoji (skin tones, ZWJ sequences, flags and keycaps
  included), half of them from the expressive ones (faces, hearts, hands, gestures), half uniformly; an emoji
  with skin-tone variants is drawn once with them all, and then in a variant 30% of the time.
The teacher reads every text with its emoji as names (`teacher.py --emoji-names`), so its targets say what
the emoji mean; the students see the texts as the CLI's emoji step gives them.

`save` writes the teacher's targets as float16 with a SHA-256 of the pool's texts into
training/targets/ (small, committed), so that the next machine can rebuild the pool with `build`, check
it is the same, and train the students without the teacher (`load`).
"""
from __future__ import annotations

import argparse
import hashlib
import random
import re
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
TARGETS = REPO / "training" / "targets"
EXPRESSIVE = re.compile(r"face|heart|cry|tear|smil|grin|kiss|hug|thumbs|clap|hands|skull|fire|sparkl|party|"
                        r"angry|rage|scream|fear|pray|sad|sweat|love|poo|broken|eyes|hundred|cat_|fist|wave|ok_hand|"
                        r"victory|muscle|rose|bouquet|balloon|confetti|ghost|devil|clown|alien")


TONES = re.compile("[\U0001F3FB-\U0001F3FF]")


def emoji_lists():
    """Fully-qualified emoji grouped by their form without skin tones: [[base, toned variants...]], all and
    expressive. Drawing a group first keeps the ~1,900 skin-tone variants from crowding out the rest."""
    import emoji
    groups: dict[str, list[str]] = {}
    for e in sorted(e for e, d in emoji.EMOJI_DATA.items() if d["status"] == emoji.STATUS["fully_qualified"]):
        groups.setdefault(TONES.sub("", e), []).append(e)
    full = [sorted(g, key=lambda e: (e != b, e)) for b, g in sorted(groups.items())]
    expressive = [g for g in full if EXPRESSIVE.search(emoji.EMOJI_DATA.get(g[0], {"en": ""})["en"])]
    return full, expressive


def emoji_posts(texts: list[str], n_only: int, n_text: int, seed: int):
    """[(text, kind)]: emoji-only posts and training texts with emoji beside them."""
    rng = random.Random(seed)
    full, expressive = emoji_lists()

    def one() -> str:
        g = rng.choice(expressive if rng.random() < 0.5 else full)
        return g[0] if len(g) == 1 or rng.random() < 0.7 else rng.choice(g[1:])

    out = []
    for _ in range(n_only):
        r = rng.random()
        if r < 0.35:
            out.append((one(), "emoji-alone"))
        elif r < 0.75:
            e = one()
            out.append((e * rng.randint(2, 5), "emoji-repeat"))
        else:
            out.append(("".join(one() for _ in range(rng.randint(2, 3))), "emoji-mix"))
    for _ in range(n_text):
        t = rng.choice(texts)
        e = one() * rng.choice([1, 1, 1, 2, 3])
        r = rng.random()
        if r < 0.5:
            out.append((t + rng.choice(["", " "]) + e, "emoji-after"))
        elif r < 0.75:
            out.append((e + " " + t, "emoji-before"))
        else:
            w = t.split()
            i = rng.randint(0, len(w))
            out.append((" ".join(w[:i] + [e] + w[i:]), "emoji-inside"))
    return out


def build(a) -> pd.DataFrame:
    from fast_model import augment
    from teacher import split_rows
    df = split_rows(a.holdout, a.seed, neutral=True)
    df["split"] = np.where(df.heldout, "heldout", "train")
    df["kind"] = "orig"
    df = df.drop(columns="heldout")
    tr = df[df.split == "train"].reset_index(drop=True)
    src = ["emotion" if s == "emotion" else "goemotions6" for s in tr.source]  # Reddit style for neutral too
    aug = augment(tr.text.tolist(), src, random.Random(a.seed), a.aug_emotion, a.aug_go)
    adf = pd.DataFrame([dict(text=t, label=int(tr.label[i]), source=tr.source[i], split="train", kind=k)
                        for i, t, k in aug])
    adf = adf.sample(min(a.aug, len(adf)), random_state=a.seed).sort_index()
    emo = emoji_posts(tr.text.tolist(), a.emoji_only, a.emoji_text, a.seed)
    edf = pd.DataFrame([dict(text=t, label=-1, source="emoji", split="train", kind=k) for t, k in emo])
    pool = pd.concat([df, adf, edf], ignore_index=True)
    print(pool.groupby(["source", "split", "kind"]).size().to_string(), flush=True)
    return pool


def texts_sha(pool: pd.DataFrame) -> str:
    h = hashlib.sha256()
    for t in pool.text:
        h.update(t.encode("utf-8") + b"\0")
    return h.hexdigest()


def cmd_build(a):
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    pool = build(a)
    pool.to_pickle(work / "pool.pkl")
    print(f"{len(pool)} texts, sha256 {texts_sha(pool)} -> {work / 'pool.pkl'}")


def cmd_save(a):
    pool = pd.read_pickle(Path(a.work) / "pool.pkl")
    lg = np.load(a.logits)
    assert lg.shape == (len(pool), 7), (lg.shape, len(pool))
    TARGETS.mkdir(parents=True, exist_ok=True)
    out = TARGETS / f"{a.name}.npz"
    np.savez_compressed(out, logits=lg.astype(np.float16), texts_sha256=np.array(texts_sha(pool)))
    print(f"{out}: {out.stat().st_size} bytes")


def cmd_load(a):
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    pool = build(a)
    z = np.load(TARGETS / f"{a.name}.npz")
    if str(z["texts_sha256"]) != texts_sha(pool):
        raise SystemExit("the rebuilt pool differs from the one the targets were made for (other seed, data or code)")
    lg = z["logits"].astype(np.float32)
    for c in range(lg.shape[1]):
        pool[f"t{c}"] = lg[:, c]
    pool.to_pickle(work / "pool.pkl")
    print(f"{len(pool)} texts with the teacher's targets -> {work / 'pool.pkl'}")


def rows_of(pool: pd.DataFrame, which: str) -> pd.Series:
    return pool.source == "emoji" if which == "emoji" else pd.Series(True, index=pool.index)


def cmd_csv(a):
    pool = pd.read_pickle(Path(a.work) / "pool.pkl")
    m = rows_of(pool, a.rows)
    pool[m][["text"]].to_csv(a.out, index=True, index_label="idx")
    print(f"{m.sum()} texts -> {a.out}")


def cmd_mix(a):
    """A second reader of the six-emotion view (issue #24): the shipped v2 model (`emotion-label --scores`
    on `pool.py csv`'s file; it reads emoji through the CLI's emoji step). For the chosen rows, the
    six-emotion part of the target becomes `w * teacher + (1 - w) * v2` (probabilities), scaled by the
    teacher's mass on the six emotions, so the teacher alone says how much of a text is `neutral`. Written
    as log-probabilities (the students' softmax of them gives back the mixed distribution).

    Why: v2 did the same with v1 (`distil.py targets --old-weight 0.5`). The epoch-1 v3 teacher is weaker
    than v2 on the six emotions; on the pool's held-out slice (never trained on by either), w 0.5 gives
    emotion 0.9414 / macro-F1 0.9038 and GoEmotions-6 0.9145 / 0.9106, against the teacher's 0.9273 /
    0.8856 and 0.8884 / 0.8823 (v2 alone 0.9406 / 0.9013, 0.8931 / 0.8890), and seven-way GoEmotions-6 +
    neutral 0.8361 / 0.7444 against 0.8264 / 0.7267. On the emoji posts it mends names the teacher reads
    against their use (😂 "face with tears of joy" -> sadness, 🥳 -> anger, 😔 "pensive face" -> surprise).

    Scores with `score_neutral` (`emotion-label --neutral --scores`, a model with a neutral view) are mixed
    over all seven outputs instead: the fast model's targets are the v3 default model's seven-way
    probabilities (`--weight 0`), as the v2 fast model's were v2's."""
    work = Path(a.work)
    pool = pd.read_pickle(work / "pool.pkl")
    sc = pd.read_csv(a.scores, keep_default_na=False).set_index("idx")
    from fast_model import LABELS  # the embedded models' id order, as the pool's t0..t5
    v2 = sc[[f"score_{l}" for l in LABELS]].to_numpy(np.float64)
    idx = sc.index.to_numpy()
    m = rows_of(pool, a.rows)
    assert m.loc[idx].all() and len(idx) == m.sum(), "the scores are not for the chosen rows"
    cols = [f"t{c}" for c in range(7)]
    t = pool.loc[idx, cols].to_numpy(np.float64)
    p7 = np.exp(t - t.max(1, keepdims=True))
    p7 /= p7.sum(1, keepdims=True)
    mass = p7[:, :6].sum(1, keepdims=True)
    if "score_neutral" in sc.columns:  # a seven-way reader (`--neutral --scores`): all seven outputs mixed
        s7 = np.concatenate([v2, sc[["score_neutral"]].to_numpy(np.float64)], axis=1)
        mixed = a.weight * p7 + (1 - a.weight) * s7 / s7.sum(1, keepdims=True)
    else:
        q6 = a.weight * p7[:, :6] / mass + (1 - a.weight) * v2 / v2.sum(1, keepdims=True)
        mixed = np.concatenate([mass * q6, p7[:, 6:]], axis=1)
    before = t[:, :6].argmax(1)
    pool.loc[idx, cols] = np.log(np.clip(mixed, 1e-8, None)).astype(np.float32)
    after = mixed[:, :6].argmax(1)
    print(f"{len(idx)} texts: six-emotion top label changed for {(before != after).sum()}")
    pool.to_pickle(work / "pool.pkl")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("build", "save", "load"):
        p = sub.add_parser(name)
        p.add_argument("--work", required=True)
        p.add_argument("--name", default="teacher7-pool3", help="file name of the targets in training/targets/")
        p.add_argument("--seed", type=int, default=42)
        p.add_argument("--holdout", type=float, default=0.08)
        p.add_argument("--aug-emotion", type=int, default=2)
        p.add_argument("--aug-go", type=int, default=7)
        p.add_argument("--aug", type=int, default=16000, help="augmented texts drawn into the pool")
        p.add_argument("--emoji-only", type=int, default=6000)
        p.add_argument("--emoji-text", type=int, default=6000)
        if name == "save":
            p.add_argument("--logits", required=True)
    p = sub.add_parser("csv", help="the pool's texts as CSV (idx,text) for `emotion-label --scores`")
    p.add_argument("--work", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--rows", choices=["all", "emoji"], default="all")
    p = sub.add_parser("mix", help="mix a second reader's six-emotion scores into the targets")
    p.add_argument("--work", required=True)
    p.add_argument("--scores", required=True, help="emotion-label --scores output of `csv`'s file")
    p.add_argument("--rows", choices=["all", "emoji"], default="all")
    p.add_argument("--weight", type=float, default=0.5, help="the pool targets' share (of the six-emotion view, or of all seven with score_neutral)")
    a = ap.parse_args()
    {"build": cmd_build, "save": cmd_save, "load": cmd_load, "csv": cmd_csv, "mix": cmd_mix}[a.cmd](a)


if __name__ == "__main__":
    main()
