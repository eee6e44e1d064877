import { parse } from 'csv-parse/sync';
import { createRowWriter, outputNames, type Format } from '../src/io/formats';
import type { InputRow, LabelledRow } from '../src/types';
import { RowProblem } from '../src/io/rowProblem';
import { Collect } from './helpers/streams';

const id2label = ['sadness', 'joy'];
const names = outputNames({ labelName: 'label', confidenceName: 'confidence', scores: false }, id2label);

function labelled(row: Partial<InputRow>, labelId: number, confidence: number, scores?: number[]): LabelledRow {
  return {
    row: { kind: 'row', line: 1, text: '', ...row },
    prediction: { labelId, confidence, scores: scores ? Float32Array.from(scores) : undefined },
  };
}

async function written(format: Format, rows: LabelledRow[], inputColumns?: string[], scores = false): Promise<string> {
  const out = new Collect();
  const w = createRowWriter(out, {
    format,
    inputColumns,
    id2label,
    names: scores ? outputNames({ labelName: 'label', confidenceName: 'confidence', scores: true }, id2label) : names,
  });
  for (const r of rows) if (!w.write(r)) await w.drain();
  await w.flush();
  return out.text();
}

describe('row writers', () => {
  test('CSV: fields with commas, quotes, newlines and emoji round-trip; label and confidence appended', async () => {
    const fields = ['a, "b"\nc 😀', '7'];
    const text = await written('csv', [labelled({ fields }, 1, 0.98765432)], ['text', 'id']);
    expect(parse(text)).toEqual([
      ['text', 'id', 'label', 'confidence'],
      [...fields, 'joy', '0.987654'],
    ]);
  });

  test('an empty text gets empty label and confidence', async () => {
    const text = await written('csv', [labelled({ fields: ['  ', '1'] }, -1, 0)], ['text', 'id']);
    expect(text).toBe('text,id,label,confidence\n  ,1,,\n');
  });

  test('quoted TSV (tsv-quoted) quotes fields holding tabs', async () => {
    const text = await written('tsv-quoted', [labelled({ fields: ['a\tb'] }, 0, 0.5)], ['text']);
    expect(text).toBe('text\tlabel\tconfidence\n"a\tb"\tsadness\t0.5\n');
  });

  test('TSV output has no quoting: quotes are ordinary characters', async () => {
    const text = await written('tsv', [labelled({ fields: ['"hi" she said', '1'] }, 0, 0.5)], ['text', 'id']);
    expect(text).toBe('text\tid\tlabel\tconfidence\n"hi" she said\t1\tsadness\t0.5\n');
  });

  test.each(['a\tb', 'a\nb', 'a\rb'])('TSV output refuses a field TSV cannot hold (%j) as a bad row', async (f) => {
    const err = await written('tsv', [labelled({ fields: [f] }, 0, 0.5)], ['text']).catch((e) => e);
    expect(err).toBeInstanceOf(RowProblem);
    expect(err.code).toBe('TSV_UNREPRESENTABLE');
  });

  test("CSV output quotes a field holding a lone CR, which Python's csv module reads as a line break", async () => {
    const text = await written('csv', [labelled({ fields: ['a\rb', 'c'] }, 0, 0.5)], ['text', 'id']);
    expect(text).toBe('text,id,label,confidence\n"a\rb",c,sadness,0.5\n');
  });

  test('JSONL: the CR of a CRLF line and spaces after the closing brace stay where they were', async () => {
    const raw = '{"text":"x"}  \r';
    const text = await written('jsonl', [labelled({ raw, object: JSON.parse(raw) }, 1, 0.5)]);
    expect(text).toBe('{"text":"x","label":"joy","confidence":0.5}  \r\n');
  });

  test('JSONL to CSV: the header holds the columns given, and a key outside them is refused, not dropped', async () => {
    const rows = [{ text: 'a' }, { text: 'b', extra: 1 }].map((o) => labelled({ object: o, raw: JSON.stringify(o) }, 0, 0.5));
    expect(await written('csv', rows, ['text', 'extra'])).toBe('text,extra,label,confidence\na,,sadness,0.5\nb,1,sadness,0.5\n');
    const err = await written('csv', rows).catch((e) => e);
    expect(err).toMatchObject({ code: 'JSON_KEY_UNLISTED' });
  });

  test('JSONL keeps the original object byte for byte and appends the keys', async () => {
    const raw = '{"text":"x","n":1.0,"big":12345678901234567890, "nested":{"k":[1,2]} }';
    const text = await written('jsonl', [labelled({ raw, object: JSON.parse(raw) }, 0, 0.25, [0.25, 0.75])], undefined, true);
    expect(text).toBe(
      '{"text":"x","n":1.0,"big":12345678901234567890, "nested":{"k":[1,2]} ,"label":"sadness","confidence":0.25,"score_sadness":0.25,"score_joy":0.75}\n',
    );
  });

  test('CSV input written as JSONL and JSONL input written as CSV', async () => {
    expect(await written('jsonl', [labelled({ fields: ['hi', '3'] }, 1, 1)], ['text', 'id'])).toBe('{"text":"hi","id":"3","label":"joy","confidence":1}\n');
    const raw = '{"text":"hi","meta":{"a":1}}';
    expect(await written('csv', [labelled({ raw, object: JSON.parse(raw) }, 1, 1)])).toBe('text,meta,label,confidence\nhi,"{""a"":1}",joy,1\n');
  });
});
