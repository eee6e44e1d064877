import { readBackDelimited } from '../readBack';
import { openCsv } from '../readers/csv';
import { csvLine } from '../writers/common';
import { CsvWriter } from '../writers/csv';
import type { StreamFormat } from './descriptor';

/** CSV's reading, writing and read-back with fields separated by `delimiter`: CSV itself, and quoted TSV. */
export function csvDialect(delimiter: string): Pick<StreamFormat, 'delimiter' | 'open' | 'createWriter' | 'readBack' | 'recordText'> {
  return {
    delimiter,
    open: (input, opts) => openCsv(input, opts, delimiter),
    createWriter: (out, opts) => new CsvWriter(out, opts, delimiter),
    readBack: (file, opts) => readBackDelimited(file, opts, delimiter, true),
    recordText: (row) => csvLine(row.fields ?? [row.text], delimiter),
  };
}

/** Comma-separated values (RFC 4180 quoting), read by csv-parse and written by csv-stringify. */
export const csv: StreamFormat = {
  title: 'CSV',
  help: 'csv',
  extensions: ['.csv'],
  needsPath: false,
  columns: 'header',
  uniqueNames: false,
  ...csvDialect(','),
};
