import { readBackDelimited } from '../readBack';
import { openTsv } from '../readers/tsv';
import { TsvWriter } from '../writers/tsv';
import type { StreamFormat } from './descriptor';

/**
 * Tab-separated values as IANA's text/tab-separated-values defines them: no quoting, a field never
 * holds a tab or a line break (such a row cannot be written: TSV_UNREPRESENTABLE).
 */
export const tsv: StreamFormat = {
  title: 'TSV',
  help: 'tsv (no quoting)',
  extensions: ['.tsv', '.tab'],
  needsPath: false,
  columns: 'header',
  uniqueNames: false,
  delimiter: '\t',
  open: openTsv,
  createWriter: (out, opts) => new TsvWriter(out, opts),
  readBack: (file, opts) => readBackDelimited(file, opts, '\t', false),
  recordText: (row) => (row.fields ?? [row.text]).join('\t'),
};
