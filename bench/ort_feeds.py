"""Shared by bench/profile_ops.py and bench/compare_graphs.py: emotion texts as the CLI batches them."""
import os
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # ONNX Runtime's telemetry off before it loads (README: "Privacy")
from pathlib import Path

import numpy as np
import pandas as pd
from tokenizers import Tokenizer


def emotion_batches(tokenizer_json: Path, data_csv: str, rows: int, batch_size: int) -> list[dict]:
    """The first ROWS texts, tokenized (max 128), sorted by length as the CLI's windows do, and
    padded per batch of BATCH_SIZE: a list of feeds with input_ids, attention_mask, token_type_ids."""
    tok = Tokenizer.from_file(str(tokenizer_json))
    tok.enable_truncation(128)
    texts = pd.read_csv(data_csv)["text"].tolist()[:rows]
    enc = sorted((e.ids for e in tok.encode_batch(texts)), key=len)
    feeds = []
    for s in range(0, len(enc), batch_size):
        b = enc[s : s + batch_size]
        ids = np.zeros((len(b), max(map(len, b))), np.int64)
        mask = np.zeros_like(ids)
        for j, x in enumerate(b):
            ids[j, : len(x)] = x
            mask[j, : len(x)] = 1
        feeds.append({"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})
    return feeds
