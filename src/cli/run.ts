import * as fs from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { once } from 'node:events';
import { stringify } from 'csv-stringify';
import { LabelError } from '../errors';
import { resolveFormat } from '../io/formats';
import { openReader, type TableReader } from '../io/readers';
import { RowProblem } from '../io/readers/common';
import { rawRecord } from '../io/writers';
import { loadModelInfo, type ModelInfo } from '../infer/modelDir';
import { labelRows } from '../pipeline/labelRows';
import { WorkerPool } from '../pipeline/pool';
import type { PoolOptions } from '../pipeline/pool';
import type { BadRow, LabelledRow } from '../types';
import { resolveParallelism, type CommonOptions } from './options';
import { Progress } from './progress';
import { HeapKeeper } from '../util/heap';

/** The process's streams, passed in so that tests can run the CLI in-process. */
export interface CliIO {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  stderrIsTTY: boolean;
  stdoutIsTTY: boolean;
  /** Called whenever rows are handed to the sink; the CLI's signal watchdog listens. */
  beat?: () => void;
}

/** Where labelled rows go: the output writer for labelling, the confusion matrix for eval. */
export interface RowSink {
  /**
   * Takes one labelled row. A sink that finds the row itself unusable (eval: an unknown gold label)
   * returns it as a bad row (or throws a RowProblem), which then goes through the same --on-error
   * policy as a row the reader could not read.
   */
  accept(lr: LabelledRow): Promise<BadRow | void> | BadRow | void;
  /** Called once every row is in; not called when the run stops early. */
  finish(): Promise<void> | void;
  /** Called when the run stops early (error or signal) to clean up. */
  abandon(): Promise<void> | void;
}

export interface RunRequest {
  input?: string;
  opts: CommonOptions;
  labelColumn?: string;
  io: CliIO;
  signal: AbortSignal;
  /** Built once the model is loaded and the header read, before anything is written. */
  makeSink(ctx: { info: ModelInfo; reader: TableReader }): Promise<RowSink> | RowSink;
  /** Test hook for the worker fault paths. */
  faultInjection?: PoolOptions['faultInjection'];
  /** Keys the output adds to each JSONL object, known once the model is loaded. */
  reservedKeys?: (info: ModelInfo) => string[];
  /** Whether a progress bar may be drawn: not when the data goes to the same terminal. */
  progressAllowed: boolean;
}

export interface RunResult {
  read: number;
  labelled: number;
  rejected: number;
  empty: number;
  blankLines: number;
  /** The signal that stopped the reading, if one did: the rows read before it were all finished. */
  stoppedBy?: string;
}

function openInput(input: string | undefined, io: CliIO): { stream: Readable; name: string; size?: number } {
  if (input === undefined || input === '-') return { stream: io.stdin, name: '<stdin>' };
  let size: number;
  try {
    const st = fs.statSync(input);
    if (st.isDirectory()) throw new Error('is a directory');
    size = st.size;
    fs.accessSync(input, fs.constants.R_OK);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.message;
    throw new LabelError('INPUT_NOT_FOUND', `cannot read input: ${why}`, { file: input });
  }
  const stream = fs.createReadStream(input, { highWaterMark: 256 * 1024 });
  return { stream, name: input, size };
}

/** Test hook: EMOTION_LABEL_TEST_FAULT makes the workers fail on their first batch, so the fault paths can be tested end to end. */
function testFault(): PoolOptions['faultInjection'] {
  const v = process.env.EMOTION_LABEL_TEST_FAULT;
  return v === 'throw-on-batch' || v === 'exit-on-batch' ? v : undefined;
}

/** Bad rows under --on-error skip: line, code, reason and the raw record, as CSV. */
class RejectsFile {
  private readonly csv = stringify({ header: true, columns: ['line', 'code', 'reason', 'raw'] });
  private readonly out: fs.WriteStream;

  constructor(file: string) {
    this.out = fs.createWriteStream(file);
    this.csv.pipe(this.out);
  }

  async write(bad: BadRow): Promise<void> {
    if (!this.csv.write([bad.line, bad.code, bad.reason, bad.raw])) await once(this.csv, 'drain');
  }

  async close(): Promise<void> {
    this.csv.end();
    await once(this.out, 'close');
  }
}

/**
 * The shared run: load the model, start the workers, read the header, then stream every row through
 * the pool into the sink, applying the bad-row policy. Set-up errors are thrown before the sink exists,
 * so nothing is written on exit 2.
 */
export async function runRows(req: RunRequest): Promise<RunResult> {
  const { opts, io, signal } = req;
  const format = resolveFormat(opts.format, req.input);
  if (opts.rejects !== undefined && opts.onError !== 'skip') {
    throw new LabelError('USAGE', '--rejects needs --on-error skip');
  }
  const info = loadModelInfo(opts.model);
  const input = openInput(req.input, io);
  const { workers, threads } = resolveParallelism(opts);
  let pool: WorkerPool | undefined;
  let sink: RowSink | undefined;
  let rejects: RejectsFile | undefined;
  let progress: Progress | undefined;
  const result: RunResult = { read: 0, labelled: 0, rejected: 0, empty: 0, blankLines: 0 };
  let completed = false;
  try {
    pool = await WorkerPool.start({ info, workers, intraOpThreads: threads, faultInjection: req.faultInjection ?? testFault() });
    const reader = await openReader(input.stream, {
      format,
      file: input.name,
      textColumn: opts.textColumn,
      labelColumn: req.labelColumn,
      maxRecordBytes: opts.maxRecordSize,
      reservedKeys: req.reservedKeys?.(info),
    });
    sink = await req.makeSink({ info, reader });
    if (opts.rejects !== undefined) rejects = new RejectsFile(opts.rejects);
    progress = new Progress(opts.progress && io.stderrIsTTY && req.progressAllowed, input.size);
    const heap = new HeapKeeper();

    // After a signal the reading stops, but every row already read is labelled and written: the loop
    // runs until labelRows has given back the rows in flight.
    for await (const item of labelRows(reader.items, pool, { batchSize: opts.batchSize, signal, onLabelled: progress.onLabelled })) {
      result.read += 1;
      // a row is bad when the reader says so, or when the sink refuses it (eval: unknown gold label)
      let bad: BadRow | undefined;
      if ('kind' in item) {
        bad = item;
      } else {
        try {
          bad = (await sink.accept(item)) ?? undefined;
        } catch (err) {
          if (!(err instanceof RowProblem)) throw err;
          bad = { kind: 'bad', line: item.row.line, code: err.code, reason: err.message, raw: rawRecord(item.row, format) };
        }
        if (!bad) {
          if (item.prediction.labelId < 0) result.empty += 1;
          else result.labelled += 1;
        }
      }
      if (bad) {
        if (opts.onError === 'fail') {
          throw new LabelError(bad.code, bad.reason, { file: input.name, line: bad.line });
        }
        result.rejected += 1;
        await rejects?.write(bad);
      }
      io.beat?.();
      heap.tick();
    }
    if (signal.aborted) result.stoppedBy = String(signal.reason ?? 'signal');
    result.blankLines = reader.stats.blankLines;
    progress.stop(!signal.aborted);
    await rejects?.close();
    rejects = undefined;
    // An interrupted run hands over what it finished (stdout) or removes its temporary file (-o): abandon().
    if (!signal.aborted) {
      await sink.finish();
      completed = true;
    }
    return result;
  } catch (err) {
    // Worker failures are found in the pool, which knows the lines but not the input's name.
    if (err instanceof LabelError && err.file === undefined) throw new LabelError(err.code, err.message, { file: input.name });
    throw err;
  } finally {
    progress?.stop();
    if (!completed) await sink?.abandon();
    await rejects?.close();
    await pool?.close();
    // Also stdin: a pipe left open by its writer would otherwise keep the process alive after a signal.
    input.stream.destroy();
  }
}
