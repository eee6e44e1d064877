/**
 * Decodes Parquet row groups for the reader in parquet.ts, in a worker thread: parquet-wasm's
 * async reader can panic on a corrupt page (a WebAssembly trap thrown outside any promise, which
 * would kill the whole process); here it only ends this worker, and the reader reports the file as
 * corrupt. Messages: in {type:'read', group, batch}; out 'opened' | 'batch' | 'error'. The reader
 * ends the worker by terminating it.
 *
 * A row group is decoded `sliceRows` rows at a time (parquet-wasm's offset/limit within the group;
 * a group of at most sliceRows rows is one read), each slice into batches of `batchRows` rows,
 * handed over one per request. parquet-wasm collects everything one read asks for before handing
 * any batch over (even in its stream()), and its WebAssembly memory never shrinks, so the slices
 * are what bound the decoded rows this worker holds, whatever the input's row-group size
 * (measured in bench/README.md, "Row groups larger than a slice").
 *
 * What the slices do not bound: each read fetches the group's whole compressed column chunks (no
 * page index is used), so those still grow with the group, and each slice re-decodes the pages
 * before its offset, so decoding a group costs time growing with the square of its size over
 * sliceRows (bench/parquet-wasm-read.mjs measures it; bench/README.md has the figures). For groups
 * of a few million rows that is small next to inference.
 */
import { openAsBlob } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { ParquetFile, type RecordBatch } from 'parquet-wasm';
import { messageOf } from '../../errors';

export interface ParquetWorkerData {
  path: string;
  /** Rows per batch handed to the main thread. */
  batchRows: number;
  /** Rows decoded at a time within a row group. */
  sliceRows: number;
}
export type FromParquetWorker =
  | { type: 'opened'; groupRows: number[]; groupBytes: number[]; schema: Uint8Array }
  /** Batch `batch` of row group `group` as an Arrow IPC stream (empty for a group of no rows); `last`: the group's last. */
  | { type: 'batch'; group: number; batch: number; last: boolean; ipc: Uint8Array }
  | { type: 'error'; stage: 'open' | 'schema' | 'read'; group?: number; message: string };
export type ToParquetWorker = { type: 'read'; group: number; batch: number };

const port = parentPort!;

/** A full collection, when node runs with --expose-gc (the CLI's bin script; workers inherit it). */
const collect = (globalThis as { gc?: () => void }).gc;

async function main(): Promise<void> {
  const { path, batchRows, sliceRows } = workerData as ParquetWorkerData;
  const opened = await openFile(path);
  if (!opened) return;
  const slices = new Slices(opened.pf, opened.groupRows, batchRows, sliceRows);
  port.on('message', ({ group, batch }: ToParquetWorker) => {
    slices
      .serve(group, batch)
      .catch((err: unknown) => port.postMessage({ type: 'error', stage: 'read', group, message: messageOf(err) } satisfies FromParquetWorker));
  });
}

/** Opens the file and posts 'opened' (row groups, schema) or 'error'; undefined when it cannot be read. */
async function openFile(path: string): Promise<{ pf: ParquetFile; groupRows: number[] } | undefined> {
  let pf: ParquetFile;
  try {
    pf = await ParquetFile.fromFile(await openAsBlob(path));
  } catch (err) {
    port.postMessage({ type: 'error', stage: 'open', message: messageOf(err) } satisfies FromParquetWorker);
    return undefined;
  }
  const meta = pf.metadata();
  const groupRows: number[] = [];
  const groupBytes: number[] = [];
  for (let g = 0; g < meta.numRowGroups(); g++) {
    const rg = meta.rowGroup(g);
    groupRows.push(rg.numRows());
    groupBytes.push(rg.compressedSize());
    rg.free();
  }
  meta.free();
  let schema: Uint8Array;
  try {
    schema = (await pf.read({ limit: 0 })).intoIPCStream();
  } catch (err) {
    port.postMessage({ type: 'error', stage: 'schema', message: messageOf(err) } satisfies FromParquetWorker);
    return undefined;
  }
  port.postMessage({ type: 'opened', groupRows, groupBytes, schema } satisfies FromParquetWorker, [schema.buffer as ArrayBuffer]);
  return { pf, groupRows };
}

/** Answers the reader's requests for batches, in order, decoding one slice of a row group at a time. */
class Slices {
  // The slice being handed over: row group, first row of the slice, its batches not yet sent (each
  // freed as it is sent), the index of the next one, and the group's batch number it stands for.
  private current: { group: number; offset: number; rows: number; batches: (RecordBatch | undefined)[]; next: number; number: number } | undefined;

  constructor(
    private readonly pf: ParquetFile,
    private readonly groupRows: number[],
    private readonly batchRows: number,
    private readonly sliceRows: number,
  ) {}

  async serve(group: number, batch: number): Promise<void> {
    const { groupRows } = this;
    if (!(group >= 0 && group < groupRows.length)) throw new Error(`no row group ${group}`);
    if (batch === 0) {
      if (groupRows[group] === 0) {
        // an empty row group: one reply, with no batch
        this.drop();
        port.postMessage({ type: 'batch', group, batch: 0, last: true, ipc: new Uint8Array(0) } satisfies FromParquetWorker);
        return;
      }
      await this.decode(group, 0);
    } else {
      // batches are asked for in order: the next one of this slice, or the first of the next slice
      const current = this.current;
      if (current?.group !== group || current.number !== batch - 1) throw new Error(`batch ${batch} of row group ${group} asked for out of order`);
      if (current.next === current.batches.length) {
        if (current.offset + current.rows >= groupRows[group]) throw new Error(`batch ${batch} of row group ${group} is past its end`);
        await this.decode(group, current.offset + current.rows);
      }
    }
    this.send(group, batch);
  }

  private drop(): void {
    for (const b of this.current?.batches ?? []) b?.free();
    this.current = undefined;
  }

  /** Decodes rows [offset, offset + sliceRows) of `group`. */
  private async decode(group: number, offset: number): Promise<void> {
    this.drop();
    collect?.(); // the previous slice's compressed chunks (ArrayBuffers read from the file) go now
    const rows = Math.min(this.sliceRows, this.groupRows[group] - offset);
    const whole = offset === 0 && rows === this.groupRows[group];
    const batchSize = this.batchRows;
    const t = await this.pf.read(whole ? { rowGroups: [group], batchSize } : { rowGroups: [group], offset, limit: rows, batchSize });
    const batches = t.recordBatches();
    t.free();
    const got = batches.reduce((n, b) => n + b.numRows, 0);
    if (got !== rows) {
      for (const b of batches) b.free();
      throw new Error(`rows ${offset + 1}-${offset + rows} of row group ${group} decoded to ${got} rows, not ${rows}`);
    }
    this.current = { group, offset, rows, batches, next: 0, number: -1 };
  }

  private send(group: number, batch: number): void {
    const c = this.current!;
    const rb = c.batches[c.next];
    if (!rb) throw new Error(`batch ${batch} of row group ${group} is not there (past the end)`);
    c.batches[c.next++] = undefined;
    c.number = batch;
    const last = c.next === c.batches.length && c.offset + c.rows >= this.groupRows[group];
    const ipc = rb.intoIPCStream(); // consumes (frees) the wasm batch
    port.postMessage({ type: 'batch', group, batch, last, ipc } satisfies FromParquetWorker, [ipc.buffer as ArrayBuffer]);
  }
}

void main();
