import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { stringify, type Stringifier } from 'csv-stringify';
import { stringify as stringifySync } from 'csv-stringify/sync';
import { LabelError } from '../../errors';
import type { Format, InputRow, LabelledRow } from '../../types';
import { delimiterOf, REGISTRY, unknownFormat } from '../formats';
import { columnLabel, duplicateColumn } from '../readers/common';
import { RowProblem } from '../rowProblem';
import { addedColumns, type OutputNames } from './outputNames';

export { addedColumns, checkOutputNames, outputNames, type OutputNames } from './outputNames';

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

/**
 * A header with a name twice (two empty names count) is written as CSV/TSV as it came, column by
 * column; JSONL would get two keys of that name, of which every JSON reader keeps the last, and a
 * Parquet schema two fields nobody can tell apart: a label would seem to belong to the wrong text.
 * Refused before anything is written (exit 2). A single empty name (pandas' index) is fine.
 */
export function checkDistinctColumns(columns: readonly string[] | undefined, format: Format, file: string): void {
  if (columns === undefined || !REGISTRY[format].uniqueNames) return;
  const dup = duplicateColumn(columns);
  if (dup === undefined) return;
  throw new LabelError(
    'COLUMN_DUPLICATE',
    `columns ${dup.first} and ${dup.second} are both named ${columnLabel(dup.name)}, which ${REGISTRY[format].title} output cannot hold apart; rename one, or write CSV or TSV`,
    { file, line: 1 },
  );
}

/** Probabilities are written with 6 decimals: enough for 1e-4 parity, short enough to read. */
function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** The values appended to each row, in column order; null where nothing was predicted (empty text). */
function predictionValues(lr: LabelledRow, opts: WriterOptions): (string | number | null)[] {
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
function cell(v: unknown, key: string): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : jsonValueText(v, key);
}

/** The input record as text, for a rejects file: JSONL keeps its line; CSV/TSV rows are written back from their fields. */
export function rawRecord(row: InputRow, format: Format): string {
  if (row.raw !== undefined) return row.raw.replace(/\r$/, '');
  const fields = row.fields ?? [row.text];
  if (format === 'tsv') return fields.join('\t');
  return csvLine(fields, delimiterOf(format));
}

function csvLine(fields: string[], delimiter: string): string {
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

/** A writer to a stream, for every format but Parquet (which needs a path: writers/parquet.ts). */
export function createRowWriter(out: Writable, opts: WriterOptions): RowWriter {
  switch (opts.format) {
    case 'jsonl':
      return new JsonlWriter(out, opts);
    case 'tsv':
      return new TsvWriter(out, opts);
    case 'csv':
    case 'tsv-quoted':
      return new CsvWriter(out, opts);
    case 'parquet':
      throw new Error('createRowWriter: Parquet is written to a path, by createParquetWriter');
    default:
      return unknownFormat(opts.format);
  }
}

/** Rejects when the destination fails (EPIPE when the reader of stdout is gone), so no wait outlives it. */
function failureOf(out: Writable): Promise<never> {
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => undefined);
  return failed;
}

/** Resolves once `out` has handed every chunk written so far to the system. */
async function taken(out: Writable, failed: Promise<never>): Promise<void> {
  if (out.destroyed) return;
  await Promise.race([new Promise<void>((resolve, reject) => out.write('', (err) => (err ? reject(err) : resolve()))), failed]);
}

/** Shared by the CSV and TSV writers: the header, the columns of JSONL input, the field list of a row. */
abstract class TableWriter implements RowWriter {
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

class CsvWriter extends TableWriter {
  private readonly csv: Stringifier;
  private full = false;

  constructor(out: Writable, opts: WriterOptions) {
    super(out, opts);
    // A lone CR is a line break to Python's csv module and to pandas: quote it like LF.
    this.csv = stringify({ delimiter: delimiterOf(opts.format), record_delimiter: 'unix', quoted_match: /\r/ });
    this.csv.pipe(out, { end: false });
  }

  protected writeFields(fields: string[]): boolean {
    const ok = this.csv.write(fields);
    if (!ok) this.full = true;
    return ok;
  }

  async drain(): Promise<void> {
    if (this.full) {
      await Promise.race([once(this.csv, 'drain'), this.failed]);
      this.full = false;
    }
  }

  async flush(): Promise<void> {
    this.header();
    const ended = once(this.csv, 'end');
    this.csv.end();
    await Promise.race([ended, this.failed]);
    await taken(this.out, this.failed);
  }

  async sync(): Promise<void> {
    // the stringifier hands its rows on as it gets them; wait out anything it still holds
    while (this.csv.writableLength > 0 || this.csv.readableLength > 0) await new Promise((r) => setImmediate(r));
    await taken(this.out, this.failed);
  }
}

/** IANA TSV: fields joined by tabs, no quoting; a field holding a tab or line break cannot be written. */
class TsvWriter extends TableWriter {
  protected writeFields(fields: string[]): boolean {
    const bad = fields.findIndex((f) => /[\t\n\r]/.test(f));
    if (bad >= 0) {
      throw new RowProblem(
        'TSV_UNREPRESENTABLE',
        `field ${bad + 1} holds a tab or line break, which TSV cannot represent; write CSV, JSONL or --output-format tsv-quoted`,
      );
    }
    return this.out.write(fields.join('\t') + '\n');
  }

  async drain(): Promise<void> {
    if (this.out.writableNeedDrain) await Promise.race([once(this.out, 'drain'), this.failed]);
  }

  async flush(): Promise<void> {
    this.header();
    await taken(this.out, this.failed);
  }

  async sync(): Promise<void> {
    await taken(this.out, this.failed);
  }
}

class JsonlWriter implements RowWriter {
  private readonly keys: string[];
  private readonly failed: Promise<never>;

  constructor(
    private readonly out: Writable,
    private readonly opts: WriterOptions,
  ) {
    this.failed = failureOf(out);
    this.keys = addedColumns(opts.names);
  }

  write(lr: LabelledRow): boolean {
    const values = predictionValues(lr, this.opts);
    const added = this.keys.map((k, i) => `${JSON.stringify(k)}:${JSON.stringify(values[i])}`).join(',');
    let line: string;
    if (lr.row.raw !== undefined) {
      // Keep the original line byte for byte: splice the new keys in before its closing brace;
      // what follows the brace (spaces, the CR of a CRLF line end) stays after it.
      const raw = lr.row.raw;
      const close = raw.lastIndexOf('}');
      line = `${raw.slice(0, close)}${Object.keys(lr.row.object ?? {}).length > 0 ? ',' : ''}${added}${raw.slice(close)}`;
    } else {
      const cols = this.opts.inputColumns ?? [];
      const pairs = cols.map((c, i) => `${JSON.stringify(c)}:${JSON.stringify(lr.row.fields?.[i] ?? '')}`);
      line = `{${[...pairs, added].join(',')}}`;
    }
    return this.out.write(line + '\n');
  }

  async drain(): Promise<void> {
    if (this.out.writableNeedDrain) await Promise.race([once(this.out, 'drain'), this.failed]);
  }

  async flush(): Promise<void> {
    await taken(this.out, this.failed);
  }

  async sync(): Promise<void> {
    await taken(this.out, this.failed);
  }
}
