#!/usr/bin/env python3
"""Label a data lake with emotion-label on Apache Spark, every row exactly once.

    spark-submit integrations/spark/label.py INPUT OUTPUT [--format csv|tsv|jsonl|parquet]
        [--output-format ...] [--text-column text] [--model DIR] [--scores] [--neutral] [--min-confidence P]
        [--on-error fail|skip] [--rejects DIR] [--command "emotion-label"]
        [--workers N] [--threads N] [--partitions N] [--overwrite]

Spark reads INPUT with its own readers (any Hadoop URI), each task pipes the text column of its
partition through one `emotion-label --format jsonl --no-progress` process as JSON lines
({"i": position, "text": ...}), and zips the answers back onto the original rows by position:
safe because the CLI writes every row exactly once and in input order, and checked (the position
comes back with each answer, and the counts must match, or the task fails). The original columns
keep their types; `label`, `confidence` (and `score_<label>` with --scores) are appended, and Spark's
writers and output committer write OUTPUT, so a failed or retried task never leaves rows behind.

Exit codes mirror the CLI's: 0 all rows labelled, 1 bad rows (a record Spark's reader could not
parse: the job stops before labelling under --on-error fail; under skip the rest is labelled and
the bad records go to --rejects), 2 usage or set-up error (nothing written), 3 runtime failure (a
task still failed after spark.task.maxFailures attempts).
"""
import argparse
import collections
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time

EXIT_OK, EXIT_BAD_INPUT, EXIT_USAGE, EXIT_RUNTIME = 0, 1, 2, 3
CORRUPT = "_emotion_label_corrupt_record"
TASK_ERROR = "EMOTION_LABEL_TASK_ERROR"
FORMATS = ("csv", "tsv", "jsonl", "parquet")
# The CLI's extensions (src/io/formats/; test/formats.test.ts checks that the two lists agree).
EXTENSIONS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
              ".parquet": "parquet", ".pq": "parquet"}


class UsageError(Exception):
    pass


def parse_args(argv):
    p = argparse.ArgumentParser(prog="label.py", description="Label rows with emotion-label on Apache Spark.")
    p.add_argument("input", help="input file or directory (local path or Hadoop URI: hdfs://, s3a://, abfss://, ...)")
    p.add_argument("output", help="output directory (written by Spark's committer)")
    p.add_argument("--format", choices=FORMATS, help="input format (default: from INPUT's extension)")
    p.add_argument("--output-format", choices=FORMATS, help="output format (default: the input's)")
    p.add_argument("--text-column", default="text")
    p.add_argument("--model", help="model directory, as a path on the executors (default: the embedded model)")
    p.add_argument("--scores", action="store_true", help="add score_<label> columns")
    p.add_argument("--neutral", action="store_true",
                   help="as the CLI's --neutral: the model's neutral label is one of the labels (a model that declares a neutral view)")
    p.add_argument("--min-confidence", metavar="P",
                   help="as the CLI's: leave the label empty (null; the confidence kept) where the confidence is below P")
    p.add_argument("--label-name", default="label")
    p.add_argument("--confidence-name", default="confidence")
    p.add_argument("--on-error", choices=("fail", "skip"), default="fail")
    p.add_argument("--rejects", metavar="DIR", help="with --on-error skip: write the bad records here (JSON lines)")
    p.add_argument("--command", default="emotion-label",
                   help='the CLI on the executors, split like a shell would (default: "emotion-label" on PATH)')
    p.add_argument("--workers", type=int, help="CLI worker threads per task (default: spark.task.cpus)")
    p.add_argument("--threads", type=int, help="onnxruntime threads per CLI worker (default: spark.task.cpus / workers)")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--partitions", type=int, help="repartition the input into N partitions (one CLI process each; default: "
                   "the input's splits, and when there are fewer splits than task slots, each task's CLI gets the "
                   "slots' cores)")
    p.add_argument("--schema", help="input schema as a DDL string (csv/tsv/jsonl; default: csv all strings, jsonl inferred)")
    p.add_argument("--multiline", action="store_true", help="CSV fields or JSON records that span lines (files are then not split)")
    p.add_argument("--overwrite", action="store_true", help="replace OUTPUT (and the rejects DIR) if they exist")
    a = p.parse_args(argv)
    if a.format is None:
        ext = os.path.splitext(a.input.rstrip("/"))[1].lower()
        if ext not in EXTENSIONS:
            p.error(f"cannot tell the format of {a.input!r} from its extension; give --format")
        a.format = EXTENSIONS[ext]
    a.output_format = a.output_format or a.format
    for name in ("workers", "threads", "batch_size", "partitions"):
        v = getattr(a, name)
        if v is not None and v < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if a.rejects and a.on_error != "skip":
        p.error("--rejects needs --on-error skip")
    return a


# ---------------------------------------------------------------------------------------------
# Executor side: one CLI process per partition


def _die_with_parent():
    """In the CLI child: get SIGKILL if the Python worker that started it dies (Linux only)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def cli_argv(cfg, cpus):
    workers = cfg["workers"] or max(1, cpus)
    threads = cfg["threads"] or max(1, cpus // workers)
    argv = shlex.split(cfg["command"]) + [
        "--format", "jsonl", "--output-format", "jsonl", "--no-progress", "--text-column", "text",
        "--on-error", "fail", "--workers", str(workers), "--threads", str(threads)]
    if cfg["model"]:
        argv += ["--model", cfg["model"]]
    if cfg["scores"]:
        argv += ["--scores"]
    if cfg.get("neutral"):
        argv += ["--neutral"]
    if cfg.get("min_confidence") is not None:
        argv += ["--min-confidence", str(cfg["min_confidence"])]
    if cfg["batch_size"]:
        argv += ["--batch-size", str(cfg["batch_size"])]
    return argv


def _task_cpus():
    from pyspark import TaskContext

    ctx = TaskContext.get()
    try:
        return int(ctx.cpus()) if ctx is not None else 1
    except Exception:
        return 1


def _task_name():
    from pyspark import TaskContext

    ctx = TaskContext.get()
    if ctx is None:
        return "partition ?"
    return f"stage {ctx.stageId()} partition {ctx.partitionId()} attempt {ctx.attemptNumber()}"


def _fail(msg):
    raise RuntimeError(f"{TASK_ERROR}[{msg}]{TASK_ERROR}")


def _cli_env():
    """The CLI's environment: ONNX Runtime's telemetry off (the CLI sets it too; this covers a --command wrapper that runs
    onnxruntime itself). A value set on the executor is kept."""
    return dict(os.environ, ORT_DISABLE_TELEMETRY=os.environ.get("ORT_DISABLE_TELEMETRY", "1"))


def make_labeller(cfg, text_idx, score_keys, stats_acc):
    """Returns the mapPartitions function: rows in, rows + label/confidence/scores out, same order."""

    def label_partition(rows):
        task = _task_name()
        cpus = _task_cpus()
        if cfg.get("cores_per_task"):
            # fewer partitions than task slots: the idle slots' cores go to this task's CLI (no more than this machine has)
            cpus = max(cpus, min(cfg["cores_per_task"], len(os.sched_getaffinity(0))))
        argv = cli_argv(cfg, cpus)
        print(f"emotion-label spark: {task}: started {shlex.join(argv)}", file=sys.stderr, flush=True)
        started = time.monotonic()
        err = tempfile.TemporaryFile()
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                                    env=_cli_env(), preexec_fn=_die_with_parent)
        except OSError as e:
            _fail(f"{task}: cannot start {argv[0]!r} ({e}); is emotion-label installed on this executor? (see --command)")
        pending = collections.deque()  # rows sent to the CLI and not yet answered, in order
        fed = {"n": 0, "error": None, "done": False}

        def feed():
            try:
                for n, row in enumerate(rows):
                    text = row[text_idx]
                    pending.append(row)
                    proc.stdin.write(json.dumps({"i": n, "text": "" if text is None else text}).encode("ascii") + b"\n")
                    fed["n"] = n + 1
                fed["done"] = True
            except BrokenPipeError:
                pass  # the CLI ended early; its exit code and stderr say why
            except BaseException as e:  # an upstream failure (reading the input): re-raised by the task
                fed["error"] = e
            finally:
                try:
                    proc.stdin.close()
                except OSError:
                    pass

        feeder = threading.Thread(target=feed, name="emotion-label-feed", daemon=True)
        feeder.start()
        out_n = 0
        first_row_s = None
        empty = 0
        try:
            for line in proc.stdout:
                obj = json.loads(line)
                if not pending:
                    _fail(f"{task}: emotion-label wrote more rows than it was sent")
                row = pending.popleft()
                if obj.get("i") != out_n:
                    _fail(f"{task}: emotion-label answered row {obj.get('i')} where row {out_n} was expected")
                if first_row_s is None:
                    first_row_s = time.monotonic() - started
                label, conf = obj.get("label"), obj.get("confidence")
                if conf is None:  # an empty text (a label left empty by --min-confidence keeps its confidence)
                    empty += 1
                out_n += 1
                yield tuple(row) + (label, None if conf is None else float(conf)) + tuple(
                    None if obj.get(k) is None else float(obj[k]) for k in score_keys)
            code = proc.wait()
            feeder.join()
            if fed["error"] is not None:
                raise fed["error"]
            if code != 0:
                err.seek(0)
                stderr = err.read().decode("utf-8", "replace").strip()
                tail = "\n".join(stderr.splitlines()[-20:])
                _fail(f"{task}: emotion-label exited with code {code} after {out_n} of {fed['n']} rows "
                      f"(command: {shlex.join(argv)}); its stderr:\n{tail}")
            if not fed["done"] or pending or out_n != fed["n"]:
                _fail(f"{task}: emotion-label wrote {out_n} rows for {fed['n']} sent; the partition is not complete")
            elapsed = time.monotonic() - started
            stats_acc.add([(out_n, empty, first_row_s, elapsed)])
            print(f"emotion-label spark: {task}: done, {out_n} rows in {elapsed:.2f} s", file=sys.stderr, flush=True)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            err.close()

    return label_partition


def make_probe(cfg):
    """A one-row run of the CLI on an executor: checks the command and the model, learns the score keys."""

    def probe(_):
        argv = cli_argv(dict(cfg, workers=1, threads=1), 1)
        started = time.monotonic()
        try:
            r = subprocess.run(argv, input=b'{"i":0,"text":"i feel fine"}\n', capture_output=True, timeout=600,
                               env=_cli_env(), preexec_fn=_die_with_parent)
        except (OSError, subprocess.TimeoutExpired) as e:
            yield {"ok": False, "error": f"cannot run {shlex.join(argv)}: {e}"}
            return
        elapsed = time.monotonic() - started
        if r.returncode != 0:
            yield {"ok": False, "error": f"{shlex.join(argv)} exited with code {r.returncode}: "
                                         + r.stderr.decode("utf-8", "replace").strip()}
            return
        try:
            keys = list(json.loads(r.stdout.decode("utf-8").splitlines()[0]).keys())
        except (ValueError, IndexError):
            yield {"ok": False, "error": f"{shlex.join(argv)} did not answer with a JSON line: {r.stdout[:200]!r}"}
            return
        yield {"ok": True, "keys": keys, "seconds": elapsed}

    return probe


# ---------------------------------------------------------------------------------------------
# Driver side


def read_input(spark, a):
    from pyspark.sql.types import StringType, StructField, StructType

    r = spark.read
    if a.format == "parquet":
        return r.parquet(a.input), False
    if a.format in ("csv", "tsv"):
        sep = "\t" if a.format == "tsv" else ","
        opts = dict(header=True, sep=sep, quote='"', escape='"', multiLine=a.multiline, mode="PERMISSIVE",
                    columnNameOfCorruptRecord=CORRUPT, enforceSchema=False)
        if a.schema:
            schema = StructType.fromDDL(a.schema) if hasattr(StructType, "fromDDL") else spark.createDataFrame([], a.schema).schema
        else:  # all columns as strings: the header only, read from the first file
            header = r.options(header=True, sep=sep, quote='"', escape='"').csv(a.input).schema
            schema = StructType([StructField(f.name, StringType()) for f in header.fields])
        schema = StructType(schema.fields + [StructField(CORRUPT, StringType())])
        return r.options(**opts).schema(schema).csv(a.input), True
    # jsonl
    opts = dict(multiLine=a.multiline, mode="PERMISSIVE", columnNameOfCorruptRecord=CORRUPT)
    if a.schema:
        schema = spark.createDataFrame([], a.schema).schema
        schema = StructType(schema.fields + [StructField(CORRUPT, StringType())])
        return r.options(**opts).schema(schema).json(a.input), True
    df = r.options(**opts).json(a.input)
    return df, CORRUPT in df.columns


def writer_for(df, fmt, path, overwrite):
    w = df.write.mode("overwrite" if overwrite else "errorifexists")
    if fmt in ("csv", "tsv"):
        # Values written back as read: RFC 4180 quoting, no trimming (Spark trims on write by default).
        return lambda: w.options(header=True, sep="\t" if fmt == "tsv" else ",", quote='"', escape='"',
                                 ignoreLeadingWhiteSpace=False, ignoreTrailingWhiteSpace=False).csv(path)
    if fmt == "jsonl":
        return lambda: w.option("ignoreNullFields", False).json(path)
    return lambda: w.parquet(path)


def task_error_message(e):
    s = str(e)
    i = s.find(TASK_ERROR + "[")
    if i < 0:
        return None
    j = s.find("]" + TASK_ERROR, i)
    return s[i + len(TASK_ERROR) + 1: j if j > 0 else None]


def locate_line(spark, path, raw):
    """The 1-based line of the first line of `raw` in `path`, or None (only used to name a bad record)."""
    first = raw.split("\n", 1)[0].rstrip("\r")
    try:
        hit = (spark.sparkContext.textFile(path).zipWithIndex()
               .filter(lambda x: x[0].rstrip("\r") == first).map(lambda x: x[1]).take(1))
        return hit[0] + 1 if hit else None
    except Exception:
        return None


class Stop(Exception):
    """Ends the job with this exit code; what went wrong has been logged."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


def log(msg):
    print(f"emotion-label spark: {msg}", file=sys.stderr, flush=True)


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    spark = start_spark()
    cfg = dict(command=a.command, model=a.model, scores=a.scores, workers=a.workers, threads=a.threads,
               batch_size=a.batch_size, neutral=a.neutral, min_confidence=a.min_confidence)
    try:
        df, has_corrupt = open_input(spark, a)
        score_keys = probe_executors(spark.sparkContext, cfg, a, [c for c in df.columns if c != CORRUPT])
        df, n_rejected = set_aside_bad_records(spark, df, a) if has_corrupt else (df, 0)
        if a.partitions:
            df = df.repartition(a.partitions)
        elif not a.workers:
            df = spread_cores(spark.sparkContext, df, cfg)
        per_part, elapsed = label_and_write(spark, df, a, cfg, score_keys)
    except Stop as stop:
        return stop.code
    n = sum(p[0] for p in per_part)
    empty = sum(p[1] for p in per_part)
    log(f"read {n + n_rejected}, labelled {n}, rejected {n_rejected}"
        + (f" ({empty} empty text{'s' if empty != 1 else ''} left unlabelled)" if empty else "")
        + f"; {len(per_part)} partitions in {elapsed:.1f} s ({n / elapsed if elapsed else 0:.1f} rows/s)")
    if n_rejected:
        log(f"{n_rejected} bad record{'s' if n_rejected != 1 else ''} "
            + (f"written to {a.rejects}" if a.rejects else "skipped (give --rejects DIR to keep them)"))
        return EXIT_BAD_INPUT
    return EXIT_OK


def start_spark():
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.appName("emotion-label").getOrCreate()
    # A malformed CSV row must be seen whole, whatever columns a query needs.
    spark.conf.set("spark.sql.csv.parser.columnPruning.enabled", "false")
    if not spark.sparkContext.getConf().contains("spark.sql.parquet.outputTimestampType"):
        # Standard Parquet timestamps (Spark's default, INT96, is a legacy type other readers mistake).
        spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    return spark


def open_input(spark, a):
    """The input as a DataFrame (and whether it has a corrupt-record column); its text column must be a string column."""
    from pyspark.sql.types import StringType

    try:
        df, has_corrupt = read_input(spark, a)
    except Exception as e:
        log(f"cannot read {a.input}: {str(e).splitlines()[0]}")
        raise Stop(EXIT_USAGE)
    columns = [c for c in df.columns if c != CORRUPT]
    if a.text_column not in columns:
        log(f"no column {a.text_column!r} in {a.input} (columns: {', '.join(columns)}); see --text-column")
        raise Stop(EXIT_USAGE)
    text_type = df.schema[a.text_column].dataType
    if not isinstance(text_type, StringType):
        log(f"column {a.text_column!r} is {text_type.simpleString()}, not a string")
        raise Stop(EXIT_USAGE)
    return df, has_corrupt


def probe_executors(sc, cfg, a, columns):
    """The CLI on an executor, once, on one row: is it there, does the model load, which score columns."""
    probe = sc.parallelize([0], 1).mapPartitions(make_probe(cfg)).collect()[0]
    if not probe["ok"]:
        log(f"emotion-label does not run on the executors: {probe['error']}")
        raise Stop(EXIT_USAGE)
    score_keys = [k for k in probe["keys"] if k.startswith("score_")] if a.scores else []
    added = [a.label_name, a.confidence_name] + score_keys
    clash = [c for c in added if c in columns]
    if clash or len(set(added)) != len(added):
        log(f"the input already has a column named {', '.join(clash) or 'like an added one'}; "
            "choose other names with --label-name/--confidence-name")
        raise Stop(EXIT_USAGE)
    log(f"{a.command} runs on the executors (one row, start to exit, model load included: {probe['seconds']:.2f} s)")
    return score_keys


def set_aside_bad_records(spark, df, a):
    """The records Spark's reader could not parse: the job stops (--on-error fail) or they go to --rejects (skip)."""
    from pyspark.sql import functions as F

    n_rejected = 0
    bad = df.where(F.col(CORRUPT).isNotNull()).select(
        F.input_file_name().alias("file"), F.col(CORRUPT).alias("raw"), F.col(a.text_column).alias("_t"))
    reason = f"Spark's {a.format} reader could not parse this record" + (
        " (wrong number of fields, or an unclosed quote)" if a.format in ("csv", "tsv") else " (invalid JSON, or not an object)")
    if a.on_error == "fail":
        first = bad.limit(1).collect()
        if first:
            f, raw = first[0]["file"], first[0]["raw"]
            line = None if a.multiline else locate_line(spark, f, raw)
            log(f"{f}:{line if line else '?'}: MALFORMED_RECORD: {reason}: {raw[:300]!r}")
            log("nothing was written; use --on-error skip to label the other rows")
            raise Stop(EXIT_BAD_INPUT)
    else:
        # Spark refuses a query of a raw file that needs only the corrupt-record column, so the
        # bad records are cached with one data column first (its own advice), then written.
        bad = bad.cache()
        n_rejected = bad.count()
        if a.rejects:
            rejects = bad.select("file", F.lit("MALFORMED_RECORD").alias("code"), F.lit(reason).alias("reason"), "raw")
            rejects.write.mode("overwrite" if a.overwrite else "errorifexists").json(a.rejects)
        bad.unpersist()
    return df.where(F.col(CORRUPT).isNull()).drop(CORRUPT), n_rejected


EVEN_SPLITS = 4  # ranges per task slot when the input's few splits are cut evenly (spread_cores)
ROW_ID = "__emotion_label_row_id"


def spread_cores(sc, df, cfg):
    """A file of one split (say, a 100 MB CSV) is one task: with one CLI worker it would leave the
    other cores idle. Repartitioning would use them too but shuffle the rows out of input order;
    giving the few tasks' CLIs the idle slots' cores keeps the order. Returns the frame to label."""
    from pyspark.sql import functions as F
    n_parts = df.rdd.getNumPartitions()
    task_cpus = int(sc.getConf().get("spark.task.cpus", "1"))
    slots = max(1, sc.defaultParallelism // task_cpus)
    if n_parts < slots:
        cfg["cores_per_task"] = (slots // max(1, n_parts)) * task_cpus
        print(f"emotion-label spark: {n_parts} partition{'s' if n_parts != 1 else ''} for {slots} task slots: each task's CLI "
              f"gets {cfg['cores_per_task']} cores (--partitions N splits the input instead, --workers N sets them)",
              file=sys.stderr, flush=True)
    elif n_parts < EVEN_SPLITS * slots:
        # A few splits as many as the slots or a little more are rarely equal (Spark cuts a file into
        # pieces of at least 4 MB: a 5 MB CSV on local[2] is 4 + 1 MB), so the largest one runs alone
        # at the end while the other cores idle (0.48x the CLI alone, bench/README.md "Spark"). Cut the
        # rows into EVEN_SPLITS x slots ranges of about equal size instead, in input order: a range
        # partitioning on a row id that increases with the input, each range sorted by it.
        k = EVEN_SPLITS * slots
        df = (df.withColumn(ROW_ID, F.monotonically_increasing_id()).repartitionByRange(k, ROW_ID)
              .sortWithinPartitions(ROW_ID).drop(ROW_ID))
        print(f"emotion-label spark: {n_parts} partition{'s' if n_parts != 1 else ''} for {slots} task slots: cut into {k} "
              f"of about equal size, in input order (--partitions N sets the number)", file=sys.stderr, flush=True)
    return df


def label_and_write(spark, df, a, cfg, score_keys):
    """Labels every partition through the CLI and writes the result; returns the partitions' stats and the seconds taken."""
    from pyspark import AccumulatorParam
    from pyspark.sql.types import DoubleType, StringType, StructField, StructType

    class ListParam(AccumulatorParam):
        def zero(self, v):
            return []

        def addInPlace(self, x, y):
            x.extend(y)
            return x

    stats = spark.sparkContext.accumulator([], ListParam())
    out_schema = StructType(df.schema.fields + [StructField(a.label_name, StringType()),
                                                StructField(a.confidence_name, DoubleType())]
                            + [StructField(k, DoubleType()) for k in score_keys])
    text_idx = df.columns.index(a.text_column)
    labelled = df.rdd.mapPartitions(make_labeller(cfg, text_idx, score_keys, stats))
    out = spark.createDataFrame(labelled, out_schema, verifySchema=False)
    started = time.monotonic()
    try:
        writer_for(out, a.output_format, a.output, a.overwrite)()
    except Exception as e:
        msg = task_error_message(e)
        if msg is None:
            s = str(e).strip()
            lines = s.splitlines()
            log(f"the job failed: {lines[0] if lines else s}")
            raise Stop(EXIT_USAGE if "PATH_ALREADY_EXISTS" in s or "UNSUPPORTED_DATA_TYPE" in s else EXIT_RUNTIME)
        log(f"the job failed after spark.task.maxFailures attempts of a task: {msg}")
        log(f"nothing was committed to {a.output}")
        raise Stop(EXIT_BAD_INPUT if "exited with code 1 " in msg else EXIT_RUNTIME)
    return stats.value, time.monotonic() - started


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # spark-submit exits with the Python driver's exit code.
    try:
        from pyspark.sql import SparkSession

        s = SparkSession.getActiveSession()
        if s is not None:
            s.stop()
    except Exception:
        pass
    sys.exit(code)
