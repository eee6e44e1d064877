// parquet-wasm alone: WebAssembly memory of reading every row group of FILE and turning each batch into
// Arrow IPC (what src/io/readers/parquetWorker.ts does), by row-group read, stream() or offset/limit slices.
//   node bench/parquet-wasm-read.mjs bench/out/pq-1000000.parquet read|stream|slice BATCH_ROWS
import { openAsBlob } from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { ParquetFile, wasmMemory } = require('parquet-wasm');
const [file, mode, bs] = process.argv.slice(2);
const B = Number(bs);
const mem = () => Math.round(wasmMemory().buffer.byteLength / 1e6);
const pf = await ParquetFile.fromFile(await openAsBlob(file));
console.log('open', mem());
const meta = pf.metadata();
const n = meta.numRowGroups();
/** A table read's batches as Arrow IPC, the table freed first: the bytes. */
function ipcBytes(t) {
  const bs = t.recordBatches();
  t.free();
  let bytes = 0;
  for (const b of bs) bytes += b.intoIPCStream().length;
  return bytes;
}

const t0 = performance.now();
let total = 0;
for (let g = 0; g < n; g++) {
  if (mode === 'read') {
    total += ipcBytes(await pf.read({ rowGroups: [g], batchSize: B }));
  } else if (mode === 'slice') {
    const rows = meta.rowGroup(g).numRows();
    for (let off = 0; off < rows; off += B) {
      total += ipcBytes(await pf.read({ rowGroups: [g], offset: off, limit: B, batchSize: B }));
    }
  } else if (mode === 'stream') {
    const s = await pf.stream({ rowGroups: [g], batchSize: B });
    const r = s.getReader();
    for (;;) {
      const { done, value } = await r.read();
      if (done) break;
      const ipc = value.intoIPCStream();
      total += ipc.length;
    }
  }
  if (g < 3 || g === n - 1) console.log('group', g, mem());
}
console.log(
  mode,
  B,
  'ms',
  Math.round(performance.now() - t0),
  'ipc MB',
  Math.round(total / 1e6),
  'wasm',
  mem(),
  'rss',
  Math.round(process.resourceUsage().maxRSS / 1e3),
);
