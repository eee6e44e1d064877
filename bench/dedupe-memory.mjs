#!/usr/bin/env node
// Memory of the dedupe cache when full (issue #26 item 2): commits 1,000,000 distinct texts'
// answers (six scores each, as the embedded model gives) into a DedupeCache of the default size and
// reports the heap it holds, measured with a forced GC before and after. Needs `npm run build`.
//
//   node --expose-gc bench/dedupe-memory.mjs [--texts 1000000]
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { opt } from './inputs.mjs';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const { DedupeCache, textKey, DEFAULT_DEDUPE_TEXTS } = require(path.join(here, '..', 'dist', 'pipeline', 'dedupe.js'));
const n = Number(opt('texts', 1_000_000));
if (!global.gc) throw new Error('run with node --expose-gc');
global.gc();
const before = process.memoryUsage().heapUsed;
const cache = new DedupeCache();
const batch = [];
for (let i = 0; i < n; i++) {
  const scores = Float32Array.from({ length: 6 }, (_, k) => ((i + k) % 97) / 97);
  batch.push([textKey(`i feel something about number ${i}`), { labelId: i % 6, confidence: scores[i % 6], scores }]);
  if (batch.length === 4096) cache.commit(batch.splice(0));
}
cache.commit(batch.splice(0));
global.gc();
const after = process.memoryUsage().heapUsed;
console.log(
  `${n} distinct texts committed; the cache holds ${cache.size} (default ${DEFAULT_DEDUPE_TEXTS}): ${((after - before) / 1e6).toFixed(1)} MB of heap, ${Math.round((after - before) / cache.size)} bytes a text`,
);
