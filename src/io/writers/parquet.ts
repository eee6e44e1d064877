import { createWriteStream, promises as fsp } from 'node:fs';
import { Writable } from 'node:stream';
import {
  Field,
  Float32,
  makeBuilder,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table as ArrowTable,
  tableToIPC,
  Utf8,
  type Data,
  type DataType,
} from 'apache-arrow';
import { Compression, Table as WasmTable, transformParquetStream, WriterPropertiesBuilder } from 'parquet-wasm';
import { LabelError, messageOf } from '../../errors';
import type { LabelledRow } from '../../types';
import type { ParquetSource } from '../readers/parquet';
import { partialPaths } from '../target';
import { jsonValueText, type PathRowWriter, type PathWriterOptions } from './common';
import { addedColumns, checkOutputNames } from './outputNames';

/** `inputSchema`: a Parquet input's Arrow schema; its rows must carry `parquet` (ParquetInputRow). */
export interface ParquetWriterOptions extends PathWriterOptions {
  rowGroupSize?: number;
  /** Rows buffered before they are handed to the encoder (default ENCODE_CHUNK_ROWS). */
  chunkRows?: number;
}

/** A chunk is handed on once `chunkRows` rows are buffered; write() then says false while the encoder is behind. */
export type ParquetRowWriter = PathRowWriter;

export const DEFAULT_ROW_GROUP_SIZE = 65_536;
export const ENCODE_CHUNK_ROWS = 1024;

/**
 * Streaming Parquet writer.
 *
 * Columns: the input's columns with their original Arrow/Parquet types and values (a Parquet input's
 * values are copied from its decoded row groups, never converted), then `label` (UTF-8 string),
 * `confidence` (float32: the model's probability as computed, not rounded) and, with scores, one
 * float32 column per label (`score_<label>`); all three null where nothing was predicted (empty text).
 * From CSV/TSV/JSONL input the input columns are nullable UTF-8 strings (explicit schema: CSV fields
 * as read; JSONL values that are strings as they are, others as their JSON text, missing/null as null).
 *
 * Row groups: `rowGroupSize` rows (default 65,536), cut by the encoder (arrow-rs). Rows are buffered
 * (as references into the input's batches, plus the predictions) only `chunkRows` at a time (default
 * 1,024), then handed to the encoder, which keeps its row group compressed in WebAssembly memory until
 * it is full: the Arrow data held in JS and in WebAssembly memory (which never shrinks) is one chunk,
 * not a row group (bench/README.md, "Parquet through the whole CLI"). Compression: zstd (smaller
 * files than snappy at a similar write speed, and read by pyarrow, Spark, DuckDB, Polars;
 * bench/README.md, "Parquet libraries").
 *
 * Output goes to a path only (a Parquet footer is written last; stdout is refused, see
 * outputNeedsFile in io/formats): to `<path>.partial` beside it (or `partial`), renamed to the path by end(), removed by
 * abort() or a failure, so nothing is left at the final path unless the whole file was written.
 */
export function createParquetWriter(opts: ParquetWriterOptions): ParquetRowWriter {
  return new Writer(opts);
}

type Run = { batch: RecordBatch; start: number; end: number };

function built<T extends DataType>(type: T, values: Iterable<unknown>): Data<T> {
  const b = makeBuilder({ type, nullValues: [null, undefined] });
  for (const v of values) b.append(v as never);
  return b.finish().flush() as Data<T>;
}

class Writer implements ParquetRowWriter {
  private readonly file: string;
  private readonly tmp: string;
  private readonly size: number;
  private readonly chunk: number;
  private readonly added: string[];
  private inputColumns?: string[];
  // the rows not yet handed to the encoder
  private runs: Run[] = [];
  private cells: (string | null)[][] = [];
  private labels: (string | null)[] = [];
  private conf: (number | null)[] = [];
  private scores: (number | null)[][];
  private rows = 0;
  private batchesOut = 0;
  // the encoder
  private controller!: ReadableStreamDefaultController<unknown>;
  private readonly done: Promise<void>;
  private failure?: Error;
  private wake?: () => void;
  private ended = false;

  constructor(private readonly opts: ParquetWriterOptions) {
    this.file = opts.file ?? opts.path;
    this.size = opts.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE;
    if (!(this.size >= 1)) throw new LabelError('USAGE', `row group size must be at least 1, not ${this.size}`);
    this.chunk = opts.chunkRows ?? ENCODE_CHUNK_ROWS;
    if (!(this.chunk >= 1)) throw new LabelError('USAGE', `chunk size must be at least 1, not ${this.chunk}`);
    this.added = addedColumns(opts.names);
    this.scores = opts.names.scores.map(() => []);
    this.inputColumns = opts.inputSchema ? opts.inputSchema.fields.map((f) => f.name) : opts.inputColumns;
    if (this.inputColumns) this.checkNames(this.inputColumns);
    this.tmp = opts.partial ?? partialPaths(opts.path).partial;

    const source = new ReadableStream<unknown>(
      {
        start: (c) => {
          this.controller = c;
        },
        pull: () => {
          this.wake?.();
        },
      },
      { highWaterMark: 1 },
    );
    const props = new WriterPropertiesBuilder()
      .setCompression(Compression.ZSTD)
      .setMaxRowGroupSize(this.size)
      .setCreatedBy('emotion-label (parquet-wasm)')
      .build();
    const out = createWriteStream(this.tmp);
    this.done = transformParquetStream(source, props)
      .then((bytes) => bytes.pipeTo(Writable.toWeb(out) as WritableStream<Uint8Array>))
      .catch((err: unknown) => {
        this.failure ??= new LabelError('OUTPUT_FAILED', `cannot write Parquet: ${messageOf(err)}`, { file: this.file });
        out.destroy();
        this.wake?.();
        throw this.failure;
      });
    this.done.catch(() => undefined);
  }

  private checkNames(columns: string[]): void {
    checkOutputNames(this.opts.names, columns, this.file);
  }

  write(lr: LabelledRow): boolean {
    if (this.failure) throw this.failure;
    const row = lr.row as typeof lr.row & { parquet?: ParquetSource };
    if (this.opts.inputSchema) {
      const src = row.parquet;
      if (!src) throw new Error('Parquet writer: a Parquet input row must carry its source batch (row.parquet)');
      const last = this.runs[this.runs.length - 1];
      if (last && last.batch === src.batch && last.end === src.index) last.end++;
      else this.runs.push({ batch: src.batch, start: src.index, end: src.index + 1 });
    } else {
      if (!this.inputColumns) {
        this.inputColumns = Object.keys(row.object ?? {});
        this.checkNames(this.inputColumns);
      }
      if (this.cells.length === 0) this.cells = this.inputColumns.map(() => []);
      const cols = this.inputColumns;
      // Every cell first, then pushed: a row refused halfway (JSON_TOO_DEEP) must not leave the columns uneven.
      const values = cols.map((c, k): string | null => {
        if (row.fields) return row.fields[k] ?? null;
        const v = row.object?.[c];
        if (v === undefined || v === null) return null;
        return typeof v === 'string' ? v : jsonValueText(v, c);
      });
      for (let k = 0; k < cols.length; k++) this.cells[k].push(values[k]);
    }
    const p = lr.prediction;
    const empty = p.labelId < 0;
    this.labels.push(empty || p.abstained ? null : this.opts.id2label[p.labelId]);
    this.conf.push(empty ? null : p.confidence);
    for (let s = 0; s < this.scores.length; s++) this.scores[s].push(empty || !p.scores ? null : p.scores[s]);
    this.rows++;
    if (this.rows >= this.chunk) {
      this.flush();
      return (this.controller.desiredSize ?? 1) > 0;
    }
    return true;
  }

  async drain(signal?: AbortSignal): Promise<void> {
    while (!this.failure && (this.controller.desiredSize ?? 1) <= 0) {
      if (signal?.aborted) throw signal.reason;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
      this.wake = undefined;
    }
    if (this.failure) throw this.failure;
  }

  private addedFields(): Field[] {
    return [
      new Field(this.opts.names.label, new Utf8(), true),
      new Field(this.opts.names.confidence, new Float32(), true),
      ...this.opts.names.scores.map((n) => new Field(n, new Float32(), true)),
    ];
  }

  private addedData(from: number, to: number): Data[] {
    return [
      built(new Utf8(), this.labels.slice(from, to)),
      built(new Float32(), this.conf.slice(from, to)),
      ...this.scores.map((s) => built(new Float32(), s.slice(from, to))),
    ];
  }

  private emit(schema: Schema, children: Data[], length: number): void {
    const data = makeData({ type: new Struct(schema.fields), length, nullCount: 0, children });
    const ipc = tableToIPC(new ArrowTable([new RecordBatch(schema, data)]), 'stream');
    // The wasm Table is freed at once: left to the garbage collector (which does not see WebAssembly
    // memory), every row group's Arrow data stayed in wasm memory and it grew with the file.
    const table = WasmTable.fromIPCStream(ipc);
    const batches = table.recordBatches();
    table.free();
    for (const rb of batches) this.controller.enqueue(rb);
    this.batchesOut++;
  }

  /** Hands the buffered rows to the encoder (as one or more batches: one per input batch they come from); the encoder cuts the row groups. */
  private flush(): void {
    if (this.rows === 0) return;
    if (this.opts.inputSchema) {
      let at = 0;
      for (const run of this.runs) {
        const n = run.end - run.start;
        const sliced = run.batch.slice(run.start, run.end);
        const schema = new Schema([...run.batch.schema.fields, ...this.addedFields()]);
        this.emit(schema, [...sliced.data.children, ...this.addedData(at, at + n)], n);
        at += n;
      }
    } else {
      const cols = this.inputColumns ?? [];
      const schema = new Schema([...cols.map((c) => new Field(c, new Utf8(), true)), ...this.addedFields()]);
      this.emit(schema, [...this.cells.map((c) => built(new Utf8(), c)), ...this.addedData(0, this.rows)], this.rows);
    }
    this.runs = [];
    this.cells = this.cells.map(() => []);
    this.labels = [];
    this.conf = [];
    this.scores = this.scores.map(() => []);
    this.rows = 0;
  }

  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    try {
      if (this.failure) throw this.failure;
      this.flush();
      if (this.batchesOut === 0) {
        // zero rows: one empty batch, so that the file still has the schema
        const input = this.opts.inputSchema?.fields ?? (this.inputColumns ?? []).map((c) => new Field(c, new Utf8(), true));
        const schema = new Schema([...input, ...this.addedFields()]);
        this.emit(
          schema,
          schema.fields.map((f) => makeData({ type: f.type, length: 0, nullCount: 0 } as never) as Data),
          0,
        );
      }
      this.controller.close();
      await this.done;
      await fsp.rename(this.tmp, this.opts.path);
    } catch (err) {
      await fsp.rm(this.tmp, { force: true });
      if (err instanceof LabelError) throw err;
      throw new LabelError('OUTPUT_FAILED', `cannot write Parquet: ${messageOf(err)}`, { file: this.file });
    }
  }

  async abort(): Promise<void> {
    this.ended = true;
    this.failure ??= new LabelError('OUTPUT_FAILED', 'aborted', { file: this.file });
    try {
      this.controller.error(this.failure);
    } catch {
      // already closed
    }
    await this.done.catch(() => undefined);
    await fsp.rm(this.tmp, { force: true });
  }
}
