import * as path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { LabelError } from '../../errors';
import type { InputRow } from '../../types';
import type { ReadBackOptions, WrittenPrediction } from '../readBack';
import { columnLabel, duplicateColumn, type ReaderOptions, type TableReader } from '../readers/common';
import type { RowWriter, WriterOptions } from '../writers/common';
import { csv } from './csv';
import type { FormatDescriptor, PathFormat } from './descriptor';
import { jsonl } from './jsonl';
import { parquet } from './parquet';
import { tsv } from './tsv';
import { tsvQuoted } from './tsvQuoted';

export type { FormatDescriptor, PathFormat, StreamFormat } from './descriptor';
export type { ReaderOptions, ReadStats, TableReader } from '../readers/common';
export type { PathRowWriter, PathWriterOptions, RowWriter, WriterOptions } from '../writers/common';
export { addedColumns, checkOutputNames, outputNames, type OutputNames } from '../writers/outputNames';

/**
 * Every format, in the order help and messages list them: one descriptor each (its file in this
 * folder holds what it is, its reader, its writer and its read-back). A new format is a file here
 * and a line in this list; `Format` is the list's names, so nothing else names them.
 */
const DESCRIPTORS = {
  csv,
  tsv,
  'tsv-quoted': tsvQuoted,
  jsonl,
  parquet,
};

/** A format's name, as --format and --output-format take it. */
export type Format = keyof typeof DESCRIPTORS;

export const REGISTRY: Readonly<Record<Format, FormatDescriptor>> = DESCRIPTORS;

export const FORMATS = Object.keys(REGISTRY) as readonly Format[];

/** The format of a stream (stdin, a pipe) when none is given. */
export const STREAM_FORMAT: Format = 'csv';

/** The extensions that name a format, from the registry. */
export const BY_EXTENSION: Readonly<Record<string, Format>> = Object.fromEntries(FORMATS.flatMap((f) => REGISTRY[f].extensions.map((e) => [e, f])));

/** The format a file's extension names, if it names one. */
export function formatOfExtension(file: string): Format | undefined {
  return BY_EXTENSION[path.extname(file).toLowerCase()];
}

/** The format named by --format, else by the file's extension; stdin defaults to CSV. */
export function resolveFormat(explicit: string | undefined, file: string | undefined): Format {
  if (explicit !== undefined) {
    const name = explicit.toLowerCase();
    const f = FORMATS.find((k) => k === name || REGISTRY[k].aliases?.includes(name));
    if (f === undefined) {
      throw new LabelError('USAGE', `unknown format '${explicit}' (expected one of: ${FORMATS.join(', ')})`);
    }
    return f;
  }
  if (file === undefined || file === '-') return STREAM_FORMAT;
  const f = formatOfExtension(file);
  if (f === undefined) {
    throw new LabelError('USAGE', `cannot tell the format of '${file}' from its extension; use --format ${FORMATS.join('|')}`);
  }
  return f;
}

/**
 * Opens the input; resolves once the header (CSV/TSV) or footer (Parquet) is read and the needed
 * columns are checked. `input` is a stream, or for a format that needs random access a path.
 */
export async function openReader(input: Readable | string, opts: ReaderOptions): Promise<TableReader> {
  // Which of the two the input is was settled with the options (normalizeRunOptions refuses a path-only format from a stream).
  const d = REGISTRY[opts.format];
  if (d.needsPath) {
    if (typeof input !== 'string') throw new Error(`openReader: ${opts.format} is read from a path`);
    return d.open(input, opts);
  }
  if (typeof input === 'string') throw new Error(`openReader: ${opts.format} is read from a stream`);
  return d.open(input, opts);
}

/** A writer to a stream, for every format that does not need a path (those are written by their createWriter). */
export function createRowWriter(out: Writable, opts: WriterOptions): RowWriter {
  const d = REGISTRY[opts.format];
  if (d.needsPath) throw new Error(`createRowWriter: ${d.title} is written to a path, by its descriptor's createWriter`);
  return d.createWriter(out, opts);
}

/** The predictions an output file holds (its first `bytes` bytes, or all of it), as its format's writer wrote them. */
export function readWrittenPredictions(file: string, opts: ReadBackOptions & { format: Format }): AsyncGenerator<WrittenPrediction> {
  const d = REGISTRY[opts.format];
  if (d.needsPath) throw new Error(`readWrittenPredictions: ${d.title} output is never read back (it is never continued)`);
  return d.readBack(file, opts);
}

/** The input record as text, for a rejects file: JSONL keeps its line; CSV/TSV rows are written back from their fields. */
export function rawRecord(row: InputRow, format: Format): string {
  return REGISTRY[format].recordText(row);
}

/** -o names no file (stdout, a stream): USAGE for a format that is written to a file only. */
export function outputNeedsFile(d: PathFormat): LabelError {
  return new LabelError(
    'USAGE',
    `${d.title} output needs a file (-o FILE${d.extensions[0]}; ${d.why.write}, so it cannot go to stdout), or choose --output-format csv or jsonl`,
  );
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
