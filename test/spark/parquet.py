"""Test helper for test/spark.e2e.test.ts (pyarrow, no JVM).

  python parquet.py make SAMPLE.jsonl OUT.parquet TEXTS.jsonl
      a typed Parquet file from the sample rows (int32, int64, float32, float64, decimal, bool,
      date, timestamp, list, struct; some nulls; a null and an empty text), and the same rows as
      JSON lines {"id", "text"} for the single-process CLI (null text written as "").
  python parquet.py dump DIR
      one JSON object: the schema as [name, type] pairs and the rows (dates and timestamps as ISO
      strings, decimals as strings).
"""
import datetime
import decimal
import json
import sys

import pyarrow as pa
import pyarrow.parquet as pq


def make(sample, out, texts):
    rows = [json.loads(line) for line in open(sample, encoding="utf-8") if line.strip()]
    rows.append({"id": 2000, "text": None, "note": "null text"})
    n = len(rows)
    base = datetime.datetime(2024, 2, 29, 12, 30, tzinfo=datetime.timezone.utc)
    table = pa.table({
        "id": pa.array([r["id"] for r in rows], pa.int64()),
        "text": pa.array([r["text"] for r in rows], pa.string()),
        "note": pa.array([r["note"] for r in rows], pa.string()),
        "rank": pa.array([i if i % 7 else None for i in range(n)], pa.int32()),
        "weight": pa.array([i / 8 for i in range(n)], pa.float32()),
        "ratio": pa.array([i / 3 for i in range(n)], pa.float64()),
        "price": pa.array([decimal.Decimal(i * 101) / 100 for i in range(n)], pa.decimal128(10, 2)),
        "flag": pa.array([i % 2 == 0 for i in range(n)], pa.bool_()),
        "day": pa.array([datetime.date(2024, 1, 1) + datetime.timedelta(days=i) for i in range(n)], pa.date32()),
        "at": pa.array([base + datetime.timedelta(seconds=i * 3601) for i in range(n)], pa.timestamp("us", tz="UTC")),
        "tags": pa.array([["t%d" % j for j in range(i % 3)] for i in range(n)], pa.list_(pa.string())),
        "meta": pa.array([{"k": "v%d" % i, "n": i} for i in range(n)], pa.struct([("k", pa.string()), ("n", pa.int64())])),
    })
    pq.write_table(table, out)
    with open(texts, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps({"id": r["id"], "text": r["text"] or ""}) + "\n")


def plain(v):
    if isinstance(v, (datetime.datetime, datetime.date)):
        return v.isoformat()
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, list):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    return v


def dump(path):
    table = pq.read_table(path)
    schema = [[f.name, str(f.type)] for f in table.schema]
    rows = [{k: plain(v) for k, v in r.items()} for r in table.to_pylist()]
    json.dump({"schema": schema, "rows": rows}, sys.stdout)


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(*sys.argv[2:5])
    elif sys.argv[1] == "dump":
        dump(sys.argv[2])
    else:
        sys.exit(f"unknown command {sys.argv[1]}")
