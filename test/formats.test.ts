import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { BY_EXTENSION, FORMATS, formatOfExtension, REGISTRY, resolveFormat } from '../src/io/formats';
import { labelFile } from '../src/app/labelFile';
import { ROOT, SAMPLES, TINY_BERT } from './helpers/cli';
import { Collect, streamOf } from './helpers/streams';

/** The format registry (src/io/formats/) against the other lists of formats: the Spark job's. */
const spark = (() => {
  const script = [
    'import importlib.util, json, sys',
    "spec = importlib.util.spec_from_file_location('label', sys.argv[1])",
    'm = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)',
    "print(json.dumps({'formats': list(m.FORMATS), 'extensions': m.EXTENSIONS}))",
  ].join('\n');
  const r = spawnSync('python3', ['-c', script, path.join(ROOT, 'integrations', 'spark', 'label.py')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python3 could not read the Spark job's lists: ${r.stderr || r.error}`);
  return JSON.parse(r.stdout) as { formats: string[]; extensions: Record<string, string> };
})();

test("the Spark job's formats are the registry's, but the variants (quoted TSV: Spark's csv reader quotes TSV anyway)", () => {
  expect(spark.formats).toEqual(FORMATS.filter((f) => REGISTRY[f].variantOf === undefined));
  expect(FORMATS.filter((f) => REGISTRY[f].variantOf !== undefined)).toEqual(['tsv-quoted']);
});

test('the Spark job picks the format from the same extensions as the CLI, no more and no fewer', () => {
  expect(spark.extensions).toEqual(BY_EXTENSION);
});

test('every extension names one format, matched case-insensitively', () => {
  const all = FORMATS.flatMap((f) => REGISTRY[f].extensions);
  expect(new Set(all).size).toBe(all.length);
  for (const e of all) expect(e).toMatch(/^\.[a-z0-9]+$/);
  for (const f of FORMATS) for (const e of REGISTRY[f].extensions) expect(formatOfExtension(`a/b${e.toUpperCase()}`)).toBe(f);
});

test('the delimited formats have a delimiter; only a path-only format reads its columns from a schema', () => {
  for (const f of FORMATS) {
    const d = REGISTRY[f];
    expect([f, d.delimiter !== undefined]).toEqual([f, d.columns === 'header']);
    expect([f, d.needsPath]).toEqual([f, d.columns === 'schema']);
  }
});

test('every format in the registry has a reader, a writer, a rejects text and a help entry; a stream format can be read back, a path-only one says why', () => {
  const helps = FORMATS.map((f) => REGISTRY[f].help);
  expect(new Set(helps).size).toBe(helps.length);
  for (const f of FORMATS) {
    const d = REGISTRY[f];
    expect([f, typeof d.open, typeof d.createWriter, typeof d.recordText]).toEqual([f, 'function', 'function', 'function']);
    expect(d.title).not.toBe('');
    expect(d.help.startsWith(f)).toBe(true);
    if (d.needsPath) expect([f, d.why.read, d.why.write, d.why.whole].every((w) => w.length > 0)).toBe(true);
    else expect([f, typeof d.readBack]).toEqual([f, 'function']);
  }
});

test('a format is chosen by name or by one of its own extensions; a variant has none of its own and names a format that has some', () => {
  for (const f of FORMATS) {
    const v = REGISTRY[f].variantOf;
    if (v === undefined) {
      expect([f, REGISTRY[f].extensions.length > 0]).toEqual([f, true]);
      continue;
    }
    expect(FORMATS).toContain(v);
    expect([f, REGISTRY[f].extensions]).toEqual([f, []]);
    expect(REGISTRY[v].variantOf).toBeUndefined();
    expect(REGISTRY[v].extensions.length).toBeGreaterThan(0);
  }
});

test('--format takes each name and alias, case-insensitively, and no other', () => {
  const names = FORMATS.flatMap((f) => [f, ...(REGISTRY[f].aliases ?? [])]);
  expect(new Set(names).size).toBe(names.length);
  for (const f of FORMATS) for (const n of [f, ...(REGISTRY[f].aliases ?? [])]) expect(resolveFormat(n.toUpperCase(), undefined)).toBe(f);
  expect(resolveFormat('ndjson', 'x.csv')).toBe('jsonl');
  expect(() => resolveFormat('json', undefined)).toThrow(
    expect.objectContaining({ code: 'USAGE', message: "unknown format 'json' (expected one of: csv, tsv, tsv-quoted, jsonl, parquet)" }),
  );
});

describe('a path-only format (Parquet) refused where it cannot go, with the messages it always had', () => {
  test('from stdin', async () => {
    await expect(labelFile(streamOf('text\n'), new Collect(), { format: 'parquet' })).rejects.toMatchObject({
      code: 'USAGE',
      message: 'Parquet input needs a file: it cannot be read from stdin or a pipe (its footer comes last)',
    });
  });

  test('to stdout', async () => {
    await expect(labelFile(path.join(SAMPLES, 'sample.csv'), new Collect(), { outputFormat: 'parquet' })).rejects.toMatchObject({
      code: 'USAGE',
      message: 'Parquet output needs a file (-o FILE.parquet; its footer is written last, so it cannot go to stdout), or choose --output-format csv or jsonl',
    });
  });
});

test('a CSV run (the built package) loads neither apache-arrow nor parquet-wasm; a Parquet read loads them', () => {
  const script = `
    const path = require('node:path');
    const { labelFile } = require(path.join(process.argv[1], 'dist', 'index.js'));
    const heavy = () => Object.keys(require.cache).filter((k) => /[\\/](apache-arrow|parquet-wasm)[\\/]/.test(k)).length > 0;
    (async () => {
      const out = path.join(require('node:os').tmpdir(), 'el-lazy-' + process.pid + '.csv');
      await labelFile(path.join(process.argv[1], 'fixtures', 'samples', 'sample.csv'), out, { model: process.argv[2], workers: 1, threads: 1 });
      require('node:fs').rmSync(out, { force: true });
      const afterCsv = heavy();
      const { REGISTRY } = require(path.join(process.argv[1], 'dist', 'io', 'formats'));
      const reader = await REGISTRY.parquet.open(path.join(process.argv[1], 'fixtures', 'parquet', 'plain.parquet'), { file: 'plain.parquet', textColumn: 'text' });
      for await (const _ of reader.items);
      console.log(JSON.stringify({ afterCsv, afterParquet: heavy() }));
    })().catch((e) => { console.error(e); process.exit(1); });
  `;
  const r = spawnSync(process.execPath, ['-e', script, ROOT, TINY_BERT], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(JSON.parse(r.stdout)).toEqual({ afterCsv: false, afterParquet: true });
});
