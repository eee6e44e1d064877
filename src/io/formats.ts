import * as path from 'node:path';
import type { Format } from '../types';
import { LabelError } from '../errors';

/**
 * What the rest of the program needs to know about a format, in one place per format. The readers
 * and writers are chosen by exhaustive switches (readers/index.ts, writers/index.ts), so a format
 * added to `Format` (types.ts) without an entry here, a reader and a writer does not compile.
 */
export interface FormatDescriptor {
  /** How messages name it. */
  readonly title: string;
  /** Extensions that select it when --format is not given (lower case, matched case-insensitively). */
  readonly extensions: readonly string[];
  /** Random access: read from a regular file only (never stdin or a pipe) and written to a file only (never stdout). */
  readonly needsPath: boolean;
  /**
   * How the input's columns are known before the rows: a header line (CSV, TSV), the file's schema
   * (Parquet), or the keys of the objects (JSONL: none until they are read).
   */
  readonly columns: 'header' | 'schema' | 'keys';
  /** Its output tells columns apart by name only (JSON keys, Parquet fields): it cannot hold a name twice. */
  readonly uniqueNames: boolean;
  /** Field delimiter of the delimited formats. */
  readonly delimiter?: string;
}

/** Every format, in the order help and messages list them. */
export const REGISTRY: Readonly<Record<Format, FormatDescriptor>> = {
  csv: { title: 'CSV', extensions: ['.csv'], needsPath: false, columns: 'header', uniqueNames: false, delimiter: ',' },
  tsv: { title: 'TSV', extensions: ['.tsv', '.tab'], needsPath: false, columns: 'header', uniqueNames: false, delimiter: '\t' },
  'tsv-quoted': { title: 'quoted TSV', extensions: [], needsPath: false, columns: 'header', uniqueNames: false, delimiter: '\t' },
  jsonl: { title: 'JSONL', extensions: ['.jsonl', '.ndjson'], needsPath: false, columns: 'keys', uniqueNames: true },
  parquet: { title: 'Parquet', extensions: ['.parquet', '.pq'], needsPath: true, columns: 'schema', uniqueNames: true },
};

export const FORMATS = Object.keys(REGISTRY) as readonly Format[];

/** The format of a stream (stdin, a pipe) when none is given. */
export const STREAM_FORMAT: Format = 'csv';

/** The extensions that name a format, from the registry. */
export const BY_EXTENSION: Readonly<Record<string, Format>> = Object.fromEntries(FORMATS.flatMap((f) => REGISTRY[f].extensions.map((e) => [e, f])));

/** Named for a compiler error when a switch over formats misses one. */
export function unknownFormat(format: never): never {
  throw new Error(`unknown format '${String(format)}'`);
}

/** The format a file's extension names, if it names one. */
export function formatOfExtension(file: string): Format | undefined {
  return BY_EXTENSION[path.extname(file).toLowerCase()];
}

/** The format named by --format, else by the file's extension; stdin defaults to CSV. */
export function resolveFormat(explicit: string | undefined, file: string | undefined): Format {
  if (explicit !== undefined) {
    const f = explicit.toLowerCase() === 'ndjson' ? 'jsonl' : explicit.toLowerCase();
    if (!FORMATS.includes(f as Format)) {
      throw new LabelError('USAGE', `unknown format '${explicit}' (expected one of: ${FORMATS.join(', ')})`);
    }
    return f as Format;
  }
  if (file === undefined || file === '-') return STREAM_FORMAT;
  const f = formatOfExtension(file);
  if (f === undefined) {
    throw new LabelError('USAGE', `cannot tell the format of '${file}' from its extension; use --format ${FORMATS.join('|')}`);
  }
  return f;
}

/** The field delimiter of a delimited format (CSV, TSV, quoted TSV). */
export function delimiterOf(format: Format): string {
  const d = REGISTRY[format].delimiter;
  if (d === undefined) throw new Error(`${REGISTRY[format].title} has no field delimiter`);
  return d;
}
