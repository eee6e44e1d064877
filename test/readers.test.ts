import { LabelError } from '../src/errors';
import type { InputRow } from '../src/types';
import { readAll, streamOf } from './helpers/streams';

const rows = (items: { kind: string }[]) => items.filter((i): i is InputRow => i.kind === 'row');

describe('TSV reader (IANA: no quoting)', () => {
  test('a quote is an ordinary character, even an unmatched one opening a field', async () => {
    const { items } = await readAll('text\tid\n"hello\t1\nsay "hi"\t2\r\n\n"x"\t3', { format: 'tsv' });
    expect(rows(items).map((r) => [r.line, r.fields])).toEqual([
      [2, ['"hello', '1']],
      [3, ['say "hi"', '2']],
      [5, ['"x"', '3']],
    ]);
  });

  test('a row with too few or too many fields is a bad row with its line; the BOM is stripped', async () => {
    const { columns, items } = await readAll('\uFEFFtext\tid\na\n b\t2\tx\nok\t3\n', { format: 'tsv' });
    expect(columns).toEqual(['text', 'id']);
    expect(items.map((i) => [i.kind, i.line, i.kind === 'bad' ? i.code : ''])).toEqual([
      ['bad', 2, 'CSV_FIELD_COUNT'],
      ['bad', 3, 'CSV_FIELD_COUNT'],
      ['row', 4, ''],
    ]);
  });
});

describe('CSV reader', () => {
  test('quoted fields with commas, quotes and newlines keep their exact value and starting line', async () => {
    const { columns, items } = await readAll('id,text\n1,"a, b"\n2,"she said ""hi"""\n3,"two\nlines"\n4,plain\n');
    expect(columns).toEqual(['id', 'text']);
    expect(rows(items).map((r) => [r.line, r.text])).toEqual([
      [2, 'a, b'],
      [3, 'she said "hi"'],
      [4, 'two\nlines'],
      [6, 'plain'],
    ]);
  });

  test('CRLF line ends and a byte-order mark', async () => {
    const { columns, items } = await readAll('\uFEFFtext,n\r\nhello,1\r\n"x\r\ny",2\r\n');
    expect(columns).toEqual(['text', 'n']);
    expect(rows(items).map((r) => r.fields)).toEqual([
      ['hello', '1'],
      ['x\r\ny', '2'],
    ]);
  });

  test('unicode, emoji and CJK pass through unchanged, even split across chunks', async () => {
    const text = 'text\n"Ünïcödé 👩‍👩‍👧 中文 e\u0301"\n';
    const bytes = Buffer.from(text);
    const chunks = Array.from(bytes, (b) => Buffer.from([b])); // one byte at a time
    const { items } = await readAll(streamOf(...chunks));
    expect(rows(items)[0].text).toBe('Ünïcödé 👩‍👩‍👧 中文 e\u0301');
  });

  test('quoted TSV (tsv-quoted): tab-delimited, CSV-style quotes', async () => {
    const { items } = await readAll('text\tid\nhello, world\t1\n"tab\there"\t2\n', { format: 'tsv-quoted' });
    expect(rows(items).map((r) => r.fields)).toEqual([
      ['hello, world', '1'],
      ['tab\there', '2'],
    ]);
  });

  test('blank lines are skipped and counted', async () => {
    const { items, stats } = await readAll('text\na\n\nb\n\n');
    expect(rows(items).map((r) => [r.line, r.text])).toEqual([
      [2, 'a'],
      [4, 'b'],
    ]);
    expect(stats.blankLines).toBe(2);
  });

  test('a missing text column is a set-up error naming the columns found', async () => {
    await expect(readAll('id,body\n1,x\n')).rejects.toMatchObject({
      code: 'MISSING_COLUMN',
      line: 1,
      message: "no text column 'text'; columns found: 'id', 'body'",
    });
  });

  test('a row with too many or too few fields is a bad row with its line', async () => {
    const { items } = await readAll('text,id\na,1\nb,2,extra\nc\nd,4\n');
    expect(items.map((i) => [i.kind, i.line, i.kind === 'bad' ? i.code : ''])).toEqual([
      ['row', 2, ''],
      ['bad', 3, 'CSV_FIELD_COUNT'],
      ['bad', 4, 'CSV_FIELD_COUNT'],
      ['row', 5, ''],
    ]);
  });

  test('invalid UTF-8 and NUL bytes are bad rows, never silently replaced', async () => {
    const input = Buffer.concat([Buffer.from('text\nok\nbad '), Buffer.from([0xff, 0xfe]), Buffer.from('\nnul\u0000here\nfine\n')]);
    const { items } = await readAll(input);
    expect(items.map((i) => [i.line, i.kind === 'bad' ? i.code : 'row'])).toEqual([
      [2, 'row'],
      [3, 'INVALID_UTF8'],
      [4, 'NUL_BYTE'],
      [5, 'row'],
    ]);
  });

  test('an unclosed quote is reported at the line where the quote opened', async () => {
    const err = await readAll('text\nfine\n\n"never closed\nmore\nlines\n').catch((e) => e);
    expect(err).toBeInstanceOf(LabelError);
    expect(err).toMatchObject({ code: 'CSV_QUOTE_NOT_CLOSED', line: 4, file: 'in.csv' });
  });

  test('a record over the maximum size stops with its own error instead of swallowing the file', async () => {
    const big = 'text\nok\n"' + 'x'.repeat(5000) + '\n' + 'y,'.repeat(1000);
    const err = await readAll(big, { maxRecordBytes: 1000 }).catch((e) => e);
    expect(err).toMatchObject({ code: 'CSV_RECORD_TOO_LARGE', line: 3 });
  });
});

describe('JSONL reader', () => {
  const jsonl = (s: string | Buffer) => readAll(s, { format: 'jsonl', file: 'in.jsonl' });

  test('objects keep their raw line (the CR of CRLF too); a last line without newline still counts', async () => {
    const { items } = await jsonl('{"text":"a","n":1.0}\r\n{"text":"b 😀"}');
    expect(rows(items).map((r) => [r.line, r.text, r.raw])).toEqual([
      [1, 'a', '{"text":"a","n":1.0}\r'],
      [2, 'b 😀', '{"text":"b 😀"}'],
    ]);
  });

  test('each kind of bad line is a bad row with its line number', async () => {
    const { items, stats } = await jsonl('{"text":"ok"}\n{bad json\n5\n[]\nnull\n{"body":"x"}\n{"text":3}\n\n{"text":"last"}\n');
    expect(items.map((i) => [i.line, i.kind === 'bad' ? i.code : 'row'])).toEqual([
      [1, 'row'],
      [2, 'JSON_INVALID'],
      [3, 'JSON_NOT_OBJECT'],
      [4, 'JSON_NOT_OBJECT'],
      [5, 'JSON_NOT_OBJECT'],
      [6, 'TEXT_MISSING'],
      [7, 'TEXT_NOT_STRING'],
      [9, 'row'],
    ]);
    expect(stats.blankLines).toBe(1);
  });

  test('invalid UTF-8 in a line is reported, not replaced', async () => {
    const { items } = await jsonl(Buffer.concat([Buffer.from('{"text":"a'), Buffer.from([0xc3]), Buffer.from('"}\n')]));
    expect(items[0]).toMatchObject({ kind: 'bad', line: 1, code: 'INVALID_UTF8' });
  });
});
