import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BIN, ROOT, runCli, TINY_BERT } from './helpers/cli';

/**
 * What each way of ending leaves beside `-o FILE`, for every output format (docs/long-jobs.md,
 * "What a stopped -o run leaves"): an error of the input (a corrupt Parquet file, exit 2) or a bad
 * row under --on-error fail (exit 1) leaves nothing; a failing model (exit 3) and a signal keep
 * FILE.partial and FILE.partial.json for --resume, except for Parquet output, which cannot be
 * resumed and leaves nothing. Never the lock after an orderly end, never an "internal error".
 */
const model = ['--model', TINY_BERT];
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'el-left-'));
const tmp = () => fs.mkdtempSync(path.join(root, 'out-'));
const OUTPUTS = ['csv', 'tsv', 'jsonl', 'parquet'] as const;
const resumable = (ext: string) => (ext === 'parquet' ? [] : [`out.${ext}.partial`, `out.${ext}.partial.json`]);

const inputs = fs.mkdtempSync(path.join(root, 'in-'));
const BAD: Record<string, { file: string; where: string }> = {
  csv: { file: path.join(inputs, 'bad.csv'), where: 'bad.csv:3: CSV_FIELD_COUNT' },
  tsv: { file: path.join(inputs, 'bad.tsv'), where: 'bad.tsv:3: CSV_FIELD_COUNT' },
  jsonl: { file: path.join(inputs, 'bad.jsonl'), where: 'bad.jsonl:2: JSON_INVALID' },
  // one null text, row 5
  parquet: { file: path.join(ROOT, 'fixtures', 'parquet', 'types.parquet'), where: 'types.parquet:5: TEXT_NOT_STRING' },
};
fs.writeFileSync(BAD.csv.file, 'text\ni am fine\ntoo,many\nafter\n');
fs.writeFileSync(BAD.tsv.file, 'text\ni am fine\ntoo\tmany\nafter\n');
fs.writeFileSync(BAD.jsonl.file, '{"text":"i am fine"}\n{not json\n{"text":"after"}\n');

test.each(OUTPUTS)('a corrupt Parquet input to -o out.%s: PARQUET_INVALID, exit 2, nothing left', async (ext) => {
  const d = tmp();
  const r = await runCli([path.join(ROOT, 'fixtures', 'parquet', 'corrupt-slice.parquet'), '-o', path.join(d, `out.${ext}`), ...model]);
  expect(r.stderr).not.toContain('internal error');
  expect(r.stderr).toContain('corrupt-slice.parquet:1: PARQUET_INVALID: row group 0 (rows 1-16) cannot be decoded');
  expect(r.code).toBe(2);
  expect(fs.readdirSync(d)).toEqual([]);
});

const pairs = Object.keys(BAD).flatMap((input) => OUTPUTS.map((ext) => [input, ext] as const));
test.each(pairs)('a bad %s row under --on-error fail, -o out.%s: exit 1, nothing left', async (input, ext) => {
  const d = tmp();
  const r = await runCli([BAD[input].file, '-o', path.join(d, `out.${ext}`), ...model]);
  expect(r.stderr).not.toContain('internal error');
  expect(r.stderr).toContain(BAD[input].where);
  expect(r.code).toBe(1);
  expect(fs.readdirSync(d)).toEqual([]);
});

describe('a model that fails in its worker (exit 3)', () => {
  // config.json promises 512 positions, the graph has 64: a long text fails its batch (as in bad-input.e2e)
  const broken = fs.mkdtempSync(path.join(root, 'model-'));
  for (const f of fs.readdirSync(TINY_BERT)) fs.copyFileSync(path.join(TINY_BERT, f), path.join(broken, f));
  for (const [file, key] of [
    ['config.json', 'max_position_embeddings'],
    ['tokenizer_config.json', 'model_max_length'],
  ]) {
    const json = JSON.parse(fs.readFileSync(path.join(broken, file), 'utf8'));
    json[key] = 512;
    fs.writeFileSync(path.join(broken, file), JSON.stringify(json));
  }
  const input = path.join(inputs, 'long.csv');
  fs.writeFileSync(input, `text\nshort\n${'word '.repeat(100)}\n`);
  test.each(OUTPUTS)('-o out.%s: the partial and its state kept for --resume (Parquet: nothing), no lock', async (ext) => {
    const d = tmp();
    const r = await runCli([input, '-o', path.join(d, `out.${ext}`), '--model', broken]);
    expect(r.stderr).toContain('WORKER_FAILED');
    expect(r.code).toBe(3);
    expect(fs.readdirSync(d).sort()).toEqual(resumable(ext));
  });
});

test.each(['tsv', 'parquet'])('SIGINT with -o out.%s: the partial and its state (Parquet: nothing), exit 130', async (ext) => {
  const d = tmp();
  const out = path.join(d, `out.${ext}`);
  const child = spawn(process.execPath, [BIN, '--format', 'csv', ...model, '-o', out], { cwd: ROOT, stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  child.stdin.write('text\n');
  for (let i = 0; i < 500; i++) child.stdin.write(`i feel row ${i}\n`);
  // stdin stays open: the run ends by the signal, once the model is loaded and the partial exists
  while (!fs.existsSync(`${out}.partial`)) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 300));
  child.kill('SIGINT');
  expect(await closed).toBe(130);
  expect(stderr).not.toContain('internal error');
  expect(fs.readdirSync(d).sort()).toEqual(resumable(ext));
});
