import type { Readable } from 'node:stream';
import { LabelError } from '../../errors';
import type { InputRow, ReadItem } from '../../types';
import { splitLines, withoutCr } from '../lines';
import { decodeField, goldOf, refuseUtf16, locateColumns, stripBom, type ReaderOptions, type ReadStats, type TableReader } from './common';
import { RowProblem } from '../rowProblem';

/**
 * Tab-separated values as IANA's text/tab-separated-values defines them: one record per line,
 * fields split at every tab, no quoting (a `"` is an ordinary character). Hand-written on the
 * line splitter because csv-parse always treats a field-opening quote as quoting. LF or CRLF ends a
 * line; blank lines are skipped and counted.
 */
export async function openTsv(input: Readable, opts: ReaderOptions): Promise<TableReader> {
  const stats: ReadStats = { blankLines: 0 };
  const lines = splitLines(input, { maxLineBytes: opts.maxRecordBytes, file: opts.file })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) return { columns: undefined, items: (async function* () {})(), stats };
  refuseUtf16(first.value.bytes, opts.file);
  let columns: string[];
  try {
    columns = decodeField(withoutCr(stripBom(first.value.bytes))).split('\t');
  } catch (err) {
    throw new LabelError((err as RowProblem).code, `header: ${(err as Error).message}`, { file: opts.file, line: 1 });
  }
  const { textIdx, labelIdx } = locateColumns(columns, opts);

  async function* items(): AsyncGenerator<ReadItem> {
    try {
      for (;;) {
        const next = await lines.next();
        if (next.done) break;
        const { line, bytes } = next.value;
        const size = bytes.length + 1;
        const body = withoutCr(bytes);
        if (body.length === 0) {
          stats.blankLines += 1;
          continue;
        }
        try {
          const fields = decodeField(body).split('\t');
          if (fields.length !== columns.length) {
            throw new RowProblem('CSV_FIELD_COUNT', `expected ${columns.length} fields as in the header, found ${fields.length}`);
          }
          const row: InputRow = { kind: 'row', line, text: fields[textIdx], fields, bytes: size };
          if (labelIdx >= 0) row.gold = goldOf(fields[labelIdx]);
          yield row;
        } catch (err) {
          if (!(err instanceof RowProblem)) throw err;
          yield { kind: 'bad', line, code: err.code, reason: err.message, raw: body.toString('utf8'), bytes: size };
        }
      }
    } finally {
      await lines.return?.(undefined);
    }
  }
  return { columns, items: items(), stats };
}
