#!/usr/bin/env python
"""Write the Parquet library benchmark input with pyarrow: N rows (default 1,000,000) of
id int64, text string (exactly 100 characters), score float64; row groups of 65,536 rows,
snappy (pyarrow's default codec). Deterministic (seeded). Output: bench/out/pq-<N>.parquet.

Usage: python3 bench/parquet_make_input.py [N]
"""
import random
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

WORDS = ("i feel so happy today but also a little scared of what tomorrow brings and i love "
         "my friends who are always there when anger or surprise comes along the way").split()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    out = Path(__file__).resolve().parent / "out" / f"pq-{n}.parquet"
    out.parent.mkdir(exist_ok=True)
    rng = random.Random(0)
    schema = pa.schema([("id", pa.int64()), ("text", pa.string()), ("score", pa.float64())])
    with pq.ParquetWriter(out, schema) as w:
        chunk = 65_536
        for start in range(0, n, chunk):
            m = min(chunk, n - start)
            texts = []
            for _ in range(m):
                s = " ".join(rng.choice(WORDS) for _ in range(25))
                texts.append((s + " " + s)[:100])
            w.write_table(pa.table({
                "id": pa.array(range(start, start + m), pa.int64()),
                "text": pa.array(texts, pa.string()),
                "score": pa.array([rng.random() for _ in range(m)], pa.float64()),
            }, schema=schema), row_group_size=chunk)
    print(out)


if __name__ == "__main__":
    main()
