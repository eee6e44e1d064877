import type { Readable } from 'node:stream';
import { openCsv } from './csv';
import { openJsonl } from './jsonl';
import { openTsv } from './tsv';
import type { ReaderOptions, TableReader } from './common';

export type { ReaderOptions, ReadStats, TableReader } from './common';

/** Opens the input; resolves once the header (CSV/TSV) is read and the needed columns are checked. */
export async function openReader(input: Readable, opts: ReaderOptions): Promise<TableReader> {
  switch (opts.format) {
    case 'jsonl':
      return openJsonl(input, opts);
    case 'tsv':
      return openTsv(input, opts);
    default:
      return openCsv(input, opts);
  }
}
