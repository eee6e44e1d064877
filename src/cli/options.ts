import { Option } from 'commander';
import { DEFAULT_MODEL_DIR } from '../app/options';

/**
 * The CLI's options, declared once as commander options. Values stay as typed (strings for
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
  progress: boolean;
}

export interface LabelCliOptions extends CommonCliOptions {
  minConfidence?: string;
  output?: string;
  outputFormat?: string;
  scores: boolean;
  labelName?: string;
  confidenceName?: string;
}

export interface EvalCliOptions extends CommonCliOptions {
  minConfidence?: string;
  labelColumn?: string;
  json: boolean;
}

/** Options shared by `emotion-label` and `emotion-label eval`. */
export function commonOptions(): Option[] {
  return [
    new Option('--format <format>', 'input format: csv, tsv (no quoting), tsv-quoted or jsonl (default: from the extension; stdin: csv)'),
    new Option('--text-column <name>', 'column (JSONL key) holding the text (default: "text")'),
    new Option('--model <dir|name>', `model directory (Hugging Face layout with model.onnx), or an embedded model: default (${DEFAULT_MODEL_DIR}) or fast`),
    new Option('--workers <n>', 'worker threads, each with its own ONNX session (default: available cores)'),
    new Option('--threads <n>', 'onnxruntime threads per worker (default: cores / workers)'),
    new Option('--batch-size <n>', 'texts per inference batch (default: 16)'),
    new Option('--max-record-size <bytes>', 'largest record accepted; guards against an unclosed quote (default: 8 MiB)'),
    new Option('--on-error <policy>', 'bad rows: fail (stop at the first) or skip (report them and go on)').choices(['fail', 'skip']),
    new Option('--rejects <file>', 'with --on-error skip: write bad rows here (line, code, reason, raw text)'),
    new Option('--no-progress', 'no progress bar on stderr'),
  ];
}

export function labelOptions(): Option[] {
  return [
    new Option('-o, --output <file>', 'write here instead of stdout (written to a temporary file, renamed when complete)'),
    new Option('--output-format <format>', 'csv, tsv, tsv-quoted or jsonl (default: the input format)'),
    new Option('--scores', 'add one column per label with its probability (score_<label>)').default(false),
    new Option('--label-name <name>', 'name of the added label column (default: "label")'),
    new Option('--confidence-name <name>', 'name of the added confidence column (default: "confidence")'),
    new Option('--min-confidence <p>', 'leave the label empty (the confidence written) where the confidence is below p (0-1)'),
  ];
}

export function evalOptions(): Option[] {
  return [
    new Option('--label-column <name>', 'column (JSONL key) holding the gold label: a label name or id (default: "label")'),
    new Option('--json', 'print one JSON object instead of the table').default(false),
    new Option('--min-confidence <p>', 'add this threshold to the selective table (coverage and accuracy of the rows at or above it)'),
  ];
}
