#!/usr/bin/env node
// Speed and memory benchmark: our CLI end to end against transformers.js and the Python pipeline.
// See bench/README.md. Run from anywhere:  node bench/run.mjs [--rows 20000] [options]
//
//   --rows N                rows for the CLI and transformers.js on the embedded model (default 20000)
//   --skip-python           no Python pipeline rows
//   --skip-transformersjs   no transformers.js row
//   --skip-roberta          no RoBERTa-base-sized rows (CLI and Python)
//   --only-cli              just the CLI on the embedded model (for tuning); same as all three skips
//   --scale-rows M          also run the CLI on M rows (e.g. 200000) to compare peak RSS
//   --startup               also time a 1-row file start to exit (hyperfine if installed, else 10 runs)
//   --repeat K              run the CLI rows K times and keep the median (default 1)
//   --cli-args "..."        extra CLI options for the CLI rows (e.g. "--workers 1 --threads 2")
//   --cli FILE              the CLI entry to run (default: bin/emotion-label.js of this checkout)
//   --model DIR             model for the CLI/transformers.js rows (default: the embedded model/)
//   --checkpoint DIR        PyTorch checkpoint of that model's MiniLM branch for the Python rows
//                           (default: $BENCH_CHECKPOINT); made by training/train.py, see training/README.md
//                           "Reproduce". Without one, those two rows are skipped with a message.
//   --tjs-rows N / --py-rows-b1 N / --py-rows-b32 N / --roberta-rows N / --roberta-py-rows-b1 N / --roberta-py-rows-b32 N
//   --json FILE             also write every measurement as JSON
// Environment: PYTHON (interpreter for the Python rows; default /work/venv/bin/python if present, else python3).
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { csvInput, flag, opt } from './inputs.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const outDir = path.join(here, 'out');
fs.mkdirSync(outDir, { recursive: true });

// ---- options --------------------------------------------------------------------------------------
const num = (n, d) => Number(opt(n, d));
const rows = num('rows', 20000);
const onlyCli = flag('only-cli');
const skipPython = onlyCli || flag('skip-python');
const skipTjs = onlyCli || flag('skip-transformersjs');
const skipRoberta = onlyCli || flag('skip-roberta');
const repeat = num('repeat', 1);
const cliBin = path.resolve(opt('cli', path.join(repo, 'bin/emotion-label.js')));
const cliArgs = (opt('cli-args', '') || '').split(/\s+/).filter(Boolean);
const modelDir = path.resolve(opt('model', path.join(repo, 'model')));
const jsonOut = opt('json');
const scaleRows = opt('scale-rows') ? num('scale-rows') : undefined;
const PY = process.env.PYTHON || (fs.existsSync('/work/venv/bin/python') ? '/work/venv/bin/python' : 'python3');

const checkpoint = opt('checkpoint') ?? process.env.BENCH_CHECKPOINT;

// ---- inputs: train + validation texts, cycled (never the test split) --------------------------------
/** Train + validation texts, cycled (bench/inputs.mjs). */
const inputFile = (n) => csvInput('input', n, ['train.csv', 'validation.csv']);

// ---- measuring one process ------------------------------------------------------------------------
const GNU_TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
if (!GNU_TIME) {
  console.error('note: /usr/bin/time not found (Debian package `time`: apt-get install time); peak RSS and CPU come from polling /proc/PID instead');
}
const CLK_TCK = 100;
/** A run during which other processes used more than this many cores is retried (CLI rows) or flagged. */
const MAX_OTHER = Number(process.env.BENCH_MAX_OTHER ?? 0.1);

/** Busy CPU seconds of the whole machine so far (all processes), from /proc/stat. */
function machineBusy() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  return (user + nice + system + irq + softirq + steal) / CLK_TCK;
}

/**
 * Runs cmd to exit; returns wall seconds, peak RSS (MB), user+sys CPU seconds, stdout, and
 * otherCpu: cores' worth of CPU used meanwhile by other processes on the machine (a run with
 * otherCpu well above 0 was slowed by something else).
 */
function measure(cmd, args, { env } = {}) {
  const busy0 = machineBusy();
  return new Promise((resolve, reject) => {
    const timeFile = path.join(outDir, `.time-${process.pid}-${Date.now()}.txt`);
    const [c, a] = GNU_TIME ? [GNU_TIME, ['-f', '%e %U %S %M', '-o', timeFile, cmd, ...args]] : [cmd, args];
    const t0 = process.hrtime.bigint();
    const child = spawn(c, a, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    let hwm = 0;
    let ticks = 0;
    let poll;
    if (!GNU_TIME) {
      poll = setInterval(() => {
        try {
          const st = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
          hwm = Math.max(hwm, Number(/VmHWM:\s+(\d+)/.exec(st)?.[1] ?? 0));
          const f = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
          ticks = Number(f[11]) + Number(f[12]);
        } catch {}
      }, 20);
    }
    child.on('error', reject);
    child.on('close', (code) => {
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      clearInterval(poll);
      let rssMb;
      let cpuS;
      if (GNU_TIME) {
        const lines = fs.readFileSync(timeFile, 'utf8').trim().split('\n');
        const [, user, sys, maxKb] = lines[lines.length - 1].split(' ').map(Number);
        fs.rmSync(timeFile, { force: true });
        rssMb = maxKb / 1024;
        cpuS = user + sys;
      } else {
        rssMb = hwm / 1024;
        cpuS = ticks / CLK_TCK;
      }
      const otherCpu = Math.max(0, (machineBusy() - busy0 - cpuS) / wall);
      resolve({ code, wall, rssMb, cpuS, otherCpu, stdout, stderr });
    });
  });
}

const results = [];
function record(r) {
  r.rowsPerS = r.rows / r.wall;
  r.cpu = r.cpuS / r.wall;
  results.push(r);
  const busy = r.otherCpu > MAX_OTHER ? ` [other processes used ${r.otherCpu.toFixed(2)} cores meanwhile]` : '';
  const extra = r.labelRowsPerS ? `, labelling only ${r.labelRowsPerS.toFixed(1)} rows/s` : '';
  console.error(
    `  ${r.name}: ${r.rows} rows in ${r.wall.toFixed(2)} s = ${r.rowsPerS.toFixed(1)} rows/s${extra}, peak RSS ${r.rssMb.toFixed(0)} MB, CPU ${r.cpu.toFixed(2)} (${((r.cpuS / r.rows) * 1000).toFixed(2)} CPU-s per 1000 rows)${busy}`,
  );
  return r;
}

async function runCli(name, model, n, extra = [], times = 1) {
  const input = inputFile(n);
  const out = path.join(outDir, `cli-out-${n}.csv`);
  const runs = [];
  // Runs slowed by another process (otherCpu > MAX_OTHER) are retried, up to 3 extra times each.
  let tries = 0;
  while (runs.filter((r) => r.otherCpu <= MAX_OTHER).length < times && tries < times + 3 * times) {
    tries++;
    fs.rmSync(out, { force: true });
    // --expose-gc: as the bin script's #! line starts node (src/cli/heap.ts)
    const m = await measure(process.execPath, ['--expose-gc', cliBin, input, '-o', out, '--no-progress', '--model', model, ...extra]);
    if (m.code !== 0) throw new Error(`CLI failed (${m.code}): ${m.stderr}`);
    if (m.otherCpu > MAX_OTHER)
      console.error(`  (run slowed by other processes: ${m.otherCpu.toFixed(2)} cores busy elsewhere${tries < 4 * times ? '; again' : ''})`);
    runs.push(m);
  }
  if (runs.some((r) => r.otherCpu <= MAX_OTHER)) runs.splice(0, runs.length, ...runs.filter((r) => r.otherCpu <= MAX_OTHER));
  runs.sort((a, b) => a.wall - b.wall);
  const m = runs[Math.floor(runs.length / 2)];
  const lines = fs.readFileSync(out, 'utf8').split('\n').length - 2;
  if (lines !== n) throw new Error(`CLI wrote ${lines} rows for ${n}`);
  return record({
    name,
    system: 'emotion-label CLI',
    model: path.relative(repo, model) || model,
    batch: batchOf(extra),
    rows: n,
    ...pick(m),
    runs: runs.map((r) => +r.wall.toFixed(3)),
    args: extra.join(' '),
  });
}
/** The CLI's batch size for these arguments: --batch-size if given, else the CLI's default (16, src/cli/options.ts). */
function batchOf(extra) {
  const i = extra.indexOf('--batch-size');
  return i >= 0 ? Number(extra[i + 1]) : 16;
}
const pick = (m) => ({ wall: m.wall, rssMb: m.rssMb, cpuS: m.cpuS, otherCpu: +m.otherCpu.toFixed(2) });

async function runTjs(n) {
  const input = inputFile(n);
  const m = await measure(process.execPath, [
    path.join(here, 'transformersjs.mjs'),
    '--model',
    modelDir,
    '--input',
    input,
    '--rows',
    String(n),
    '--batch-size',
    '32',
    '--output',
    path.join(outDir, 'tjs-out.csv'),
  ]);
  if (m.code !== 0) {
    console.error(`  transformers.js failed (${m.code}): ${m.stderr.slice(-2000)}`);
    return undefined;
  }
  const j = JSON.parse(m.stdout.trim().split('\n').pop());
  return record({
    name: 'transformers.js pipeline',
    system: 'transformers.js (@huggingface/transformers)',
    model: path.relative(repo, modelDir),
    batch: 32,
    rows: n,
    ...pick(m),
    labelRowsPerS: j.label_rows_per_s,
    loadS: j.load_s,
  });
}

async function runPy(name, ckpt, n, batch) {
  const input = inputFile(Math.max(n, 1));
  const m = await measure(PY, [
    path.join(here, 'python_pipeline.py'),
    '--model',
    ckpt,
    '--input',
    input,
    '--rows',
    String(n),
    '--batch-size',
    String(batch),
    '--output',
    path.join(outDir, `py-out.csv`),
  ]);
  const last = m.stdout.trim().split('\n').pop() || '{}';
  let j;
  try {
    j = JSON.parse(last);
  } catch {
    j = { skipped: `no result (exit ${m.code}): ${m.stderr.slice(-500)}` };
  }
  if (j.skipped || m.code !== 0) {
    console.error(`  ${name}: skipped: ${j.skipped ?? `exit ${m.code}: ${m.stderr.slice(-500)}`}`);
    results.push({ name, skipped: j.skipped ?? `exit ${m.code}` });
    return undefined;
  }
  return record({
    name,
    system: `Python transformers ${j.transformers} pipeline (torch ${j.torch}, ${j.threads} threads)`,
    model: ckpt,
    batch,
    rows: j.rows,
    ...pick(m),
    labelRowsPerS: j.label_rows_per_s,
    loadS: +(j.import_s + j.load_s).toFixed(2),
  });
}

async function startup() {
  const input = path.join(outDir, 'input-1.csv');
  fs.writeFileSync(input, 'id,text\n1,i feel so happy and grateful today\n');
  const cmd = `${process.execPath} --expose-gc ${cliBin} ${input} -o ${path.join(outDir, 'one-out.csv')} --no-progress ${cliArgs.join(' ')}`;
  const hf = spawnSync('hyperfine', ['--version']);
  if (hf.status === 0) {
    const jf = path.join(outDir, 'hyperfine-1row.json');
    const r = spawnSync('hyperfine', ['--warmup', '2', '--runs', '15', '--export-json', jf, '-N', cmd], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error('hyperfine failed');
    const j = JSON.parse(fs.readFileSync(jf, 'utf8')).results[0];
    return { tool: 'hyperfine', mean: j.mean, stddev: j.stddev, min: j.min, max: j.max, median: j.median };
  }
  console.error('  note: hyperfine not found (Debian package `hyperfine`); timing 10 runs with this script');
  const walls = [];
  for (let k = 0; k < 12; k++) {
    // no empty argument when there are no --cli-args (the CLI refuses it at once, exit 2: that was
    // timed as a 0.17 s start-up on 2026-12-07)
    const [c, ...a] = cmd.split(' ').filter(Boolean);
    const m = await measure(c, a);
    if (m.code !== 0) throw new Error(`the 1-row run exited with ${m.code}: ${m.stderr.trim()}`);
    if (k >= 2) walls.push(m.wall);
  }
  walls.sort((a, b) => a - b);
  const mean = walls.reduce((s, x) => s + x, 0) / walls.length;
  return { tool: 'repeated spawn', mean, min: walls[0], max: walls[walls.length - 1], median: walls[Math.floor(walls.length / 2)] };
}

// ---- the run --------------------------------------------------------------------------------------
function machine() {
  const cpu = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1];
  return { nproc: os.availableParallelism(), cpu, memGb: +(os.totalmem() / 2 ** 30).toFixed(1), node: process.version, kernel: os.release() };
}
function fileInfo(f) {
  return fs.existsSync(f) ? { file: path.relative(repo, f), mb: +(fs.statSync(f).size / 1e6).toFixed(1) } : undefined;
}

const info = {
  date: new Date().toISOString(),
  machine: machine(),
  model: fileInfo(path.join(modelDir, 'model.onnx')),
  checkpoint,
  python: PY,
  cliArgs: cliArgs.join(' '),
};
console.error(`machine: ${info.machine.nproc} cores, ${info.machine.cpu}, node ${info.machine.node}; model ${info.model?.file} (${info.model?.mb} MB)`);

const roberta = path.join(outDir, 'roberta-base-random');
let startupResult;
let cli;
cli = await runCli('CLI, embedded model', modelDir, rows, cliArgs, repeat);
if (scaleRows) await runCli(`CLI, embedded model, ${scaleRows} rows`, modelDir, scaleRows, cliArgs, 1);
if (!skipTjs) await runTjs(Math.min(rows, num('tjs-rows', rows)));
if (!skipPython) {
  if (!checkpoint) {
    console.error('  Python pipeline (embedded model): skipped: no PyTorch checkpoint (--checkpoint DIR or BENCH_CHECKPOINT)');
    results.push({ name: 'Python pipeline, embedded model', skipped: 'no checkpoint' });
  } else {
    await runPy('Python pipeline, embedded model, batch 1', checkpoint, Math.min(rows, num('py-rows-b1', 1000)), 1);
    await runPy('Python pipeline, embedded model, batch 32', checkpoint, Math.min(rows, num('py-rows-b32', 5000)), 32);
  }
}
if (!skipRoberta) {
  if (!fs.existsSync(path.join(roberta, 'onnx', 'model.onnx'))) {
    console.error(`  making the RoBERTa-base-sized model (${PY} bench/make_roberta_base.py) …`);
    const r = spawnSync(PY, [path.join(here, 'make_roberta_base.py')], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) console.error('  could not make it: RoBERTa-base rows skipped');
  }
  if (fs.existsSync(path.join(roberta, 'onnx', 'model.onnx'))) {
    await runCli('CLI, RoBERTa-base-sized (random)', path.join(roberta, 'onnx'), Math.min(rows, num('roberta-rows', 2000)), cliArgs);
    if (!skipPython) {
      await runPy('Python pipeline, RoBERTa-base-sized, batch 1', path.join(roberta, 'ckpt'), Math.min(rows, num('roberta-py-rows-b1', 200)), 1);
      await runPy('Python pipeline, RoBERTa-base-sized, batch 32', path.join(roberta, 'ckpt'), Math.min(rows, num('roberta-py-rows-b32', 1000)), 32);
    }
  }
}
if (flag('startup')) {
  startupResult = await startup();
  console.error(
    `  1-row file, start to exit: mean ${startupResult.mean.toFixed(3)} s (min ${startupResult.min.toFixed(3)}, max ${startupResult.max.toFixed(3)}; ${startupResult.tool})`,
  );
}

// ---- report ---------------------------------------------------------------------------------------
const fmt = (x, d = 1) => (x === undefined || x === null ? '' : x.toFixed(d));
const measured = results.filter((r) => !r.skipped);
const base = cli.rowsPerS;
console.log('');
const cliRoberta = measured.find((r) => r.name.startsWith('CLI, RoBERTa'));
const sameModelCli = (r) => (r.name.includes('RoBERTa') ? cliRoberta : cli);
console.log(
  '| run | batch | rows | wall s | rows/s (end to end) | rows/s (labelling only) | peak RSS MB | CPU (user+sys)/wall | CLI (embedded model) ÷ this | CLI same model ÷ this |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of measured) {
  const against = r.labelRowsPerS ?? r.rowsPerS;
  r.cliSpeedup = base / against;
  const same = sameModelCli(r);
  r.sameModelSpeedup = same && !r.name.startsWith('CLI') ? same.rowsPerS / against : undefined;
  console.log(
    `| ${r.name} | ${r.batch} | ${r.rows} | ${fmt(r.wall, 2)} | ${fmt(r.rowsPerS)} | ${fmt(r.labelRowsPerS)} | ${fmt(r.rssMb, 0)} | ${fmt(r.cpu, 2)} | ${r === cli ? '1' : fmt(r.cliSpeedup, 1) + '×'} | ${r.sameModelSpeedup ? fmt(r.sameModelSpeedup, 1) + '×' : ''} |`,
  );
}
for (const r of results.filter((r) => r.skipped)) console.log(`| ${r.name} | skipped: ${r.skipped} | | | | | | | |`);
if (startupResult)
  console.log(
    `\n1-row file, start to exit: ${fmt(startupResult.mean, 3)} s mean (min ${fmt(startupResult.min, 3)}, max ${fmt(startupResult.max, 3)}; ${startupResult.tool})`,
  );
console.log(
  `\nSpeed-up = CLI end-to-end rows/s (${fmt(base)}) ÷ the other run's labelling-only rows/s (its model load excluded), or its end-to-end rows/s when it reports none.`,
);
const scale = measured.find((r) => r.name.includes(`${scaleRows} rows`));
if (scale)
  console.log(`Peak RSS ${rows} → ${scaleRows} rows: ${fmt(cli.rssMb, 0)} → ${fmt(scale.rssMb, 0)} MB (${fmt((scale.rssMb / cli.rssMb - 1) * 100, 1)}%)`);

const find = (p) => measured.find((r) => r.name.startsWith(p));
const targets = [];
targets.push([`CLI >= 800 rows/s on ${rows} rows`, cli.rowsPerS >= 800, `${fmt(cli.rowsPerS)} rows/s`]);
if (cli.rssMb !== undefined) targets.push(['CLI peak RSS <= 400 MB', cli.rssMb <= 400, `${fmt(cli.rssMb, 0)} MB`]);
const tjs = find('transformers.js');
if (tjs) targets.push(['CLI >= 2x transformers.js (same model)', tjs.cliSpeedup >= 2, `${fmt(tjs.cliSpeedup, 2)}x`]);
const pyRb1 = find('Python pipeline, RoBERTa-base-sized, batch 1');
if (pyRb1) targets.push(['CLI (embedded) >= 25x Python RoBERTa-base batch 1', pyRb1.cliSpeedup >= 25, `${fmt(pyRb1.cliSpeedup, 1)}x`]);
const pyRb32 = find('Python pipeline, RoBERTa-base-sized, batch 32');
if (pyRb32) targets.push(['(beside it) CLI (embedded) vs Python RoBERTa-base batch 32', null, `${fmt(pyRb32.cliSpeedup, 1)}x`]);
if (scale)
  targets.push([
    `peak RSS within ±20% from ${rows} to ${scaleRows} rows`,
    Math.abs(scale.rssMb / cli.rssMb - 1) <= 0.2,
    `${fmt((scale.rssMb / cli.rssMb - 1) * 100, 1)}%`,
  ]);
if (startupResult) targets.push(['1-row file <= 1.5 s start to exit', startupResult.mean <= 1.5, `${fmt(startupResult.mean, 3)} s`]);
console.log('\nTargets:');
for (const [what, ok, val] of targets) console.log(`  ${ok === null ? 'info' : ok ? 'MET ' : 'MISS'}  ${what}: ${val}`);

if (jsonOut) {
  fs.writeFileSync(
    jsonOut,
    JSON.stringify({ ...info, rows, startup: startupResult, results, targets: targets.map(([what, ok, value]) => ({ what, ok, value })) }, null, 2) + '\n',
  );
  console.error(`wrote ${jsonOut}`);
}
