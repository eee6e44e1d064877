/**
 * Decodes Parquet row groups for the reader in parquet.ts, in a worker thread: parquet-wasm's
 * async reader can panic on a corrupt page (a WebAssembly trap thrown outside any promise, which
 * would kill the whole process); here it only ends this worker, and the reader reports the file as
 * corrupt. Messages: in {type:'read', group}; out 'opened' | 'group' | 'error'.
 */
import { openAsBlob } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { ParquetFile } from 'parquet-wasm';

export interface ParquetWorkerData {
  path: string;
}
export type FromParquetWorker =
  | { type: 'opened'; groupRows: number[]; groupBytes: number[]; schema: Uint8Array }
  | { type: 'group'; group: number; ipc: Uint8Array }
  | { type: 'error'; stage: 'open' | 'schema' | 'read'; group?: number; message: string };
export type ToParquetWorker = { type: 'read'; group: number } | { type: 'close' };

const port = parentPort!;
const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim();

async function main(): Promise<void> {
  const { path } = workerData as ParquetWorkerData;
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
  port.on('message', (msg: ToParquetWorker) => {
    if (msg.type === 'close') {
      pf.free();
      port.close();
      return;
    }
    const g = msg.group;
    pf.read({ rowGroups: [g], batchSize: Math.max(1, groupRows[g]) }).then(
      (t) => {
        const ipc = t.intoIPCStream();
        port.postMessage({ type: 'group', group: g, ipc } satisfies FromParquetWorker, [ipc.buffer as ArrayBuffer]);
      },
      (err: unknown) => port.postMessage({ type: 'error', stage: 'read', group: g, message: messageOf(err) } satisfies FromParquetWorker),
    );
  });
}

void main();
