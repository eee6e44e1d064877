#!/usr/bin/env node
// What csv-parse costs per row on the main thread, by option set (issue #16): the parser alone over
// the main-thread benchmark's input, records iterated and dropped, CPU from process.cpuUsage(), each
// variant in its own process.
//   node bench/csv-parse-options.mjs [--rows 100000] [--repeat 3]
// (needs `npm run build` for the last row, and bench/out/main-input-distinct-N.csv: node bench/mainthread.mjs makes it)
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { parse, Parser } from 'csv-parse';
import { flag, opt } from './inputs.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const rows = Number(opt('rows', 100000));
const repeat = Number(opt('repeat', 3));
const input = path.join(here, 'out', `main-input-distinct-${rows}.csv`);
if (!fs.existsSync(input)) throw new Error(`${input} is missing: run node bench/mainthread.mjs --rows ${rows} first (it makes it)`);

// The reader's fixed options (src/io/readers/csv.ts); the variants add to them.
const base = {
  bom: true,
  encoding: 'latin1',
  delimiter: ',',
  record_delimiter: ['\r\n', '\n'],
  relax_column_count: true,
  relax_quotes: true,
  skip_empty_lines: true,
  max_record_size: 8 << 20,
};
const where = (r, ctx) => ({ r, lines: ctx.lines, empty: ctx.empty_lines, bytes: ctx.bytes });

/** Reads the parser's documented `info` when each record is pushed (what LocatingParser does). */
class PushParser extends Parser {
  push(chunk, encoding) {
    if (chunk !== null) chunk = { r: chunk, lines: this.info.lines, empty: this.info.empty_lines, bytes: this.info.bytes };
    return super.push(chunk, encoding);
  }
}

const variants = [
  ['info + raw + on_record (the reader before)', () => parse({ ...base, info: true, raw: true, on_record: where })],
  ['raw + on_record', () => parse({ ...base, raw: true, on_record: where })],
  ['on_record', () => parse({ ...base, on_record: where })],
  ['info', () => parse({ ...base, info: true })],
  ['raw, info read from the parser at push (the reader now)', () => new PushParser({ ...base, raw: true })],
  ['raw', () => parse({ ...base, raw: true })],
  ['none of them (no line numbers)', () => parse(base)],
];

async function cpuPerRow(iterable, start) {
  const c0 = process.cpuUsage();
  let n = 0;
  for await (const _ of iterable) n++;
  const c = process.cpuUsage(c0);
  if (n !== rows + (start ? 1 : 0)) throw new Error(`read ${n} records`);
  return (c.user + c.system) / rows;
}

const { openReader } = require('../dist/io/formats');
const runs = [
  ...variants.map(([name, make]) => [
    name,
    () => {
      const parser = make();
      fs.createReadStream(input, { highWaterMark: 256 * 1024 }).pipe(parser);
      return cpuPerRow(parser, true);
    },
  ]),
  [
    'the whole reader (dist/io/formats openReader: rows decoded, checked, located)',
    async () => {
      const reader = await openReader(fs.createReadStream(input, { highWaterMark: 256 * 1024 }), {
        format: 'csv',
        file: input,
        textColumn: 'text',
        maxRecordBytes: 8 << 20,
      });
      return cpuPerRow(reader.items, false);
    },
  ],
];
// Each measurement in a fresh process (one warm-up pass, then the timed one): in one process the
// variants' different record shapes and callbacks make csv-parse's hot code polymorphic, which
// slows every variant measured after the first; rounds alternate the variants.
if (flag('variant')) {
  const run = runs[Number(opt('variant'))][1];
  await run();
  console.log(await run());
  process.exit(0);
}
const results = new Map();
for (let k = 0; k < repeat; k++) {
  for (let j = 0; j < runs.length; j++) {
    const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--rows', String(rows), '--variant', String(j)], { encoding: 'utf8' });
    results.set(runs[j][0], [...(results.get(runs[j][0]) ?? []), Number(out)]);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`csv-parse, ${rows} rows, median of ${repeat}\n| options | µs per row |\n| --- | ---: |`);
for (const [name] of runs) {
  const xs = results.get(name);
  console.log(`| ${name} | ${median(xs).toFixed(2)} |`);
}
