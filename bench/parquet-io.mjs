#!/usr/bin/env node
// Our Parquet reader + writer alone (no model): read bench/out/pq-N.parquet, "label" every row with a
// fake prediction, write Parquet (zstd, 65,536-row groups). Prints rows/s and peak RSS.
//   npm run build && python3 bench/parquet_make_input.py 100000 && node bench/parquet-io.mjs 100000
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { openParquet } = require('../dist/io/readers/parquet.js');
const { createParquetWriter } = require('../dist/io/writers/parquet.js');
const n = process.argv[2] ?? '1000000';
const L = ['sadness', 'joy', 'love', 'anger', 'fear', 'surprise'];
const t0 = process.hrtime.bigint();
const t = await openParquet(new URL(`./out/pq-${n}.parquet`, import.meta.url).pathname, { file: 'in', textColumn: 'text' });
const w = createParquetWriter({
  path: new URL(`./out/pq-${n}.labelled.parquet`, import.meta.url).pathname,
  inputSchema: t.schema,
  id2label: L,
  names: { label: 'label', confidence: 'confidence', scores: [] },
});
let rows = 0;
for await (const it of t.items) {
  rows++;
  if (!w.write({ row: it, prediction: { labelId: it.line % 6, confidence: 0.5 } })) await w.drain();
}
await w.end();
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(
  JSON.stringify({ rows, secs: +secs.toFixed(2), rowsPerSec: Math.round(rows / secs), peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024) }),
);
