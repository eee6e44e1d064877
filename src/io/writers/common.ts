import type { Writable } from 'node:stream';
import type { Schema } from 'apache-arrow';
import { stringify as stringifySync } from 'csv-stringify/sync';
import type { LabelledRow } from '../../types';
import type { Format } from '../formats';
import { RowProblem } from '../rowProblem';
import { addedColumns, type OutputNames } from './outputNames';

export interface WriterOptions {
  format: Format;
  /**
   * The input's columns, written first in this order: a CSV/TSV header, or for JSONL input written
   * as CSV/TSV the keys of every object (see `scanJsonlKeys`). JSONL input without them (stdin): the
   * first object's keys, and a later object with another key is refused (`JSON_KEY_UNLISTED`).
   */
  inputColumns?: string[];
  id2label: readonly string[];
  names: OutputNames;
  /** The header is already in the destination (a resumed run appends rows after it). */
  headerWritten?: boolean;
}

/** Probabilities are written with 6 decimals: enough for 1e-4 parity, short enough to read. */
function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** The values appended to each row, in column order; null where nothing was predicted (empty text). */
export function predictionValues(lr: LabelledRow, opts: WriterOptions): (string | number | null)[] {
  const p = lr.prediction;
  const empty = p.labelId < 0;
  const values: (string | number | null)[] = [empty || p.abstained ? null : opts.id2label[p.labelId], empty ? null : round(p.confidence)];
  for (let i = 0; i < opts.names.scores.length; i++) {
    values.push(empty || !p.scores ? null : round(p.scores[i]));
  }
  return values;
}

/**
 * A non-string JSON value as JSON text, for a CSV/TSV field or a Parquet string cell. JSON.parse
 * reads any depth, but JSON.stringify recurses: a value nested some thousands of levels deep
 * overflows the stack. That row is a bad row (JSON_TOO_DEEP), not a crash; JSONL output, which
 * keeps the line as read, is not affected.
 */
export function jsonValueText(v: unknown, key: string): string {
  try {
    return JSON.stringify(v);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    throw new RowProblem(
      'JSON_TOO_DEEP',
      `the value of key '${key}' is nested too deeply to be written as text in a CSV, TSV or Parquet column; write JSONL, which keeps the line as it is`,
    );
  }
}

/** A JSON value as a CSV/TSV field: strings as they are, null and absent as empty, anything else as JSON. */
export function cell(v: unknown, key: string): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : jsonValueText(v, key);
}

/** One CSV (or quoted TSV) record, without its line end: a lone CR is quoted like LF. */
export function csvLine(fields: string[], delimiter: string): string {
  return stringifySync([fields], { delimiter, quoted_match: /\r/ }).replace(/\n$/, '');
}

export interface RowWriter {
  /**
   * Writes one row; false means the destination is full and `drain()` should be awaited. Throws a
   * RowProblem for a row the format cannot hold (a TSV field with a tab or line break).
   */
  write(lr: LabelledRow): boolean;
  /** Waits until the destination takes more; rejects when the destination fails. */
  drain(): Promise<void>;
  /**
   * Hands everything written to the destination and resolves once it has taken it. Does not end
   * the destination: ending process.stdout on a terminal never finishes, and the caller owns it.
   */
  flush(): Promise<void>;
  /** Resolves once every row written so far has reached the destination; the writer stays open (a checkpoint). */
  sync(): Promise<void>;
}

/** What a writer to a path (a format that needs one: Parquet) is given. */
export interface PathWriterOptions {
  /** The final output path. */
  path: string;
  /** Where the file is written until end() renames it to `path` (default: `path`.partial). */
  partial?: string;
  /** Shown in error messages (defaults to path). */
  file?: string;
  /** The reader's schema (Parquet input), whose typed values the writer keeps; rows then carry their source. */
  inputSchema?: Schema;
  /** CSV/TSV input: the header. JSONL input: leave inputSchema and inputColumns undefined (the first object's keys are used). */
  inputColumns?: string[];
  id2label: readonly string[];
  names: OutputNames;
}

/** A writer to a path: the file is whole only once end() has written it and renamed it into place. */
export interface PathRowWriter {
  /** Buffers one row; false once the encoder is behind: await drain(). */
  write(lr: LabelledRow): boolean;
  drain(signal?: AbortSignal): Promise<void>;
  /** Writes what is left (a Parquet footer), then renames the file into place. */
  end(): Promise<void>;
  /** Stops and removes the partial file (on an error or a signal). */
  abort(): Promise<void>;
}

/** Rejects when the destination fails (EPIPE when the reader of stdout is gone), so no wait outlives it. */
export function failureOf(out: Writable): Promise<never> {
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => undefined);
  return failed;
}

/** Resolves once `out` has handed every chunk written so far to the system. */
export async function taken(out: Writable, failed: Promise<never>): Promise<void> {
  if (out.destroyed) return;
  await Promise.race([new Promise<void>((resolve, reject) => out.write('', (err) => (err ? reject(err) : resolve()))), failed]);
}

/** Shared by the CSV and TSV writers (writers/csv.ts, writers/tsv.ts): the header, the columns of JSONL input, the field list of a row. */
export abstract class TableWriter implements RowWriter {
  protected readonly failed: Promise<never>;
  private columns?: string[];
  private columnSet?: Set<string>;

  constructor(
    protected readonly out: Writable,
    protected readonly opts: WriterOptions,
  ) {
    this.failed = failureOf(out);
  }

  protected abstract writeFields(fields: string[]): boolean;

  /** Writes the header once: from the input's columns, else (JSONL from stdin) from the first object's keys. */
  protected header(first?: LabelledRow): string[] | undefined {
    if (!this.columns) {
      const columns = this.opts.inputColumns ?? (first ? Object.keys(first.row.object ?? {}) : undefined);
      if (columns === undefined) return undefined;
      this.columns = columns;
      this.columnSet = new Set(columns);
      if (!this.opts.headerWritten) this.writeFields([...columns, ...addedColumns(this.opts.names)]);
    }
    return this.columns;
  }

  write(lr: LabelledRow): boolean {
    const columns = this.header(lr)!;
    let fields = lr.row.fields;
    if (!fields) {
      const object = lr.row.object ?? {};
      const unlisted = Object.keys(object).find((k) => !this.columnSet!.has(k));
      if (unlisted !== undefined) {
        throw new RowProblem(
          'JSON_KEY_UNLISTED',
          `key '${unlisted}' is not among the columns taken from the first object; read a file (all keys are collected first) or write JSONL`,
        );
      }
      fields = columns.map((c) => cell(object[c], c));
    }
    return this.writeFields([...fields, ...predictionValues(lr, this.opts).map((v) => cell(v, ''))]);
  }

  abstract drain(): Promise<void>;
  abstract flush(): Promise<void>;
  abstract sync(): Promise<void>;
}
