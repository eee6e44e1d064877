import { csvDialect } from './csv';
import type { StreamFormat } from './descriptor';

/**
 * CSV with tabs (what Excel and Python's csv module write with delimiter='\t'): fields may be
 * quoted. Named with --format or --output-format only: the .tsv extension names plain TSV.
 */
export const tsvQuoted: StreamFormat = {
  title: 'quoted TSV',
  help: 'tsv-quoted',
  extensions: [],
  needsPath: false,
  columns: 'header',
  uniqueNames: false,
  variantOf: 'tsv',
  ...csvDialect('\t'),
};
