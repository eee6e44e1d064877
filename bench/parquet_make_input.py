#!/usr/bin/env python
"""Write the Parquet library benchmark input with pyarrow: N rows (default 1,000,000) of
id int64, text string (exactly 100 characters), score float64; row groups of 65,536 rows,
snappy (pyarrow's default codec). Deterministic (seeded). Output: bench/out/pq-<N>.parquet.
With GROUP, the same rows in row groups of GROUP rows: bench/out/pq-<N>-rg<GROUP>.parquet
(1048576: pyarrow's default maximum, one row group for a million rows).

Usage: python3 bench/parquet_make_input.py [N [GROUP]]
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
    group = int(sys.argv[2]) if len(sys.argv) > 2 else None
    out = Path(__file__).resolve().parent / "out" / (f"pq-{n}-rg{group}.parquet" if group else f"pq-{n}.parquet")
    out.parent.mkdir(exist_ok=True)
    rng = random.Random(0)
    schema = pa.schema([("id", pa.int64()), ("text", pa.string()), ("score", pa.float64())])
    chunk = 65_536

    def tables():
        for start in range(0, n, chunk):
            m = min(chunk, n - start)
            texts = []
            for _ in range(m):
                s = " ".join(rng.choice(WORDS) for _ in range(25))
                texts.append((s + " " + s)[:100])
            yield pa.table({
                "id": pa.array(range(start, start + m), pa.int64()),
                "text": pa.array(texts, pa.string()),
                "score": pa.array([rng.random() for _ in range(m)], pa.float64()),
            }, schema=schema)

    with pq.ParquetWriter(out, schema) as w:
        if group:
            # one write: pyarrow cuts row groups within a write_table call, never across calls,
            # so the rows are held together here (about 130 MB for a million)
            w.write_table(pa.concat_tables(list(tables())), row_group_size=group)
        else:
            for t in tables():  # streamed: one 65,536-row chunk at a time
                w.write_table(t, row_group_size=chunk)
    print(out)


if __name__ == "__main__":
    main()
