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

/**
 * bench/out/distinct-N.csv: N rows whose texts are all different, for speed runs that must not be
 * helped by a cache of repeated texts. The emotion texts of train.csv + validation.csv (18,000) in
 * order; on the k-th pass over them each text's words are rotated by k ("i feel sad today" →
 * "feel sad today i" on the second pass), so every row keeps the words, and thus the token count,
 * of a real text. A rotation that gives a text already seen (short texts, repeated words) is skipped.
 */
export function distinctCsvInput(n) {
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `distinct-${n}.csv`);
  if (fs.existsSync(file)) return file;
  const texts = ['train.csv', 'validation.csv'].flatMap((split) => parse(fs.readFileSync(path.join(dataDir, split)), { columns: true }).map((r) => r.text));
  const words = texts.map((t) => t.split(' '));
  const seen = new Set();
  const rows = [];
  for (let pass = 0; rows.length < n; pass++) {
    const before = rows.length;
    for (let i = 0; i < words.length && rows.length < n; i++) {
      const w = words[i];
      const k = pass % w.length;
      const text = pass === 0 ? texts[i] : [...w.slice(k), ...w.slice(0, k)].join(' ');
      if (pass > 0 && k === 0) continue;
      if (seen.has(text)) continue;
      seen.add(text);
      rows.push([rows.length + 1, text]);
    }
    if (rows.length === before && pass > 200) throw new Error(`only ${rows.length} distinct texts`);
  }
  fs.writeFileSync(file + '.tmp', 'id,text\n' + stringify(rows));
  fs.renameSync(file + '.tmp', file);
  return file;
}
