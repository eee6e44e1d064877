import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { runCli, ROOT, SAMPLES, TINY_BERT } from './helpers/cli';

/**
 * Parquet through the CLI, read back by pyarrow (the reference): every original column identical
 * in value and type, one row per kept input row in order, the added columns as the same run gives
 * them in JSONL. Skipped, with a message, where Python has no pyarrow (.ci/run installs it).
 */
const FIX = path.join(ROOT, 'fixtures', 'parquet');
const CHECK = path.join(ROOT, 'training', 'fixtures', 'check_parquet.py');
const havePyarrow = spawnSync('python3', ['-c', 'import pyarrow'], { stdio: 'ignore' }).status === 0;
if (!havePyarrow) console.warn('Parquet CLI tests skipped: python3 with pyarrow is not installed (pip install -r training/requirements-parquet.txt)');
const maybe = havePyarrow ? describe : describe.skip;
const model = ['--model', TINY_BERT];
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'el-pq-'));

function pyarrowCheck(input: string, output: string, addedNames: string[], rows?: number[]) {
  const exp = path.join(tmp(), 'expected.json');
  fs.writeFileSync(exp, JSON.stringify({ added_names: addedNames, ...(rows ? { rows } : {}) }));
  const r = spawnSync('python3', [CHECK, input, output, '--expected', exp], { encoding: 'utf8' });
  return JSON.parse(r.stdout || JSON.stringify({ ok: false, problems: [r.stderr] })) as {
    ok: boolean;
    problems: string[];
    rows: number;
    compression: string[];
  };
}

/** The added columns as pyarrow reads them, with their Arrow types. */
function addedColumns(file: string, names: string[]) {
  const code = `import json,sys,pyarrow.parquet as pq
t=pq.read_table(sys.argv[1]); print(json.dumps({n:{"type":str(t[n].type),"values":t[n].to_pylist()} for n in sys.argv[2:]}))`;
  const r = spawnSync('python3', ['-c', code, file, ...names], { encoding: 'utf8' });
  return JSON.parse(r.stdout) as Record<string, { type: string; values: (string | number | null)[] }>;
}

maybe('Parquet through the CLI', () => {
  test('Parquet to Parquet: every type kept, bad rows rejected with their row number, added columns typed as documented', async () => {
    const d = tmp();
    const out = path.join(d, 'labelled.parquet');
    const input = path.join(FIX, 'types.parquet');
    const r = await runCli([input, '-o', out, '--scores', '--on-error', 'skip', '--rejects', path.join(d, 'rejects.csv'), ...model]);
    expect(r.code).toBe(1); // one null text
    expect(r.stderr).toContain('read 50, labelled 48, rejected 1; 1 empty text left unlabelled');
    const rejects = parse(fs.readFileSync(path.join(d, 'rejects.csv'))) as string[][];
    expect(rejects.slice(1).map((x) => x.slice(0, 2))).toEqual([['5', 'TEXT_NOT_STRING']]);
    const kept = Array.from({ length: 50 }, (_, i) => i).filter((i) => i !== 4);
    const check = pyarrowCheck(input, out, ['label', 'confidence', ...['sadness', 'joy', 'love', 'anger', 'fear', 'surprise'].map((l) => `score_${l}`)], kept);
    expect(check.problems).toEqual([]);
    expect(check.compression).toEqual(['ZSTD']);
    // the same rows as JSONL from the same run settings: labels identical, confidences within rounding
    const jsonl = await runCli([input, '--output-format', 'jsonl', '--scores', '--on-error', 'skip', ...model]);
    const lines = jsonl.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    const added = addedColumns(out, ['label', 'confidence', 'score_joy']);
    expect(added.label.type).toBe('string');
    expect(added.confidence.type).toBe('float');
    expect(added.score_joy.type).toBe('float');
    expect(added.label.values).toEqual(lines.map((o) => o.label));
    added.confidence.values.forEach((c, i) =>
      c === null ? expect(lines[i].confidence).toBeNull() : expect(Math.abs((c as number) - lines[i].confidence)).toBeLessThan(1e-6),
    );
  });

  test('CSV to Parquet (-o x.parquet): input columns as strings, one row per input row', async () => {
    const out = path.join(tmp(), 'sample.parquet');
    const r = await runCli([path.join(SAMPLES, 'sample.csv'), '-o', out, ...model]);
    expect(r.code).toBe(0);
    expect(pyarrowCheck(path.join(SAMPLES, 'sample.csv'), out, ['label', 'confidence']).problems).toEqual([]);
  });

  test('Parquet to CSV and TSV-quoted: fields as text, every row once', async () => {
    const r = await runCli([path.join(FIX, 'plain.parquet'), '--output-format', 'csv', ...model]);
    expect(r.code).toBe(0);
    const rows = parse(r.stdout) as string[][];
    expect(rows[0]).toEqual(['id', 'text', 'label', 'confidence']);
    expect(rows.length).toBe(41);
    expect(rows.slice(1).map((x) => x[0])).toEqual(Array.from({ length: 40 }, (_, i) => String(i + 1)));
  });

  test('eval on Parquet', async () => {
    const d = tmp();
    const csv = path.join(d, 'gold.csv');
    fs.copyFileSync(path.join(SAMPLES, 'labelled.csv'), csv);
    const pq = path.join(d, 'gold.parquet');
    const conv = spawnSync('python3', ['-c', 'import sys,pyarrow.csv as c,pyarrow.parquet as p; p.write_table(c.read_csv(sys.argv[1]), sys.argv[2])', csv, pq]);
    expect(conv.status).toBe(0);
    const a = await runCli(['eval', pq, '--json', ...model]);
    const b = await runCli(['eval', csv, '--json', ...model]);
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout)).toEqual(JSON.parse(b.stdout));
  });

  test.each([['corrupt.parquet'], ['truncated.parquet'], ['corrupt-page.parquet']])('%s: exit 2 naming the file, nothing at the output path', async (name) => {
    const d = tmp();
    const r = await runCli([path.join(FIX, name), '-o', path.join(d, 'out.parquet'), ...model]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${name}`);
    expect(r.stderr).toContain('PARQUET_INVALID');
    expect(fs.readdirSync(d)).toEqual([]);
  });

  test('stdin is refused for Parquet input, and stdout for Parquet output: exit 2', async () => {
    const a = await runCli(['--format', 'parquet', ...model], { stdin: fs.readFileSync(path.join(FIX, 'plain.parquet')) });
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('Parquet input needs a file');
    const b = await runCli([path.join(FIX, 'plain.parquet'), ...model]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('Parquet output needs a file');
    expect(b.stdout).toBe('');
  });

  test('an input column named label: exit 2 before any work', async () => {
    const r = await runCli([path.join(FIX, 'label-clash.parquet'), '-o', path.join(tmp(), 'o.parquet'), ...model]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("COLUMN_CONFLICT: the input already has a column 'label'");
  });
});
