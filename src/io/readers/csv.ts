import type { Readable } from 'node:stream';
import { CsvError, Parser, type Options as CsvOptions } from 'csv-parse';
import { LabelError } from '../../errors';
import type { InputRow, ReadItem } from '../../types';
import { decodeField, goldOf, refuseUtf16, locateColumns, type ReaderOptions, type ReadStats, type TableReader } from './common';
import { RowProblem } from '../rowProblem';

/**
 * Decodes one field. The CSV parser hands fields over as latin1 strings (one char per byte: its
 * `encoding: null` mode fails on some errors), so the bytes are recovered exactly before they are
 * checked and decoded as UTF-8.
 */
function decodeLatin1Field(field: string): string {
  return decodeField(Buffer.from(field, 'latin1'));
}

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * The fields of one record, decoded: the record's raw bytes are checked once (UTF-8, no NUL), and
 * only fields with bytes above 0x7F are decoded again (a latin1 string of ASCII bytes is already the
 * text). Same result as decodeLatin1Field on every field, at a fraction of the cost per row.
 */
function decodeRecord(record: string[], raw: string): string[] {
  if (!NON_ASCII.test(raw)) {
    if (raw.includes('\0')) throw new RowProblem('NUL_BYTE', 'NUL byte in field');
    return record;
  }
  decodeField(Buffer.from(raw, 'latin1'));
  return record.map((f) => (NON_ASCII.test(f) ? Buffer.from(f, 'latin1').toString('utf8') : f));
}

/** A record as the parser pushes it (`raw` on, `info` off), with where it is in the input. */
type Parsed = { record: string[]; raw: string; start: number; emptyLines: number; bytes: number };

/**
 * csv-parse's stream parser, each record tagged when it is pushed with the line where it starts,
 * from the parser's `info` (lines, empty lines, bytes so far: documented on the parser instance),
 * read at that moment, as the parser has just finished the record. csv-parse's own per-record
 * context (the `info` and `on_record` options) is not used: it costs more main-thread time than the
 * parsing itself (`node bench/csv-parse-options.mjs`; bench/README.md, "Main thread"). The
 * bookkeeping runs in the same synchronous step as the push, so a fatal error (an unclosed quote)
 * is placed at the line where its record began.
 */
class LocatingParser extends Parser {
  /** The last pushed record's end line, and the empty lines counted up to it. */
  lastEndLine = 0;
  lastEmpty = 0;

  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk === null) return super.push(chunk, encoding);
    const { record, raw } = chunk as { record: string[]; raw: string };
    const { lines, empty_lines: emptyLines, bytes } = this.info;
    const start = this.lastEndLine + 1 + (emptyLines - this.lastEmpty);
    this.lastEndLine = lines;
    this.lastEmpty = emptyLines;
    const parsed: Parsed = { record, raw, start, emptyLines, bytes };
    return super.push(parsed, encoding);
  }
}

/** CSV, and TSV with CSV-style quotes (`tsv-quoted`), through csv-parse; `delimiter` separates the fields. */
export async function openCsv(input: Readable, opts: ReaderOptions, delimiter: string): Promise<TableReader> {
  const stats: ReadStats = { blankLines: 0 };
  const parser = new LocatingParser({
    bom: true,
    raw: true,
    encoding: 'latin1',
    delimiter,
    record_delimiter: ['\r\n', '\n'],
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    max_record_size: opts.maxRecordBytes,
  } satisfies CsvOptions);
  input.on('error', (err) => parser.destroy(err));
  // The parser counts the empty "line" after a final newline as blank; the last byte tells us to discount it.
  let endsWithNewline = false;
  let firstChunk = true;
  input.on('data', (chunk: Buffer | string) => {
    if (firstChunk && chunk.length > 0) {
      firstChunk = false;
      // csv-parse's `bom` would switch to UTF-16 on FF FE, and the latin1 round trip below would then garble any character above U+00FF
      try {
        refuseUtf16(chunk, opts.file);
      } catch (err) {
        parser.destroy(err as Error);
      }
    }
    if (chunk.length > 0) endsWithNewline = chunk[chunk.length - 1] === (typeof chunk === 'string' ? '\n' : 0x0a);
  });
  input.pipe(parser);
  const records = parser[Symbol.asyncIterator]() as AsyncIterator<Parsed>;

  let first: IteratorResult<Parsed>;
  try {
    first = await records.next();
  } catch (err) {
    throw parseError(err, parser, opts);
  }
  if (first.done) {
    return { columns: undefined, items: (async function* () {})(), stats };
  }
  const columns = headerOf(first.value, opts);
  const { textIdx, labelIdx } = locateColumns(columns, opts);
  let lastBytes = first.value.bytes;

  async function* items(): AsyncGenerator<ReadItem> {
    try {
      for (;;) {
        const next = await records.next();
        if (next.done) break;
        stats.blankLines = next.value.emptyLines;
        const size = next.value.bytes - lastBytes;
        lastBytes = next.value.bytes;
        yield rowOf(next.value, columns.length, textIdx, labelIdx, size);
      }
      stats.blankLines = (parser.info as { empty_lines: number }).empty_lines - (endsWithNewline ? 1 : 0);
    } catch (err) {
      throw parseError(err, parser, opts);
    } finally {
      input.unpipe(parser);
      parser.destroy();
    }
  }
  return { columns, items: items(), stats };
}

/** csv-parse's error as ours, at the line where the record it was reading began. */
function parseError(err: unknown, parser: LocatingParser, opts: ReaderOptions): Error {
  if (!(err instanceof CsvError)) return err instanceof Error ? err : new Error(String(err));
  const { lastEndLine, lastEmpty } = parser;
  const line = lastEndLine + 1 + (((err as unknown as { empty_lines?: number }).empty_lines ?? lastEmpty) - lastEmpty);
  if (err.code === 'CSV_QUOTE_NOT_CLOSED') {
    return new LabelError('CSV_QUOTE_NOT_CLOSED', 'quoted field is never closed (the quote opens in this record)', { file: opts.file, line });
  }
  if (err.code === 'CSV_MAX_RECORD_SIZE') {
    return new LabelError(
      'CSV_RECORD_TOO_LARGE',
      `record is larger than ${opts.maxRecordBytes} bytes (--max-record-size); an unclosed quote is the usual cause`,
      { file: opts.file, line },
    );
  }
  return new LabelError('CSV_PARSE', err.message, { file: opts.file, line });
}

/** The header's column names; a name that is not UTF-8 or holds a NUL is a set-up error at line 1. */
function headerOf(first: Parsed, opts: ReaderOptions): string[] {
  try {
    return first.record.map(decodeLatin1Field);
  } catch (err) {
    throw new LabelError((err as RowProblem).code, `header: ${(err as Error).message}`, { file: opts.file, line: 1 });
  }
}

/** One record as a row, or as a bad row (wrong field count, invalid UTF-8, a NUL byte) with the record as read. */
function rowOf({ record, raw, start }: Parsed, width: number, textIdx: number, labelIdx: number, size: number): ReadItem {
  try {
    if (record.length !== width) throw new RowProblem('CSV_FIELD_COUNT', `expected ${width} fields as in the header, found ${record.length}`);
    const fields = decodeRecord(record, raw);
    const row: InputRow = { kind: 'row', line: start, text: fields[textIdx], fields, bytes: size };
    if (labelIdx >= 0) row.gold = goldOf(fields[labelIdx]);
    return row;
  } catch (err) {
    if (!(err instanceof RowProblem)) throw err;
    // the record as read, decoded only for the rows that need it
    const rawText = Buffer.from(raw, 'latin1')
      .toString('utf8')
      .replace(/\r?\n$/, '');
    return { kind: 'bad', line: start, code: err.code, reason: err.message, raw: rawText, bytes: size };
  }
}
