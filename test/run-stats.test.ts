import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { ConfusionMatrix, HISTOGRAM_BINS, RunStats } from '../src/metrics';
import { labelFile } from '../src/app/labelFile';
import { readWrittenPredictions } from '../src/io/formats';
import { SAMPLES } from './helpers/cli';

describe('RunStats: what a labelling run wrote, gathered row by row', () => {
  test('counts, shares, histogram bins [k/20, (k+1)/20) with 1 in the last, rows below each threshold', () => {
    const s = new RunStats(['a', 'b'], 0.6);
    s.add(0, 0.5); // exactly on an edge: bin 10, not below 0.5
    s.add(0, 0.15); // 0.15 * 20 is 3 in floating point; the comparison decides: bin 3
    s.add(0, 1); // closed last bin
    s.add(1, 0.7);
    s.add(1, 0.55, true); // left unlabelled (below 0.6)
    s.add(-1, 0); // empty text
    const r = s.report();
    expect(r).toMatchObject({ rows: 6, labelled: 4, abstained: 1, empty: 1, labels: ['a', 'b'] });
    expect(r.per_label.a.count).toBe(3);
    expect(r.per_label.a.share).toBeCloseTo(3 / 5, 12);
    expect(r.per_label.b.share).toBeCloseTo(1 / 5, 12);
    const nonZero = (h: number[]) => h.flatMap((v, i) => (v ? [[i, v]] : []));
    expect(r.per_label.a.histogram).toHaveLength(HISTOGRAM_BINS);
    expect(nonZero(r.per_label.a.histogram)).toEqual([
      [3, 1],
      [10, 1],
      [19, 1],
    ]);
    expect(nonZero(r.per_label.b.histogram)).toEqual([[14, 1]]);
    expect(nonZero(r.abstained_histogram)).toEqual([[11, 1]]);
    // below t: the labelled and the abstained rows with confidence < t, as --min-confidence compares
    expect(r.unlabelled).toEqual([
      { min_confidence: 0.5, n: 1, share: 1 / 5 },
      { min_confidence: 0.6, n: 3, share: 3 / 5 },
      { min_confidence: 0.7, n: 3, share: 3 / 5 },
      { min_confidence: 0.9, n: 4, share: 4 / 5 },
    ]);
  });

  test('addWritten (an output row read back) maps the written label; bad rows are refused', () => {
    const s = new RunStats(['a', 'b']);
    s.addWritten('b', 0.75);
    s.addWritten(null, 0.4);
    s.addWritten(null, null);
    expect(s.report()).toMatchObject({ labelled: 1, abstained: 1, empty: 1 });
    expect(() => s.addWritten('c', 0.5)).toThrow("'c' is not a label of this model (a, b)");
    expect(() => s.addWritten('a', null)).toThrow('no confidence');
    expect(() => s.addWritten('a', 1.5)).toThrow('from 0 to 1');
  });

  test('the output file read back gives the same statistics as the run gathered as it wrote', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-stats-'));
    const out = path.join(dir, 'out.csv');
    const summary = await labelFile(path.join(SAMPLES, 'sample.csv'), out, { minConfidence: 0.8, workers: 1 });
    const rows: Record<string, string>[] = parse(fs.readFileSync(out), { columns: true });
    const back = new RunStats(summary.stats!.labels, 0.8);
    for (const r of rows) back.addWritten(r.label === '' ? null : r.label, r.confidence === '' ? null : Number(r.confidence));
    expect(back.report()).toEqual(summary.stats);
    expect(summary.stats!.abstained).toBe(summary.belowMinConfidence);
    expect(summary.stats!.abstained).toBeGreaterThan(0);
    expect(summary.stats!.empty).toBe(summary.empty);
  });
});

describe('readWrittenPredictions: an output file read back, as a resumed run reads what it wrote before', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-readback-'));
  const cases: [string, string, 'csv' | 'tsv' | 'tsv-quoted' | 'jsonl'][] = [
    ['sample.csv', 'out.csv', 'csv'],
    ['sample.csv', 'out.tsv', 'tsv'],
    ['sample.csv', 'out-quoted.tsv', 'tsv-quoted'],
    ['sample.jsonl', 'out.jsonl', 'jsonl'],
  ];
  test.each(cases)('%s to %s (%s): the same statistics as the run gathered', async (input, output, format) => {
    const out = path.join(dir, output);
    const names = { labelName: 'emotion', confidenceName: 'p' };
    const summary = await labelFile(path.join(SAMPLES, input), out, {
      minConfidence: 0.8,
      workers: 1,
      outputFormat: format,
      scores: true,
      onError: 'skip',
      ...names,
    });
    const back = new RunStats(summary.stats!.labels, 0.8);
    for await (const w of readWrittenPredictions(out, { format, ...names, maxRecordSize: 1 << 20 })) back.addWritten(w.label, w.confidence);
    expect(back.report()).toEqual(summary.stats);
    expect(summary.stats!.abstained).toBeGreaterThan(0);
  });

  test('only the first bytes: the rows they hold', async () => {
    const out = path.join(dir, 'out.jsonl');
    const text = fs.readFileSync(out, 'utf8');
    const lines = text.split('\n').slice(0, 10);
    const bytes = Buffer.byteLength(lines.join('\n') + '\n');
    const got = [];
    for await (const w of readWrittenPredictions(out, { format: 'jsonl', labelName: 'emotion', confidenceName: 'p', bytes, maxRecordSize: 1 << 20 }))
      got.push(w);
    expect(got).toEqual(lines.map((l) => JSON.parse(l)).map((o) => ({ label: o.emotion, confidence: o.p })));
    const none = [];
    for await (const w of readWrittenPredictions(out, { format: 'jsonl', labelName: 'emotion', confidenceName: 'p', bytes: 0, maxRecordSize: 1 << 20 }))
      none.push(w);
    expect(none).toEqual([]);
  });
});

describe('coverage curve', () => {
  test('every threshold k/20: the rows at or above it and their accuracy; the selective rows are points of it', () => {
    const m = new ConfusionMatrix(['a', 'b'], 0.35);
    const rows: [number, boolean][] = [
      [0.35, true],
      [0.5, false],
      [0.9, true],
      [0.34, true],
    ];
    for (const [c, ok] of rows) m.add(0, ok ? 0 : 1, c);
    const r = m.report();
    expect(r.coverage_curve).toHaveLength(21);
    const at = (t: number) => r.coverage_curve.find((c) => c.min_confidence === t)!;
    expect(at(0)).toEqual({ min_confidence: 0, coverage: 1, accuracy: 3 / 4, n: 4 });
    expect(at(0.35)).toEqual({ min_confidence: 0.35, coverage: 3 / 4, accuracy: 2 / 3, n: 3 });
    expect(at(0.55)).toEqual({ min_confidence: 0.55, coverage: 1 / 4, accuracy: 1, n: 1 });
    expect(at(1)).toEqual({ min_confidence: 1, coverage: 0, accuracy: 0, n: 0 });
    for (const s of r.selective) expect(at(s.min_confidence)).toEqual(s);
  });
});
