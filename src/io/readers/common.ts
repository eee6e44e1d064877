import { isUtf8 } from 'node:buffer';
import type { Schema } from 'apache-arrow';
import { LabelError, type ErrorCode } from '../../errors';
import type { Format, ReadItem } from '../../types';

export interface ReaderOptions {
  format: Format;
  /** Shown in error messages: the path, or `<stdin>`. */
  file: string;
  textColumn: string;
  /** eval only: the column (JSONL key) holding the gold label. */
  labelColumn?: string;
  /** Largest record accepted, in bytes; guards against an unclosed quote swallowing the file. */
  maxRecordBytes: number;
  /** JSONL: keys the output adds; an object that already has one is a bad row, never written with a duplicate key. */
  reservedKeys?: readonly string[];
}

export interface ReadStats {
  /** Blank lines passed over (not rows). */
  blankLines: number;
  /** JSONL with a label key asked for (eval): whether any object had that key at all. */
  labelKeySeen?: boolean;
}

export interface TableReader {
  /** CSV/TSV/Parquet: the columns. JSONL: undefined. */
  columns?: string[];
  /** Parquet: the Arrow schema, which the Parquet writer keeps. */
  schema?: Schema;
  items: AsyncGenerator<ReadItem>;
  stats: ReadStats;
}

/** A row that cannot be used; becomes a BadRow with the record's line. */
export class RowProblem extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
  }
}

/** Decodes one field or line, refusing what a silent replacement would hide. */
export function decodeField(buf: Buffer): string {
  if (!isUtf8(buf)) throw new RowProblem('INVALID_UTF8', 'invalid UTF-8 byte sequence');
  if (buf.includes(0)) throw new RowProblem('NUL_BYTE', 'NUL byte in field');
  return buf.toString('utf8');
}

export function missingColumn(what: string, name: string, found: string[], opts: ReaderOptions): LabelError {
  // A JSONL stream read as CSV has a "header" that is a JSON object: say what would work.
  const hint = found[0]?.trimStart().startsWith('{') ? '; the input looks like JSON lines: add --format jsonl' : '';
  return new LabelError(
    'MISSING_COLUMN',
    `no ${what} column '${name}'; columns found: ${found.length ? found.map((c) => `'${c}'`).join(', ') : '(none)'}${hint}`,
    { file: opts.file, line: 1 },
  );
}

/** Where the text and (for eval) gold-label columns are in a header; throws MISSING_COLUMN. */
export function locateColumns(columns: string[], opts: ReaderOptions): { textIdx: number; labelIdx: number } {
  const textIdx = columns.indexOf(opts.textColumn);
  if (textIdx < 0) throw missingColumn('text', opts.textColumn, columns, opts);
  let labelIdx = -1;
  if (opts.labelColumn !== undefined) {
    labelIdx = columns.indexOf(opts.labelColumn);
    if (labelIdx < 0) throw missingColumn('label', opts.labelColumn, columns, opts);
  }
  return { textIdx, labelIdx };
}

/** A gold label as written; empty means the row has none (eval leaves it unscored). */
export function goldOf(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** A byte-order mark may only open the first line. */
export function stripBom(bytes: Buffer): Buffer {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
}
