/**
 * Classification metrics computed from a confusion matrix, following scikit-learn's definitions:
 * precision/recall/F1 are 0 where undefined (zero_division=0), and the macro and weighted averages
 * run over the labels that occur in the gold labels or the predictions (sklearn's default `labels`).
 */
export interface LabelMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Report {
  n: number;
  accuracy: number;
  macro_f1: number;
  weighted_f1: number;
  labels: string[];
  per_label: Record<string, LabelMetrics>;
  /** confusion_matrix[gold][predicted], in label id order. */
  confusion_matrix: number[][];
}

/** Accumulates gold/predicted pairs without keeping them: memory does not grow with the input. */
export class ConfusionMatrix {
  readonly counts: number[][];

  constructor(readonly labels: readonly string[]) {
    this.counts = labels.map(() => labels.map(() => 0));
  }

  add(gold: number, predicted: number): void {
    this.counts[gold][predicted] += 1;
  }

  report(): Report {
    const k = this.labels.length;
    const m = this.counts;
    const support = m.map((row) => row.reduce((a, b) => a + b, 0));
    const predicted = this.labels.map((_, j) => m.reduce((a, row) => a + row[j], 0));
    const n = support.reduce((a, b) => a + b, 0);
    let correct = 0;
    const per_label: Record<string, LabelMetrics> = {};
    const present: number[] = [];
    const f1s: number[] = [];
    for (let i = 0; i < k; i++) {
      const tp = m[i][i];
      correct += tp;
      const precision = predicted[i] > 0 ? tp / predicted[i] : 0;
      const recall = support[i] > 0 ? tp / support[i] : 0;
      const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
      per_label[this.labels[i]] = { precision, recall, f1, support: support[i] };
      f1s.push(f1);
      if (support[i] > 0 || predicted[i] > 0) present.push(i);
    }
    const macro_f1 = present.length > 0 ? present.reduce((a, i) => a + f1s[i], 0) / present.length : 0;
    const weighted_f1 = n > 0 ? f1s.reduce((a, f, i) => a + f * support[i], 0) / n : 0;
    return {
      n,
      accuracy: n > 0 ? correct / n : 0,
      macro_f1,
      weighted_f1,
      labels: [...this.labels],
      per_label,
      confusion_matrix: m.map((row) => [...row]),
    };
  }
}

/** The human-readable report `emotion-label eval` prints. */
export function formatReport(r: Report): string {
  const f = (x: number): string => x.toFixed(4);
  const width = Math.max(9, ...r.labels.map((l) => l.length));
  const lines = [
    `rows          ${r.n}`,
    `accuracy      ${f(r.accuracy)}`,
    `macro-F1      ${f(r.macro_f1)}`,
    `weighted-F1   ${f(r.weighted_f1)}`,
    '',
    `${'label'.padEnd(width)}  precision  recall  f1      support`,
  ];
  for (const l of r.labels) {
    const m = r.per_label[l];
    lines.push(`${l.padEnd(width)}  ${f(m.precision).padEnd(9)}  ${f(m.recall)}  ${f(m.f1)}  ${m.support}`);
  }
  lines.push('', 'confusion matrix (rows: gold, columns: predicted)');
  const cw = Math.max(...r.labels.map((l) => l.length), ...r.confusion_matrix.flat().map((x) => String(x).length));
  lines.push(`${''.padEnd(width)}  ${r.labels.map((l) => l.padStart(cw)).join(' ')}`);
  r.labels.forEach((l, i) => {
    lines.push(`${l.padEnd(width)}  ${r.confusion_matrix[i].map((x) => String(x).padStart(cw)).join(' ')}`);
  });
  return lines.join('\n') + '\n';
}
