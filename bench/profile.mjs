// Where one worker's time goes, in a single thread: tokenizing vs onnxruntime, per batch.
//   node bench/profile.mjs [--rows 4000] [--batch-size 32] [--threads 1] [--model DIR]
// Texts are sorted by length in windows of --window rows like the CLI does (default 256).
// Needs `npm run build` (uses dist/).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');
const { loadModelInfo } = require(path.join(repo, 'dist/infer/modelDir.js'));
const { loadTokenizer } = require(path.join(repo, 'dist/tokenizer/index.js'));

const argv = process.argv.slice(2);
const opt = (n, d) => (argv.includes(`--${n}`) ? argv[argv.indexOf(`--${n}`) + 1] : d);
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

const tok = loadTokenizer(info.dir, info.maxLength);
let t = performance.now();
const encoded = sample.map((s) => tok.encode(s));
const tokMs = performance.now() - t;
const tokens = encoded.reduce((s, e) => s + e.length, 0);

const session = await ort.InferenceSession.create(info.onnxPath, {
  graphOptimizationLevel: 'all', intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', enableCpuMemArena: true,
});
// batches as the CLI makes them: windows sorted by length
const batches = [];
let padded = 0;
for (let w = 0; w < encoded.length; w += windowSize) {
  const win = encoded.slice(w, w + windowSize).sort((a, b) => a.length - b.length);
  for (let b = 0; b < win.length; b += batchSize) batches.push(win.slice(b, b + batchSize));
}
function feeds(batch) {
  const n = batch.length;
  const width = Math.max(...batch.map((e) => e.length));
  padded += n * width;
  const ids = new BigInt64Array(n * width).fill(BigInt(tok.padId));
  const mask = new BigInt64Array(n * width);
  batch.forEach((row, r) => row.forEach((id, j) => ((ids[r * width + j] = BigInt(id)), (mask[r * width + j] = 1n))));
  const f = { input_ids: new ort.Tensor('int64', ids, [n, width]) };
  if (session.inputNames.includes('attention_mask')) f.attention_mask = new ort.Tensor('int64', mask, [n, width]);
  if (session.inputNames.includes('token_type_ids')) f.token_type_ids = new ort.Tensor('int64', new BigInt64Array(n * width), [n, width]);
  return f;
}
await session.run(feeds(batches[0]));
padded = 0;
t = performance.now();
let feedMs = 0;
let runMs = 0;
for (const b of batches) {
  const t0 = performance.now();
  const f = feeds(b);
  const t1 = performance.now();
  await session.run(f);
  runMs += performance.now() - t1;
  feedMs += t1 - t0;
}
const total = tokMs + feedMs + runMs;
console.log(JSON.stringify({
  rows, batchSize, threads, windowSize, tokensPerText: +(tokens / rows).toFixed(1), paddingOverhead: +(padded / tokens - 1).toFixed(3),
  tokenizeMs: +tokMs.toFixed(0), feedsMs: +feedMs.toFixed(0), onnxMs: +runMs.toFixed(0),
  tokenizeShare: +(tokMs / total).toFixed(3), rowsPerSOneThread: +(rows / (total / 1000)).toFixed(0),
}));
