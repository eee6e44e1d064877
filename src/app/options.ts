import * as os from 'node:os';
import * as path from 'node:path';
import { LabelError } from '../errors';
import { formatOfExtension, REGISTRY, resolveFormat, type Format } from '../io/formats';
import { DEFAULT_DEDUPE_TEXTS } from '../pipeline/dedupe';

/** The embedded default model, shipped in the package's model/ folder. */
export const DEFAULT_MODEL_DIR = path.resolve(__dirname, '../../model');

/** The embedded models by name: `--model fast` (a directory named like one is given as ./fast). */
export const EMBEDDED_MODELS: Record<string, string> = {
  default: DEFAULT_MODEL_DIR,
  fast: path.resolve(__dirname, '../../model-fast'),
};

/**
 * Every default that is a value, written once: normalize*Options() fill them in and the CLI's help
 * (src/cli/options.ts) prints them. Defaults that depend on the machine (workers, threads) are
 * computed in normalizeLabellerOptions().
 */
export const DEFAULTS = {
  model: 'default',
  batchSize: 16,
  textColumn: 'text',
  labelColumn: 'label',
  labelName: 'label',
  confidenceName: 'confidence',
  maxRecordSize: 8 * 1024 * 1024,
  onError: 'fail',
} as const;

/** How the labeller runs: the model and its parallelism. Every field may be left out. */
export interface LabellerOptions {
  /** Model directory (Hugging Face layout with model.onnx), or an embedded model's name (`default`, `fast`); default: the embedded default model. */
  model?: string;
  /** Worker threads, each with its own ONNX session; default: the available cores. */
  workers?: number | string;
  /** onnxruntime threads per worker; default: cores / workers. */
  threads?: number | string;
  /** Texts per inference batch; default 16. */
  batchSize?: number | string;
  /**
   * Include "no emotion": with a model that declares a neutral view (config.json `neutral`), its
   * neutral label is one of the labels (softmax over every output, with that view's calibration).
   * A model that declares none: a USAGE error (exit 2). Default false: the emotions alone.
   */
  neutral?: boolean;
}

/** Options of a run over a table (labelFile, evaluate): the CLI's options, by the same names. */
export interface RunOptions extends LabellerOptions {
  /** Input format: csv, tsv, tsv-quoted, jsonl or parquet (a file only); default from the file's extension (a stream: csv). */
  format?: string;
  /** Column (JSONL key) holding the text; default `text`. */
  textColumn?: string;
  /** Largest record accepted in bytes; default 8 MiB. */
  maxRecordSize?: number | string;
  /** Bad rows: `fail` (stop at the first, the default) or `skip` (report them and go on). */
  onError?: string;
  /** With onError 'skip': write bad rows here as CSV (line, code, reason, raw). */
  rejects?: string;
  /** Label each distinct text once (a bounded cache keyed by a hash of the text); default true. */
  dedupe?: boolean;
  /** Texts the dedupe cache remembers (the oldest forgotten first); default 65,536. */
  dedupeTexts?: number | string;
  /** Stops the reading; the rows read so far are finished. */
  signal?: AbortSignal;
  /** Told as rows finish, with their input bytes and the input's size when it is a file: for progress. */
  onProgress?: (p: { rows: number; bytes: number; totalBytes?: number }) => void;
  /** Told whenever a row is handed to the output. */
  onRow?: () => void;
}

export interface LabelFileOptions extends RunOptions {
  /** Leave the label empty (the confidence written) where the confidence is below this (0–1). */
  minConfidence?: number | string;
  /** Output format; default: the one the output file's extension names, else the input's. */
  outputFormat?: string;
  /** Add one column per label with its probability (score_<label>). */
  scores?: boolean;
  /** Names of the added columns; default `label` and `confidence`. */
  labelName?: string;
  confidenceName?: string;
  /**
   * Output to a file: continue the partial output an earlier run with the same input, model and
   * options left (`FILE.partial`) instead of refusing to start; the result is the file an
   * uninterrupted run writes. Without a partial, the run starts from the first row.
   */
  resume?: boolean;
  /** Output to a file: discard a partial output an earlier run left and start from the first row. */
  restart?: boolean;
  /** Told about things worth a word that are not errors (old partial files left by earlier versions). */
  onWarning?: (message: string) => void;
}

export interface EvaluateOptions extends RunOptions {
  /** An extra threshold for the selective table (coverage and accuracy above it). */
  minConfidence?: number | string;
  /** Column (JSONL key) holding the gold label (a label name or id); default `label`. */
  labelColumn?: string;
}

/** The same options, validated and with every default filled in: trusted from here on. */
export interface LabellerConfig {
  model: string;
  /** The model as the caller named it (an embedded model's name, or the directory as given): for reports. */
  modelName: string;
  workers: number;
  threads: number;
  batchSize: number;
  neutral: boolean;
}

export interface RunConfig extends LabellerConfig {
  format: Format;
  textColumn: string;
  maxRecordSize: number;
  onError: 'fail' | 'skip';
  rejects?: string;
  dedupe: boolean;
  dedupeTexts: number;
}

export interface LabelFileConfig extends RunConfig {
  minConfidence?: number;
  outputFormat: Format;
  scores: boolean;
  labelName: string;
  confidenceName: string;
  resume: boolean;
  restart: boolean;
}

export interface EvaluateConfig extends RunConfig {
  labelColumn: string;
  minConfidence?: number;
}

function probability(name: string, value: number | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : value.trim() === '' ? NaN : Number(value);
  if (!(n >= 0 && n <= 1)) throw new LabelError('USAGE', `${name} must be a number from 0 to 1, got '${value}'`);
  return n;
}

function positiveInt(name: string, value: number | string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'number' ? value : value.trim() === '' ? NaN : Number(value);
  if (!Number.isInteger(n) || n < 1) throw new LabelError('USAGE', `${name} must be a whole number of at least 1, got '${value}'`);
  return n;
}

/**
 * The most workers (and onnxruntime threads per worker) accepted: a few times the cores, at least
 * 16. More only compete for the cores, and each worker holds its own copy of the model:
 * `{ workers: 1000 }` ran out of memory, `{ threads: 1000 }` took 23 s to start (issue #23).
 */
export function parallelismBound(cores = os.availableParallelism()): number {
  return Math.max(16, 4 * cores);
}

function bounded(name: string, n: number, cores: number): number {
  const max = parallelismBound(cores);
  if (n > max) {
    throw new LabelError(
      'USAGE',
      `${name} must be at most ${max} (4 × the ${cores} available cores, at least 16): more only compete for the cores, and each worker holds a copy of the model; got ${n}`,
    );
  }
  return n;
}

/** Workers default to the available cores; threads per worker share the cores between them. */
export function normalizeLabellerOptions(opts: LabellerOptions = {}): LabellerConfig {
  const cores = os.availableParallelism();
  const workers = bounded('--workers', positiveInt('--workers', opts.workers, cores), cores);
  return {
    model: EMBEDDED_MODELS[opts.model ?? DEFAULTS.model] ?? opts.model!,
    modelName: opts.model ?? DEFAULTS.model,
    workers,
    threads: bounded('--threads', positiveInt('--threads', opts.threads, Math.max(1, Math.floor(cores / workers))), cores),
    batchSize: positiveInt('--batch-size', opts.batchSize, DEFAULTS.batchSize),
    neutral: opts.neutral ?? false,
  };
}

function normalizeRunOptions(opts: RunOptions, input: string | undefined): RunConfig {
  const onError = opts.onError ?? DEFAULTS.onError;
  if (onError !== 'fail' && onError !== 'skip') throw new LabelError('USAGE', `--on-error must be fail or skip, got '${onError}'`);
  if (opts.rejects !== undefined && onError !== 'skip') throw new LabelError('USAGE', '--rejects needs --on-error skip');
  const format = resolveFormat(opts.format, input);
  const d = REGISTRY[format];
  if (d.needsPath && input === undefined) {
    throw new LabelError('USAGE', `${d.title} input needs a file: it cannot be read from stdin or a pipe (${d.why.read})`);
  }
  return {
    ...normalizeLabellerOptions(opts),
    format,
    textColumn: opts.textColumn ?? DEFAULTS.textColumn,
    maxRecordSize: positiveInt('--max-record-size', opts.maxRecordSize, DEFAULTS.maxRecordSize),
    onError,
    rejects: opts.rejects,
    dedupe: opts.dedupe ?? true,
    dedupeTexts: positiveInt('dedupeTexts', opts.dedupeTexts, DEFAULT_DEDUPE_TEXTS),
  };
}

/** `input`/`output`: file paths, or undefined for streams (whose format is csv unless told). */
export function normalizeLabelFileOptions(opts: LabelFileOptions, input: string | undefined, output: string | undefined): LabelFileConfig {
  const run = normalizeRunOptions(opts, input);
  const labelName = opts.labelName ?? DEFAULTS.labelName;
  const confidenceName = opts.confidenceName ?? DEFAULTS.confidenceName;
  if (labelName === '' || confidenceName === '') throw new LabelError('USAGE', '--label-name and --confidence-name must not be empty');
  let outputFormat = (output !== undefined && output !== '-' ? formatOfExtension(output) : undefined) ?? run.format;
  if (opts.outputFormat !== undefined) outputFormat = resolveFormat(opts.outputFormat, undefined);
  // A quoted TSV input keeps its quoted TSV output unless told otherwise: the .tsv extension names both (a variant shares its extensions).
  if (opts.outputFormat === undefined && REGISTRY[run.format].variantOf === outputFormat) outputFormat = run.format;
  const resume = opts.resume ?? false;
  const restart = opts.restart ?? false;
  if (resume && restart) throw new LabelError('USAGE', '--resume and --restart exclude each other: continue the partial output, or discard it');
  if ((resume || restart) && (output === undefined || output === '-'))
    throw new LabelError('USAGE', `--${resume ? 'resume' : 'restart'} needs an output file (-o FILE)`);
  return {
    ...run,
    outputFormat,
    scores: opts.scores ?? false,
    labelName,
    confidenceName,
    minConfidence: probability('--min-confidence', opts.minConfidence),
    resume,
    restart,
  };
}

export function normalizeEvaluateOptions(opts: EvaluateOptions, input: string | undefined): EvaluateConfig {
  return {
    ...normalizeRunOptions(opts, input),
    labelColumn: opts.labelColumn ?? DEFAULTS.labelColumn,
    minConfidence: probability('--min-confidence', opts.minConfidence),
  };
}
