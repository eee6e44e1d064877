#!/usr/bin/env node
// Dedupe speed-up (issue #26 item 2): the CLI on N rows (default 20,000) holding 0%, 30% and 60%
// repeated texts (60%: 8,000 distinct texts in 20,000 rows), with the cache on (the default), and
// the 60% file once more with --no-dedupe. Each file's rows: its distinct texts once each plus
// repeats drawn uniformly from them, shuffled (seeded), so repeats fall near and far, across
// windows. Speed-ups are against the 0% file in the same invocation. Needs `npm run build`.
//
//   node bench/dedupe.mjs [--rows 20000] [--model DIR] [--cli-args "..."]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'csv-stringify/sync';
import { distinctText, opt, outDir, splitTexts } from './inputs.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = path.join(here, '..', 'bin', 'emotion-label.js');
const rows = Number(opt('rows', 20000));
const extra = [...(opt('model') ? ['--model', opt('model')] : []), ...opt('cli-args', '').split(' ').filter(Boolean)];

/** mulberry32: a seeded PRNG, so the files are the same on every run. */
function prng(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function input(rate) {
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `dedupe-${rows}-${Math.round(rate * 100)}.csv`);
  if (fs.existsSync(file)) return file;
  const texts = splitTexts(['train.csv', 'validation.csv']);
  const distinct = Math.round(rows * (1 - rate));
  const rand = prng(26);
  const picked = Array.from({ length: distinct }, (_, j) => distinctText(texts, j));
  const all = [...picked, ...Array.from({ length: rows - distinct }, () => picked[Math.floor(rand() * distinct)])];
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [all[i], all[j]] = [all[j], all[i]];
  }
  fs.writeFileSync(file, 'id,text\n' + stringify(all.map((t, i) => [i + 1, t])));
  return file;
}

function run(file, more = []) {
  const out = path.join(outDir, 'dedupe-out.csv');
  fs.rmSync(`${out}.partial`, { force: true });
  fs.rmSync(`${out}.partial.json`, { force: true });
  const load = os.loadavg()[0];
  // under /usr/bin/time: wall and CPU (user + system) seconds; CPU is what a shared, loaded machine changes least
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S', process.execPath, bin, file, '-o', out, '--no-progress', ...extra, ...more], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(r.stderr);
  const [, wall, user, sys] = /TIME (\S+) (\S+) (\S+)/.exec(r.stderr);
  return { s: Number(wall), cpu: Number(user) + Number(sys), load, out: fs.readFileSync(out) };
}

console.log(`dedupe bench: ${rows} rows, ${os.cpus().length} cores, CLI args: ${extra.join(' ') || '(defaults)'}`);
console.log('| repeated texts | dedupe | wall s | CPU s | rows/s (wall) | speed-up vs 0%: wall, CPU | 1-min load before |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
const base = run(input(0));
const line = (rate, on, r) =>
  console.log(
    `| ${Math.round(rate * 100)}% | ${on ? 'on' : 'off'} | ${r.s.toFixed(1)} | ${r.cpu.toFixed(1)} | ${Math.round(rows / r.s)} | ${(base.s / r.s).toFixed(2)}x, ${(base.cpu / r.cpu).toFixed(2)}x | ${r.load.toFixed(1)} |`,
  );
line(0, true, base);
let on60;
for (const rate of [0.3, 0.6]) {
  const r = run(input(rate));
  line(rate, true, r);
  if (rate === 0.6) on60 = r;
}
const off60 = run(input(0.6), ['--no-dedupe']);
line(0.6, false, off60);
console.log(
  `60% file, on against off: ${(off60.s / on60.s).toFixed(2)}x wall, ${(off60.cpu / on60.cpu).toFixed(2)}x CPU; outputs ${on60.out.equals(off60.out) ? 'byte-identical' : "differ (a duplicate takes its first occurrence's confidence, which can differ in the last digit from its own batch's)"}`,
);
