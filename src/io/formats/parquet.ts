import { lineAsRead } from '../readers/common';
import type { PathFormat } from './descriptor';

/**
 * Apache Parquet, through parquet-wasm and apache-arrow. Both are loaded only when a Parquet file is
 * read or written (a dynamic import here): every run that loads them pays for it in memory
 * (bench/README.md, "Parquet loaded only when used"), so no other module imports them statically.
 */
export const parquet: PathFormat = {
  title: 'Parquet',
  help: 'parquet (a file, not stdin)',
  extensions: ['.parquet', '.pq'],
  needsPath: true,
  why: { read: 'its footer comes last', write: 'its footer is written last', whole: 'a Parquet file is whole only with its footer' },
  columns: 'schema',
  uniqueNames: true,
  async open(path, opts) {
    const { openParquet } = await import('../readers/parquet');
    return openParquet(path, { file: opts.file, textColumn: opts.textColumn, labelColumn: opts.labelColumn });
  },
  async createWriter(opts) {
    const { createParquetWriter } = await import('../writers/parquet');
    return createParquetWriter(opts);
  },
  // a Parquet row's `raw` is the row as one JSON object (readers/parquet.ts)
  recordText: lineAsRead,
};
