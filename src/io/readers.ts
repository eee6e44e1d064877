import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';
import { parse, CsvError, type Options as CsvOptions } from 'csv-parse';
import { LabelError } from '../errors';
import type { BadRow, Format, InputRow, ReadItem } from '../types';
import { delimiterOf } from './formats';
import { splitLines } from './lines';

export interface ReaderOptions {
  format: Format;
  /** Shown in error messages: the path, or `<stdin>`. */
  file: string;
  textColumn: string;
  /** eval only: the column (JSONL key) holding the gold label. */
  labelColumn?: string;
  /** Largest record accepted, in bytes; guards against an unclosed quote swallowing the file. */
  maxRecordBytes: number;
  /** JSONL: keys the output adds; an object that already has one is a bad row, never written with a duplicate key. */
  reservedKeys?: string[];
}

export interface ReadStats {
  /** Blank lines passed over (not rows). */
  blankLines: number;
  /** Input bytes consumed by the rows read so far (for progress: the stream itself reads ahead). */
  bytes: number;
}

export interface TableReader {
  /** CSV/TSV: the header row. JSONL: undefined. */
  columns?: string[];
  items: AsyncGenerator<ReadItem>;
  stats: ReadStats;
}

class RowProblem extends Error {
  constructor(readonly code: BadRow['code'], message: string) {
    super(message);
  }
}

/**
 * Decodes one field, refusing what a silent replacement would hide. The CSV parser hands fields
 * over as latin1 strings (one char per byte: its `encoding: null` mode fails on some errors), so
 * the bytes are recovered exactly before they are checked and decoded as UTF-8.
 */
function decodeLatin1Field(field: string): string {
  return decodeField(Buffer.from(field, 'latin1'));
}

function decodeField(buf: Buffer): string {
  if (!isUtf8(buf)) throw new RowProblem('INVALID_UTF8', 'invalid UTF-8 byte sequence');
  if (buf.includes(0)) throw new RowProblem('NUL_BYTE', 'NUL byte in field');
  return buf.toString('utf8');
}

/** Opens the input; resolves once the header (CSV/TSV) is read and the needed columns are checked. */
export async function openReader(input: Readable, opts: ReaderOptions): Promise<TableReader> {
  return opts.format === 'jsonl' ? openJsonl(input, opts) : openDelimited(input, opts);
}

function missingColumn(what: string, name: string, found: string[], opts: ReaderOptions): LabelError {
  return new LabelError(
    'MISSING_COLUMN',
    `no ${what} column '${name}'; columns found: ${found.length ? found.map((c) => `'${c}'`).join(', ') : '(none)'}`,
    { file: opts.file, line: 1 },
  );
}

async function openDelimited(input: Readable, opts: ReaderOptions): Promise<TableReader> {
  const stats: ReadStats = { blankLines: 0, bytes: 0 };
  // Line bookkeeping is done in on_record, which runs synchronously during parsing, so that a
  // fatal error (unclosed quote) can be placed at the line where its record began.
  let lastEndLine = 0;
  let lastEmpty = 0;
  let startLine = 1;
  const csvOptions: CsvOptions<unknown, unknown> = {
    bom: true,
    info: true,
    raw: true,
    encoding: 'latin1',
    delimiter: delimiterOf(opts.format),
    record_delimiter: ['\r\n', '\n'],
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    max_record_size: opts.maxRecordBytes,
    // With `info` and `raw` on, the parser hands on_record its wrapped { record, raw, info }.
    on_record: (wrapped: unknown, ctx) => {
      const { record, raw } = wrapped as { record: string[]; raw: string };
      startLine = lastEndLine + 1 + (ctx.empty_lines - lastEmpty);
      lastEndLine = ctx.lines;
      lastEmpty = ctx.empty_lines;
      return { record, raw, start: startLine, emptyLines: ctx.empty_lines, bytes: ctx.bytes };
    },
  };
  const parser = parse(csvOptions as CsvOptions);
  input.on('error', (err) => parser.destroy(err));
  // The parser counts the empty "line" after a final newline as blank; the last byte tells us to discount it.
  let endsWithNewline = false;
  input.on('data', (chunk: Buffer | string) => {
    if (chunk.length > 0) endsWithNewline = chunk[chunk.length - 1] === (typeof chunk === 'string' ? '\n' : 0x0a);
  });
  input.pipe(parser);
  type Parsed = { record: string[]; raw: string; start: number; emptyLines: number; bytes: number };
  const records = parser[Symbol.asyncIterator]() as AsyncIterator<Parsed>;

  const translate = (err: unknown): Error => {
    if (err instanceof CsvError) {
      const line = lastEndLine + 1 + (((err as unknown as { empty_lines?: number }).empty_lines ?? lastEmpty) - lastEmpty);
      if (err.code === 'CSV_QUOTE_NOT_CLOSED') {
        return new LabelError('CSV_QUOTE_NOT_CLOSED', 'quoted field is never closed (the quote opens in this record)', {
          file: opts.file,
          line,
        });
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
    return err instanceof Error ? err : new Error(String(err));
  };

  let first: IteratorResult<Parsed>;
  try {
    first = await records.next();
  } catch (err) {
    throw translate(err);
  }
  if (first.done) {
    return { columns: undefined, items: (async function* () {})(), stats };
  }
  let columns: string[];
  try {
    columns = first.value.record.map(decodeLatin1Field);
  } catch (err) {
    throw new LabelError((err as RowProblem).code as never, `header: ${(err as Error).message}`, {
      file: opts.file,
      line: 1,
    });
  }
  const textIdx = columns.indexOf(opts.textColumn);
  if (textIdx < 0) throw missingColumn('text', opts.textColumn, columns, opts);
  let labelIdx = -1;
  if (opts.labelColumn !== undefined) {
    labelIdx = columns.indexOf(opts.labelColumn);
    if (labelIdx < 0) throw missingColumn('label', opts.labelColumn, columns, opts);
  }

  async function* items(): AsyncGenerator<ReadItem> {
    try {
      for (;;) {
        const next = await records.next();
        if (next.done) break;
        const { record, raw, start, emptyLines, bytes } = next.value;
        stats.blankLines = emptyLines;
        stats.bytes = bytes;
        try {
          if (record.length !== columns.length) {
            throw new RowProblem(
              'CSV_FIELD_COUNT',
              `expected ${columns.length} fields as in the header, found ${record.length}`,
            );
          }
          const fields = record.map(decodeLatin1Field);
          const row: InputRow = { kind: 'row', line: start, text: fields[textIdx], fields };
          if (labelIdx >= 0) row.gold = fields[labelIdx];
          yield row;
        } catch (err) {
          if (!(err instanceof RowProblem)) throw err;
          // the record as read, decoded only for the rows that need it
          const rawText = Buffer.from(raw, 'latin1').toString('utf8').replace(/\r?\n$/, '');
          yield { kind: 'bad', line: start, code: err.code, reason: err.message, raw: rawText };
        }
      }
      stats.blankLines = (parser.info as { empty_lines: number }).empty_lines - (endsWithNewline ? 1 : 0);
    } catch (err) {
      throw translate(err);
    } finally {
      input.unpipe(parser);
      parser.destroy();
    }
  }
  return { columns, items: items(), stats };
}

async function openJsonl(input: Readable, opts: ReaderOptions): Promise<TableReader> {
  const stats: ReadStats = { blankLines: 0, bytes: 0 };
  async function* items(): AsyncGenerator<ReadItem> {
    for await (const { line, bytes } of splitLines(input, { maxLineBytes: opts.maxRecordBytes, file: opts.file })) {
      stats.bytes += bytes.length + 1;
      // A byte-order mark may only open the first line.
      const body = line === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
      let raw: string;
      try {
        raw = decodeField(body);
      } catch (err) {
        yield { kind: 'bad', line, code: (err as RowProblem).code, reason: (err as Error).message, raw: body.toString('utf8') };
        continue;
      }
      if (raw.trim() === '') {
        stats.blankLines += 1;
        continue;
      }
      const bad = (code: string, reason: string): BadRow => ({ kind: 'bad', line, code, reason, raw });
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch (err) {
        yield bad('JSON_INVALID', `invalid JSON: ${(err as Error).message}`);
        continue;
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        yield bad('JSON_NOT_OBJECT', `expected a JSON object, found ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
        continue;
      }
      const object = value as Record<string, unknown>;
      if (!(opts.textColumn in object)) {
        const keys = Object.keys(object);
        yield bad('TEXT_MISSING', `no key '${opts.textColumn}'; keys found: ${keys.length ? keys.map((k) => `'${k}'`).join(', ') : '(none)'}`);
        continue;
      }
      const text = object[opts.textColumn];
      if (typeof text !== 'string') {
        yield bad('TEXT_NOT_STRING', `'${opts.textColumn}' is ${text === null ? 'null' : typeof text}, not a string`);
        continue;
      }
      const clash = opts.reservedKeys?.find((k) => k in object);
      if (clash !== undefined) {
        yield bad('JSON_KEY_CONFLICT', `the object already has a key '${clash}'; name the added keys with --label-name / --confidence-name`);
        continue;
      }
      const row: InputRow = { kind: 'row', line, text, raw, object };
      if (opts.labelColumn !== undefined) {
        const gold = object[opts.labelColumn];
        if (gold === undefined || gold === null) {
          yield bad('LABEL_MISSING', `no label under key '${opts.labelColumn}'`);
          continue;
        }
        row.gold = String(gold);
      }
      yield row;
    }
  }
  return { columns: undefined, items: items(), stats };
}
