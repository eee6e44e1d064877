// The model's ceiling and the CLI on the same distinct texts, back to back, and their ratio.
//
//   npm run build
//   node bench/ceiling.mjs [--models fast,default] [--rows 300000] [--default-rows 10000] [--runs 1]
//                          [--cli FILE] [--cli-args "..."] [--json FILE]
//
// For each model (an embedded model's name or a directory) and each run:
//  * ceiling: the texts tokenized beforehand (the CLI's own tokenizer, dist/tokenizer), sorted by
//    token count over the whole input, cut into batches of 16 and dealt out in turn to one worker
//    thread per core, each holding one onnxruntime-node session with one intra-op thread and the
//    CLI's session settings and feeds (dist/infer/classifier.js sessionOptions, packIds and
//    batchFeeds: int64 input_ids + attention_mask), built before the clock starts. rows/s = rows /
//    wall time from "go" to the last worker done. Nothing but session.run() is timed.
//  * CLI: `node bin/emotion-label.js distinct-N.csv -o out.csv --no-progress --model M`, whole
//    process; its start-up is the median wall time of 3 runs on a 1-row file (the input's first
//    row), and rows/s after start-up = rows / (wall - start-up).
//  * the ceiling is run before and after the CLI and the two are averaged (both printed: their
//    spread is how far the machine's speed drifted during the run);
//  * ratio = CLI rows/s after start-up ÷ ceiling rows/s; beside it the ceiling's CPU per row ÷ the
//    CLI's after start-up, which other processes on the cores disturb less than wall time.
// Also per run: CPU seconds (user+sys) and the main thread's own CPU µs per row (from
// /proc/PID/task/PID/stat, sampled every 50 ms until exit), both less the 1-row run's (start-up), the machine's load average, and
// otherCpu: cores' worth of CPU used by other processes meanwhile (a quiet machine shows ~0).
//
// Inputs: bench/out/distinct-N.csv (bench/inputs.mjs distinctCsvInput): every text different, so
// that no cache of repeated texts can help either side.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const require = createRequire(import.meta.url);

// ONNX Runtime's telemetry off before it loads (README: "Privacy"); the workers' runtime reads the
// process environment this sets
if (isMainThread && !process.env.ORT_DISABLE_TELEMETRY) process.env.ORT_DISABLE_TELEMETRY = '1';

if (!isMainThread) {
  // ---- a ceiling worker: one session, its share of the batches, run when told --------------------
  const ort = require('onnxruntime-node');
  const { batchFeeds, packIds, sessionOptions } = require(path.join(repo, 'dist/infer/classifier.js'));
  const { onnxPath, padId, batches } = workerData;
  const session = await ort.InferenceSession.create(onnxPath, sessionOptions(1));
  const feeds = batches.map((rows) => {
    const { flat, offsets } = packIds(rows);
    return batchFeeds(session.inputNames, flat, offsets, padId);
  });
  if (feeds.length > 0) for (const t of Object.values(await session.run(feeds[0]))) t.dispose?.(); // warm-up
  parentPort.postMessage({ type: 'ready' });
  parentPort.once('message', async () => {
    const t0 = performance.now();
    for (const f of feeds) for (const t of Object.values(await session.run(f))) t.dispose?.();
    const ms = performance.now() - t0;
    await session.release();
    parentPort.postMessage({ type: 'done', ms });
  });
} else {
  await main();
}

async function main() {
  const { parse } = require('csv-parse/sync');
  const { distinctCsvInput, opt, outDir } = await import('./inputs.mjs');
  const { loadModelInfo } = require(path.join(repo, 'dist/infer/modelDir.js'));
  const { loadTokenizer } = require(path.join(repo, 'dist/tokenizer/index.js'));

  const models = opt('models', 'fast,default').split(',');
  const rowsFast = Number(opt('rows', 300000));
  const rowsDefault = Number(opt('default-rows', 10000));
  const runs = Number(opt('runs', 1));
  const cliBin = path.resolve(opt('cli', path.join(repo, 'bin/emotion-label.js')));
  const cliArgs = opt('cli-args', '').split(' ').filter(Boolean);
  const jsonOut = opt('json', undefined);
  const cores = Number(opt('cores', os.availableParallelism?.() ?? os.cpus().length));
  const BATCH = Number(opt('batch', 16));

  const embedded = { default: path.join(repo, 'model'), fast: path.join(repo, 'model-fast') };
  const modelDir = (m) => embedded[m] ?? path.resolve(m);

  const CLK_TCK = 100;
  const loadavg = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  /** Busy CPU seconds of the whole machine so far, from /proc/stat. */
  const machineBusy = () => {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = f;
    return (user + nice + system + irq + softirq + steal) / CLK_TCK;
  };
  const ticks = (file) => {
    const f = fs.readFileSync(file, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  };

  /** Runs node with args to exit; wall s, CPU s (whole process and main thread, sampled every 50 ms), otherCpu. */
  function runNode(args) {
    const busy0 = machineBusy();
    return new Promise((resolve, reject) => {
      const t0 = performance.now();
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      let cpuS = 0;
      let mainS = 0;
      const poll = setInterval(() => {
        try {
          cpuS = ticks(`/proc/${child.pid}/stat`);
          mainS = ticks(`/proc/${child.pid}/task/${child.pid}/stat`);
        } catch {}
      }, 50);
      child.on('error', reject);
      child.on('close', (code) => {
        clearInterval(poll);
        const wall = (performance.now() - t0) / 1000;
        if (code !== 0) return reject(new Error(`${args.join(' ')} exited with ${code}: ${stderr}`));
        resolve({ wall, cpuS, mainS, otherCpu: Math.max(0, (machineBusy() - busy0 - cpuS) / wall) });
      });
    });
  }

  async function ceiling(dir, texts) {
    const info = loadModelInfo(dir);
    const tok = loadTokenizer(info.dir, info.maxLength, { emojiToWords: info.emojiToWords });
    const ids = texts.map((t) => tok.encode(t)).sort((a, b) => a.length - b.length);
    const shares = Array.from({ length: cores }, () => []);
    // each worker packs its batches and builds their feeds (the main thread does not load onnxruntime)
    for (let b = 0, k = 0; b < ids.length; b += BATCH, k++) shares[k % cores].push(ids.slice(b, b + BATCH));
    const workers = shares.map((batches) => new Worker(fileURLToPath(import.meta.url), { workerData: { onnxPath: info.onnxPath, padId: tok.padId, batches } }));
    await Promise.all(
      workers.map(
        (w) =>
          new Promise((resolve, reject) => {
            w.once('message', resolve);
            w.once('error', reject);
          }),
      ),
    );
    const busy0 = machineBusy();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const done = Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
    for (const w of workers) w.postMessage('go');
    await done;
    const wall = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(cpu0);
    const cpuS = (c.user + c.system) / 1e6;
    await Promise.all(workers.map((w) => w.terminate()));
    return { rows: texts.length, wall, rowsPerS: texts.length / wall, cpuS, otherCpu: Math.max(0, (machineBusy() - busy0 - cpuS) / wall) };
  }

  async function cli(model, input, n) {
    const one = path.join(outDir, `ceiling-1row.csv`);
    const lines = fs.readFileSync(input, 'utf8').split('\n');
    fs.writeFileSync(one, `${lines[0]}\n${lines[1]}\n`);
    const out = path.join(outDir, 'ceiling-cli-out.csv');
    const common = ['--expose-gc', cliBin]; // --expose-gc: as the bin script's #! line starts node
    const tail = ['-o', out, '--no-progress', '--model', model, ...cliArgs];
    const starts = [];
    for (let i = 0; i < 3; i++) starts.push(await runNode([...common, one, ...tail]));
    const mid = (key) => starts.map((x) => x[key]).sort((a, b) => a - b)[1];
    const startup = mid('wall');
    const startupCpuS = mid('cpuS');
    const startupMainS = mid('mainS');
    const load = loadavg();
    const m = await runNode([...common, input, ...tail]);
    const written = fs.readFileSync(out, 'utf8').split('\n').length - 2;
    if (written !== n) throw new Error(`CLI wrote ${written} rows for ${n}`);
    return {
      rows: n,
      wall: m.wall,
      startup,
      rowsPerS: n / (m.wall - startup),
      rowsPerSEndToEnd: n / m.wall,
      cpuS: m.cpuS - startupCpuS,
      cpuUsPerRow: ((m.cpuS - startupCpuS) / n) * 1e6,
      mainThreadUsPerRow: ((m.mainS - startupMainS) / n) * 1e6,
      startupCpuS,
      otherCpu: m.otherCpu,
      loadBefore: load,
      loadAfter: loadavg(),
    };
  }

  const results = [];
  console.log(`machine: ${cores} cores, load average ${loadavg()} at start (${new Date().toISOString()})`);
  for (let r = 1; r <= runs; r++) {
    for (const model of models) {
      const n = model === 'default' ? rowsDefault : rowsFast;
      const input = distinctCsvInput(n);
      const texts = parse(fs.readFileSync(input), { columns: true }).map((x) => x.text);
      // the ceiling before and after the CLI, and their mean: a machine whose speed drifts (a
      // virtual machine's host, other processes) moves both ends, and the spread shows by how much
      const loadC = loadavg();
      const c1 = await ceiling(modelDir(model), texts);
      const k = await cli(model, input, n);
      const c2 = await ceiling(modelDir(model), texts);
      const c = {
        rows: n,
        wall: (c1.wall + c2.wall) / 2,
        rowsPerS: (c1.rowsPerS + c2.rowsPerS) / 2,
        cpuS: (c1.cpuS + c2.cpuS) / 2,
        otherCpu: Math.max(c1.otherCpu, c2.otherCpu),
        before: c1,
        after: c2,
      };
      const ratio = k.rowsPerS / c.rowsPerS;
      // CPU per row of the ceiling ÷ the CLI's: what the ratio would be if both kept every core
      // busy; less disturbed than wall times when other processes share the cores
      const cpuRatio = c.cpuS / k.cpuS;
      results.push({ run: r, model, ceiling: { ...c, load: loadC }, cli: k, ratio, cpuRatio });
      console.log(
        `run ${r} ${model.padEnd(7)} ${n} rows | ceiling ${c.rowsPerS.toFixed(0)} rows/s (before ${c1.rowsPerS.toFixed(0)}, after ${c2.rowsPerS.toFixed(0)}; ${((c.cpuS / n) * 1e6).toFixed(0)} CPU-µs/row, load ${loadC}, other ${c.otherCpu.toFixed(2)} cores)` +
          ` | CLI ${k.rowsPerS.toFixed(0)} rows/s after start-up ${k.startup.toFixed(2)} s (${k.wall.toFixed(2)} s, ${k.cpuUsPerRow.toFixed(0)} CPU-µs/row, main thread ${k.mainThreadUsPerRow.toFixed(1)} µs/row, load ${k.loadBefore}, other ${k.otherCpu.toFixed(2)} cores)` +
          ` | ratio ${ratio.toFixed(3)} (CPU per row: ${cpuRatio.toFixed(3)})`,
      );
    }
  }
  console.log(`load average ${loadavg()} at end (${new Date().toISOString()})`);
  if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify(results, null, 1));
}
