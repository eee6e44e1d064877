#!/usr/bin/env node
// Main-thread CPU of one CLI run, and where it goes (issue #16): how many rows one main thread can
// feed. Run from anywhere:
//   node bench/mainthread.mjs [--rows 100000] [--model fixtures/models/tiny-bert] [--cli bin/emotion-label.js] [--repeat 3] [--profile]
// CPU: the main thread's utime+stime from /proc/PID/task/PID/stat (the thread whose id is the
// process id), sampled every 20 ms until exit, for the N-row file and for a 1-row file (start-up),
// per row = (N-row − 1-row) / (N − 1). --profile also runs `node --cpu-prof` (the main thread only)
// and sums self time by what the code does: parse, tokenize, batching/reorder, postMessage, write;
// then the 15 functions with the most self time.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { csvInput, flag, opt } from './inputs.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const outDir = path.join(here, 'out');
fs.mkdirSync(outDir, { recursive: true });
const rows = Number(opt('rows', 100000));
const model = path.resolve(opt('model', path.join(repo, 'fixtures/models/tiny-bert')));
const cli = path.resolve(opt('cli', path.join(repo, 'bin/emotion-label.js')));
const repeat = Number(opt('repeat', 3));
const extra = (opt('cli-args', '') || '').split(/\s+/).filter(Boolean);
const CLK_TCK = 100;

/** The emotion train texts, cycled (bench/inputs.mjs). */
const input = (n) => csvInput('main-input', n, ['train.csv']);

/** Runs the CLI; resolves to wall seconds and the main thread's CPU seconds. */
function run(file, nodeArgs = []) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, [...nodeArgs, cli, file, '--model', model, '-o', path.join(outDir, 'main-out.csv'), '--no-progress', ...extra], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    let ticks = 0;
    const poll = setInterval(() => {
      try {
        const f = fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
        ticks = Number(f[11]) + Number(f[12]);
      } catch {}
    }, 20);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      if (code !== 0) return reject(new Error(`CLI exit ${code}: ${stderr}`));
      resolve({ wall: Number(process.hrtime.bigint() - t0) / 1e9, mainCpu: ticks / CLK_TCK });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const big = input(rows);
const one = input(1);
const bigRuns = [];
const oneRuns = [];
for (let k = 0; k < repeat; k++) {
  oneRuns.push(await run(one));
  bigRuns.push(await run(big));
}
const cpuBig = median(bigRuns.map((r) => r.mainCpu));
const cpuOne = median(oneRuns.map((r) => r.mainCpu));
const wall = median(bigRuns.map((r) => r.wall));
const perRowUs = ((cpuBig - cpuOne) / (rows - 1)) * 1e6;
console.log(`${os.availableParallelism()} cores; model ${path.relative(repo, model)}; ${rows} rows; median of ${repeat}`);
console.log(`main-thread CPU: ${cpuBig.toFixed(2)} s (${rows} rows) − ${cpuOne.toFixed(2)} s (1 row, start-up) → ${perRowUs.toFixed(1)} µs per row`);
console.log(`one main thread can feed at most ${Math.round(1e6 / perRowUs)} rows/s`);
console.log(`pipeline: ${(rows / wall).toFixed(0)} rows/s end to end (wall ${wall.toFixed(2)} s; runs ${bigRuns.map((r) => r.wall.toFixed(2)).join(', ')})`);

if (flag('profile')) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-prof-'));
  await run(big, ['--cpu-prof', '--cpu-prof-dir', dir]);
  // one file per thread, CPU.DATE.TIME.PID.THREAD.SEQ.cpuprofile: thread 0 is the main thread (the directory's order is not)
  const file = fs.readdirSync(dir).find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f));
  const prof = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = prof.timeDeltas;
  prof.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (dt[i] ?? 0)));
  // Attribute each node's self time to the nearest ancestor frame that names a part of the pipeline.
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const bucketOf = (n) => {
    const u = n.callFrame.url;
    const f = n.callFrame.functionName;
    if (/csv-parse/.test(u) || /readers\/(csv|tsv|jsonl|common)|io\/lines/.test(u)) return 'parse (csv-parse, readers)';
    if (/csv-stringify/.test(u) || /writers\//.test(u) || /io\/output/.test(u)) return 'write (csv-stringify, writers)';
    if (/tokenizers|tokenizer\//.test(u)) return 'tokenize';
    if (/pipeline\/labelRows/.test(u)) return 'batching and reorder (labelRows)';
    if (/pipeline\/pool|worker_threads|messageport/i.test(u) || /postMessage/.test(f)) return 'postMessage (pool)';
    if (/app\/|cli\//.test(u)) return 'run loop (app, cli)';
    if (n.callFrame.functionName === '(garbage collector)') return 'garbage collection';
    if (n.callFrame.functionName === '(idle)' || n.callFrame.functionName === '(program)') return undefined;
    return null;
  };
  const totals = new Map();
  for (const [id, us] of self) {
    let n = byId.get(id);
    let b = bucketOf(n);
    while (b === null && parent.has(n.id)) {
      n = byId.get(parent.get(n.id));
      b = bucketOf(n);
    }
    if (b === undefined) continue;
    const key = b ?? 'other (node internals, streams, start-up)';
    totals.set(key, (totals.get(key) ?? 0) + us);
  }
  const sum = [...totals.values()].reduce((a, b) => a + b, 0);
  console.log(`\nmain-thread profile (node --cpu-prof, ${rows} rows, self time by part, idle excluded):`);
  console.log('| part | ms | µs per row | share |\n| --- | ---: | ---: | ---: |');
  for (const [k, us] of [...totals].sort((a, b) => b[1] - a[1])) {
    console.log(`| ${k} | ${(us / 1000).toFixed(0)} | ${(us / rows).toFixed(1)} | ${((us / sum) * 100).toFixed(1)}% |`);
  }
  // The same self time by function (name, file, line): which call inside a part costs.
  const byFunction = new Map();
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    if (functionName === '(idle)' || functionName === '(program)') continue;
    const where = url.includes('/node_modules/') ? url.replace(/^.*\/node_modules\//, '') : url.replace(/^.*\/dist\//, 'dist/');
    const key = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  console.log('\ntop functions by self time:\n| function | ms | share |\n| --- | ---: | ---: |');
  for (const [k, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    console.log(`| ${k} | ${(us / 1000).toFixed(0)} | ${((us / sum) * 100).toFixed(1)}% |`);
  }
}
