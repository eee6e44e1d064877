import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { CsvError } from 'csv-parse';
import { ERROR_CODES, type ErrorCode } from '../src/errors';
import { evaluate, labelFile } from '../src/index';
import { Collect, expectLabelError, readAll } from './helpers/streams';
import { SAMPLES, TINY_BERT } from './helpers/cli';

/**
 * One case per error code the README lists, through the library API (the CLI maps the same errors
 * to its exit codes: test/bad-input.e2e.test.ts, test/cli-options.e2e.test.ts).
 */
const model = TINY_BERT;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-codes-'));
const file = (name: string, body: string | Buffer) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, body);
  return f;
};
const covered = new Set<ErrorCode>();
const label = (input: string, opts: object = {}) => labelFile(input, new Collect(), { model, ...opts });

/** Each case: the code, what triggers it, and where the error must point. */
const cases: [ErrorCode, () => Promise<unknown>, { file?: string; line?: number; exitCode: number; message?: RegExp }][] = [];
const add = (code: ErrorCode, fn: () => Promise<unknown>, where: { file?: string; line?: number; exitCode: number; message?: RegExp }) =>
  cases.push([code, fn, where]);

const csv = file('ok.csv', 'text\nhello\n');
add('USAGE', () => label(csv, { batchSize: 0 }), { exitCode: 2 });
add('INPUT_NOT_FOUND', () => label(path.join(dir, 'nope.csv')), { file: path.join(dir, 'nope.csv'), exitCode: 2 });
add('MODEL_INVALID', () => label(csv, { model: dir }), { file: dir, exitCode: 2 });
add('MISSING_COLUMN', () => label(csv, { textColumn: 'body' }), { file: csv, line: 1, exitCode: 2 });
const labelled = file('has-label.csv', 'text,label\nhi,joy\n');
add('COLUMN_CONFLICT', () => label(labelled), { file: labelled, line: 1, exitCode: 2 });
const twoText = file('two-text.csv', 'text,text\na,b\n');
add('COLUMN_DUPLICATE', () => label(twoText), { file: twoText, line: 1, exitCode: 2 });
add('OUTPUT_UNWRITABLE', () => labelFile(csv, path.join(dir, 'no', 'out.csv'), { model }), { file: path.join(dir, 'no', 'out.csv'), exitCode: 2 });
const partialOut = path.join(dir, 'p.csv');
fs.writeFileSync(`${partialOut}.partial`, 'text,label,confidence\n');
add('OUTPUT_PARTIAL', () => labelFile(csv, partialOut, { model }), { file: partialOut, exitCode: 2 });
const lockedOut = path.join(dir, 'l.csv');
fs.writeFileSync(`${lockedOut}.partial.lock`, `${process.ppid}\n`); // a live process other than this one
add('OUTPUT_LOCKED', () => labelFile(csv, lockedOut, { model }), { file: lockedOut, exitCode: 2 });
const jsonl = (name: string, body: string) => file(name, body);
const conflict = jsonl('conflict.jsonl', '{"text":"a"}\n{"text":"b","confidence":1}\n');
add('JSON_KEY_CONFLICT', () => label(conflict), { file: conflict, line: 2, exitCode: 1 });
const unclosed = file('unclosed.csv', 'text\nok\n"never closed\nmore\n');
add('CSV_QUOTE_NOT_CLOSED', () => label(unclosed), { file: unclosed, line: 3, exitCode: 1 });
const big = file('big.csv', 'text\nok\n' + 'x'.repeat(3000) + '\n');
add('CSV_RECORD_TOO_LARGE', () => label(big, { maxRecordSize: 1000 }), { file: big, line: 3, exitCode: 1 });
const bigLine = jsonl('big.jsonl', '{"text":"ok"}\n{"text":"' + 'x'.repeat(3000) + '"}\n');
add('JSON_LINE_TOO_LARGE', () => label(bigLine, { maxRecordSize: 1000 }), { file: bigLine, line: 2, exitCode: 1 });
const count = file('count.csv', 'text,id\na,1\nb\n');
add('CSV_FIELD_COUNT', () => label(count), { file: count, line: 3, exitCode: 1 });
const utf8 = file('utf8.csv', Buffer.concat([Buffer.from('text\nok\n'), Buffer.from([0xff, 0xfe, 0x0a])]));
add('INVALID_UTF8', () => label(utf8), { file: utf8, line: 3, exitCode: 1 });
const nul = file('nul.csv', 'text\nok\na\u0000b\n');
add('NUL_BYTE', () => label(nul), { file: nul, line: 3, exitCode: 1 });
const badJson = jsonl('bad.jsonl', '{"text":"a"}\n{nope\n');
add('JSON_INVALID', () => label(badJson), { file: badJson, line: 2, exitCode: 1 });
const notObject = jsonl('array.jsonl', '[1]\n');
add('JSON_NOT_OBJECT', () => label(notObject), { file: notObject, line: 1, exitCode: 1 });
const noText = jsonl('notext.jsonl', '{"text":"a"}\n{"body":"x"}\n');
add('TEXT_MISSING', () => label(noText), { file: noText, line: 2, exitCode: 1 });
const numText = jsonl('num.jsonl', '{"text":"a"}\n\n{"text":5}\n');
add('TEXT_NOT_STRING', () => label(numText), { file: numText, line: 3, exitCode: 1 });
add(
  'JSON_KEY_UNLISTED',
  () =>
    labelFile({ stream: Readable.from(['{"text":"a"}\n{"text":"b","x":1}\n']), name: '<stdin>' }, new Collect(), {
      model,
      format: 'jsonl',
      outputFormat: 'csv',
    }),
  { file: '<stdin>', line: 2, exitCode: 1 },
);
const deep = jsonl('deep.jsonl', `{"text":"a"}\n{"text":"b","k":${'['.repeat(100000)}${']'.repeat(100000)}}\n`);
add('JSON_TOO_DEEP', () => label(deep, { outputFormat: 'csv' }), { file: deep, line: 2, exitCode: 1 });
const withTab = file('tab.csv', 'text\n"a\tb"\n');
add('TSV_UNREPRESENTABLE', () => label(withTab, { outputFormat: 'tsv' }), { file: withTab, line: 2, exitCode: 1 });
const unknownGold = file('gold.csv', 'text,label\nhi,joy\nyo,bliss\n');
add('LABEL_UNKNOWN', () => evaluate(unknownGold, { model }), { file: unknownGold, line: 3, exitCode: 1 });
const noGold = file('nogold.csv', 'text,label\nhi,\n');
add('NOTHING_TO_SCORE', () => evaluate(noGold, { model }), { file: noGold, exitCode: 1 });
const PQ = path.join(__dirname, '..', 'fixtures', 'parquet');
add('PARQUET_INVALID', () => labelFile(path.join(PQ, 'truncated.parquet'), path.join(dir, 'o.parquet'), { model }), {
  file: path.join(PQ, 'truncated.parquet'),
  exitCode: 2,
});
add('COLUMN_TYPE', () => labelFile(path.join(PQ, 'types.parquet'), path.join(dir, 'o.parquet'), { model, textColumn: 'id' }), {
  file: path.join(PQ, 'types.parquet'),
  exitCode: 2,
});
add(
  'OUTPUT_FAILED',
  () => labelFile(csv, new Writable({ write: (_c, _e, cb) => cb(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' })) }), { model }),
  { exitCode: 3, message: /no space left on device \(ENOSPC\)/ },
);

describe.each(cases.map((c) => [c[0], c] as const))('%s', (_code, [code, fn, where]) => {
  test('is raised with its exit code, file and line', async () => {
    await expectLabelError(fn, code, where);
    covered.add(code);
  });
});

test("MODEL_INVALID: an id2label that disagrees with the graph's output is found at load (it failed the first batch, exit 3)", async () => {
  for (const labels of [1, 7]) {
    const bad = path.join(dir, `labels-${labels}`);
    fs.mkdirSync(bad);
    for (const f of fs.readdirSync(TINY_BERT)) fs.copyFileSync(path.join(TINY_BERT, f), path.join(bad, f));
    const config = JSON.parse(fs.readFileSync(path.join(bad, 'config.json'), 'utf8'));
    config.id2label = Object.fromEntries(Array.from({ length: labels }, (_, i) => [i, `l${i}`]));
    delete config.label2id;
    fs.writeFileSync(path.join(bad, 'config.json'), JSON.stringify(config));
    const out = new Collect();
    await expectLabelError(() => labelFile(csv, out, { model: bad }), 'MODEL_INVALID', {
      file: bad,
      exitCode: 2,
      message: new RegExp(`model output has shape \\[1, 6\\], expected \\[1, ${labels}\\]`),
    });
    expect(out.text()).toBe('');
  }
});

test('WORKER_FAILED: a batch the worker cannot run names its rows (a config that claims more positions than the graph has)', async () => {
  const bad = path.join(dir, 'bad-model');
  fs.mkdirSync(bad);
  for (const f of fs.readdirSync(TINY_BERT)) fs.copyFileSync(path.join(TINY_BERT, f), path.join(bad, f));
  const config = JSON.parse(fs.readFileSync(path.join(bad, 'config.json'), 'utf8'));
  config.max_position_embeddings = 512; // the graph's position table has 64 rows
  fs.writeFileSync(path.join(bad, 'config.json'), JSON.stringify(config));
  const tok = JSON.parse(fs.readFileSync(path.join(bad, 'tokenizer_config.json'), 'utf8'));
  tok.model_max_length = 512;
  fs.writeFileSync(path.join(bad, 'tokenizer_config.json'), JSON.stringify(tok));
  const long = file('long.csv', `text\n${'word '.repeat(100)}\n`);
  await expectLabelError(() => labelFile(long, new Collect(), { model: bad }), 'WORKER_FAILED', {
    file: long,
    exitCode: 3,
    message: /^rows at lines 2: worker failed: /,
  });
  covered.add('WORKER_FAILED');
});

test('CSV_PARSE: a csv-parse error the reader has no own code for keeps its message and line', async () => {
  // With relax_quotes and relax_column_count no input we know of reaches it; the parser is fed one directly.
  const input = new Readable({ read() {} });
  const reading = readAll(input);
  input.push('text\nok\n');
  setImmediate(() => input.destroy(new CsvError('CSV_INVALID_CLOSING_QUOTE', 'Invalid Closing Quote: got "x"', {} as never)));
  await expectLabelError(() => reading, 'CSV_PARSE', { file: 'in.csv', exitCode: 1, message: /Invalid Closing Quote/ });
  covered.add('CSV_PARSE');
});

test('every error code has a case here', () => {
  expect([...covered].sort()).toEqual([...ERROR_CODES].sort());
});

describe.each([['model.onnx'], ['onnx/model.onnx'], ['model_quantized.onnx'], ['onnx/model_quantized.onnx']])('the ONNX file at %s', (where) => {
  test('is found and gives the same labels', async () => {
    const d = fs.mkdtempSync(path.join(dir, 'loc-'));
    for (const f of fs.readdirSync(TINY_BERT)) if (f !== 'model.onnx') fs.copyFileSync(path.join(TINY_BERT, f), path.join(d, f));
    fs.mkdirSync(path.join(d, 'onnx'), { recursive: true });
    fs.copyFileSync(path.join(TINY_BERT, 'model.onnx'), path.join(d, where));
    const a = new Collect();
    const b = new Collect();
    await labelFile(path.join(SAMPLES, 'sample.csv'), a, { model: d });
    await labelFile(path.join(SAMPLES, 'sample.csv'), b, { model: TINY_BERT });
    expect(a.text()).toBe(b.text());
  });
});
