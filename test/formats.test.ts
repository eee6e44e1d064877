import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { BY_EXTENSION, FORMATS, formatOfExtension, REGISTRY } from '../src/io/formats';
import { ROOT } from './helpers/cli';

/** The format registry (src/io/formats.ts) against the other lists of formats: the Spark job's. */
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

test("the Spark job's formats are the registry's, but quoted TSV (Spark's csv reader quotes TSV anyway)", () => {
  expect(spark.formats).toEqual(FORMATS.filter((f) => f !== 'tsv-quoted'));
});

test('the Spark job picks the format from the same extensions as the CLI, no more and no fewer', () => {
  expect(spark.extensions).toEqual(BY_EXTENSION);
});

test('every extension names one format, matched case-insensitively', () => {
  const all = FORMATS.flatMap((f) => REGISTRY[f].extensions);
  expect(new Set(all).size).toBe(all.length);
  for (const f of FORMATS) for (const e of REGISTRY[f].extensions) expect(formatOfExtension(`a/b${e.toUpperCase()}`)).toBe(f);
});

test('the delimited formats have a delimiter; only a path-only format reads its columns from a schema', () => {
  for (const f of FORMATS) {
    const d = REGISTRY[f];
    expect([f, d.delimiter !== undefined]).toEqual([f, d.columns === 'header']);
    expect([f, d.needsPath]).toEqual([f, d.columns === 'schema']);
  }
});
