import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import { LabelError } from '../errors';
import { openReader, rawRecord, REGISTRY, type Format, type TableReader } from '../io/formats';
import { checkOutputPath } from '../io/output';
import { RowProblem } from '../io/rowProblem';
import { RejectsWriter } from '../io/rejects';
import type { ModelInfo } from '../infer/modelDir';
import type { OutputStats } from '../metrics';
import type { BadRow, LabelledRow } from '../types';
import { DedupeCache, type CacheEntry } from '../pipeline/dedupe';
import { Labeller } from './labeller';
import type { RunConfig, RunOptions } from './options';

/** Where labelled rows go: the output writer for labelling, the confusion matrix for eval. */
export interface RowSink {
  /**
   * Takes one labelled row. A sink that finds the row itself unusable (eval: an unknown gold label)
   * returns it as a bad row (or throws a RowProblem), which then goes through the same --on-error
   * policy as a row the reader could not read.
   */
  accept(lr: LabelledRow): Promise<BadRow | void> | BadRow | void;
  /** Called once every row is in; not called when the run stops early. */
  finish(summary: RunSummary): Promise<void> | void;
  /** Called when the run stops early (error or signal) to clean up. */
  abandon(): Promise<void> | void;
}

/** A table to read: a file path, or a stream with a name for messages (`<stdin>`). */
export type RunInput = string | { stream: Readable; name: string };

/** What the API takes: a path, a stream, or a stream with a name for messages. */
export type InputSpec = string | Readable | { stream: Readable; name: string };

export function toRunInput(input: InputSpec): RunInput {
  if (typeof input === 'string' || 'stream' in input) return input;
  return { stream: input, name: '<stream>' };
}

export interface RunRequest {
  input: RunInput;
  config: RunConfig;
  /** eval: the column holding the gold label. */
  labelColumn?: string;
  /** Keys the output adds to each JSONL object, known once the model is loaded. */
  reservedKeys?: (info: ModelInfo) => string[];
  /** Built once the model is loaded and the header read, before anything is written. */
  makeSink(ctx: { info: ModelInfo; reader: TableReader }): Promise<RowSink> | RowSink;
  hooks: Pick<RunOptions, 'signal' | 'onProgress' | 'onRow'>;
  /** A resumed run: the first `rows` input records are already in the output; the counts go on from `counts`. */
  resume?: { rows: number; counts: Partial<RunSummary>; rejectsAt?: number; cache?: { base: CacheEntry[]; last: CacheEntry[] } };
  /**
   * Called each time the records handed to the sink (and to the rejects file) reach a multiple of
   * the labelling window: a point a resumed run can start from with the same batches.
   */
  checkpoint?: (rows: number, summary: RunSummary, rejects: RejectsWriter | undefined, cache: DedupeCache | undefined) => Promise<void>;
}

/** What a run did: read = labelled + empty + rejected. */
export interface RunSummary {
  /** The input's name (its path, or `<stdin>`) and the model it was labelled with (an embedded model's name, or the directory as given). */
  input: string;
  model: string;
  /** Wall-clock seconds of the run, from loading the model to the last row handed on. */
  seconds: number;
  read: number;
  labelled: number;
  rejected: number;
  /** Empty (or invisible-only) texts, written with an empty label. */
  empty: number;
  /** Blank lines passed over (not rows). */
  blankLines: number;
  /** eval: rows without a gold label, labelled but not scored. */
  unscored?: number;
  /** Rows whose label was left empty for a confidence below --min-confidence (counted in labelled). */
  belowMinConfidence?: number;
  /** The signal that stopped the reading, if one did: the rows read before it were all finished. */
  stoppedBy?: string;
  /** labelFile: the output's name (its path, or `<stdout>`/`<stream>`). */
  output?: string;
  /** labelFile: what was written (per label counts and confidence histograms), gathered as the rows went by. */
  stats?: OutputStats;
}

export function inputName(input: RunInput): string {
  return typeof input === 'string' ? input : input.name;
}

/** The input as its reader takes it: a stream, or (Parquet, which needs random access) the path. */
function openInput(input: RunInput, format: Format): { source: Readable | string; stream?: Readable; name: string; size?: number } {
  if (typeof input !== 'string') return { source: input.stream, stream: input.stream, name: input.name };
  let size: number | undefined;
  let regular: boolean;
  try {
    const st = fs.statSync(input);
    if (st.isDirectory()) throw new Error('is a directory');
    regular = st.isFile();
    // A pipe's or device's size says nothing of what it will give: no total for the progress bar.
    size = regular ? st.size : undefined;
    fs.accessSync(input, fs.constants.R_OK);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.message;
    throw new LabelError('INPUT_NOT_FOUND', `cannot read input: ${why}`, { file: input });
  }
  const d = REGISTRY[format];
  if (d.needsPath) {
    if (!regular) {
      throw new LabelError('USAGE', `${d.title} input needs a regular file: it cannot be read from a pipe, FIFO or device (${d.why.read})`, { file: input });
    }
    return { source: input, name: input, size };
  }
  const stream = fs.createReadStream(input, { highWaterMark: 256 * 1024 });
  return { source: stream, stream, name: input, size };
}

/** The promise's value, or undefined as soon as the signal aborts (at once if it already has). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T | undefined> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}

/**
 * A FIFO that no writer has opened blocks our open() in libuv's thread pool, which cannot cancel
 * it: the process would stay alive for as long (and process.exit() would wait for it too). Opening
 * the FIFO's write end for a moment, without blocking, lets that open() return; the stream, already
 * destroyed, then closes it. Hand-written: no library cancels a pending fs open.
 */
function releasePendingFifoOpen(stream: fs.ReadStream, file: string): void {
  if (!stream.pending) return;
  try {
    if (!fs.statSync(file).isFIFO()) return;
    fs.closeSync(fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
  } catch {
    // ENXIO: no reader is waiting any more (the open finished meanwhile); nothing to release
  }
}

/** A regular file (after symlinks), which can be read again from its start; anything else, or a path that cannot be stat'ed, is not. */
export function isRegularFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

async function* skipFirst<T>(items: AsyncIterable<T>, n: number, onSkip: (item: T) => void): AsyncGenerator<T> {
  let i = 0;
  for await (const item of items) {
    if (i < n) {
      i += 1;
      onSkip(item);
      continue;
    }
    yield item;
  }
}

/**
 * The shared run: load the model, start the workers, read the header, then stream every row through
 * the pool into the sink, applying the bad-row policy. Set-up errors are thrown before the sink
 * exists, so nothing is written on exit 2.
 */
export async function runRows(req: RunRequest): Promise<RunSummary> {
  const { config, hooks } = req;
  const started = performance.now();
  const input = openInput(req.input, config.format);
  let labeller: Labeller | undefined;
  let sink: RowSink | undefined;
  let rejects: RejectsWriter | undefined;
  const summary = startSummary(input.name, config.modelName, req.resume);
  let completed = false;
  try {
    // A rejects file in a missing folder is a set-up error (exit 2), found before the model loads.
    if (config.rejects !== undefined) checkOutputPath(config.rejects);
    labeller = await Labeller.create(config);
    const info = labeller.info;
    const reader = await openRows(req, input, info);
    if (reader === undefined) {
      summary.stoppedBy = String(hooks.signal?.reason ?? 'a signal');
      return summary;
    }
    sink = await req.makeSink({ info, reader });
    if (config.rejects !== undefined) rejects = new RejectsWriter(config.rejects, req.resume?.rejectsAt);
    await labelEveryRow(req, input, labeller, reader, sink, rejects, summary);
    summary.blankLines = reader.stats.blankLines;
    if (REGISTRY[config.format].columns === 'keys' && summary.rejected > 0 && reader.stats.textKeySeen === undefined && !hooks.signal?.aborted) {
      throw new LabelError('MISSING_COLUMN', `no object has the text key '${config.textColumn}' (--text-column names the key holding the text)`, {
        file: input.name,
      });
    }
    summary.seconds = (performance.now() - started) / 1000;
    await rejects?.close();
    // An interrupted run hands over what it finished: to stdout, or flushed into the partial file (-o): abandon().
    if (hooks.signal?.aborted) {
      summary.stoppedBy = String(hooks.signal.reason ?? 'a signal');
    } else {
      await sink.finish(summary);
      completed = true;
    }
    return summary;
  } catch (err) {
    // Worker failures are found below, where the lines are known but not the input's name.
    if (err instanceof LabelError && err.file === undefined && err.code !== 'USAGE')
      throw new LabelError(err.code, err.message, { file: input.name, line: err.line });
    throw err;
  } finally {
    if (!completed) await sink?.abandon();
    await rejects?.close().catch(() => undefined); // its failure, if any, was thrown above
    await labeller?.close();
    // Also stdin: a pipe left open by its writer would otherwise keep the process alive after a signal.
    input.stream?.destroy();
    if (typeof req.input === 'string' && input.stream) releasePendingFifoOpen(input.stream as fs.ReadStream, req.input);
  }
}

type OpenedInput = ReturnType<typeof openInput>;

/** The summary before the first row: zero, or a resumed run's counts so far. */
function startSummary(name: string, model: string, resume: RunRequest['resume']): RunSummary {
  const summary: RunSummary = { input: name, model, seconds: 0, read: 0, labelled: 0, rejected: 0, empty: 0, blankLines: 0 };
  if (resume) {
    for (const k of ['read', 'labelled', 'rejected', 'empty'] as const) summary[k] = resume.counts[k] ?? 0;
  }
  return summary;
}

/** The reader, once the header is read; undefined when a signal came first. */
async function openRows(req: RunRequest, input: OpenedInput, info: ModelInfo): Promise<TableReader | undefined> {
  const { config, hooks } = req;
  const opening = openReader(input.source, {
    format: config.format,
    file: input.name,
    textColumn: config.textColumn,
    labelColumn: req.labelColumn,
    maxRecordBytes: config.maxRecordSize,
    reservedKeys: req.reservedKeys?.(info),
  });
  // A signal while the header is awaited (an idle pipe, a FIFO nobody has opened yet) stops the
  // run here, with its summary: nothing was read, nothing is written.
  const reader = await untilAborted(opening, hooks.signal);
  if (reader === undefined) opening.catch(() => undefined); // fails once its stream is destroyed (runRows)
  return reader;
}

/** Rows and bytes finished so far, told to onProgress. */
function progressOf(hooks: RunRequest['hooks'], totalBytes: number | undefined): ((n: number, b: number) => void) | undefined {
  if (!hooks.onProgress) return undefined;
  let rows = 0;
  let bytes = 0;
  return (n: number, b: number) => hooks.onProgress!({ rows: (rows += n), bytes: (bytes += b), totalBytes });
}

/** Every row through the pool into the sink (or, bad, to the --on-error policy), counted in `summary`, with a checkpoint per window. */
async function labelEveryRow(
  req: RunRequest,
  input: OpenedInput,
  labeller: Labeller,
  reader: TableReader,
  sink: RowSink,
  rejects: RejectsWriter | undefined,
  summary: RunSummary,
): Promise<void> {
  const { config, hooks, resume } = req;
  const onLabelled = progressOf(hooks, input.size);
  // After a signal the reading stops, but every row already read is labelled and handed on: the
  // loop runs until labelRows has given back the rows in flight.
  // Records of a resumed run that are already in the output are read (to reach the rest) but not labelled.
  const items = resume ? skipFirst(reader.items, resume.rows, (item) => onLabelled?.(1, item.bytes ?? 0)) : reader.items;
  const windowSize = labeller.windowSize;
  let position = resume?.rows ?? 0;
  // A regular file never trickles in (a FIFO may): its windows are all full, so batches depend on positions only (resume).
  const fixedWindows = typeof req.input === 'string' && isRegularFile(req.input);
  // a cached text's probabilities are kept only where they are shown (--scores; eval never shows them)
  const dedupe = config.dedupe ? new DedupeCache(config.dedupeTexts, 'scores' in config && config.scores === true) : undefined;
  if (dedupe && resume?.cache) dedupe.restore(resume.cache.base, resume.cache.last);
  for await (const item of labeller.labelRows(items, { signal: hooks.signal, onLabelled, fixedWindows, dedupe })) {
    summary.read += 1;
    // a row is bad when the reader says so, or when the sink refuses it (eval: unknown gold label)
    const bad = 'kind' in item ? item : await acceptRow(item, sink, config.format, summary);
    if (bad) {
      // JSONL has no header: an object without the text key before any object with it is the
      // same mistake as a missing CSV column (exit 2), not a bad row.
      if (bad.code === 'TEXT_MISSING' && !reader.stats.textKeySeen && config.onError === 'fail') {
        throw new LabelError('MISSING_COLUMN', `${bad.reason} (no object read so far has it; --text-column names the key holding the text)`, {
          file: input.name,
          line: bad.line,
        });
      }
      if (config.onError === 'fail') throw new LabelError(bad.code, bad.reason, { file: input.name, line: bad.line });
      summary.rejected += 1;
      await rejects?.write(bad);
    }
    hooks.onRow?.();
    position += 1;
    if (req.checkpoint && fixedWindows && position % windowSize === 0) await req.checkpoint(position, summary, rejects, dedupe);
  }
}

/** A labelled row into the sink, counted as labelled or empty; the row as a bad row when the sink refuses it. */
async function acceptRow(item: LabelledRow, sink: RowSink, format: Format, summary: RunSummary): Promise<BadRow | undefined> {
  let bad: BadRow | undefined;
  try {
    bad = (await sink.accept(item)) ?? undefined;
  } catch (err) {
    if (!(err instanceof RowProblem)) throw err;
    bad = { kind: 'bad', line: item.row.line, code: err.code, reason: err.message, raw: rawRecord(item.row, format) };
  }
  if (!bad) {
    if (item.prediction.labelId < 0) summary.empty += 1;
    else summary.labelled += 1;
  }
  return bad;
}
