#!/usr/bin/env node
'use strict';
// Test helper for test/spark.e2e.test.ts: runs the real CLI (argv as given), but the first
// FLAKY_FAILURES runs that get more than one row (counted across processes with marker
// directories in FLAKY_DIR) pass on FLAKY_AFTER rows and then exit 3, as a crash mid-partition
// would. FLAKY_FAILURES=all: every such run fails.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const bin = path.join(__dirname, '..', '..', 'bin', 'emotion-label.js');
const dir = process.env.FLAKY_DIR;
const failures = process.env.FLAKY_FAILURES ?? '1';
const after = Number(process.env.FLAKY_AFTER ?? '10');

const child = spawn(process.execPath, [bin, ...process.argv.slice(2)], { stdio: ['pipe', 'pipe', 'inherit'] });
let inLines = 0;
let decided = false;
let doomed = false;
let outLines = 0;

function decide() {
  decided = true;
  if (failures === 'all') return (doomed = true);
  for (let i = 0; i < Number(failures); i++) {
    try {
      fs.mkdirSync(path.join(dir, `failure-${i}`));
      return (doomed = true);
    } catch {
      /* taken by an earlier run */
    }
  }
  return false;
}

process.stdin.on('data', (chunk) => {
  if (!decided) {
    for (const b of chunk) if (b === 10) inLines++;
    if (inLines > 1) decide();
  }
  child.stdin.write(chunk);
});
process.stdin.on('end', () => child.stdin.end());
child.stdout.on('data', (chunk) => {
  if (!doomed) return process.stdout.write(chunk);
  let cut = -1;
  for (let i = 0; i < chunk.length; i++) {
    if (chunk[i] === 10 && ++outLines === after) {
      cut = i + 1;
      break;
    }
  }
  if (cut < 0) return process.stdout.write(chunk);
  process.stdout.write(chunk.subarray(0, cut), () => {
    process.stderr.write(`flaky-cli: dying on purpose after ${after} rows\n`);
    child.kill('SIGKILL');
    process.exit(3);
  });
});
child.on('exit', (code) => {
  if (!doomed || outLines < after) process.exitCode = code ?? 3;
});
