// Memory timeline of one CLI run, for the "Memory" section of bench/README.md:
//   PROBE_OUT=bench/out/mem.txt node -r ./bench/memprobe.cjs bin/emotion-label.js FILE -o OUT --no-progress
// Once a second: process RSS (all threads) and the main thread's V8 heap (new and old space), in MB.
// Written at exit to $PROBE_OUT (default stderr). A diagnostic, not a test: nothing is asserted.
'use strict';
const fs = require('node:fs');
const v8 = require('node:v8');

const t0 = Date.now();
const rows = [];
const timer = setInterval(() => {
  const m = process.memoryUsage();
  const space = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_size]));
  const mb = (b) => Math.round((b ?? 0) / 1e6);
  rows.push([((Date.now() - t0) / 1000).toFixed(1), mb(m.rss), mb(m.heapTotal), mb(space.new_space), mb(space.old_space), mb(m.rss - m.heapTotal)].join(' '));
}, 1000);
timer.unref();
process.on('exit', () => {
  const text = 'seconds rss_mb main_heap_mb main_new_space_mb main_old_space_mb rss_minus_main_heap_mb\n' + rows.join('\n') + '\n';
  if (process.env.PROBE_OUT) fs.writeFileSync(process.env.PROBE_OUT, text);
  else process.stderr.write(text);
});
