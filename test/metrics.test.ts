import { ConfusionMatrix, formatReport } from '../src/metrics';

function matrixOf(labels: string[], gold: number[], pred: number[]): ConfusionMatrix {
  const m = new ConfusionMatrix(labels);
  gold.forEach((g, i) => m.add(g, pred[i]));
  return m;
}

describe('ConfusionMatrix.report', () => {
  test('matches hand-computed precision, recall, F1 and averages', () => {
    // gold a a b b c c ; predicted a b b b c a
    const r = matrixOf(['a', 'b', 'c'], [0, 0, 1, 1, 2, 2], [0, 1, 1, 1, 2, 0]).report();
    expect(r.n).toBe(6);
    expect(r.accuracy).toBeCloseTo(4 / 6, 12);
    expect(r.per_label.a).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(r.per_label.b.precision).toBeCloseTo(2 / 3, 12);
    expect(r.per_label.b.recall).toBe(1);
    expect(r.per_label.b.f1).toBeCloseTo(0.8, 12);
    expect(r.per_label.c).toEqual({ precision: 1, recall: 0.5, f1: 2 / 3, support: 2 });
    expect(r.macro_f1).toBeCloseTo((0.5 + 0.8 + 2 / 3) / 3, 12);
    expect(r.weighted_f1).toBeCloseTo((0.5 + 0.8 + 2 / 3) / 3, 12);
    expect(r.confusion_matrix).toEqual([
      [1, 1, 0],
      [0, 2, 0],
      [1, 0, 1],
    ]);
  });

  test('follows scikit-learn: labels absent from gold and predictions are left out of the macro average', () => {
    // Values from sklearn.metrics (zero_division=0) for gold [0,0,1,1,2,2,0], pred [0,1,1,1,2,0,3]:
    // accuracy 0.5714285714, macro-F1 0.4666666667, weighted-F1 0.5904761905, per-label F1 [0.4, 0.8, 0.6667, 0].
    const r = matrixOf(['a', 'b', 'c', 'd', 'e'], [0, 0, 1, 1, 2, 2, 0], [0, 1, 1, 1, 2, 0, 3]).report();
    expect(r.accuracy).toBeCloseTo(0.5714285714285714, 12);
    expect(r.macro_f1).toBeCloseTo(0.4666666666666667, 12);
    expect(r.weighted_f1).toBeCloseTo(0.5904761904761905, 12);
    expect(r.per_label.a.f1).toBeCloseTo(0.4, 12);
    expect(r.per_label.d).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(r.per_label.e.support).toBe(0);
  });

  test('an empty matrix reports zeros instead of NaN', () => {
    const r = new ConfusionMatrix(['a', 'b']).report();
    expect(r).toMatchObject({ n: 0, accuracy: 0, macro_f1: 0, weighted_f1: 0 });
  });

  test('formatReport prints accuracy, F1 and the confusion matrix', () => {
    const text = formatReport(matrixOf(['joy', 'anger'], [0, 1, 1], [0, 1, 0]).report());
    expect(text).toContain('accuracy      0.6667');
    expect(text).toContain('macro-F1      0.6667');
    expect(text).toMatch(/joy\s+1\s+0\nanger\s+1\s+1\n\ncalibration: ECE/);
  });
});

describe('calibration and selective metrics', () => {
  test('ECE, reliability bins and coverage match a hand computation', () => {
    // five rows: (confidence, correct)
    const rows: [number, boolean][] = [
      [0.95, true],
      [0.95, false],
      [0.6, true],
      [1 / 15, true], // exactly on a bin edge: belongs to the first bin, (0, 1/15]
      [1, true],
    ];
    const m = new ConfusionMatrix(['a', 'b'], 0.8);
    for (const [c, ok] of rows) m.add(0, ok ? 0 : 1, c);
    const r = m.report();
    expect(r.reliability).toHaveLength(15);
    const nonEmpty = r.reliability.filter((b) => b.count > 0).map((b) => [Math.round(b.lo * 15), b.count, b.accuracy, b.confidence]);
    expect(nonEmpty).toEqual([
      [0, 1, 1, 1 / 15],
      [8, 1, 1, 0.6],
      [14, 3, 2 / 3, (0.95 + 0.95 + 1) / 3],
    ]);
    const ece = (1 / 5) * Math.abs(1 - 1 / 15) + (1 / 5) * Math.abs(1 - 0.6) + (3 / 5) * Math.abs(2 / 3 - 2.9 / 3);
    expect(r.ece).toBeCloseTo(ece, 12);
    expect(r.selective).toEqual([
      { min_confidence: 0.5, coverage: 4 / 5, accuracy: 3 / 4, n: 4 },
      { min_confidence: 0.7, coverage: 3 / 5, accuracy: 2 / 3, n: 3 },
      { min_confidence: 0.8, coverage: 3 / 5, accuracy: 2 / 3, n: 3 },
      { min_confidence: 0.9, coverage: 3 / 5, accuracy: 2 / 3, n: 3 },
    ]);
    expect(formatReport(r)).toContain('calibration: ECE');
  });
});
