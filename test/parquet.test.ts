import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openAsBlob, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ParquetFile } from 'parquet-wasm';
import { LabelError } from '../src/errors';
import { openParquet, type ParquetInputRow } from '../src/io/readers/parquet';
import { createParquetWriter } from '../src/io/writers/parquet';
import { labelFile } from '../src/app/labelFile';
import { Collect } from './helpers/streams';
import type { InputRow, Prediction, ReadItem } from '../src/types';

const FIX = path.join(__dirname, '..', 'fixtures', 'parquet');
const CHECK = path.join(__dirname, '..', 'training', 'fixtures', 'check_parquet.py');
const LABELS = ['sadness', 'joy', 'love', 'anger', 'fear', 'surprise'];
// PARQUET_TEST_NO_PYARROW=1 runs the fallback checks (our reader on both sides) even where pyarrow is installed.
const HAVE_PYARROW = !process.env.PARQUET_TEST_NO_PYARROW && spawnSync('python3', ['-c', 'import pyarrow'], { stdio: 'ignore' }).status === 0;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'parquet-test-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A deterministic fake prediction: nothing for an empty text (as the pipeline does). */
function predict(row: InputRow): Prediction {
  if (row.text.trim() === '') return { labelId: -1, confidence: 0 };
  const scores = new Float32Array(6).map((_, k) => (k + 1) / (row.line + 10));
  return { labelId: row.line % 6, confidence: Math.fround(1 / (row.line + 1)), scores };
}

async function readAll(file: string, textColumn = 'text') {
  const t = await openParquet(file, { file: path.basename(file), textColumn });
  const items: ReadItem[] = [];
  for await (const it of t.items) items.push(it);
  return { ...t, items };
}

/** Reads `name`, writes every good row with fake predictions, returns what pyarrow should find. */
async function roundTrip(
  name: string,
  out: string,
  opts: { rowGroupSize?: number; scores?: boolean; batchRows?: number; sliceRows?: number; chunkRows?: number } = {},
) {
  const t = await openParquet(path.join(FIX, name), { file: name, textColumn: 'text', batchRows: opts.batchRows, sliceRows: opts.sliceRows });
  const names = { label: 'label', confidence: 'confidence', scores: opts.scores ? LABELS.map((l) => `score_${l}`) : [] };
  const w = createParquetWriter({ path: out, inputSchema: t.schema, id2label: LABELS, names, rowGroupSize: opts.rowGroupSize, chunkRows: opts.chunkRows });
  const expected: { rows: number[]; added: Record<string, (string | number | null)[]> } = { rows: [], added: {} };
  for (const n of [names.label, names.confidence, ...names.scores]) expected.added[n] = [];
  const bad: ReadItem[] = [];
  for await (const it of t.items) {
    if (it.kind === 'bad') {
      bad.push(it);
      continue;
    }
    const p = predict(it);
    const none = p.labelId < 0;
    expected.rows.push(it.line - 1);
    expected.added.label.push(none ? null : LABELS[p.labelId]);
    expected.added.confidence.push(none ? null : p.confidence);
    names.scores.forEach((n, k) => expected.added[n].push(none ? null : p.scores![k]));
    if (!w.write({ row: it, prediction: p })) await w.drain();
  }
  await w.end();
  return { expected, bad };
}

function pyarrowCheck(
  input: string,
  output: string,
  expected: object,
): { ok: boolean; rows: number; row_groups: number; compression: string[]; problems: string[] } {
  const exp = path.join(dir, `${path.basename(output)}.expected.json`);
  writeFileSync(exp, JSON.stringify(expected));
  const r = spawnSync('python3', [CHECK, input, output, '--expected', exp], { encoding: 'utf8' });
  if (!r.stdout) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

/** Without pyarrow: our own reader on both sides (weaker: same decoder), row JSON and Arrow types. */
async function selfCheck(input: string, output: string, expected: { rows: number[] }) {
  const a = await readAll(input);
  const b = await readAll(output);
  const inTypes = a.schema.fields.map((f) => `${f.name}:${String(f.type)}`);
  expect(b.schema.fields.slice(0, inTypes.length).map((f) => `${f.name}:${String(f.type)}`)).toEqual(inTypes);
  const src = new Map(a.items.map((it) => [it.line - 1, it]));
  const got = b.items.map((it) => (it.kind === 'row' ? JSON.parse((it as ParquetInputRow).raw!) : JSON.parse(it.raw)));
  const want = expected.rows.map((i) => {
    const it = src.get(i)!;
    return JSON.parse(it.kind === 'row' ? (it as ParquetInputRow).raw! : it.raw);
  });
  expect(got.map((o) => Object.fromEntries(inTypes.map((c) => [c.split(':')[0], o[c.split(':')[0]]])))).toEqual(want);
}

describe('Parquet round trip (pyarrow checks the output)', () => {
  test('every type, nulls, nested columns, several row groups, with scores', async () => {
    const out = path.join(dir, 'types.out.parquet');
    const { expected, bad } = await roundTrip('types.parquet', out, { rowGroupSize: 7, scores: true });
    expect(bad.map((b) => [b.line, b.kind === 'bad' && b.code])).toEqual([[5, 'TEXT_NOT_STRING']]);
    expect(expected.rows).toHaveLength(49);
    if (HAVE_PYARROW) {
      const r = pyarrowCheck(path.join(FIX, 'types.parquet'), out, expected);
      expect(r.problems).toEqual([]);
      expect(r).toMatchObject({ ok: true, rows: 49, row_groups: 7, compression: ['ZSTD'] });
    } else {
      await selfCheck(path.join(FIX, 'types.parquet'), out, expected);
    }
  });

  test('small read batches and write chunks that do not line up with the row groups: every row once, in order, types kept', async () => {
    // 4 input row groups of 16/16/16/2 rows read 3 rows at a time, handed to the encoder 5 at a time, row groups of 7
    const out = path.join(dir, 'types.small.parquet');
    const { expected, bad } = await roundTrip('types.parquet', out, { rowGroupSize: 7, scores: true, batchRows: 3, chunkRows: 5 });
    expect(bad.map((b) => [b.line, b.kind === 'bad' && b.code])).toEqual([[5, 'TEXT_NOT_STRING']]);
    expect(expected.rows).toEqual([...Array(50).keys()].filter((i) => i !== 4));
    if (HAVE_PYARROW) {
      const r = pyarrowCheck(path.join(FIX, 'types.parquet'), out, expected);
      expect(r.problems).toEqual([]);
      expect(r).toMatchObject({ ok: true, rows: 49, row_groups: 7, compression: ['ZSTD'] });
    } else {
      await selfCheck(path.join(FIX, 'types.parquet'), out, expected);
    }
  });

  test('row groups decoded in slices that do not line up with the batches: every row once, in order, types and dictionaries kept', async () => {
    // row groups of 16/16/16/2 rows decoded 5 rows at a time (5+5+5+1), each slice in batches of 3 (3+2)
    const out = path.join(dir, 'types.sliced.parquet');
    const { expected, bad } = await roundTrip('types.parquet', out, { rowGroupSize: 7, scores: true, batchRows: 3, sliceRows: 5, chunkRows: 5 });
    expect(bad.map((b) => [b.line, b.kind === 'bad' && b.code])).toEqual([[5, 'TEXT_NOT_STRING']]);
    expect(expected.rows).toEqual([...Array(50).keys()].filter((i) => i !== 4));
    if (HAVE_PYARROW) {
      const r = pyarrowCheck(path.join(FIX, 'types.parquet'), out, expected);
      expect(r.problems).toEqual([]);
      expect(r).toMatchObject({ ok: true, rows: 49, row_groups: 7, compression: ['ZSTD'] });
    } else {
      await selfCheck(path.join(FIX, 'types.parquet'), out, expected);
    }
  });

  test('slices of one row: the rows, in order, are those of a whole-group read', async () => {
    const whole = await openParquet(path.join(FIX, 'plain.parquet'), { file: 'plain.parquet', textColumn: 'text' });
    const sliced = await openParquet(path.join(FIX, 'plain.parquet'), { file: 'plain.parquet', textColumn: 'text', sliceRows: 1, batchRows: 1 });
    const rows = async (t: typeof whole) => {
      const out: [number, string][] = [];
      for await (const it of t.items) out.push([it.line, it.kind === 'row' ? (it as ParquetInputRow).raw! : it.raw]);
      return out;
    };
    const a = await rows(whole);
    expect(a).toHaveLength(40);
    expect(await rows(sliced)).toEqual(a);
  });

  test('plain file, default row groups', async () => {
    const out = path.join(dir, 'plain.out.parquet');
    const { expected } = await roundTrip('plain.parquet', out);
    if (HAVE_PYARROW) expect(pyarrowCheck(path.join(FIX, 'plain.parquet'), out, expected)).toMatchObject({ ok: true, rows: 40, row_groups: 1 });
    else await selfCheck(path.join(FIX, 'plain.parquet'), out, expected);
  });

  test('zero rows: a file with the schema and no row', async () => {
    const out = path.join(dir, 'empty.out.parquet');
    const { expected } = await roundTrip('empty.parquet', out);
    expect(expected.rows).toEqual([]);
    if (HAVE_PYARROW) expect(pyarrowCheck(path.join(FIX, 'empty.parquet'), out, expected)).toMatchObject({ ok: true, rows: 0 });
    else expect((await readAll(out)).columns).toEqual(['id', 'text', 'label', 'confidence']);
  });

  test('CSV rows to Parquet: input columns as UTF-8 strings', async () => {
    const csv = path.join(dir, 'in.csv');
    const rows = [
      ['1', 'i feel happy', 'a'],
      ['2', '', ''],
      ['3', 'line one\nline two, "quoted"', 'ü 😀'],
    ];
    writeFileSync(csv, 'id,text,note\n' + rows.map((r) => r.map((f) => `"${f.replace(/"/g, '""')}"`).join(',')).join('\n') + '\n');
    const out = path.join(dir, 'csv.out.parquet');
    const w = createParquetWriter({
      path: out,
      inputColumns: ['id', 'text', 'note'],
      id2label: LABELS,
      names: { label: 'label', confidence: 'confidence', scores: [] },
    });
    const added: Record<string, (string | number | null)[]> = { label: [], confidence: [] };
    rows.forEach((fields, i) => {
      const row: InputRow = { kind: 'row', line: i + 2, text: fields[1], fields };
      const p = predict(row);
      added.label.push(p.labelId < 0 ? null : LABELS[p.labelId]);
      added.confidence.push(p.labelId < 0 ? null : p.confidence);
      w.write({ row, prediction: p });
    });
    await w.end();
    if (HAVE_PYARROW) expect(pyarrowCheck(csv, out, { added })).toMatchObject({ ok: true, rows: 3 });
    const back = await readAll(out);
    expect(back.schema.fields.map((f) => String(f.type))).toEqual(['Utf8', 'Utf8', 'Utf8', 'Utf8', 'Float32']);
    expect(back.items.map((it) => (it as ParquetInputRow).fields!.slice(0, 3))).toEqual(rows);
  });
});

describe('Parquet reader', () => {
  test('rows carry the row number, text and the CSV/JSON forms of the typed values', async () => {
    const { items, columns } = await readAll(path.join(FIX, 'types.parquet'));
    expect(columns).toHaveLength(26);
    expect(items).toHaveLength(50);
    const row2 = items[1] as ParquetInputRow;
    expect(row2).toMatchObject({ kind: 'row', line: 2, text: 'this is the worst day of my life #1' });
    const o = JSON.parse(row2.raw!);
    expect(o).toMatchObject({
      // eslint-disable-next-line no-loss-of-precision -- the point: JSON.parse rounds it, the raw text has every digit
      i64: 9223372035854775800,
      dec_big: '1234567890123456789012345677.0000000001',
      ts_ns: '2024-03-30T22:15:00.123457790Z',
      ts_us: '2024-03-30T22:15:00.123457',
      day: '1971-01-29',
      tags: ['t0', 't1'],
      meta: { a: 3, b: 'b1' },
      category: 'green',
    });
    expect(row2.raw).toContain('"i64":9223372035854775800,');
    expect(row2.raw).toContain('"u64":18446744073709551614,');
    expect(row2.object!.u64).toBe('18446744073709551614');
    const f = row2.fields!;
    expect(f[columns.indexOf('f64')]).toBe('-0');
    expect(f[columns.indexOf('events')]).toBe('[{"k":"k0","v":0}]');
    // empty text is a row; a null text is a bad row with its row number
    expect(items[7]).toMatchObject({ kind: 'row', line: 8, text: '' });
    expect(items[4]).toMatchObject({ kind: 'bad', line: 5, code: 'TEXT_NOT_STRING' });
    expect((items[20] as InputRow).text).toHaveLength(100_000);
  });

  test('missing text column: MISSING_COLUMN, exit 2', async () => {
    await expect(openParquet(path.join(FIX, 'plain.parquet'), { file: 'plain.parquet', textColumn: 'body' })).rejects.toMatchObject({
      code: 'MISSING_COLUMN',
      exitCode: 2,
    });
  });

  test('a text column that is not a string: COLUMN_TYPE, exit 2', async () => {
    const err = await openParquet(path.join(FIX, 'plain.parquet'), { file: 'plain.parquet', textColumn: 'id' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabelError);
    expect(err).toMatchObject({ code: 'COLUMN_TYPE', exitCode: 2 });
  });

  test.each(['corrupt.parquet', 'truncated.parquet', 'not-there.parquet'])('%s: a LabelError naming the file, exit 2', async (name) => {
    const err = (await openParquet(path.join(FIX, name), { file: name, textColumn: 'text' }).catch((e: unknown) => e)) as LabelError;
    expect(err).toBeInstanceOf(LabelError);
    expect(err.exitCode).toBe(2);
    expect(err.format()).toMatch(new RegExp(`^${name.replace('.', '\\.')}: (PARQUET_INVALID|INPUT_NOT_FOUND): `));
  });

  test('a corrupt data page: PARQUET_INVALID at its row group, the process survives', async () => {
    const t = await openParquet(path.join(FIX, 'corrupt-page.parquet'), { file: 'corrupt-page.parquet', textColumn: 'text' });
    const err = (await (async () => {
      for await (const _ of t.items) void _;
    })().catch((e: unknown) => e)) as LabelError;
    expect(err).toMatchObject({ code: 'PARQUET_INVALID', exitCode: 2, line: 1 });
    expect(err.format()).toMatch(/^corrupt-page\.parquet:1: PARQUET_INVALID: row group 0 \(rows 1-16\)/);
  });

  test('a corrupt page in a later slice: the rows before it are read, the error names the first row not read', async () => {
    // pages.parquet: one 16-row group, pages of 4 rows; corrupt-slice.parquet spoils the text column's third page (rows 9-12)
    const read = async (name: string, sliceRows: number) => {
      const t = await openParquet(path.join(FIX, name), { file: name, textColumn: 'text', sliceRows, batchRows: 2 });
      const lines: number[] = [];
      const err = await (async () => {
        for await (const it of t.items) lines.push(it.line);
      })().then(
        () => undefined,
        (e: unknown) => e as LabelError,
      );
      return { lines, err };
    };
    const good = await read('pages.parquet', 4);
    expect(good.err).toBeUndefined();
    expect(good.lines).toEqual([...Array(16).keys()].map((i) => i + 1));
    const bad = await read('corrupt-slice.parquet', 4);
    expect(bad.lines).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(bad.err).toMatchObject({ code: 'PARQUET_INVALID', exitCode: 2, line: 9 });
    expect(bad.err!.format()).toMatch(/^corrupt-slice\.parquet:9: PARQUET_INVALID: row group 0 \(rows 1-16\) cannot be decoded from row 9 on/);
    // decoded whole, the group fails before any row is handed on, at its first row
    const whole = await read('corrupt-slice.parquet', 16);
    expect(whole.lines).toEqual([]);
    expect(whole.err).toMatchObject({ code: 'PARQUET_INVALID', line: 1 });
  });

  test('an empty row group between others: every row once, in order, numbered across it', async () => {
    const file = path.join(FIX, 'empty-group.parquet');
    // the fixture is what the test needs: three row groups of 2, 0 and 3 rows (read from its footer)
    const meta = (await ParquetFile.fromFile(await openAsBlob(file))).metadata();
    expect([...Array(meta.numRowGroups()).keys()].map((g) => meta.rowGroup(g).numRows())).toEqual([2, 0, 3]);
    const { items } = await readAll(file);
    expect(items.map((it) => [it.line, it.kind === 'row' && it.text])).toEqual(
      [0, 1, 2, 3, 4].map((i) => [i + 1, expect.stringMatching(new RegExp(` #${i}$`))]),
    );
  });
});

describe('Parquet writer', () => {
  test('refuses to add a column whose name the input has', async () => {
    const t = await openParquet(path.join(FIX, 'label-clash.parquet'), { file: 'label-clash.parquet', textColumn: 'text' });
    const out = path.join(dir, 'clash.parquet');
    expect(() =>
      createParquetWriter({ path: out, inputSchema: t.schema, id2label: LABELS, names: { label: 'label', confidence: 'confidence', scores: [] } }),
    ).toThrow(expect.objectContaining({ code: 'COLUMN_CONFLICT' }));
    expect(existsSync(out)).toBe(false);
  });

  test('stdout is refused, before anything is loaded', async () => {
    const err = await labelFile(path.join(FIX, 'plain.parquet'), new Collect(), { outputFormat: 'parquet' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabelError);
    expect(err).toMatchObject({
      code: 'USAGE',
      message: 'Parquet output needs a file (-o FILE.parquet; its footer is written last, so it cannot go to stdout), or choose --output-format csv or jsonl',
    });
  });

  test('abort leaves nothing at the output path, nor a partial file', async () => {
    const sub = mkdtempSync(path.join(dir, 'abort-'));
    const out = path.join(sub, 'out.parquet');
    const t = await openParquet(path.join(FIX, 'plain.parquet'), { file: 'plain.parquet', textColumn: 'text' });
    const w = createParquetWriter({
      path: out,
      inputSchema: t.schema,
      id2label: LABELS,
      names: { label: 'label', confidence: 'confidence', scores: [] },
      rowGroupSize: 4,
    });
    let n = 0;
    for await (const it of t.items) {
      if (it.kind === 'row') w.write({ row: it, prediction: predict(it) });
      if (++n === 10) break;
    }
    await w.abort();
    expect(readdirSync(sub)).toEqual([]);
  });
});

test('pyarrow check script agrees with itself on the input (sanity)', () => {
  if (!HAVE_PYARROW) return;
  const out = execFileSync('python3', [CHECK, '--columns-report', path.join(FIX, 'types.parquet'), path.join(FIX, 'types.parquet')], { encoding: 'utf8' });
  const rep = JSON.parse(out) as Record<string, { type: boolean; values: boolean }>;
  expect(Object.values(rep).every((c) => c.type && c.values)).toBe(true);
});
