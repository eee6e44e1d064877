/**
 * What a labelling run wrote, gathered row by row as the rows stream by (fixed-size counters:
 * memory does not grow with the input). It sees each output row as it is written: the label (or
 * none), the confidence (or none), so it can be fed the rows of a run as they are labelled or the
 * rows read back from an existing output file (`addWritten`), and both give the same statistics.
 */

/** Equal-width bins of the confidence histogram: [k/20, (k+1)/20), the last one closed at 1. */
export const HISTOGRAM_BINS = 20;

/** Thresholds at which the page tells how many rows `--min-confidence` would leave unlabelled. */
export const UNLABELLED_THRESHOLDS = [0.5, 0.7, 0.9];

export interface LabelRunStats {
  /** Rows written with this label. */
  count: number;
  /** count / the rows with a prediction (labelled + left unlabelled below --min-confidence). */
  share: number;
  /** Rows with this label per confidence bin (HISTOGRAM_BINS). */
  histogram: number[];
}

/** Leaving rows below `min_confidence` unlabelled: how many that would be. */
export interface UnlabelledRow {
  min_confidence: number;
  /** Rows with a prediction whose confidence is below min_confidence. */
  n: number;
  /** n / the rows with a prediction. */
  share: number;
}

export interface OutputStats {
  labels: string[];
  /** Rows in the output: labelled + abstained + empty. */
  rows: number;
  /** Rows written with a label. */
  labelled: number;
  /** Rows whose label was left empty for a confidence below --min-confidence (their confidence is written). */
  abstained: number;
  /** Empty texts: no label, no confidence. */
  empty: number;
  per_label: Record<string, LabelRunStats>;
  /** The abstained rows per confidence bin. */
  abstained_histogram: number[];
  /** At 0.5, 0.7, 0.9 (and the run's --min-confidence, if given). */
  unlabelled: UnlabelledRow[];
  /** The run's --min-confidence, if given. */
  min_confidence?: number;
}

/** The bin of a confidence, by the same `<` comparison as the thresholds (no rounding of c·20 across an edge). */
function binOf(c: number): number {
  let b = Math.min(HISTOGRAM_BINS - 1, Math.max(0, Math.floor(c * HISTOGRAM_BINS)));
  while (b > 0 && c < b / HISTOGRAM_BINS) b--;
  while (b < HISTOGRAM_BINS - 1 && c >= (b + 1) / HISTOGRAM_BINS) b++;
  return b;
}

export class RunStats {
  private readonly counts: number[];
  private readonly histograms: number[][];
  private readonly abstainedHistogram = new Array<number>(HISTOGRAM_BINS).fill(0);
  private readonly thresholds: number[];
  private readonly below: number[];
  private readonly ids: Map<string, number>;
  private abstained = 0;
  private empty = 0;

  /** `minConfidence`: the run's threshold, added to the unlabelled table. */
  constructor(
    readonly labels: readonly string[],
    private readonly minConfidence?: number,
  ) {
    this.counts = labels.map(() => 0);
    this.histograms = labels.map(() => new Array<number>(HISTOGRAM_BINS).fill(0));
    this.thresholds = [...new Set([...UNLABELLED_THRESHOLDS, ...(minConfidence !== undefined ? [minConfidence] : [])])].sort((a, b) => a - b);
    this.below = this.thresholds.map(() => 0);
    this.ids = new Map(labels.map((l, i) => [l, i]));
  }

  /** One row as labelled: labelId -1 for an empty text; `abstained` when its label is left empty for a low confidence. */
  add(labelId: number, confidence: number, abstained = false): void {
    if (labelId < 0) {
      this.empty += 1;
      return;
    }
    const b = binOf(confidence);
    if (abstained) {
      this.abstained += 1;
      this.abstainedHistogram[b] += 1;
    } else {
      this.counts[labelId] += 1;
      this.histograms[labelId][b] += 1;
    }
    this.thresholds.forEach((t, i) => {
      if (confidence < t) this.below[i] += 1;
    });
  }

  /**
   * One row as an output file holds it: the label and the confidence, null where the field is empty.
   * No label and no confidence is an empty text; a confidence without a label, a row left unlabelled.
   */
  addWritten(label: string | null, confidence: number | null): void {
    if (confidence === null) {
      if (label !== null) throw new Error(`a row has the label '${label}' but no confidence`);
      return this.add(-1, 0);
    }
    if (!(confidence >= 0 && confidence <= 1)) throw new Error(`a confidence must be from 0 to 1, got ${confidence}`);
    if (label === null) return this.add(0, confidence, true);
    const id = this.ids.get(label);
    if (id === undefined) throw new Error(`'${label}' is not a label of this model (${this.labels.join(', ')})`);
    this.add(id, confidence);
  }

  report(): OutputStats {
    const labelled = this.counts.reduce((a, b) => a + b, 0);
    const predicted = labelled + this.abstained;
    const share = (n: number) => (predicted > 0 ? n / predicted : 0);
    const per_label: Record<string, LabelRunStats> = {};
    this.labels.forEach((l, i) => (per_label[l] = { count: this.counts[i], share: share(this.counts[i]), histogram: [...this.histograms[i]] }));
    return {
      labels: [...this.labels],
      rows: predicted + this.empty,
      labelled,
      abstained: this.abstained,
      empty: this.empty,
      per_label,
      abstained_histogram: [...this.abstainedHistogram],
      unlabelled: this.thresholds.map((t, i) => ({ min_confidence: t, n: this.below[i], share: share(this.below[i]) })),
      ...(this.minConfidence !== undefined ? { min_confidence: this.minConfidence } : {}),
    };
  }
}
