// Where one worker's time goes, in a single thread: tokenizing vs onnxruntime, per batch.
//   node bench/profile.mjs [--rows 4000] [--batch-size 32] [--threads 1] [--model DIR]
// Texts are sorted by length in windows of --window rows like the CLI does (default 256).
// Each batch goes through the CLI's Classifier.classifyIds (its session settings, int64 feeds,
// softmax): that is `onnxMs`; `feedsMs` is packing a batch's ids into flat arrays.
// Needs `npm run build` (uses dist/).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { opt } from './inputs.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const require = createRequire(import.meta.url);
const { Classifier } = require(path.join(repo, 'dist/infer/classifier.js'));
const { loadModelInfo } = require(path.join(repo, 'dist/infer/modelDir.js'));
const { loadTokenizer } = require(path.join(repo, 'dist/tokenizer/index.js'));

const rows = Number(opt('rows', 4000));
const batchSize = Number(opt('batch-size', 32));
const threads = Number(opt('threads', 1));
const windowSize = Number(opt('window', 256));
const info = loadModelInfo(opt('model', path.join(repo, 'model')));

const texts = [];
for (const split of ['train.csv', 'validation.csv']) {
  for (const r of parse(fs.readFileSync(path.resolve(repo, '../shared/data/emotion', split)), { columns: true })) texts.push(r.text);
}
const sample = Array.from({ length: rows }, (_, i) => texts[i % texts.length]);

const tok = loadTokenizer(info.dir, info.maxLength, { emojiToWords: info.emojiToWords });
let t = performance.now();
const encoded = sample.map((s) => tok.encode(s));
const tokMs = performance.now() - t;
const tokens = encoded.reduce((s, e) => s + e.length, 0);

// the CLI's own session (same options) and feed building: Classifier.classifyIds
// (the spec src/app/labeller.ts gives each worker, and the tokenizer's pad id as the worker adds it)
const { onnxPath, numOutputs, outputIndices, multiLabel, temperature, bias } = info;
const classifier = await Classifier.create({ onnxPath, numOutputs, outputIndices, multiLabel, temperature, bias, intraOpThreads: threads, padId: tok.padId });
// batches as the CLI makes them: windows sorted by length
const batches = [];
let padded = 0;
for (let w = 0; w < encoded.length; w += windowSize) {
  const win = encoded.slice(w, w + windowSize).sort((a, b) => a.length - b.length);
  for (let b = 0; b < win.length; b += batchSize) batches.push(win.slice(b, b + batchSize));
}
function flatten(batch) {
  const offsets = new Int32Array(batch.length + 1);
  batch.forEach((row, i) => (offsets[i + 1] = offsets[i] + row.length));
  const flat = new Int32Array(offsets[batch.length]);
  batch.forEach((row, i) => flat.set(row, offsets[i]));
  padded += batch.length * Math.max(...batch.map((e) => e.length));
  return [flat, offsets];
}
await classifier.classifyIds(...flatten(batches[0]));
padded = 0;
let feedMs = 0;
let runMs = 0;
for (const b of batches) {
  const t0 = performance.now();
  const args = flatten(b);
  const t1 = performance.now();
  await classifier.classifyIds(...args);
  runMs += performance.now() - t1;
  feedMs += t1 - t0;
}
await classifier.release();
const total = tokMs + feedMs + runMs;
console.log(
  JSON.stringify({
    rows,
    batchSize,
    threads,
    windowSize,
    tokensPerText: +(tokens / rows).toFixed(1),
    paddingOverhead: +(padded / tokens - 1).toFixed(3),
    tokenizeMs: +tokMs.toFixed(0),
    feedsMs: +feedMs.toFixed(0),
    onnxMs: +runMs.toFixed(0),
    tokenizeShare: +(tokMs / total).toFixed(3),
    rowsPerSOneThread: +(rows / (total / 1000)).toFixed(0),
  }),
);
