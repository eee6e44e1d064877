import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Writable } from 'node:stream';
import { LabelError } from '../errors';
import type { ModelInfo } from '../infer/modelDir';
import {
  addedColumns,
  checkDistinctColumns,
  checkOutputNames,
  createRowWriter,
  outputNames,
  outputNeedsFile,
  REGISTRY,
  type FormatDescriptor,
  type PathFormat,
  type RowWriter,
  type StreamFormat,
  type TableReader,
} from '../io/formats';
import { scanJsonlKeys } from '../io/jsonlKeys';
import { fileOutput, specialOutput, streamOutput, type Output } from '../io/output';
import { fileFingerprint, folderFingerprint, identityDiff, readState, sizeOf, StateLog, type Checkpoint, type Identity } from '../io/partial';
import { RunStats } from '../metrics';
import { fileKey, legacyPartials, OutputLock, partialPaths, resolveOutputTarget, type OutputTarget, type PartialPaths } from '../io/target';
import { decodeEntries, encodeEntries, type CacheEntry, type DedupeCache } from '../pipeline/dedupe';
import { normalizeLabelFileOptions, type LabelFileConfig, type LabelFileOptions } from './options';
import { inputName, isRegularFile, runRows, toRunInput, type InputSpec, type RowSink, type RunInput, type RunRequest, type RunSummary } from './run';

// package.json is outside src/ (tsc's rootDir), so it is read at run time rather than imported.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const VERSION: string = require('../../package.json').version;

/** A sink for a file output, which can say how many bytes its rows take so far (a checkpoint). */
type Sink = RowSink & { size?: () => Promise<number> };
type MakeSink = (reader: TableReader, info: ModelInfo) => Promise<Sink>;
/** Runs the rows into the sink; `below` counts the rows under --min-confidence, from `below.n` on. */
type Runner = (
  makeSink: MakeSink,
  extra?: Pick<RunRequest, 'resume' | 'checkpoint'>,
  below?: { n: number },
  /** A resumed run: the statistics of the rows already written, read back from the partial. */
  prefill?: (stats: RunStats) => Promise<void>,
) => Promise<RunSummary>;

/**
 * Labels every row of a table (CSV, TSV, JSONL, Parquet) into `output`: every input row exactly
 * once, in input order, fields unchanged, plus the label and confidence (and the score columns).
 * `output` is a stream (not ended: stdout; not for Parquet, whose footer comes last) or a path:
 * a regular file is written through `PATH.partial` and renamed into place when the run completes
 * (a run that stops early keeps the partial for `resume`); a device or FIFO is written directly.
 * Resolves to the summary; rejects with a LabelError (its `code` and `exitCode`).
 */
export async function labelFile(input: InputSpec, output: string | Writable, options: LabelFileOptions = {}): Promise<RunSummary> {
  const runInput = toRunInput(input);
  const inputPath = typeof runInput === 'string' ? runInput : undefined;
  // A path that can be read only once (a pipe, FIFO, `<(…)`, a character device) is read as stdin
  // is: a first pass for JSONL's keys would use it up, and the rows would be lost with exit 0.
  const seekable = inputPath !== undefined && isRegularFile(inputPath);
  const config = normalizeLabelFileOptions(options, inputPath, typeof output === 'string' ? output : undefined);
  const file = inputName(runInput);
  const outputName = typeof output === 'string' ? output : output === process.stdout ? '<stdout>' : '<stream>';
  const inputColumns = inputColumnsOf(config, file, seekable ? inputPath : undefined);
  const run = runnerOf(config, runInput, options, outputName);
  const tableSink = tableSinkOf(config, inputColumns);

  if (typeof output !== 'string' || output === '-') {
    if (typeof output === 'string') throw new LabelError('USAGE', "give labelFile() a stream to write to stdout, not '-'");
    const written = REGISTRY[config.outputFormat];
    if (written.needsPath) throw outputNeedsFile(written);
    return runInto(streamOutput(output), run, tableSink);
  }

  // Before any work: a bad output path is a set-up error (exit 2), not a failure after the labelling.
  const target = resolveOutputTarget(output);
  checkDistinct(output, target.kind === 'file' ? target.final : target.path, inputPath, config.rejects);
  if (target.kind === 'special') {
    if (config.resume)
      throw new LabelError('USAGE', `-o names ${target.what}, which is written directly: there is no partial output to resume`, { file: output });
    const written = REGISTRY[config.outputFormat];
    if (written.needsPath)
      throw new LabelError('USAGE', `-o names ${target.what}: ${written.title} output needs a regular file (${written.why.write})`, { file: output });
    return runInto(specialOutput(target.path, target.fd), run, tableSink);
  }
  return labelToFile(config, target, inputPath, file, options, run, tableSink, inputColumns);
}

type InputColumns = (reader: TableReader, info: ModelInfo) => Promise<string[] | undefined>;
type TableSink = (out: Output & { sync?: (w: RowWriter) => Promise<number> }, headerWritten?: boolean) => MakeSink;

/**
 * The input's columns as the output has them: JSONL to a table needs every key of every object
 * (`seekablePath`: a file, which can be read twice).
 */
function inputColumnsOf(config: LabelFileConfig, file: string, seekablePath: string | undefined): InputColumns {
  return async (reader, info) => {
    const names = outputNames(config, info.id2label);
    checkOutputNames(names, reader.columns, file);
    checkDistinctColumns(reader.columns, config.outputFormat, file);
    // Only a format that knows its columns from its objects' keys (JSONL) written as one that needs them up front.
    if (REGISTRY[config.format].columns !== 'keys' || REGISTRY[config.outputFormat].columns === 'keys' || seekablePath === undefined) return reader.columns;
    const keys = await scanJsonlKeys(seekablePath, config.maxRecordSize);
    checkOutputNames(names, keys, file);
    return keys;
  };
}

/** The run of labelFile, into whichever sink: --min-confidence applied to each row, the statistics gathered (--report). */
function runnerOf(config: LabelFileConfig, runInput: RunInput, options: LabelFileOptions, outputName: string): Runner {
  return async (makeSink, extra = {}, below = { n: 0 }, prefill) => {
    const min = config.minConfidence;
    let stats: RunStats | undefined;
    const summary = await runRows({
      input: runInput,
      config,
      hooks: options,
      ...extra,
      // The score keys are known once the model is loaded, before the reader opens.
      reservedKeys: (info) => addedColumns(outputNames(config, info.id2label)),
      makeSink: async ({ info, reader }) => {
        const sink = await makeSink(reader, info);
        const gathered = (stats = new RunStats(info.id2label, min));
        await prefill?.(gathered);
        return {
          ...sink,
          async accept(lr) {
            const p = lr.prediction;
            // a doubtful row keeps its confidence (and scores) but not its label
            if (min !== undefined && p.labelId >= 0 && p.confidence < min) p.abstained = true;
            const bad = await sink.accept(lr);
            if (bad) return bad;
            if (p.abstained) below.n += 1;
            gathered.add(p.labelId, p.confidence, p.abstained);
          },
        };
      },
    });
    if (min !== undefined) summary.belowMinConfidence = below.n;
    summary.output = outputName;
    summary.stats = stats?.report();
    return summary;
  };
}

/** CSV, TSV or JSONL rows into `out`. */
function tableSinkOf(config: LabelFileConfig, inputColumns: InputColumns): TableSink {
  return (out, headerWritten = false) =>
    async (reader, info) => {
      const writer = createRowWriter(out.stream, {
        format: config.outputFormat,
        inputColumns: await inputColumns(reader, info),
        id2label: info.id2label,
        names: outputNames(config, info.id2label),
        headerWritten,
      });
      return {
        accept: (lr) => out.write(writer, lr),
        finish: () => out.commit(writer),
        abandon: () => out.abandon(writer),
        size: out.sync ? () => out.sync!(writer) : undefined,
      };
    };
}

/** A stream or a device (written directly): the run into it, the output let go of however it ends. */
async function runInto(out: Output, run: Runner, tableSink: TableSink): Promise<RunSummary> {
  try {
    return await run(tableSink(out));
  } finally {
    out.discard();
  }
}

/** -o, --rejects and the input must be three different files: one would overwrite the other. */
function checkDistinct(output: string, final: string, input: string | undefined, rejects: string | undefined): void {
  const out = fileKey(final);
  if (input !== undefined && fileKey(input) === out) {
    throw new LabelError('USAGE', 'the output is the input file, which would be overwritten while it is read: write elsewhere', { file: output });
  }
  if (rejects !== undefined) {
    const rej = fileKey(rejects);
    if (rej === out || rej === fileKey(partialPaths(final).partial))
      throw new LabelError('USAGE', '--rejects names the output file: give it a file of its own', { file: rejects });
    if (input !== undefined && rej === fileKey(input))
      throw new LabelError('USAGE', '--rejects names the input file: give it a file of its own', { file: rejects });
  }
}

/** Test hook: the run kills itself with SIGKILL at a step of the rename, as a power cut or the OOM killer would. */
function crashPoint(step: 'before-rename' | 'after-rename'): void {
  if (process.env.EMOTION_LABEL_TEST_KILL_AT === step) process.kill(process.pid, 'SIGKILL');
}

/** The folder of a path that may not exist yet, resolved: so that `./x` and `x` are one --rejects. */
function resolvedPath(p: string): string {
  try {
    return path.join(fs.realpathSync(path.dirname(p)), path.basename(p));
  } catch {
    return path.resolve(p);
  }
}

/**
 * What a partial's state must match for --resume: the input, the model and every option that
 * changes the bytes written (listed in README, "Long jobs").
 */
function runIdentity(config: LabelFileConfig, inputPath: string): Identity {
  const input = fileFingerprint(inputPath);
  const modelDirs = [config.model, path.join(config.model, 'onnx')].filter((d) => fs.existsSync(d) && fs.statSync(d).isDirectory());
  return {
    'emotion-label version': VERSION,
    input: fs.realpathSync(inputPath),
    'input size': input.size,
    'input modified': input.modified,
    'input content (first and last MiB)': input.sample,
    model: fs.existsSync(config.model) ? fs.realpathSync(config.model) : config.model,
    'model files': modelDirs.map(folderFingerprint).join('+'),
    '--format': config.format,
    '--output-format': config.outputFormat,
    '--text-column': config.textColumn,
    '--max-record-size': config.maxRecordSize,
    '--on-error': config.onError,
    '--rejects': config.rejects === undefined ? null : resolvedPath(config.rejects),
    '--scores': config.scores,
    '--label-name': config.labelName,
    '--confidence-name': config.confidenceName,
    '--min-confidence': config.minConfidence ?? null,
    // These decide which rows share a batch, and a confidence can differ in its last digit with its batch.
    '--workers': config.workers,
    '--threads': config.threads,
    '--batch-size': config.batchSize,
    // a duplicate takes its first occurrence's answer, computed in that occurrence's batch
    '--dedupe': config.dedupe ? `on (${config.dedupeTexts} texts)` : 'off',
  };
}

const countsOf = (s: RunSummary, below: number): Record<string, number> => ({
  read: s.read,
  labelled: s.labelled,
  rejected: s.rejected,
  empty: s.empty,
  below,
});

/** The summary of a run whose rows were all written before it stopped (it died in the rename). */
function summaryOf(c: Checkpoint, config: LabelFileConfig, file: string): RunSummary {
  const s: RunSummary = {
    input: file,
    model: config.modelName,
    seconds: 0,
    read: c.counts.read ?? 0,
    labelled: c.counts.labelled ?? 0,
    rejected: c.counts.rejected ?? 0,
    empty: c.counts.empty ?? 0,
    blankLines: c.counts.blankLines ?? 0,
  };
  if (config.minConfidence !== undefined) s.belowMinConfidence = c.counts.below ?? 0;
  return s;
}

/**
 * -o FILE (a regular file, or a symlink to one): written through FILE.partial, with the run's
 * identity and checkpoints in FILE.partial.json, under FILE.partial.lock (README, "Long jobs").
 */
async function labelToFile(
  config: LabelFileConfig,
  target: Extract<OutputTarget, { kind: 'file' }>,
  inputPath: string | undefined,
  file: string,
  options: LabelFileOptions,
  run: Runner,
  tableSink: TableSink,
  inputColumns: InputColumns,
): Promise<RunSummary> {
  const output = target.path;
  const paths = partialPaths(target.final);
  const written = REGISTRY[config.outputFormat];
  const rereadable = inputPath !== undefined && isRegularFile(inputPath);
  if (config.resume) checkResumable(rereadable, written, file, output);
  const legacy = legacyPartials(target.final);
  if (legacy.length > 0) {
    options.onWarning?.(`${legacy.join(', ')}: left by an earlier version of emotion-label (named after its process id); never read, safe to delete`);
  }

  const lock = OutputLock.acquire(paths.lock, output);
  try {
    const hasPartial = fs.existsSync(paths.partial);
    let state = readState(paths.state);
    // Killed right after the rename: the output is in place, only the state file is left.
    const stale = lastOf(state);
    if (!hasPartial && stale?.done && sizeOf(target.final) === stale.output) {
      if (config.resume && state !== 'unreadable' && identityDiff(state!.identity, runIdentity(config, inputPath!)).length === 0) {
        return finishRename(stale, paths, target.final, config, file);
      }
      fs.rmSync(paths.state, { force: true });
      state = undefined;
    }
    if (config.restart) {
      fs.rmSync(paths.partial, { force: true });
      fs.rmSync(paths.state, { force: true });
    } else if ((hasPartial || state !== undefined) && !config.resume) {
      throw partialInTheWay(state, hasPartial, paths, written, output);
    }
    const identity: Identity = rereadable ? runIdentity(config, inputPath!) : { input: `${file} (cannot be read again)` };

    let from: Checkpoint | undefined;
    if (config.resume && (hasPartial || state !== undefined)) {
      const point = resumePoint(state, identity, paths, config, output);
      if ('finished' in point) return finishRename(point.finished, paths, target.final, config, file);
      from = point.from;
    }

    if (written.needsPath) return await labelToPath(written, config, target.final, paths.partial, run, inputColumns);
    return await labelThroughPartial(written, config, target, paths, identity, from, run, tableSink);
  } finally {
    lock.release();
  }
}

/** --resume needs an input read again from its start and an output format written as it goes. */
function checkResumable(rereadable: boolean, written: FormatDescriptor, file: string, output: string): void {
  if (!rereadable) {
    throw new LabelError('USAGE', '--resume needs an input that can be read again from its start (a file), not stdin, a pipe or a device', { file });
  }
  if (written.needsPath) {
    throw new LabelError('USAGE', `${written.title} output cannot be resumed (${written.why.whole}): start over with --restart, or write CSV, TSV or JSONL`, {
      file: output,
    });
  }
}

type State = ReturnType<typeof readState>;

/** The state file's last checkpoint, if it has one. */
const lastOf = (st: State): Checkpoint | undefined => (st && st !== 'unreadable' ? st.checkpoints[st.checkpoints.length - 1] : undefined);

/** Without --resume or --restart: what an earlier run left at -o is not overwritten. */
function partialInTheWay(state: State, hasPartial: boolean, paths: PartialPaths, written: FormatDescriptor, output: string): LabelError {
  const last = lastOf(state);
  const what = last?.done
    ? 'every row of an earlier run, which stopped before renaming it into place'
    : last
      ? `the first ${last.rows} rows of an earlier run that stopped early`
      : 'the output of an earlier run that stopped early';
  return new LabelError(
    'OUTPUT_PARTIAL',
    `${hasPartial ? paths.partial : paths.state} holds ${what}: ${
      written.needsPath
        ? `${written.title} output cannot be resumed; discard it and start over with --restart`
        : 'continue it with --resume (same input, model and options), or discard it and start over with --restart'
    }`,
    { file: output },
  );
}

/**
 * --resume with an earlier run's files: where to go on from (its last checkpoint the files still
 * hold whole; none: from the start), or `finished` when it wrote every row and died before the rename.
 */
function resumePoint(
  state: State,
  identity: Identity,
  paths: PartialPaths,
  config: LabelFileConfig,
  output: string,
): { finished: Checkpoint } | { from: Checkpoint | undefined } {
  if (state === undefined || state === 'unreadable') {
    throw new LabelError(
      'OUTPUT_PARTIAL',
      `${paths.partial} has no readable state file (${paths.state}), so it cannot be continued: start over with --restart`,
      {
        file: output,
      },
    );
  }
  const diff = identityDiff(state.identity, identity);
  if (diff.length > 0) {
    throw new LabelError(
      'OUTPUT_PARTIAL',
      `${paths.partial} is not the output of this run (${diff.join('; ')}); it was left as it is: run as before to continue it, or start over with --restart`,
      { file: output },
    );
  }
  const last = state.checkpoints[state.checkpoints.length - 1];
  if (last?.done) return { finished: last };
  // The last checkpoint the files still hold whole (after a lost write, an earlier one).
  const outSize = sizeOf(paths.partial);
  const rejSize = config.rejects === undefined ? 0 : sizeOf(config.rejects);
  const at = state.checkpoints.map((c) => c.output <= outSize && c.rejects <= rejSize).lastIndexOf(true);
  if (at < 0) return { from: undefined };
  return { from: { ...state.checkpoints[at], cacheBase: config.dedupe ? encodeEntries(cacheBefore(state.checkpoints, at, config.dedupeTexts)) : undefined } };
}

/**
 * CSV, TSV or JSONL through FILE.partial (from checkpoint `from` on a resume), a checkpoint per
 * window in FILE.partial.json, renamed into place at the end. A bad row (--on-error fail) or a
 * set-up problem removes both: a rerun would stop at the same place.
 */
async function labelThroughPartial(
  written: StreamFormat,
  config: LabelFileConfig,
  target: Extract<OutputTarget, { kind: 'file' }>,
  paths: PartialPaths,
  identity: Identity,
  from: Checkpoint | undefined,
  run: Runner,
  tableSink: TableSink,
): Promise<RunSummary> {
  const journal = new Journal(paths.state, identity, from);
  const below = { n: from?.counts.below ?? 0 };
  let final: Checkpoint | undefined;
  let rejectsSize = from?.rejects ?? 0;
  let sized: (() => Promise<number>) | undefined;
  const out = fileOutput(target.path, paths.partial, target.final, {
    resumeAt: from?.output,
    beforeRename: (size) => {
      journal.append({ ...final!, output: size, rejects: config.rejects === undefined ? 0 : sizeOf(config.rejects), done: true });
      journal.close();
      crashPoint('before-rename');
    },
    afterRename: () => {
      crashPoint('after-rename');
      fs.rmSync(paths.state, { force: true });
    },
  });
  try {
    return await run(
      async (reader, info) => {
        const sink = await tableSink(out, from !== undefined && from.output > 0)(reader, info);
        sized = sink.size;
        return {
          ...sink,
          finish: (summary: RunSummary) => {
            final = { rows: summary.read, output: 0, rejects: rejectsSize, counts: { ...countsOf(summary, below.n), blankLines: summary.blankLines } };
            return sink.finish(summary);
          },
        };
      },
      {
        resume: from ? resumeOf(from, config) : undefined,
        checkpoint: async (rows, summary, rejects, cache) => {
          // the bytes first, then the line that counts them: a kill in between leaves the previous checkpoint
          const size = await sized!();
          rejectsSize = rejects ? await rejects.sync() : 0;
          journal.checkpoint({ rows, output: size, rejects: rejectsSize, counts: countsOf(summary, below.n) }, cache);
        },
      },
      below,
      // the statistics (--report) cover the whole output: the rows already written are read back
      from && from.output > 0 ? (stats) => readBack(stats, written, paths.partial, from, config) : undefined,
    );
  } catch (err) {
    // A bad row (--on-error fail) or a set-up problem: a rerun would stop at the same place, so nothing is kept.
    if (err instanceof LabelError && err.exitCode <= 2) {
      journal.close();
      out.remove();
      fs.rmSync(paths.state, { force: true });
    }
    throw err;
  } finally {
    journal.close();
    out.discard();
  }
}

/** What runRows takes of a resumed run: the rows to pass over, the counts, the rejects file's end and the dedupe cache. */
function resumeOf(from: Checkpoint, config: LabelFileConfig): RunRequest['resume'] {
  return {
    rows: from.rows,
    counts: from.counts,
    rejectsAt: config.rejects === undefined ? undefined : from.rejects,
    cache: config.dedupe ? { base: decodeEntries(from.cacheBase), last: decodeEntries(from.cache) } : undefined,
  };
}

/** The statistics of the rows a resumed run's partial already holds (up to its checkpoint), read back from it. */
async function readBack(stats: RunStats, written: StreamFormat, partial: string, from: Checkpoint, config: LabelFileConfig): Promise<void> {
  for await (const w of written.readBack(partial, {
    labelName: config.labelName,
    confidenceName: config.confidenceName,
    bytes: from.output,
    maxRecordSize: config.maxRecordSize,
  })) {
    stats.addWritten(w.label, w.confidence);
  }
}

/**
 * FILE.partial.json as the run goes: a checkpoint per window; with --dedupe each carries the texts
 * its window committed, and past twice the cache's size of them the file is rewritten from a
 * snapshot of the cache (so a resume reads a bounded journal).
 */
class Journal {
  private log: StateLog;
  /** Texts journaled since the last snapshot of the cache. */
  private journaled = 0;

  constructor(
    private readonly file: string,
    private readonly identity: Identity,
    from: Checkpoint | undefined,
  ) {
    // A resume keeps only its checkpoint: what came after it (a torn last record among it) is cut off.
    this.log = from ? StateLog.rewrite(file, identity, [from]) : StateLog.create(file, identity);
  }

  append(c: Checkpoint): void {
    this.log.append(c);
  }

  checkpoint(c: Checkpoint, cache: DedupeCache | undefined): void {
    if (!cache) return this.log.append(c);
    c.cache = encodeEntries(cache.committed);
    this.journaled += cache.committed.length;
    if (this.journaled <= 2 * cache.capacity) return this.log.append(c);
    this.log.close();
    this.log = StateLog.rewrite(this.file, this.identity, [{ ...c, cacheBase: encodeEntries(cache.beforeLastCommit()) }]);
    this.journaled = 0;
  }

  close(): void {
    this.log.close();
  }
}

/**
 * The dedupe cache as it stood before checkpoint `at`'s window committed (oldest first), from the
 * journal: the last snapshot at or before it, then the texts each later window committed.
 */
function cacheBefore(checkpoints: Checkpoint[], at: number, capacity: number): CacheEntry[] {
  let start = at;
  while (start > 0 && checkpoints[start].cacheBase === undefined) start -= 1;
  const entries: CacheEntry[] = decodeEntries(checkpoints[start].cacheBase);
  for (let i = start; i < at; i++) entries.push(...decodeEntries(checkpoints[i].cache));
  return entries.slice(Math.max(0, entries.length - capacity));
}

/** A run that died between its last row and the rename: rename now (if still to do) and report its counts. */
function finishRename(done: Checkpoint, paths: PartialPaths, final: string, config: LabelFileConfig, file: string): RunSummary {
  if (fs.existsSync(paths.partial)) {
    if (sizeOf(paths.partial) !== done.output) {
      throw new LabelError(
        'OUTPUT_PARTIAL',
        `${paths.partial} is not the size its state file recorded (${done.output} bytes); it was left as it is: start over with --restart`,
        { file: final },
      );
    }
    fs.renameSync(paths.partial, final);
  }
  fs.rmSync(paths.state, { force: true });
  return summaryOf(done, config, file);
}

/**
 * A format written to a path only (Parquet): its writer keeps a Parquet input's column types (its
 * Arrow schema) and writes other inputs' columns as strings; it is never resumed.
 */
async function labelToPath(
  format: PathFormat,
  config: LabelFileConfig,
  target: string,
  partial: string,
  run: Runner,
  inputColumns: (reader: TableReader, info: ModelInfo) => Promise<string[] | undefined>,
): Promise<RunSummary> {
  return run(async (reader, info) => {
    const writer = await format.createWriter({
      path: target,
      partial,
      inputSchema: reader.schema,
      inputColumns: reader.schema ? undefined : await inputColumns(reader, info),
      id2label: info.id2label,
      names: outputNames(config, info.id2label),
    });
    return {
      async accept(lr) {
        if (!writer.write(lr)) await writer.drain();
      },
      finish: () => writer.end(),
      abandon: () => writer.abort(),
    };
  });
}
