import type { Readable } from 'node:stream';
import { openCsv } from './csv';
import { openJsonl } from './jsonl';
import { openTsv } from './tsv';
import type { ReaderOptions, TableReader } from './common';

export type { ReaderOptions, ReadStats, TableReader } from './common';

/**
 * Opens the input; resolves once the header (CSV/TSV) or footer (Parquet) is read and the needed
 * columns are checked. `input` is a stream, or for Parquet (which needs random access) a path.
 */
export async function openReader(input: Readable | string, opts: ReaderOptions): Promise<TableReader> {
  // Which of the two the input is was settled with the options (normalizeRunOptions refuses Parquet from a stream).
  if (opts.format === 'parquet') {
    if (typeof input !== 'string') throw new Error('openReader: Parquet is read from a path');
    // Loaded only for Parquet input: apache-arrow costs memory in every run that loads it (bench/README.md, "Parquet loaded only when used").
    const { openParquet } = await import('./parquet');
    return openParquet(input, { file: opts.file, textColumn: opts.textColumn, labelColumn: opts.labelColumn });
  }
  if (typeof input === 'string') throw new Error(`openReader: ${opts.format} is read from a stream`);
  switch (opts.format) {
    case 'jsonl':
      return openJsonl(input, opts);
    case 'tsv':
      return openTsv(input, opts);
    default:
      return openCsv(input, opts);
  }
}
