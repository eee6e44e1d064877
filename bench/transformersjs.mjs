// Baseline for bench/run.mjs: the transformers.js text-classification pipeline on the same ONNX model.
//
//   node bench/transformersjs.mjs --model DIR --input in.csv --rows N [--batch-size 32] [--output out.csv]
//
// transformers.js wants <localModelPath>/<name>/{config.json,tokenizer.json,tokenizer_config.json,onnx/model.onnx};
// that layout is made of symlinks under bench/out/tjs-models/ (the model dir itself is not touched).
// Remote models are disabled, so nothing is ever fetched. Texts are fed in input order, `batch-size`
// at a time, to `await classifier(batch)` (default pipeline settings: top_k 1, onnxruntime-node CPU,
// default session options). Prints ONE JSON line: {rows, batch_size, load_s, label_s, label_rows_per_s}.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { opt } from './inputs.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

const modelDir = path.resolve(opt('model'));
const input = opt('input');
const rows = Number(opt('rows'));
const batchSize = Number(opt('batch-size', '32'));
const output = opt('output');

// ---- layout of symlinks ----------------------------------------------------------------------
const root = path.join(here, 'out', 'tjs-models');
const name = path.basename(modelDir).replace(/[^\w.-]/g, '_') + '-' + Buffer.from(modelDir).toString('hex').slice(-12);
const dir = path.join(root, name);
fs.rmSync(dir, { recursive: true, force: true });
fs.mkdirSync(path.join(dir, 'onnx'), { recursive: true });
for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']) {
  if (fs.existsSync(path.join(modelDir, f))) fs.symlinkSync(path.join(modelDir, f), path.join(dir, f));
}
const onnxSrc = ['model.onnx', 'onnx/model.onnx'].map((f) => path.join(modelDir, f)).find((f) => fs.existsSync(f));
if (!onnxSrc) throw new Error(`${modelDir} has no model.onnx`);
fs.symlinkSync(onnxSrc, path.join(dir, 'onnx', 'model.onnx'));

// ---- texts -------------------------------------------------------------------------------------
const records = parse(fs.readFileSync(input), { columns: true, to: rows });
const texts = records.map((r) => r.text);

const t0 = performance.now();
// ONNX Runtime's telemetry off before transformers.js loads onnxruntime-node (src/util/telemetry.ts).
if (!process.env.ORT_DISABLE_TELEMETRY) process.env.ORT_DISABLE_TELEMETRY = '1';
const { pipeline, env } = await import('@huggingface/transformers');
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = root + path.sep;
env.useBrowserCache = false;
env.useFSCache = false;
const classifier = await pipeline('text-classification', name, { dtype: 'fp32', device: 'cpu' });
await classifier(texts.slice(0, 1)); // warm-up, not timed
const t1 = performance.now();

const out = [];
for (let i = 0; i < texts.length; i += batchSize) {
  const res = await classifier(texts.slice(i, i + batchSize));
  for (const r of res) out.push(Array.isArray(r) ? r[0] : r);
}
const t2 = performance.now();

if (output) {
  const esc = (s) => `"${String(s).replace(/"/g, '""')}"`;
  fs.writeFileSync(output, 'text,label,confidence\n' + texts.map((t, i) => `${esc(t)},${out[i].label},${out[i].score.toFixed(6)}`).join('\n') + '\n');
}
const labelS = (t2 - t1) / 1000;
console.log(
  JSON.stringify({
    rows: texts.length,
    batch_size: batchSize,
    load_s: +((t1 - t0) / 1000).toFixed(3),
    label_s: +labelS.toFixed(3),
    label_rows_per_s: +(texts.length / labelS).toFixed(2),
  }),
);
