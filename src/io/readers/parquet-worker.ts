/**
 * Decodes Parquet row groups for the reader in parquet.ts, in a worker thread: parquet-wasm's
 * async reader can panic on a corrupt page (a WebAssembly trap thrown outside any promise, which
 * would kill the whole process); here it only ends this worker, and the reader reports the file as
 * corrupt. Messages: in {type:'read', group, batch}; out 'opened' | 'batch' | 'error'.
 *
 * A row group is decoded whole (parquet-wasm collects a row group's batches before handing any
 * over, even in its stream()), but into batches of `batchRows` rows, handed over one per request:
 * WebAssembly memory, which never shrinks, then holds one row group of decoded data (18 MB for
 * 65,536 rows of 100 characters, against 51 MB when the group was one batch and one IPC buffer),
 * and the main thread holds a few small batches instead of whole row groups.
 */
import { openAsBlob } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { ParquetFile, type RecordBatch } from 'parquet-wasm';

export interface ParquetWorkerData {
  path: string;
  /** Rows per batch handed to the main thread. */
  batchRows: number;
}
export type FromParquetWorker =
  | { type: 'opened'; groupRows: number[]; groupBytes: number[]; schema: Uint8Array }
  /** Batch `batch` of `batches` of row group `group`, as an Arrow IPC stream. */
  | { type: 'batch'; group: number; batch: number; batches: number; ipc: Uint8Array }
  | { type: 'error'; stage: 'open' | 'schema' | 'read'; group?: number; message: string };
export type ToParquetWorker = { type: 'read'; group: number; batch: number } | { type: 'close' };

const port = parentPort!;
const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim();

async function main(): Promise<void> {
  const { path, batchRows } = workerData as ParquetWorkerData;
  let pf: ParquetFile;
  try {
    pf = await ParquetFile.fromFile(await openAsBlob(path));
  } catch (err) {
    port.postMessage({ type: 'error', stage: 'open', message: messageOf(err) } satisfies FromParquetWorker);
    return;
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
    return;
  }
  port.postMessage({ type: 'opened', groupRows, groupBytes, schema } satisfies FromParquetWorker, [schema.buffer as ArrayBuffer]);

  // The row group being handed over: its batches not yet sent (each freed as it is sent).
  let current: { group: number; batches: (RecordBatch | undefined)[] } | undefined;
  const drop = () => {
    for (const b of current?.batches ?? []) b?.free();
    current = undefined;
  };
  const send = (group: number, batch: number) => {
    if (current?.group !== group) throw new Error(`row group ${group} is not the one being read`);
    const batches = current.batches;
    const rb = batches[batch];
    if (!rb) throw new Error(`batch ${batch} of row group ${group} is not there (already sent, or past the end)`);
    batches[batch] = undefined;
    const ipc = rb.intoIPCStream(); // consumes (frees) the wasm batch
    port.postMessage({ type: 'batch', group, batch, batches: batches.length, ipc } satisfies FromParquetWorker, [ipc.buffer as ArrayBuffer]);
    if (batch === batches.length - 1) drop();
  };
  port.on('message', (msg: ToParquetWorker) => {
    if (msg.type === 'close') {
      drop();
      pf.free();
      port.close();
      return;
    }
    const { group, batch } = msg;
    const fail = (err: unknown) => port.postMessage({ type: 'error', stage: 'read', group, message: messageOf(err) } satisfies FromParquetWorker);
    if (current?.group === group || batch > 0) {
      try {
        send(group, batch);
      } catch (err) {
        fail(err);
      }
      return;
    }
    drop();
    pf.read({ rowGroups: [group], batchSize: batchRows }).then(
      (t) => {
        const batches = t.recordBatches();
        t.free();
        if (batches.length === 0) {
          // an empty row group: one reply, with no batch
          port.postMessage({ type: 'batch', group, batch: 0, batches: 0, ipc: new Uint8Array(0) } satisfies FromParquetWorker);
          return;
        }
        current = { group, batches };
        send(group, batch);
      },
      fail,
    );
  });
}

void main();
