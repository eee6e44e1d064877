#!/usr/bin/env node
// Padding of length-aware batching (src/pipeline/share.ts): texts sorted by token count within a
// group of G rows, then cut into batches of 16; padding = padded tokens / real tokens − 1.
// Groups: a share (the rows one worker sorts) of 256 … 2048 rows, and for comparison a whole 4,096-row
// window sorted by token count, by character count, and not sorted. Texts: emotion + GoEmotions-6
// train, shuffled with a fixed seed; tokens from the embedded model's tokenizer. Needs `npm run build`.
//   node bench/padding.mjs
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { parse } from 'csv-parse/sync';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const { loadTokenizer } = require('../dist/tokenizer');
const tok = loadTokenizer(path.resolve(here, '../model'), 128);
const texts = [];
for (const f of ['emotion/train.csv', 'goemotions6/train.csv']) {
  for (const r of parse(fs.readFileSync(path.resolve(here, '../../shared/data', f)), { columns: true })) texts.push(r.text);
}
let seed = 1;
const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
for (let i = texts.length - 1; i > 0; i--) {
  const j = Math.floor(rnd() * (i + 1));
  [texts[i], texts[j]] = [texts[j], texts[i]];
}
const lens = texts.map((t) => tok.encode(t).length);

/** Adds the batches of 16 of `idx` (in its order) to `acc`: real tokens and tokens after padding. */
function addBatches(idx, acc) {
  for (let b = 0; b < idx.length; b += 16) {
    const batch = idx.slice(b, b + 16);
    acc.real += batch.reduce((s, i) => s + lens[i], 0);
    acc.padded += Math.max(...batch.map((i) => lens[i])) * batch.length;
  }
}
const percent = (acc) => `${((acc.padded / acc.real - 1) * 100).toFixed(1)}%`;
/** The indices of the `group` texts from `w` on. */
const groupAt = (w, group) => Array.from({ length: Math.min(group, texts.length - w) }, (_, k) => k + w);

function padding(group, key) {
  const acc = { real: 0, padded: 0 };
  for (let w = 0; w < texts.length; w += group) {
    const idx = groupAt(w, group);
    if (key) idx.sort((a, b) => key(a) - key(b));
    addBatches(idx, acc);
  }
  return percent(acc);
}

console.log(`${texts.length} texts, batches of 16\n| sorted group | by | padding |\n| ---: | --- | ---: |`);
for (const g of [256, 512, 1024, 2048]) console.log(`| ${g} (a share) | token count | ${padding(g, (i) => lens[i])} |`);
console.log(`| 4096 (a window) | token count | ${padding(4096, (i) => lens[i])} |`);
console.log(`| 4096 (a window) | character count | ${padding(4096, (i) => texts[i].length)} |`);
console.log(`| 4096 (a window) | not sorted | ${padding(4096)} |`);

// Not what the CLI does (issue #27, tried and not taken): a window's rows sorted by character
// count, cut into shares of 1,024, each share sorted by token count by its worker.
function sharesOfSortedWindow(window, size) {
  const acc = { real: 0, padded: 0 };
  for (let w = 0; w < texts.length; w += window) {
    const idx = groupAt(w, window).sort((a, b) => texts[a].length - texts[b].length);
    for (let s = 0; s < idx.length; s += size)
      addBatches(
        idx.slice(s, s + size).sort((a, b) => lens[a] - lens[b]),
        acc,
      );
  }
  return percent(acc);
}
console.log(`| 4096 (a window) cut by character count into shares of 1024, each sorted by token count | both | ${sharesOfSortedWindow(4096, 1024)} |`);
