import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { createRowWriter, openReader, outputNames, type Format } from '../src/io/formats';
import type { BatchOutput } from '../src/types';
import { isBlankText, labelRows } from '../src/pipeline/labelRows';
import type { BatchRunner } from '../src/pipeline/labelRows';
import { Collect, streamOf } from './helpers/streams';

const LABELS = ['sadness', 'joy', 'love', 'anger', 'fear', 'surprise'];

/** Labels each text by its length, so the expected label of every row is known. */
const byLength: BatchRunner = {
  size: 2,
  async run(texts: string[]): Promise<BatchOutput> {
    const k = LABELS.length;
    const labelIds = Int32Array.from(texts, (t) => t.length % k);
    const scores = new Float32Array(texts.length * k);
    labelIds.forEach((l, i) => (scores[i * k + l] = 1));
    return { labelIds, confidences: new Float32Array(texts.length).fill(1), scores };
  },
};

/** Field text: any Unicode (no NUL, no lone surrogates), rich in CSV's special characters. */
const field = fc
  .oneof(
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.string({ unit: fc.constantFrom(',', '"', '\n', '\r\n', '\t', ' ', 'a', 'é', '😀', '👩‍👧', '中'), maxLength: 12 }),
  )
  .map((s) => s.replace(/\u0000/g, ''));

/** Splits bytes into chunks at arbitrary points, multibyte characters included. */
function chunked(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    if (p > prev) out.push(bytes.subarray(prev, p));
    prev = p;
  }
  return out;
}

async function roundTrip(format: Format, table: string[][], cuts: number[]): Promise<string> {
  const header = ['text', 'id', 'other'];
  const input = Buffer.from(
    format === 'tsv'
      ? [header, ...table].map((r) => r.join('\t') + '\n').join('')
      : stringify([header, ...table], { delimiter: format === 'tsv-quoted' ? '\t' : ',' }),
  );
  const reader = await openReader(streamOf(...chunked(input, cuts)), { format, file: 'gen', textColumn: 'text', maxRecordBytes: 1 << 20 });
  const out = new Collect();
  const writer = createRowWriter(out, {
    format,
    inputColumns: reader.columns,
    id2label: LABELS,
    names: outputNames({ labelName: 'label', confidenceName: 'confidence', scores: false }, LABELS),
  });
  for await (const item of labelRows(reader.items, byLength, { shareSize: 3, windowSize: 5 })) {
    if ('kind' in item) throw new Error(`unexpected bad row at line ${item.line}: ${item.reason}`);
    if (!writer.write(item)) await writer.drain();
  }
  await writer.flush();
  return out.text();
}

/** Plain TSV has no quoting: its fields never hold a tab or line break. */
const tsvField = field.map((s) => s.replace(/[\t\r\n]/g, ' '));

/** The output as rows: csv-parse for CSV and quoted TSV, a plain split for TSV. */
function parseOutput(text: string, format: Format): string[][] {
  if (format === 'tsv')
    return text
      .split('\n')
      .slice(0, -1)
      .map((l) => l.split('\t'));
  return parse(text, { delimiter: format === 'tsv-quoted' ? '\t' : ',', relax_quotes: true }) as string[][];
}

describe.each(['csv', 'tsv-quoted', 'tsv'] as const)('%s: generated tables come back whole', (format) => {
  test('every row once, in order, fields unchanged, label from its own text', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(format === 'tsv' ? fc.tuple(tsvField, fc.nat(), tsvField) : fc.tuple(field, fc.nat(), field), { minLength: 0, maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        async (rows, cuts) => {
          const table = rows.map(([text, id, other]) => [text, String(id), other]);
          const text = await roundTrip(format, table, cuts);
          const parsed = parseOutput(text, format);
          expect(parsed[0]).toEqual(['text', 'id', 'other', 'label', 'confidence']);
          const body = parsed.slice(1);
          expect(body.map((r) => r.slice(0, 3))).toEqual(table);
          body.forEach((r, i) => {
            const t = table[i][0];
            expect(r[3]).toBe(isBlankText(t) ? '' : LABELS[t.length % LABELS.length]);
          });
        },
      ),
      { numRuns: 150 },
    );
  });
});
