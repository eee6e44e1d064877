import { Option } from 'commander';
import { DEFAULTS, EMBEDDED_MODELS } from '../app/options';
import { FORMATS, REGISTRY, STREAM_FORMAT } from '../io/formats';

/**
 * The CLI's options, declared once as commander options: `--help` prints them, and README.md's
 * options table is checked against them (test/docs.test.ts, which also rewrites the table:
 * `UPDATE_DOCS=1 npx jest test/docs.test.ts`). Defaults come from the app's DEFAULTS. Values stay as typed (strings for
 * numbers): they are validated in one place, the app's normalize*Options().
 */
export interface CommonCliOptions {
  format?: string;
  textColumn?: string;
  model?: string;
  workers?: string;
  threads?: string;
  batchSize?: string;
  maxRecordSize?: string;
  onError?: string;
  rejects?: string;
  neutral?: boolean;
  dedupe?: boolean;
  progress: boolean;
}

export interface LabelCliOptions extends CommonCliOptions {
  minConfidence?: string;
  output?: string;
  outputFormat?: string;
  scores?: boolean;
  labelName?: string;
  confidenceName?: string;
  report?: string;
  resume?: boolean;
  restart?: boolean;
}

export interface EvalCliOptions extends CommonCliOptions {
  minConfidence?: string;
  labelColumn?: string;
  json?: boolean;
  report?: string;
}

const oneOf = (items: readonly string[]) => `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
const FORMAT_LIST = oneOf(FORMATS.map((f) => REGISTRY[f].help));
const EXTENSION_LIST = FORMATS.flatMap((f) => REGISTRY[f].extensions).join(' ');
const MODEL_LIST = oneOf(Object.keys(EMBEDDED_MODELS));
const quoted = (s: string) => `"${s}"`;

/** Options shared by `emotion-label` and `emotion-label eval`. */
export function commonOptions(): Option[] {
  return [
    new Option('--format <format>', `input format: ${FORMAT_LIST} (default: from the extension: ${EXTENSION_LIST}; stdin: ${STREAM_FORMAT})`),
    new Option('--text-column <name>', `column (JSONL key) holding the text (default: ${quoted(DEFAULTS.textColumn)})`),
    new Option(
      '--model <dir|name>',
      `model directory (Hugging Face layout with model.onnx), or an embedded model by name: ${MODEL_LIST} (default: ${DEFAULTS.model})`,
    ),
    new Option('--workers <n>', 'worker threads, each with its own ONNX session; at most 4 × cores, at least 16 (default: available cores)'),
    new Option('--threads <n>', 'onnxruntime threads per worker; same bound (default: cores / workers)'),
    new Option('--batch-size <n>', `texts per inference batch (default: ${DEFAULTS.batchSize})`),
    new Option('--max-record-size <bytes>', `largest record accepted; guards against an unclosed quote (default: ${DEFAULTS.maxRecordSize / 1024 / 1024} MiB)`),
    new Option('--on-error <policy>', `bad rows: fail (stop at the first) or skip (report them and go on) (default: ${DEFAULTS.onError})`).choices([
      'fail',
      'skip',
    ]),
    new Option('--rejects <file>', 'with --on-error skip: write bad rows here (line, code, reason, raw text)'),
    new Option('--neutral', 'include "no emotion": the model\'s neutral label is one of the labels (a model that declares a neutral view only)'),
    new Option('--no-dedupe', 'run the model on every row, even on a text seen before (default: each distinct text once, the last 65,536 remembered)'),
    new Option('--no-progress', 'no progress bar on stderr'),
  ];
}

export function labelOptions(): Option[] {
  return [
    new Option(
      '-o, --output <file>',
      'write here instead of stdout (through FILE.partial, renamed when complete; a stopped run keeps it for --resume; parquet needs it)',
    ),
    new Option('--resume', 'with -o: continue the FILE.partial a stopped run of the same input, model and options left (else start from the first row)'),
    new Option('--restart', 'with -o: discard the FILE.partial a stopped run left and start from the first row'),
    new Option('--output-format <format>', `output format: ${oneOf(FORMATS)} (default: the one the -o file's extension names, else the input format)`),
    new Option('--scores', 'add one column per label with its probability (score_<label>)'),
    new Option('--label-name <name>', `name of the added label column (default: ${quoted(DEFAULTS.labelName)})`),
    new Option('--confidence-name <name>', `name of the added confidence column (default: ${quoted(DEFAULTS.confidenceName)})`),
    new Option('--min-confidence <p>', 'leave the label empty (the confidence written) where the confidence is below p (0-1)'),
    new Option('--report <file.html>', 'also write a self-contained HTML page of the run: rows per label, confidence per label, rows below 0.5/0.7/0.9, speed'),
  ];
}

export function evalOptions(): Option[] {
  return [
    new Option('--label-column <name>', `column (JSONL key) holding the gold label: a label name or id (default: ${quoted(DEFAULTS.labelColumn)})`),
    new Option('--json', 'print one JSON object instead of the table'),
    new Option('--min-confidence <p>', 'add this threshold to the selective table (coverage and accuracy of the rows at or above it)'),
    new Option(
      '--report <file.html>',
      'also write a self-contained HTML page: headline figures, confusion heatmap, per-label bars, reliability diagram, coverage-accuracy curve',
    ),
  ];
}
