#!/usr/bin/env python3
"""The Spark job (integrations/spark/label.py) in local[2] against the CLI alone, same rows, same run.

    python3 bench/spark.py [--rows 100000] [--rounds 2] [--partitions default,8,40] [--model DIR] [--json FILE]

Each round runs, back to back: the CLI alone on the CSV (its defaults: 2 workers x 1 thread on 2
cores), then the Spark job once per partition count (one CLI process per task, 1 worker x 1 thread
each, 2 tasks at a time), `default` meaning the job's defaults (no --partitions: the CSV is one
split, whose one task's CLI gets both cores), the others the input repartitioned into that many equal partitions (Spark's own split
of one 10 MB file would be 2 unequal ones, 7 + 3 MB, leaving a core idle for the tail). Reported per run:

  wall        the whole command, start to exit (for Spark: spark-submit with JVM start-up)
  job         for Spark: the labelling job alone (read, label, write), from the job's summary line
  rows/s      rows / wall (and rows / job)
  cpu         for the CLI alone: user+sys CPU seconds / wall (how many cores it got)
  load        1-minute load average before the run (others share this machine)

and, from them: Spark ÷ CLI rows/s (end to end and job only, per round), the per-partition cost
(job time at the high partition count minus at the low one, x 2 cores / extra partitions), and a
1-row CLI run (node start + model load + one row), median of 5.
Input: bench/out/input-distinct-N.csv (id,text; the distinct emotion train + validation texts cycled,
" <pass>" appended from the second pass on so that every row's text is distinct and the CLI's dedupe
cache finds nothing, as bench/inputs.mjs makes it). Outputs go to bench/out/spark-*. Needs pyspark (integrations/spark/requirements.txt), Java 17+.
"""
import argparse
import csv
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
OUT = os.path.join(HERE, "out")
BIN = os.path.join(REPO, "bin", "emotion-label.js")
JOB = os.path.join(REPO, "integrations", "spark", "label.py")


def input_file(n):
    path = os.path.join(OUT, f"input-distinct-{n}.csv")
    if os.path.exists(path):
        return path
    texts = []
    for split in ("train.csv", "validation.csv"):
        with open(os.path.join(REPO, "..", "shared", "data", "emotion", split), newline="", encoding="utf-8") as f:
            texts += [r["text"] for r in csv.DictReader(f)]
    texts = list(dict.fromkeys(texts))
    with open(path + ".tmp", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "text"])
        for i in range(n):
            p = i // len(texts)
            w.writerow([i + 1, texts[i % len(texts)] if p == 0 else f"{texts[i % len(texts)]} {p}"])
    os.rename(path + ".tmp", path)
    return path


def timed(argv, env=None):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()[0]
    t = time.monotonic()
    r = subprocess.run(argv, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    wall = time.monotonic() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return r, wall, cpu, load


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--partitions", default="default,8,40", help="comma-separated partition counts; default: no --partitions")
    p.add_argument("--model", help="model dir (default: the embedded model)")
    p.add_argument("--master", default="local[2]")
    p.add_argument("--json")
    a = p.parse_args()
    os.makedirs(OUT, exist_ok=True)
    src = input_file(a.rows)
    node = shutil.which("node") or "node"
    model = ["--model", a.model] if a.model else []
    parts = [x if x == "default" else int(x) for x in a.partitions.split(",")]
    spark_submit = shutil.which("spark-submit")
    if spark_submit is None:
        import pyspark

        spark_submit = os.path.join(os.path.dirname(pyspark.__file__), "bin", "spark-submit")
    env = dict(os.environ, SPARK_LOCAL_IP="127.0.0.1", PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable)
    results = {"rows": a.rows, "input": src, "master": a.master, "runs": [], "startup_1row": []}

    def show(run):
        extra = f", job {run['job_s']:.1f} s = {a.rows / run['job_s']:.1f} rows/s" if run.get("job_s") else ""
        # CPU only for the CLI alone: Spark's CLI processes are grandchildren of its JVM, whose
        # Python daemon is not waited for, so getrusage(RUSAGE_CHILDREN) does not see them.
        cpu = f"cpu {run['cpu_s'] / run['wall_s']:.2f}, " if run["what"] == "CLI alone" else ""
        print(f"round {run['round']} {run['what']:<22} wall {run['wall_s']:.1f} s = {a.rows / run['wall_s']:.1f} rows/s{extra}, "
              f"{cpu}load before {run['load1']:.2f}", flush=True)

    # One-row runs: node start + model load + one row.
    one = os.path.join(OUT, "input-1.csv")
    with open(one, "w") as f:
        f.write("id,text\n1,i feel fine\n")
    for _ in range(5):
        r, wall, _, _ = timed([node, BIN, one, "--no-progress", *model, "-o", os.path.join(OUT, "spark-1row.csv")])
        assert r.returncode == 0, r.stderr
        results["startup_1row"].append(wall)
    print(f"CLI on 1 row, start to exit: median {statistics.median(results['startup_1row']):.2f} s "
          f"({', '.join(f'{x:.2f}' for x in results['startup_1row'])})", flush=True)

    for rnd in range(1, a.rounds + 1):
        out = os.path.join(OUT, "spark-cli.csv")
        r, wall, cpu, load = timed([node, BIN, src, "-o", out, "--no-progress", *model])
        assert r.returncode == 0, r.stderr
        run = dict(round=rnd, what="CLI alone", wall_s=wall, cpu_s=cpu, load1=load)
        results["runs"].append(run)
        show(run)
        for n in parts:
            out = os.path.join(OUT, f"spark-job-{n}")
            shutil.rmtree(out, ignore_errors=True)
            argv = [spark_submit, "--master", a.master, "--conf", "spark.ui.enabled=false", "--conf", "spark.log.level=WARN",
                    JOB, src, out, *([] if n == "default" else ["--partitions", str(n)]), "--command", f"{node} {BIN}", *model]
            r, wall, cpu, load = timed(argv, env)
            text = r.stdout + r.stderr
            m = re.search(r"read (\d+), labelled (\d+), rejected 0; (\d+) partitions in ([\d.]+) s", text)
            assert r.returncode == 0 and m and int(m.group(2)) == a.rows, text[-3000:]
            run = dict(round=rnd, what=f"Spark, {'defaults, ' if n == 'default' else ''}{m.group(3)} partitions", partitions=n, wall_s=wall,
                       job_s=float(m.group(4)), cpu_s=cpu, load1=load)
            results["runs"].append(run)
            show(run)

    print("\nper round: Spark rows/s ÷ CLI rows/s (end to end | job only)")
    for rnd in range(1, a.rounds + 1):
        runs = [x for x in results["runs"] if x["round"] == rnd]
        cli = runs[0]["wall_s"]
        for x in runs[1:]:
            print(f"  round {rnd}, {x['partitions']} partitions: {cli / x['wall_s']:.3f} | {cli / x['job_s']:.3f}")
    counts = [p for p in parts if isinstance(p, int)]  # "default" has no count of its own
    lo, hi = (min(counts), max(counts)) if counts else (0, 0)
    m = re.match(r"local\[(\d+)", a.master)
    cores = int(m.group(1)) if m else os.cpu_count()
    if lo != hi:
        print(f"\nper-partition cost: (job at {hi} partitions - job at {lo}) x {cores} cores / {hi - lo} extra partitions")
        for rnd in range(1, a.rounds + 1):
            runs = {x.get("partitions"): x for x in results["runs"] if x["round"] == rnd}
            if lo in runs and hi in runs:
                print(f"  round {rnd}: {(runs[hi]['job_s'] - runs[lo]['job_s']) * cores / (hi - lo):.2f} s")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
