#!/usr/bin/env node
// --resume (issue #26 item 1): a full -o run of N rows (default 20,000 distinct texts), then the
// same run stopped at about 40% (SIGKILL, then SIGINT: sent once the state file has a checkpoint at
// or past 40% of the rows) and resumed with --resume: the resumed file must be byte for byte the
// full run's, and the resumed run's wall time is reported as a fraction of the full run's (target
// <= 0.75). CSV, and JSONL with SIGKILL. Needs `npm run build`.
//
//   node bench/resume.mjs [--rows 20000] [--model DIR] [--cli-args "..."]
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { csvInput, opt, outDir } from './inputs.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = path.join(here, '..', 'bin', 'emotion-label.js');
const rows = Number(opt('rows', 20000));
const extra = [...(opt('model') ? ['--model', opt('model')] : []), ...opt('cli-args', '').split(' ').filter(Boolean)];
const csv = csvInput('input', rows, ['train.csv', 'validation.csv']);

function clean(out) {
  for (const f of [out, `${out}.partial`, `${out}.partial.json`, `${out}.partial.lock`]) fs.rmSync(f, { force: true });
}

/** Runs the CLI under /usr/bin/time: wall and CPU (user + system) seconds; CPU is what a shared, loaded machine changes least. */
function timed(args) {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S', process.execPath, bin, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  const [, wall, user, sys] = /TIME (\S+) (\S+) (\S+)/.exec(r.stderr);
  return { wall: Number(wall), cpu: Number(user) + Number(sys) };
}

function full(out) {
  clean(out);
  return timed([csv, '-o', out, '--no-progress', ...extra]);
}

const lastRows = (state) => {
  if (!fs.existsSync(state)) return 0;
  const lines = fs.readFileSync(state, 'utf8').split('\n').filter(Boolean);
  try {
    return lines.length > 1 ? JSON.parse(lines[lines.length - 1]).rows : 0;
  } catch {
    return 0;
  }
};

async function stopped(out, sig) {
  clean(out);
  const child = spawn(process.execPath, [bin, csv, '-o', out, '--no-progress', ...extra], { stdio: 'ignore' });
  const closed = new Promise((resolve) => child.on('close', resolve));
  const t = performance.now();
  let at = 0;
  const poll = setInterval(() => {
    at = lastRows(`${out}.partial.json`);
    if (at >= 0.4 * rows) {
      clearInterval(poll);
      child.kill(sig);
    }
  }, 20);
  await closed;
  clearInterval(poll);
  const from = lastRows(`${out}.partial.json`);
  const before = (performance.now() - t) / 1000;
  const resumed = timed([csv, '-o', out, '--no-progress', '--resume', ...extra]);
  return { at: from || at, before, resumed };
}

console.log(
  `resume bench: ${rows} rows, ${os.cpus().length} cores, 1-min load ${os.loadavg()[0].toFixed(1)} at start, CLI args: ${extra.join(' ') || '(defaults)'}`,
);
console.log('| output | stop | resumed from row | full run: wall s / CPU s | resumed run: wall s / CPU s | resumed / full: wall, CPU | identical |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const [ext, sigs] of [
  ['csv', ['SIGKILL', 'SIGINT']],
  ['jsonl', ['SIGKILL']],
]) {
  const ref = path.join(outDir, `resume-full.${ext}`);
  const tFull = full(ref);
  for (const sig of sigs) {
    const out = path.join(outDir, `resume-run.${ext}`);
    const r = await stopped(out, sig);
    const same = fs.readFileSync(out).equals(fs.readFileSync(ref));
    const f = (t) => `${t.wall.toFixed(1)} / ${t.cpu.toFixed(1)}`;
    console.log(
      `| ${ext} | ${sig} | ${r.at} | ${f(tFull)} | ${f(r.resumed)} | ${(r.resumed.wall / tFull.wall).toFixed(2)}, ${(r.resumed.cpu / tFull.cpu).toFixed(2)} | ${same ? 'yes' : 'NO'} |`,
    );
  }
}
