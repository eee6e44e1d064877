// Where a CLI run's CPU goes: per thread (from /proc) and, inside the JavaScript threads, per part of
// the code (V8's CPU profiles of the main thread and of each worker).
//
//   npm run build
//   node bench/profile-cli.mjs [--model fast] [--rows 20000] [--no-cpu-prof] [--startup] [--top 12]
//                              [--cli OTHER/bin/emotion-label.js] [--cli-args "..."]
//
// Runs `node --cpu-prof bin/emotion-label.js distinct-N.csv -o … --no-progress --model M` (worker
// threads inherit --cpu-prof and write their own profile). Every 50 ms it reads
// /proc/PID/task/*/{comm,stat}, and prints each thread's CPU time (the last sample before it ended)
// in µs per row, grouped by thread name: the main thread (the node pid itself), the workers' JS
// threads, the libuv pool (where onnxruntime-node runs session.run), onnxruntime's own threads, V8's
// GC/compiler helpers. Then each .cpuprofile's samples are grouped by what they were in
// (tokenizer, onnxruntime's JS side, CSV parse/write, pipeline, messaging, GC, idle …, see `part`
// below), as µs per row and share of that thread's busy time, with the top functions by self time.
// --cpu-prof itself costs some time; --no-cpu-prof gives the per-thread figures without it. --startup
// takes each thread's start-up CPU (3 one-row runs) off its figure.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { distinctCsvInput, flag, opt, outDir } from './inputs.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const model = opt('model', 'fast');
const rows = Number(opt('rows', 20000));
const top = Number(opt('top', 12));
const cpuProf = !flag('no-cpu-prof');
const cliArgs = opt('cli-args', '').split(' ').filter(Boolean);
const cliBin = path.resolve(opt('cli', path.join(repo, 'bin/emotion-label.js')));

const input = distinctCsvInput(rows);
const profDir = path.join(outDir, `prof-${model.replace(/\W/g, '_')}-${Date.now()}`);
fs.mkdirSync(profDir, { recursive: true });
const CLK_TCK = 100;
const loadavg = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

const nWorkers = Number(opt('workers', (await import('node:os')).availableParallelism()));
const startup = flag('startup');

/**
 * One CLI run on `file`: CPU seconds of the main thread, of the workers (the busiest threads after
 * it: onnxruntime-node runs session.run() on the calling worker thread) and of all other threads.
 */
async function runCli(file, dir, withProf) {
  const args = [
    ...(withProf ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : []),
    '--expose-gc',
    cliBin,
    file,
    '-o',
    path.join(dir, 'out.csv'),
    '--no-progress',
    '--model',
    model,
    ...cliArgs,
  ];
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const threads = new Map(); // tid -> { comm, cpuS }
  const poll = setInterval(() => {
    let tids = [];
    try {
      tids = fs.readdirSync(`/proc/${child.pid}/task`);
    } catch {
      return;
    }
    for (const tid of tids) {
      try {
        const comm = fs.readFileSync(`/proc/${child.pid}/task/${tid}/comm`, 'utf8').trim();
        const f = fs.readFileSync(`/proc/${child.pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
        threads.set(tid, { comm: tid === String(child.pid) ? 'main thread' : comm, cpuS: (Number(f[11]) + Number(f[12])) / CLK_TCK });
      } catch {}
    }
  }, 50);
  const code = await new Promise((resolve) => child.on('close', resolve));
  clearInterval(poll);
  const wall = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`CLI exited with ${code}`);
  // Every thread of the process is named "node" except V8's profiler threads; the busiest threads
  // after the main one are the workers'. The rest: libuv's pool, V8's GC and compiler helpers, the profiler.
  const mainS = [...threads].find(([tid]) => tid === String(child.pid))?.[1].cpuS ?? 0;
  const others = [...threads]
    .filter(([tid]) => tid !== String(child.pid))
    .map(([, t]) => t)
    .sort((a, b) => b.cpuS - a.cpuS);
  const workerS = others.slice(0, nWorkers).map((t) => t.cpuS);
  const restS = others.slice(nWorkers).reduce((sum, t) => sum + t.cpuS, 0);
  return { wall, mainS, workerS, restS, otherThreads: others.length - workerS.length };
}

// --startup: the start-up (loading the model into every worker, reading tokenizer.json …) is the
// median of 3 runs on the input's first row, taken off every thread's figure, as bench/ceiling.mjs
// does for the whole process, so that per-row figures do not depend on --rows.
let base = { mainS: 0, workerS: Array(nWorkers).fill(0), restS: 0 };
if (startup) {
  const one = path.join(profDir, 'one-row.csv');
  const lines = fs.readFileSync(input, 'utf8').split('\n');
  fs.writeFileSync(one, `${lines[0]}\n${lines[1]}\n`);
  const starts = [];
  for (let i = 0; i < 3; i++) starts.push(await runCli(one, fs.mkdtempSync(path.join(profDir, 'one-')), false));
  const mid = (f) => starts.map(f).sort((a, b) => a - b)[1];
  base = { mainS: mid((r) => r.mainS), workerS: base.workerS.map((_, i) => mid((r) => r.workerS[i] ?? 0)), restS: mid((r) => r.restS) };
}

const loadBefore = loadavg();
const run = await runCli(input, profDir, cpuProf);
const mainS = run.mainS - base.mainS;
const workerS = run.workerS.map((w, i) => w - base.workerS[i]);
const restS = run.restS - base.restS;
console.log(
  `model ${model}, ${rows} distinct rows, wall ${run.wall.toFixed(2)} s, --cpu-prof ${cpuProf ? 'on' : 'off'}, load average ${loadBefore} before, ${loadavg()} after`,
);
const total = mainS + workerS.reduce((sum, x) => sum + x, 0) + restS;
const perRow = (sec) => ((sec / rows) * 1e6).toFixed(1).padStart(7);
const after = startup ? ', after start-up (3 one-row runs, median per thread)' : ', start-up included';
console.log(`CPU by thread (from /proc, sampled every 50 ms${after}): ${perRow(total)} µs/row in all`);
console.log(`  main thread                 ${perRow(mainS)} µs/row`);
workerS.forEach((w, i) => console.log(`  worker ${i + 1} (busiest threads)  ${perRow(w)} µs/row`));
console.log(`  ${run.otherThreads} other threads            ${perRow(restS)} µs/row`);
const avgWorkerS = workerS.reduce((s, x) => s + x, 0) / Math.max(1, workerS.length);

/** What a profile node was doing, from its function and script. */
function part(fn, url) {
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(idle)') return 'idle';
  if (fn === '(program)') return 'program (native, outside JS)';
  if (/@huggingface\/tokenizers|@anush008\/tokenizers|\/tokenizer\//.test(url)) return 'tokenizer';
  if (/onnxruntime/.test(url)) return 'onnxruntime JS';
  if (/csv-parse/.test(url) || /\/io\/readers\/|\/io\/lines/.test(url)) return 'read + parse';
  if (/csv-stringify/.test(url) || /\/io\/writers\/|\/io\/output/.test(url)) return 'format + write';
  if (/\/infer\//.test(url)) return 'feeds + softmax (infer/)';
  if (/\/pipeline\//.test(url)) return 'pipeline (shares, batches, order)';
  if (/worker|messageport|serdes/i.test(url) || /postMessage|deserialize|serialize|MessagePort/.test(fn)) return 'messaging';
  if (/node:internal\/(fs|streams|stream)|node:fs|node:stream|internal\/streams/.test(url)) return 'streams + fs';
  if (/\/dist\//.test(url)) return 'other project code';
  if (url === '') return `native: ${fn || '(anonymous)'}`;
  return 'other (node internals)';
}

for (const file of fs
  .readdirSync(profDir)
  .filter((f) => f.endsWith('.cpuprofile'))
  .sort()) {
  const prof = JSON.parse(fs.readFileSync(path.join(profDir, file), 'utf8'));
  const nodes = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = prof.timeDeltas;
  for (let i = 0; i < prof.samples.length; i++) {
    const id = prof.samples[i];
    const us = dt[i + 1] ?? 0;
    self.set(id, (self.get(id) ?? 0) + us);
  }
  const parts = new Map();
  const fns = new Map();
  let busy = 0;
  for (const [id, us] of self) {
    const n = nodes.get(id);
    const cf = n.callFrame;
    const p = part(cf.functionName, cf.url);
    parts.set(p, (parts.get(p) ?? 0) + us);
    if (p !== 'idle') busy += us;
    const key = `${cf.functionName || '(anonymous)'} ${path.basename(cf.url || '')}:${cf.lineNumber + 1}`;
    if (p !== 'idle') fns.set(key, (fns.get(key) ?? 0) + us);
  }
  // the main profile is CPU.<date>.<pid>.0.<seq>.cpuprofile; a worker's has its thread id instead of 0
  const isMain = file.split('.')[4] === '0';
  // A profile's sample times are wall time while the thread ran or waited to run (on a loaded
  // machine, mostly waiting), so they are turned into shares of the thread's busy samples and
  // then into CPU µs/row with that thread's CPU time from /proc (the workers': their average).
  const cpuS = isMain ? mainS : avgWorkerS;
  const share = (us) => us / busy;
  console.log(`\n${isMain ? 'main thread' : 'a worker thread'} (${file}): ${perRow(cpuS)} CPU µs/row, by the profile's shares of its busy samples:`);
  for (const [p, us] of [...parts].sort((a, b) => b[1] - a[1])) {
    if (p === 'idle' || share(us) < 0.005) continue;
    console.log(`  ${p.padEnd(36)} ${perRow(share(us) * cpuS)} µs/row  ${(100 * share(us)).toFixed(1).padStart(5)}%`);
  }
  console.log(`  top functions by self time:`);
  for (const [k, us] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`  ${perRow(share(us) * cpuS)} µs/row  ${(100 * share(us)).toFixed(1).padStart(5)}%  ${k}`);
}
