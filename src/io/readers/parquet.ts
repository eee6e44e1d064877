import { promises as fsp } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { tableFromIPC, Type, type RecordBatch, type Schema, type Vector } from 'apache-arrow';
import { LabelError, messageOf } from '../../errors';
import type { InputRow, ReadItem } from '../../types';
import { workerScript } from '../../util/workerScript';
import { columnIndex, goldOf, type ReadStats } from './common';
import { fieldText, jsonText, jsonValue } from './parquetJson';
import type { FromParquetWorker, ParquetWorkerData, ToParquetWorker } from './parquetWorker';

/** The decoding worker, one request at a time; a crash of the worker rejects the pending request. */
class Decoder {
  private readonly worker: Worker;
  private pending?: { resolve(m: FromParquetWorker): void; reject(e: Error): void };
  private dead?: Error;

  constructor(file: string, batchRows: number, sliceRows: number) {
    // A small young generation, as for the model workers: this thread only moves buffers through.
    this.worker = new Worker(workerScript('io/readers/parquetWorker'), {
      workerData: { path: file, batchRows, sliceRows } satisfies ParquetWorkerData,
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    this.worker.on('message', (m: FromParquetWorker) => {
      const p = this.pending;
      this.pending = undefined;
      this.worker.unref();
      p?.resolve(m);
    });
    const fail = (err: Error) => {
      this.dead ??= new Error(`the decoder crashed (${err.message})`);
      const p = this.pending;
      this.pending = undefined;
      p?.reject(this.dead);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    // Referenced only while a reply is awaited: an open reader that is never read does not hold the process.
  }

  /** The next message (the first one is 'opened' or 'error'), after sending `msg` if given. */
  next(msg?: ToParquetWorker): Promise<FromParquetWorker> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.ref();
      if (msg) this.worker.postMessage(msg);
    });
  }

  close(): void {
    void this.worker.terminate();
  }
}

/**
 * Rows per Arrow batch handed from the decoding worker to the main thread. A batch is released once
 * its last row is written, so the main thread holds about the rows in flight, not whole row groups
 * (bench/README.md, "Parquet through the whole CLI").
 */
export const READ_BATCH_ROWS = 1024;

/**
 * Rows decoded at a time within a row group (parquetWorker.ts): the decoded rows the reader holds
 * are bounded by this many, whatever the input's row-group size; the compressed column chunks of
 * the row group being read are held too, and those grow with the group. A row group of at most
 * this many rows (DuckDB writes 122,880 at most, Polars 262,144, pyarrow 1,048,576) is decoded in
 * one read; a larger one in ceil(rows / 65,536) reads, e.g. 16 for pyarrow's default.
 */
export const READ_SLICE_ROWS = 65_536;

export interface ParquetReaderOptions {
  /** Path of the Parquet file; also the FILE in error messages. */
  file: string;
  textColumn: string;
  /** eval only: the column holding the gold label (any type; its string form is the label). */
  labelColumn?: string;
  /** Rows per batch (default READ_BATCH_ROWS); tests make it small to cross batch boundaries. */
  batchRows?: number;
  /** Rows decoded at a time within a row group (default READ_SLICE_ROWS); tests make it small. */
  sliceRows?: number;
}

/** Where a row's typed values live: an Arrow batch of its row group and the row's index in it. */
export interface ParquetSource {
  batch: RecordBatch;
  index: number;
}

/**
 * A row read from Parquet. Besides InputRow's fields it carries `parquet` (the typed values, which
 * the Parquet writer copies unchanged), and, computed only when asked for (getters), the forms for
 * the other writers: `fields` (CSV/TSV cells in column order), `raw` (the row as one JSON object
 * text, so the JSONL writer splices the added keys into it) and `object` (that JSON parsed). See
 * parquetJson.ts for the string/JSON form of each type.
 */
export interface ParquetInputRow extends InputRow {
  parquet: ParquetSource;
}

export interface ParquetTable {
  /** Top-level column names, in file order. */
  columns: string[];
  /** The Arrow schema the rows' batches have (the writer's input schema). */
  schema: Schema;
  items: AsyncGenerator<ReadItem>;
  /** Parquet has no blank lines: always 0, for the ReadStats every reader reports. */
  stats: ReadStats;
}

class Row implements ParquetInputRow {
  readonly kind = 'row' as const;
  gold?: string;
  bytes?: number;
  constructor(
    readonly line: number,
    readonly text: string,
    readonly parquet: ParquetSource,
  ) {}

  get fields(): string[] {
    return rowFields(this.parquet);
  }

  get raw(): string {
    return rowJson(this.parquet);
  }

  get object(): Record<string, unknown> {
    return jsonValue(rowJson(this.parquet)) as Record<string, unknown>;
  }
}

function children(batch: RecordBatch): Vector[] {
  return batch.schema.fields.map((_, k) => batch.getChildAt(k)!);
}

export function rowJson({ batch, index }: ParquetSource): string {
  const cols = children(batch);
  return `{${batch.schema.fields.map((f, k) => `${JSON.stringify(f.name)}:${jsonText(cols[k], index)}`).join(',')}}`;
}

export function rowFields({ batch, index }: ParquetSource): string[] {
  return children(batch).map((v) => fieldText(v, index));
}

function isStringType(typeId: Type, valueTypeId?: Type): boolean {
  const s = (t?: Type) => t === Type.Utf8 || t === Type.LargeUtf8 || t === Type.Utf8View;
  return s(typeId) || (typeId === Type.Dictionary && s(valueTypeId));
}

/**
 * Streaming Parquet reader: one row group at a time, READ_SLICE_ROWS rows at a time within it
 * (decoded by arrow-rs compiled to WebAssembly in a worker, handed to JS as Arrow RecordBatches of
 * READ_BATCH_ROWS rows), so memory is bounded by one slice and its row group's compressed column
 * chunks (in the worker) plus what the pipeline holds. Needs a path (Parquet's footer
 * is at the end): stdin is refused by the CLI.
 *
 * Rows: `line` is the 1-based row number in the file. A null text is a bad row TEXT_NOT_STRING
 * (as a JSON null is in JSONL); an empty string is a row (labelled with nulls, as in CSV).
 */
export async function openParquet(path: string, opts: ParquetReaderOptions): Promise<ParquetTable> {
  const where = { file: opts.file };
  await checkIsFile(path, where);
  const batchRows = opts.batchRows ?? READ_BATCH_ROWS;
  const sliceRows = opts.sliceRows ?? READ_SLICE_ROWS;
  for (const [what, n] of [
    ['batch', batchRows],
    ['slice', sliceRows],
  ] as const) {
    if (!(Number.isInteger(n) && n >= 1)) throw new LabelError('USAGE', `Parquet read ${what} size must be a positive integer, not ${n}`);
  }
  const decoder = new Decoder(path, batchRows, sliceRows);
  const opened = await openFooter(decoder, where);
  const schema: Schema = tableFromIPC(opened.schema).schema;
  let found: { textIdx: number; labelIdx: number };
  try {
    found = locateColumns(schema, opts, where);
  } catch (err) {
    // nothing is read from a file that cannot be labelled
    decoder.close();
    throw err;
  }
  const items = readRows(decoder, opened, found, opts.textColumn, where);
  return { columns: schema.fields.map((f) => f.name), schema, items, stats: { blankLines: 0 } };
}

/** INPUT_NOT_FOUND unless `path` is a file. */
async function checkIsFile(path: string, where: { file: string }): Promise<void> {
  try {
    const st = await fsp.stat(path);
    if (!st.isFile()) throw new LabelError('INPUT_NOT_FOUND', `not a file: ${path}`, where);
  } catch (err) {
    if (err instanceof LabelError) throw err;
    throw new LabelError('INPUT_NOT_FOUND', `cannot open input: ${messageOf(err)}`, where);
  }
}

type Opened = Extract<FromParquetWorker, { type: 'opened' }>;

/** The decoder's first answer: the row groups and the schema from the footer, or PARQUET_INVALID (the decoder closed). */
async function openFooter(decoder: Decoder, where: { file: string }): Promise<Opened> {
  let opened: FromParquetWorker;
  try {
    opened = await decoder.next();
  } catch (err) {
    opened = { type: 'error', stage: 'open', message: `${messageOf(err)} (the decoder crashed)` };
  }
  if (opened.type !== 'opened') {
    decoder.close();
    const message = opened.type === 'error' ? opened.message : 'unexpected reply';
    throw new LabelError('PARQUET_INVALID', `not a valid Parquet file (corrupt or truncated?): ${message}`, where);
  }
  return opened;
}

/** The text column (a string column, else COLUMN_TYPE) and, for eval, the gold-label column (MISSING_COLUMN when absent). */
function locateColumns(schema: Schema, opts: ParquetReaderOptions, where: { file: string }): { textIdx: number; labelIdx: number } {
  const columns = schema.fields.map((f) => f.name);
  const textIdx = columnIndex('text', opts.textColumn, columns, where);
  const textType = schema.fields[textIdx].type as { typeId: Type; dictionary?: { typeId: Type } };
  if (!isStringType(textType.typeId, textType.dictionary?.typeId)) {
    throw new LabelError('COLUMN_TYPE', `text column '${opts.textColumn}' has type ${String(schema.fields[textIdx].type)}, not a string`, where);
  }
  const labelIdx = opts.labelColumn === undefined ? -1 : columnIndex('label', opts.labelColumn, columns, where);
  return { textIdx, labelIdx };
}

/**
 * The rows, row group by row group, batch by batch as the decoder hands them over; the next batch is
 * asked for as soon as one arrives, so the worker decodes while these rows are labelled. Closes the
 * decoder when done or abandoned.
 */
async function* readRows(
  decoder: Decoder,
  { groupRows, groupBytes }: Opened,
  { textIdx, labelIdx }: { textIdx: number; labelIdx: number },
  textColumn: string,
  where: { file: string },
): AsyncGenerator<ReadItem> {
  const groups = groupRows.length;
  /** Asks for batch `batch` of row group `group`; the answer is awaited later (so marked as handled now). */
  const request = (group: number, batch: number): Promise<FromParquetWorker> => {
    const p = decoder.next({ type: 'read', group, batch });
    p.catch(() => undefined);
    return p;
  };
  let first = 1;
  try {
    let next = groups > 0 ? request(0, 0) : undefined;
    for (let g = 0; g < groups; g++) {
      let line = first;
      // progress: each row stands for an equal share of its row group's compressed bytes
      const rowBytes = groupBytes[g] / Math.max(1, groupRows[g]);
      for (let k = 0, last = false; !last; k++) {
        let batches: RecordBatch[];
        try {
          const reply = await next!;
          if (reply.type !== 'batch' || reply.group !== g || reply.batch !== k) throw new Error(reply.type === 'error' ? reply.message : 'unexpected reply');
          last = reply.last;
          batches = reply.ipc.length > 0 ? tableFromIPC(reply.ipc).batches : [];
        } catch (err) {
          // `line`: the first row not handed on (the group's first, or the first of a later slice)
          const end = first + groupRows[g] - 1;
          throw new LabelError(
            'PARQUET_INVALID',
            `row group ${g} (rows ${first}-${end}) cannot be decoded${line > first ? ` from row ${line} on` : ''} (corrupt file?): ${messageOf(err)}`,
            { ...where, line },
          );
        }
        next = !last ? request(g, k + 1) : g + 1 < groups ? request(g + 1, 0) : undefined;
        for (const batch of batches) {
          yield* batchRows(batch, line, textIdx, labelIdx, textColumn, rowBytes);
          line += batch.numRows;
        }
      }
      if (line !== first + groupRows[g]) {
        throw new LabelError('PARQUET_INVALID', `row group ${g} has ${line - first} rows, its metadata says ${groupRows[g]}`, { ...where, line: first });
      }
      first = line;
    }
  } finally {
    decoder.close();
  }
}

/** One Arrow batch's rows, numbered from `line`: a null text is a bad row TEXT_NOT_STRING. */
function* batchRows(batch: RecordBatch, line: number, textIdx: number, labelIdx: number, textColumn: string, rowBytes: number): Generator<ReadItem> {
  const text = batch.getChildAt(textIdx)!;
  const gold = labelIdx >= 0 ? batch.getChildAt(labelIdx)! : undefined;
  for (let i = 0; i < batch.numRows; i++, line++) {
    const t = text.get(i) as string | null;
    const source = { batch, index: i };
    if (typeof t !== 'string') {
      yield { kind: 'bad', line, code: 'TEXT_NOT_STRING', reason: `'${textColumn}' is null, not a string`, raw: rowJson(source), bytes: rowBytes };
      continue;
    }
    const row = new Row(line, t, source);
    row.bytes = rowBytes;
    // a null or empty gold label: a row eval leaves unscored (and counts)
    if (gold && gold.isValid(i)) row.gold = goldOf(fieldText(gold, i));
    yield row;
  }
}
