import { readBackDelimited } from '../readBack';
import { openCsv } from '../readers/csv';
import { csvLine } from '../writers/common';
import { CsvWriter } from '../writers/csv';
import type { StreamFormat } from './descriptor';

const DELIMITER = ',';

/** Comma-separated values (RFC 4180 quoting), read by csv-parse and written by csv-stringify. */
export const csv: StreamFormat = {
  title: 'CSV',
  help: 'csv',
  extensions: ['.csv'],
  needsPath: false,
  columns: 'header',
  uniqueNames: false,
  delimiter: DELIMITER,
  open: (input, opts) => openCsv(input, opts, DELIMITER),
  createWriter: (out, opts) => new CsvWriter(out, opts, DELIMITER),
  readBack: (file, opts) => readBackDelimited(file, opts, DELIMITER, true),
  recordText: (row) => csvLine(row.fields ?? [row.text], DELIMITER),
};
