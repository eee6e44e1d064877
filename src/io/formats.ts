import * as path from 'node:path';
import type { Format } from '../types';
import { LabelError } from '../errors';

export const FORMATS: readonly Format[] = ['csv', 'tsv', 'tsv-quoted', 'jsonl', 'parquet'];

/** The format of a stream (stdin, a pipe) when none is given. */
export const STREAM_FORMAT: Format = 'csv';

/** The extensions that name a format (lower case; matched case-insensitively). */
export const BY_EXTENSION: Readonly<Record<string, Format>> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.parquet': 'parquet',
  '.pq': 'parquet',
};

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
    throw new LabelError(
      'USAGE',
      `cannot tell the format of '${file}' from its extension; use --format ${FORMATS.join('|')}`,
    );
  }
  return f;
}

export function delimiterOf(format: Format): string {
  return format === 'tsv' || format === 'tsv-quoted' ? '\t' : ',';
}
