import type { ErrorCode } from './errors';

/** One record read from the input, with everything needed to write it back unchanged. */
export interface InputRow {
  kind: 'row';
  /** 1-based line where the record starts. */
  line: number;
  text: string;
  /** CSV/TSV: the fields in header order. */
  fields?: string[];
  /** JSONL: the original line, written back byte for byte; and the parsed object for format conversion. */
  raw?: string;
  object?: Record<string, unknown>;
  /** eval: the gold label as written in the input; undefined when the row has none (absent, null or empty). */
  gold?: string;
  /** Input bytes of the record (for progress). */
  bytes?: number;
}

/** A record that could not be read, kept in its place so that `--on-error skip` can report it in order. */
export interface BadRow {
  kind: 'bad';
  line: number;
  code: ErrorCode;
  reason: string;
  raw: string;
  /** Input bytes of the record (for progress). */
  bytes?: number;
}

export type ReadItem = InputRow | BadRow;

export interface Prediction {
  /** -1 when the text was empty and nothing was predicted. */
  labelId: number;
  confidence: number;
  scores?: Float32Array;
  /** The confidence is below --min-confidence: the label is written empty, the confidence as it is. */
  abstained?: boolean;
}

export interface LabelledRow {
  row: InputRow;
  prediction: Prediction;
}

/** Per text of a batch: the winning label id and its probability; `scores` holds numLabels probabilities per text. */
export interface BatchOutput {
  labelIds: Int32Array;
  confidences: Float32Array;
  scores: Float32Array;
}
