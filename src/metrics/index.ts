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

/** One confidence bin of the reliability table: rows whose top-label confidence falls in (lo, hi]. */
export interface ReliabilityBin {
  lo: number;
  hi: number;
  count: number;
  /** Share of these rows whose predicted label is the gold one (0 for an empty bin). */
  accuracy: number;
  /** Their mean confidence (0 for an empty bin). */
  confidence: number;
}

/** Leaving rows below a confidence unlabelled: how many are kept and how often they are right. */
export interface SelectiveRow {
  min_confidence: number;
  /** Share of the scored rows with confidence >= min_confidence. */
  coverage: number;
  /** Accuracy on those rows (0 when there are none). */
  accuracy: number;
  n: number;
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
  /**
   * Expected calibration error of the top label: over RELIABILITY_BINS equal-width bins of
   * confidence, the row-weighted mean of |accuracy − mean confidence|.
   */
  ece: number;
  reliability: ReliabilityBin[];
  /** For each threshold (0.5, 0.7, 0.9, and --min-confidence if given): coverage and accuracy. */
  selective: SelectiveRow[];
  /** The same at every threshold 0, 0.05, …, 1 (COVERAGE_STEPS): the coverage–accuracy curve. */
  coverage_curve: SelectiveRow[];
}

/** Equal-width confidence bins for the ECE and the reliability table (as in Guo et al. 2017). */
export const RELIABILITY_BINS = 15;

/** Thresholds the selective table always shows. */
export const SELECTIVE_THRESHOLDS = [0.5, 0.7, 0.9];

/** Steps of the coverage–accuracy curve: thresholds k / COVERAGE_STEPS for k = 0 … COVERAGE_STEPS (k / 20 is the same double as the decimal 0.05·k, so --min-confidence 0.35 meets its point exactly). */
export const COVERAGE_STEPS = 20;
const CURVE_THRESHOLDS = Array.from({ length: COVERAGE_STEPS + 1 }, (_, k) => k / COVERAGE_STEPS);

/** Accumulates gold/predicted pairs (and confidences) without keeping them: memory does not grow with the input. */
export class ConfusionMatrix {
  readonly counts: number[][];
  private readonly bins = Array.from({ length: RELIABILITY_BINS }, () => ({ count: 0, correct: 0, confidence: 0 }));
  private readonly thresholds: number[];
  private readonly covered: { n: number; correct: number }[];
  private readonly curve = CURVE_THRESHOLDS.map(() => ({ n: 0, correct: 0 }));

  /** `minConfidence`: an extra threshold for the selective table. */
  constructor(
    readonly labels: readonly string[],
    minConfidence?: number,
  ) {
    this.counts = labels.map(() => labels.map(() => 0));
    this.thresholds = [...new Set([...SELECTIVE_THRESHOLDS, ...(minConfidence !== undefined ? [minConfidence] : [])])].sort((a, b) => a - b);
    this.covered = this.thresholds.map(() => ({ n: 0, correct: 0 }));
  }

  /** One scored row; `confidence` is the predicted label's probability (default 1 where unknown). */
  add(gold: number, predicted: number, confidence = 1): void {
    this.counts[gold][predicted] += 1;
    const right = gold === predicted ? 1 : 0;
    // bins are (lo, hi]: a confidence of exactly k/15 belongs to bin k-1 (and 0 to the first)
    const b = Math.min(RELIABILITY_BINS - 1, Math.max(0, Math.ceil(confidence * RELIABILITY_BINS) - 1));
    this.bins[b].count += 1;
    this.bins[b].correct += right;
    this.bins[b].confidence += confidence;
    this.thresholds.forEach((t, i) => {
      if (confidence >= t) {
        this.covered[i].n += 1;
        this.covered[i].correct += right;
      }
    });
    for (let i = 0; i < CURVE_THRESHOLDS.length && confidence >= CURVE_THRESHOLDS[i]; i++) {
      this.curve[i].n += 1;
      this.curve[i].correct += right;
    }
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
    const reliability = this.bins.map((b, i) => ({
      lo: i / RELIABILITY_BINS,
      hi: (i + 1) / RELIABILITY_BINS,
      count: b.count,
      accuracy: b.count > 0 ? b.correct / b.count : 0,
      confidence: b.count > 0 ? b.confidence / b.count : 0,
    }));
    const ece = n > 0 ? reliability.reduce((a, b) => a + (b.count / n) * Math.abs(b.accuracy - b.confidence), 0) : 0;
    const selectiveRow = (t: number, c: { n: number; correct: number }): SelectiveRow => ({
      min_confidence: t,
      coverage: n > 0 ? c.n / n : 0,
      accuracy: c.n > 0 ? c.correct / c.n : 0,
      n: c.n,
    });
    return {
      n,
      accuracy: n > 0 ? correct / n : 0,
      macro_f1,
      weighted_f1,
      labels: [...this.labels],
      per_label,
      confusion_matrix: m.map((row) => [...row]),
      ece,
      reliability,
      selective: this.thresholds.map((t, i) => selectiveRow(t, this.covered[i])),
      coverage_curve: CURVE_THRESHOLDS.map((t, i) => selectiveRow(t, this.curve[i])),
    };
  }
}

export { RunStats, HISTOGRAM_BINS, UNLABELLED_THRESHOLDS, type LabelRunStats, type OutputStats, type UnlabelledRow } from './runStats';

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
  lines.push('', `calibration: ECE ${f(r.ece)} (top label, ${r.reliability.length} equal-width bins)`, 'confidence      rows  accuracy  mean confidence');
  for (const b of r.reliability) {
    if (b.count === 0) continue;
    lines.push(`(${b.lo.toFixed(2)}, ${b.hi.toFixed(2)}]  ${String(b.count).padStart(6)}  ${f(b.accuracy)}    ${f(b.confidence)}`);
  }
  lines.push('', 'leaving rows below a confidence unlabelled', 'min confidence  coverage  accuracy  rows');
  for (const s of r.selective) lines.push(`${s.min_confidence.toFixed(2).padEnd(14)}  ${f(s.coverage)}    ${f(s.accuracy)}    ${s.n}`);
  return lines.join('\n') + '\n';
}
