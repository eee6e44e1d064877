import { readBackDelimited } from '../readBack';
import { openCsv } from '../readers/csv';
import { csvLine } from '../writers/common';
import { CsvWriter } from '../writers/csv';
import type { StreamFormat } from './descriptor';

const DELIMITER = '\t';

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
  delimiter: DELIMITER,
  variantOf: 'tsv',
  open: (input, opts) => openCsv(input, opts, DELIMITER),
  createWriter: (out, opts) => new CsvWriter(out, opts, DELIMITER),
  readBack: (file, opts) => readBackDelimited(file, opts, DELIMITER, true),
  recordText: (row) => csvLine(row.fields ?? [row.text], DELIMITER),
};
