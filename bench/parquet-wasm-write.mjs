// parquet-wasm alone: WebAssembly memory of writing N generated rows (id, 100-character text, score, label,
// confidence) through transformParquetStream in chunks of CHUNK rows, row groups of RG rows, zstd.
// Env: SNAPPY=1, NODICT=1, PAGE=bytes, DPAGE=bytes (dictionary page limit), WBS=n. Output: bench/out/ww.parquet.
//   node bench/parquet-wasm-write.mjs CHUNK RG N
import { createRequire } from 'node:module';
import { createWriteStream } from 'node:fs';
import { Writable } from 'node:stream';
const require = createRequire(import.meta.url);
const { Table: WasmTable, transformParquetStream, WriterPropertiesBuilder, Compression, wasmMemory } = require('parquet-wasm');
const { tableFromArrays, tableToIPC } = require('apache-arrow');
const [chunkS, rgS, nS] = process.argv.slice(2);
const C = Number(chunkS),
  RG = Number(rgS),
  N = Number(nS);
const mem = () => Math.round(wasmMemory().buffer.byteLength / 1e6);
let controller, wake;
const src = new ReadableStream(
  {
    start: (c) => {
      controller = c;
    },
    pull: () => wake?.(),
  },
  { highWaterMark: 1 },
);
let pb = new WriterPropertiesBuilder().setCompression(process.env.SNAPPY ? Compression.SNAPPY : Compression.ZSTD).setMaxRowGroupSize(RG);
if (process.env.NODICT) pb = pb.setDictionaryEnabled(false);
if (process.env.PAGE) pb = pb.setDataPageSizeLimit(Number(process.env.PAGE));
if (process.env.DPAGE) pb = pb.setDictionaryPageSizeLimit(Number(process.env.DPAGE));
if (process.env.WBS) pb = pb.setWriteBatchSize(Number(process.env.WBS));
const props = pb.build();
const done = transformParquetStream(src, props).then((bytes) => bytes.pipeTo(Writable.toWeb(createWriteStream('bench/out/ww.parquet'))));
const W = 'i feel so happy today but also a little scared of what tomorrow brings and i love my friends who are'.split(' ');
let s = 1;
const rnd = () => (s = (s * 48271) % 2147483647) / 2147483647;
const t0 = performance.now();
let peak = 0;
for (let at = 0; at < N; at += C) {
  const n = Math.min(C, N - at);
  const id = new BigInt64Array(n),
    score = new Float64Array(n),
    conf = new Float32Array(n);
  const text = [],
    label = [];
  for (let i = 0; i < n; i++) {
    id[i] = BigInt(at + i);
    score[i] = rnd();
    conf[i] = rnd();
    let t = '';
    while (t.length < 100) t += W[Math.floor(rnd() * W.length)] + ' ';
    text.push(t.slice(0, 100));
    label.push(['joy', 'sadness', 'fear'][i % 3]);
  }
  const ipc = tableToIPC(tableFromArrays({ id, text, score, label, confidence: conf }), 'stream');
  const t = WasmTable.fromIPCStream(ipc);
  const bs = t.recordBatches();
  t.free();
  for (const b of bs) controller.enqueue(b);
  while ((controller.desiredSize ?? 1) <= 0)
    await new Promise((r) => {
      wake = r;
    });
  peak = Math.max(peak, mem());
}
controller.close();
await done;
console.log(
  `chunk ${C} rg ${RG} rows ${N}: ms ${Math.round(performance.now() - t0)} wasm ${mem()} (peak seen ${peak}) rss ${Math.round(process.resourceUsage().maxRSS / 1e3)}`,
);
