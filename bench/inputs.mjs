// Bench inputs: `id,text` CSVs of N rows, the texts of the emotion data's given splits cycled (never
// the test split), made once under bench/out/ and reused.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

const here = path.dirname(fileURLToPath(import.meta.url));
const dataDir = path.resolve(here, '../../shared/data/emotion');
export const outDir = path.join(here, 'out');

/** bench/out/PREFIX-N.csv: N rows of the texts of `splits` (files in shared/data/emotion), cycled. */
export function csvInput(prefix, n, splits) {
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${prefix}-${n}.csv`);
  if (fs.existsSync(file)) return file;
  const texts = splits.flatMap((split) => parse(fs.readFileSync(path.join(dataDir, split)), { columns: true }).map((r) => r.text));
  const fd = fs.openSync(file + '.tmp', 'w');
  fs.writeSync(fd, 'id,text\n');
  for (let i = 0; i < n; i += 10000) {
    const chunk = [];
    for (let j = i; j < Math.min(n, i + 10000); j++) chunk.push([j + 1, texts[j % texts.length]]);
    fs.writeSync(fd, stringify(chunk));
  }
  fs.closeSync(fd);
  fs.renameSync(file + '.tmp', file);
  return file;
}
