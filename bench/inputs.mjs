// Bench inputs: `id,text` CSVs of N rows, the distinct texts of the emotion data's given splits (never
// the test split) cycled, made once under bench/out/ and reused. Every row's text is distinct: from
// the second pass on, a text gets " <pass>" appended, so that the CLI's dedupe cache (on by default)
// finds nothing and speed figures stay comparable with those measured before it existed.
// splitTexts() and distinctText() are also what bench/dedupe.mjs draws from.
// Also the bench scripts' reading of their command line: opt() and flag().
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

/**
 * The value after `--name` on the command line (its first occurrence), `dflt` when the flag is not
 * there. Read by hand rather than with util.parseArgs: that takes a value starting with a dash, as in
 * `--cli-args "--workers 1 --threads 2"`, for a missing one (unless written `--cli-args=...`), and it
 * would need every script's options declared to tell `--rows 100` from a flag and a positional.
 */
export function opt(name, dflt) {
  const argv = process.argv.slice(2);
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
}

/** Whether `--name` is on the command line. */
export function flag(name) {
  return process.argv.slice(2).includes(`--${name}`);
}

const here = path.dirname(fileURLToPath(import.meta.url));
const dataDir = path.resolve(here, '../../shared/data/emotion');
export const outDir = path.join(here, 'out');

/** The distinct texts of `splits`, in first-seen order. */
export function splitTexts(splits) {
  return [...new Set(splits.flatMap((split) => parse(fs.readFileSync(path.join(dataDir, split)), { columns: true }).map((r) => r.text)))];
}

/** Row j's text: the distinct texts cycled, " <pass>" appended from the second pass on, so no two rows share one. */
export function distinctText(texts, j) {
  const pass = Math.floor(j / texts.length);
  return pass === 0 ? texts[j] : `${texts[j % texts.length]} ${pass}`;
}

/** bench/out/PREFIX-distinct-N.csv: N rows, each a distinct text of `splits` (files in shared/data/emotion). */
export function csvInput(prefix, n, splits) {
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${prefix}-distinct-${n}.csv`);
  if (fs.existsSync(file)) return file;
  const texts = splitTexts(splits);
  const fd = fs.openSync(file + '.tmp', 'w');
  fs.writeSync(fd, 'id,text\n');
  for (let i = 0; i < n; i += 10000) {
    const chunk = [];
    for (let j = i; j < Math.min(n, i + 10000); j++) chunk.push([j + 1, distinctText(texts, j)]);
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
