export type Format = 'csv' | 'tsv' | 'jsonl';

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
  /** eval: the gold label as written in the input. */
  gold?: string;
}

/** A record that could not be read, kept in its place so that `--on-error skip` can report it in order. */
export interface BadRow {
  kind: 'bad';
  line: number;
  code: string;
  reason: string;
  raw: string;
}

export type ReadItem = InputRow | BadRow;

export interface Prediction {
  /** -1 when the text was empty and nothing was predicted. */
  labelId: number;
  confidence: number;
  scores?: Float32Array;
}

export interface LabelledRow {
  row: InputRow;
  prediction: Prediction;
}
