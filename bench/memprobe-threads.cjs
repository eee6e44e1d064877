'use strict';
// Per-thread memory timeline (issue #13 profiling). Loaded with -r, it runs in the main thread and in every
// worker (workers inherit -r): every 250 ms rss, heapUsed, heapTotal, external, arrayBuffers and, once
// parquet-wasm is loaded in that thread, its WebAssembly memory (-1: not loaded), in MB, one line per sample:
//   THREAD SECONDS rss heapUsed heapTotal external arrayBuffers wasm
// appended to $PROBE_OUT (default /tmp/probe.txt); a PEAK line per thread at its exit (a terminated worker has none).
//   PROBE_OUT=bench/out/probe.txt node --expose-gc -r ./bench/memprobe-threads.cjs bin/emotion-label.js IN -o OUT --no-progress
const fs = require('node:fs');
const wt = require('node:worker_threads');
const out = process.env.PROBE_OUT || '/tmp/probe.txt';
const who = wt.isMainThread ? 'main' : `w${wt.threadId}`;
const t0 = Date.now();
const mb = (b) => Math.round((b ?? 0) / 1e6);
const lines = [];
const peaks = {};
function wasmMb() {
  const key = Object.keys(require.cache).find((k) => k.endsWith('parquet-wasm/node/parquet_wasm.js'));
  if (!key) return -1;
  try {
    return mb(require.cache[key].exports.wasmMemory().buffer.byteLength);
  } catch {
    return -2;
  }
}
const sample = () => {
  const m = process.memoryUsage();
  const row = {
    rss: mb(m.rss),
    heapUsed: mb(m.heapUsed),
    heapTotal: mb(m.heapTotal),
    external: mb(m.external),
    arrayBuffers: mb(m.arrayBuffers),
    wasm: wasmMb(),
  };
  for (const [k, v] of Object.entries(row)) peaks[k] = Math.max(peaks[k] ?? -Infinity, v);
  lines.push(`${who} ${((Date.now() - t0) / 1000).toFixed(1)} ${Object.values(row).join(' ')}`);
};
const timer = setInterval(sample, 250);
timer.unref();
const flush = () => {
  sample();
  fs.appendFileSync(out, lines.join('\n') + `\n${who} PEAK ${JSON.stringify(peaks)}\n`);
  lines.length = 0;
};
if (wt.isMainThread) process.on('exit', flush);
else {
  process.on('exit', flush);
  setInterval(() => {
    fs.appendFileSync(out, lines.join('\n') + '\n');
    lines.length = 0;
  }, 2000).unref();
}
