import { isUtf8 } from 'node:buffer';
import type { Schema } from 'apache-arrow';
import { LabelError } from '../../errors';
import { RowProblem } from '../rowProblem';
import type { InputRow, ReadItem } from '../../types';
import type { Format } from '../formats';

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
  /** JSONL: whether any object had the text key at all. */
  textKeySeen?: boolean;
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

/** Decodes one field or line, refusing what a silent replacement would hide. */
export function decodeField(buf: Buffer): string {
  if (!isUtf8(buf)) throw new RowProblem('INVALID_UTF8', 'invalid UTF-8 byte sequence');
  if (buf.includes(0)) throw new RowProblem('NUL_BYTE', 'NUL byte in field');
  return buf.toString('utf8');
}

export function missingColumn(what: string, name: string, found: string[], opts: Pick<ReaderOptions, 'file'>): LabelError {
  // A JSONL stream read as CSV has a "header" that is a JSON object: say what would work.
  const hint = found[0]?.trimStart().startsWith('{') ? '; the input looks like JSON lines: add --format jsonl' : '';
  return new LabelError(
    'MISSING_COLUMN',
    `no ${what} column '${name}'; columns found: ${found.length ? found.map((c) => `'${c}'`).join(', ') : '(none)'}${hint}`,
    { file: opts.file, line: 1 },
  );
}

/** A column name as messages show it: quoted, or `(empty)` for the empty name pandas gives its index column. */
export function columnLabel(name: string): string {
  return name === '' ? '(empty)' : `'${name}'`;
}

/** The first name the header has twice (two empty names count), with both 1-based positions. */
export function duplicateColumn(columns: readonly string[]): { name: string; first: number; second: number } | undefined {
  const seen = new Map<string, number>();
  for (let i = 0; i < columns.length; i++) {
    const first = seen.get(columns[i]);
    if (first !== undefined) return { name: columns[i], first: first + 1, second: i + 1 };
    seen.set(columns[i], i);
  }
  return undefined;
}

/** Where column `name` is among `columns` (a header, a Parquet schema); throws MISSING_COLUMN naming what was found. */
export function columnIndex(what: 'text' | 'label', name: string, columns: string[], opts: Pick<ReaderOptions, 'file'>): number {
  const idx = columns.indexOf(name);
  if (idx < 0) throw missingColumn(what, name, columns, opts);
  return idx;
}

/** Where the text and (for eval) gold-label columns are in a header; throws MISSING_COLUMN, or COLUMN_DUPLICATE when one of them is named twice. */
export function locateColumns(columns: string[], opts: ReaderOptions): { textIdx: number; labelIdx: number } {
  const locate = (what: 'text' | 'label', name: string): number => {
    const idx = columnIndex(what, name, columns, opts);
    const again = columns.indexOf(name, idx + 1);
    if (again >= 0) {
      throw new LabelError(
        'COLUMN_DUPLICATE',
        `columns ${idx + 1} and ${again + 1} are both named ${columnLabel(name)}: which one is the ${what} is ambiguous; rename one`,
        {
          file: opts.file,
          line: 1,
        },
      );
    }
    return idx;
  };
  const textIdx = locate('text', opts.textColumn);
  const labelIdx = opts.labelColumn !== undefined ? locate('label', opts.labelColumn) : -1;
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

/**
 * A UTF-16 byte-order mark opening the input (FF FE or FE FF): the whole file is in another
 * encoding, which showed up as a NUL byte on line 2. One clear error at line 1 instead.
 */
export function refuseUtf16(first: Buffer | string, file: string): void {
  const at = (i: number) => (typeof first === 'string' ? first.charCodeAt(i) : first[i]);
  const le = at(0) === 0xff && at(1) === 0xfe;
  if (le || (at(0) === 0xfe && at(1) === 0xff)) {
    throw new LabelError(
      'INVALID_UTF8',
      `the input is UTF-16 (${le ? 'little' : 'big'}-endian: it opens with the byte-order mark ${le ? 'FF FE' : 'FE FF'}); emotion-label reads UTF-8: convert it first, e.g. iconv -f UTF-16 -t UTF-8`,
      { file, line: 1 },
    );
  }
}

/** A row's line as read (JSONL, a Parquet row's JSON), without the CR of a CRLF end: what a rejects file holds of it. */
export function lineAsRead(row: InputRow): string {
  if (row.raw === undefined) throw new Error(`line ${row.line}: the row does not carry its line as read`);
  return row.raw.replace(/\r$/, '');
}
