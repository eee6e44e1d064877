import type { Readable } from 'node:stream';
import { openCsv } from './csv';
import { openJsonl } from './jsonl';
import { openTsv } from './tsv';
import type { ReaderOptions, TableReader } from './common';
import { REGISTRY, unknownFormat } from '../formats';

export type { ReaderOptions, ReadStats, TableReader } from './common';

/**
 * Opens the input; resolves once the header (CSV/TSV) or footer (Parquet) is read and the needed
 * columns are checked. `input` is a stream, or for Parquet (which needs random access) a path.
 */
export async function openReader(input: Readable | string, opts: ReaderOptions): Promise<TableReader> {
  // Which of the two the input is was settled with the options (normalizeRunOptions refuses a path-only format from a stream).
  if (REGISTRY[opts.format].needsPath !== (typeof input === 'string')) {
    throw new Error(`openReader: ${opts.format} is read from ${REGISTRY[opts.format].needsPath ? 'a path' : 'a stream'}`);
  }
  switch (opts.format) {
    case 'parquet': {
      // Loaded only for Parquet input: apache-arrow costs memory in every run that loads it (bench/README.md, "Parquet loaded only when used").
      const { openParquet } = await import('./parquet');
      return openParquet(input as string, { file: opts.file, textColumn: opts.textColumn, labelColumn: opts.labelColumn });
    }
    case 'jsonl':
      return openJsonl(input as Readable, opts);
    case 'tsv':
      return openTsv(input as Readable, opts);
    case 'csv':
    case 'tsv-quoted':
      return openCsv(input as Readable, opts);
    default:
      return unknownFormat(opts.format);
  }
}
