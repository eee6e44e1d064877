import * as os from 'node:os';
import * as path from 'node:path';
import { Option } from 'commander';
import { LabelError } from '../errors';

/** The embedded default model, shipped in the package's model/ folder. */
export const DEFAULT_MODEL_DIR = path.resolve(__dirname, '../../model');

export interface CommonOptions {
  format?: string;
  textColumn: string;
  model: string;
  workers?: number;
  threads?: number;
  batchSize: number;
  maxRecordSize: number;
  onError: 'fail' | 'skip';
  rejects?: string;
  progress: boolean;
}

export interface LabelCommandOptions extends CommonOptions {
  output?: string;
  outputFormat?: string;
  scores: boolean;
  labelName: string;
  confidenceName: string;
}

export interface EvalCommandOptions extends CommonOptions {
  labelColumn: string;
  json: boolean;
}

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new LabelError('USAGE', `${name} must be a whole number of at least 1, got '${value}'`);
    return n;
  };
}

/** Options shared by `emotion-label` and `emotion-label eval`, declared once. */
export function commonOptions(): Option[] {
  return [
    new Option('--format <format>', 'input format: csv, tsv or jsonl (default: from the extension; stdin: csv)'),
    new Option('--text-column <name>', 'column (JSONL key) holding the text').default('text'),
    new Option('--model <dir>', 'model directory (Hugging Face layout with model.onnx)').default(DEFAULT_MODEL_DIR, 'the embedded model'),
    new Option('--workers <n>', 'worker threads, each with its own ONNX session (default: available cores)').argParser(positiveInt('--workers')),
    new Option('--threads <n>', 'onnxruntime threads per worker (default: cores / workers)').argParser(positiveInt('--threads')),
    new Option('--batch-size <n>', 'texts per inference batch').default(16).argParser(positiveInt('--batch-size')),
    new Option('--max-record-size <bytes>', 'largest record accepted; guards against an unclosed quote').default(8 * 1024 * 1024).argParser(positiveInt('--max-record-size')),
    new Option('--on-error <policy>', 'bad rows: fail (stop at the first) or skip (report them and go on)').choices(['fail', 'skip']).default('fail'),
    new Option('--rejects <file>', 'with --on-error skip: write bad rows here (line, code, reason, raw text)'),
    new Option('--no-progress', 'no progress bar on stderr'),
  ];
}

export function labelOptions(): Option[] {
  return [
    new Option('-o, --output <file>', 'write here instead of stdout (written to a temporary file, renamed when complete)'),
    new Option('--output-format <format>', 'csv, tsv or jsonl (default: the input format)'),
    new Option('--scores', 'add one column per label with its probability (score_<label>)').default(false),
    new Option('--label-name <name>', 'name of the added label column').default('label'),
    new Option('--confidence-name <name>', 'name of the added confidence column').default('confidence'),
  ];
}

export function evalOptions(): Option[] {
  return [
    new Option('--label-column <name>', 'column (JSONL key) holding the gold label: a label name or id').default('label'),
    new Option('--json', 'print one JSON object instead of the table').default(false),
  ];
}

/** Workers default to the available cores; threads per worker share the cores between them. */
export function resolveParallelism(opts: CommonOptions): { workers: number; threads: number } {
  const cores = os.availableParallelism();
  const workers = opts.workers ?? cores;
  const threads = opts.threads ?? Math.max(1, Math.floor(cores / workers));
  return { workers, threads };
}
