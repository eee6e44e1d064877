#!/usr/bin/env node
// Many cores on a 2-core machine (issue #16): the CLI's main-thread pipeline (read CSV → windows
// and shares → in-order reassembly → write CSV) driven by W simulated workers that cost no CPU: each
// takes a share of n rows and answers after n × --worker-us microseconds (a timer), like a worker
// that labels 1e6 / worker-us rows/s. The main thread is then the only CPU user, so the measured
// rows/s shows where one main thread caps the pipeline: the model says
// rows/s = min(W × 1e6 / worker-us, 1e6 / main-us-per-row).
//   node bench/simulate-cores.mjs [--rows 100000] [--worker-us 1053] [--workers 2,8,16,32,64,128]
// (needs `npm run build`; 1053 µs per row per worker = the embedded model's ~950 rows/s per core)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { opt } from './inputs.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const { createRowWriter, openReader, outputNames } = require('../dist/io/formats');
const { labelRows } = require('../dist/pipeline/labelRows');

const rows = Number(opt('rows', 100000));
const workerUs = Number(opt('worker-us', 1053));
const counts = opt('workers', '2,8,16,32,64,128').split(',').map(Number);
const input = path.join(here, 'out', `main-input-distinct-${rows}.csv`);
if (!fs.existsSync(input)) throw new Error(`${input} is missing: run node bench/mainthread.mjs --rows ${rows} first (it makes it)`);
const LABELS = ['sadness', 'joy', 'love', 'anger', 'fear', 'surprise'];

/** W workers as a queue with W slots, like the real pool: a share waits for a free worker. */
function simulated(size) {
  let busy = 0;
  const waiting = [];
  const free = () => {
    busy--;
    waiting.shift()?.();
  };
  return {
    size,
    async run(texts) {
      if (busy >= size) await new Promise((r) => waiting.push(r));
      busy++;
      const n = texts.length;
      const scores = new Float32Array(n * 6);
      const labelIds = Int32Array.from(texts, (t) => t.length % 6);
      labelIds.forEach((l, i) => (scores[i * 6 + l] = 1));
      await new Promise((r) => setTimeout(r, (n * workerUs) / 1000));
      free();
      return { labelIds, confidences: new Float32Array(n).fill(1), scores };
    },
  };
}

console.log(`| simulated workers | model: worker capacity rows/s | measured rows/s | main-thread CPU µs/row | main thread busy |`);
console.log(`| ---: | ---: | ---: | ---: | ---: |`);
for (const w of counts) {
  const out = fs.createWriteStream(path.join(here, 'out', 'sim-out.csv'), { highWaterMark: 1024 * 1024 }); // as the CLI's -o
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const reader = await openReader(fs.createReadStream(input, { highWaterMark: 256 * 1024 }), {
    format: 'csv',
    file: input,
    textColumn: 'text',
    maxRecordBytes: 1 << 23,
  });
  const writer = createRowWriter(out, {
    format: 'csv',
    inputColumns: reader.columns,
    id2label: LABELS,
    names: outputNames({ labelName: 'label', confidenceName: 'confidence', scores: false }, LABELS),
  });
  let n = 0;
  for await (const item of labelRows(reader.items, simulated(w), {})) {
    n++;
    if (!writer.write(item)) await writer.drain();
  }
  await writer.flush();
  await new Promise((r) => out.end(r));
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6;
  if (n !== rows) throw new Error(`wrote ${n} rows of ${rows}`);
  console.log(
    `| ${w} | ${Math.round((w * 1e6) / workerUs)} | ${Math.round(rows / wall)} | ${((cpu / rows) * 1e6).toFixed(1)} | ${((cpu / wall) * 100).toFixed(0)}% |`,
  );
}
