#!/usr/bin/env node
// The whole CLI on Parquet against the same rows as CSV (issue #13): rows/s and peak RSS of
// Parquet → Parquet and CSV → CSV, back to back, per size.
//   node bench/parquet-cli.mjs [--rows 100000,1000000] [--model DIR] [--repeat 1] [--row-group G] [--runs csv:csv,parquet:parquet]
// Inputs: bench/out/pq-N.parquet from bench/parquet_make_input.py (id int64, a 100-character text,
// score float64; row groups of 65,536 rows, or of G rows with --row-group: pq-N-rgG.parquet), and
// the same rows as CSV written by pyarrow. --runs: which input:output pairs, in order (also
// csv:parquet and parquet:csv, to tell the reader's cost from the writer's).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { opt } from './inputs.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const out = path.join(here, 'out');
const sizes = opt('rows', '100000,1000000').split(',').map(Number);
const model = opt('model');
const repeat = Number(opt('repeat', 1));
const group = opt('row-group');
const runs = opt('runs', 'csv:csv,parquet:parquet')
  .split(',')
  .map((r) => r.split(':'));
const NAME = { csv: 'CSV', parquet: 'Parquet' };
const PY = process.env.PYTHON || 'python3';

function inputs(n) {
  const pq = path.join(out, `pq-${n}.parquet`);
  if (!fs.existsSync(pq)) spawnSync(PY, [path.join(here, 'parquet_make_input.py'), String(n)], { stdio: 'inherit' });
  const csv = path.join(out, `pq-${n}.csv`);
  if (!fs.existsSync(csv)) {
    const code = 'import sys,pyarrow.parquet as p,pyarrow.csv as c; c.write_csv(p.read_table(sys.argv[1]), sys.argv[2])';
    spawnSync(PY, ['-c', code, pq, csv], { stdio: 'inherit' });
  }
  if (group) {
    const pqg = path.join(out, `pq-${n}-rg${group}.parquet`);
    if (!fs.existsSync(pqg)) spawnSync(PY, [path.join(here, 'parquet_make_input.py'), String(n), group], { stdio: 'inherit' });
    return { pq: pqg, csv };
  }
  return { pq, csv };
}

function run(input, output) {
  fs.rmSync(output, { force: true });
  const timeFile = path.join(out, '.pq-time');
  const args = [
    '-f',
    '%e %U %S %M',
    '-o',
    timeFile,
    process.execPath,
    '--expose-gc',
    path.join(repo, 'bin/emotion-label.js'),
    input,
    '-o',
    output,
    '--no-progress',
    ...(model ? ['--model', model] : []),
  ];
  const r = spawnSync('/usr/bin/time', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}`);
  const [wall, user, sys, kb] = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  return { wall, cpu: user + sys, rssMb: kb / 1024 };
}

console.log(`model: ${model ?? 'the embedded default'}; Parquet row groups of ${group ?? 65536} rows`);
console.log('| rows | input → output | wall s | rows/s | peak RSS MB |\n| ---: | --- | ---: | ---: | ---: |');
for (const n of sizes) {
  const { pq, csv } = inputs(n);
  for (let k = 0; k < repeat; k++) {
    for (const [from, to] of runs) {
      if (!NAME[from] || !NAME[to]) throw new Error(`--runs: not a pair of csv|parquet: ${from}:${to}`);
      const [name, input, output] = [`${NAME[from]} → ${NAME[to]}`, from === 'csv' ? csv : pq, path.join(out, `pq-cli-out.${to}`)];
      const m = run(input, output);
      console.log(`| ${n} | ${name} | ${m.wall.toFixed(1)} | ${Math.round(n / m.wall)} | ${Math.round(m.rssMb)} |`);
    }
  }
}
