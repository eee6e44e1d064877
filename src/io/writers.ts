import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { stringify, type Stringifier } from 'csv-stringify';
import type { Format, LabelledRow } from '../types';
import { delimiterOf } from './formats';

export interface OutputNames {
  label: string;
  confidence: string;
  /** One extra column per label with its probability (--scores), in id order; empty when off. */
  scores: string[];
}

export interface WriterOptions {
  format: Format;
  /** CSV/TSV input: its header. JSONL input: undefined (the first object's keys are used). */
  inputColumns?: string[];
  id2label: readonly string[];
  names: OutputNames;
}

export function outputNames(opts: { labelName: string; confidenceName: string; scores: boolean }, id2label: readonly string[]): OutputNames {
  return {
    label: opts.labelName,
    confidence: opts.confidenceName,
    scores: opts.scores ? id2label.map((l) => `score_${l}`) : [],
  };
}

/** Probabilities are written with 6 decimals: enough for 1e-4 parity, short enough to read. */
function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** The values appended to each row, in column order; null where nothing was predicted (empty text). */
function predictionValues(lr: LabelledRow, opts: WriterOptions): (string | number | null)[] {
  const p = lr.prediction;
  const empty = p.labelId < 0;
  const values: (string | number | null)[] = [empty ? null : opts.id2label[p.labelId], empty ? null : round(p.confidence)];
  for (let i = 0; i < opts.names.scores.length; i++) {
    values.push(empty || !p.scores ? null : round(p.scores[i]));
  }
  return values;
}

function cell(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export interface RowWriter {
  /** Writes one row; false means the destination is full and `drain()` should be awaited. */
  write(lr: LabelledRow): boolean;
  /** Waits until the destination takes more; rejects when the signal aborts (stdout closed, SIGINT). */
  drain(signal?: AbortSignal): Promise<void>;
  /** Ends the output and resolves once everything is handed to the destination. */
  end(): Promise<void>;
}

export function createRowWriter(out: Writable, opts: WriterOptions): RowWriter {
  return opts.format === 'jsonl' ? new JsonlWriter(out, opts) : new DelimitedWriter(out, opts);
}

/** Rejects when the destination fails (EPIPE when the reader of stdout is gone), so no wait outlives it. */
function failureOf(out: Writable): Promise<never> {
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => undefined);
  return failed;
}

class DelimitedWriter implements RowWriter {
  private readonly csv: Stringifier;
  private readonly failed: Promise<never>;
  private columns?: string[];
  private full = false;

  constructor(private readonly out: Writable, private readonly opts: WriterOptions) {
    this.failed = failureOf(out);
    this.csv = stringify({ delimiter: delimiterOf(opts.format), record_delimiter: 'unix' });
    // The stream is ended by end() itself: pipe() never ends process.stdout, and we must know when it has drained.
    this.csv.pipe(out, { end: false });
    if (opts.inputColumns) this.writeHeader(opts.inputColumns);
  }

  private writeHeader(inputColumns: string[]): void {
    this.columns = inputColumns;
    const n = this.opts.names;
    this.csv.write([...inputColumns, n.label, n.confidence, ...n.scores]);
  }

  write(lr: LabelledRow): boolean {
    if (!this.columns) this.writeHeader(Object.keys(lr.row.object ?? {}));
    const fields = lr.row.fields ?? this.columns!.map((c) => cell(lr.row.object?.[c]));
    const ok = this.csv.write([...fields, ...predictionValues(lr, this.opts).map(cell)]);
    if (!ok) this.full = true;
    return ok;
  }

  async drain(signal?: AbortSignal): Promise<void> {
    if (this.full) {
      await Promise.race([once(this.csv, 'drain', { signal }), this.failed]);
      this.full = false;
    }
  }

  async end(): Promise<void> {
    const flushed = once(this.csv, 'end');
    this.csv.end();
    await Promise.race([flushed, this.failed]);
    this.out.end();
    await Promise.race([finished(this.out), this.failed]);
  }
}

class JsonlWriter implements RowWriter {
  private readonly keys: string[];
  private readonly failed: Promise<never>;

  constructor(private readonly out: Writable, private readonly opts: WriterOptions) {
    this.failed = failureOf(out);
    this.keys = [opts.names.label, opts.names.confidence, ...opts.names.scores];
  }

  write(lr: LabelledRow): boolean {
    const values = predictionValues(lr, this.opts);
    const added = this.keys.map((k, i) => `${JSON.stringify(k)}:${JSON.stringify(values[i])}`).join(',');
    let line: string;
    if (lr.row.raw !== undefined) {
      // Keep the original object byte for byte: splice the new keys in before its closing brace.
      const body = lr.row.raw.trimEnd();
      const inner = body.slice(0, -1);
      line = `${inner}${Object.keys(lr.row.object ?? {}).length > 0 ? ',' : ''}${added}}`;
    } else {
      const cols = this.opts.inputColumns ?? [];
      const pairs = cols.map((c, i) => `${JSON.stringify(c)}:${JSON.stringify(lr.row.fields?.[i] ?? '')}`);
      line = `{${[...pairs, added].join(',')}}`;
    }
    return this.out.write(line + '\n');
  }

  async drain(signal?: AbortSignal): Promise<void> {
    if (this.out.writableNeedDrain) await Promise.race([once(this.out, 'drain', { signal }), this.failed]);
  }

  async end(): Promise<void> {
    this.out.end();
    await Promise.race([finished(this.out), this.failed]);
  }
}
