import { LabelError } from '../../errors';

/** The columns (JSON keys) a run adds, for every writer. */
export interface OutputNames {
  label: string;
  confidence: string;
  /** One extra column per label with its probability (--scores), in id order; empty when off. */
  scores: string[];
}

export function outputNames(opts: { labelName: string; confidenceName: string; scores: boolean }, id2label: readonly string[]): OutputNames {
  return {
    label: opts.labelName,
    confidence: opts.confidenceName,
    scores: opts.scores ? id2label.map((l) => `score_${l}`) : [],
  };
}

export function addedColumns(names: OutputNames): string[] {
  return [names.label, names.confidence, ...names.scores];
}

/**
 * The added columns must be distinct and new to the input: a duplicate column (or JSON key)
 * would make the output ambiguous. Checked before anything is written (exit 2).
 */
export function checkOutputNames(names: OutputNames, inputColumns: readonly string[] | undefined, file: string): void {
  const added = addedColumns(names);
  const dup = added.find((n, i) => added.indexOf(n) !== i);
  if (dup !== undefined) {
    throw new LabelError(
      'USAGE',
      `the added columns would have two named '${dup}' (--label-name, --confidence-name and --scores' score_<label> columns must differ)`,
    );
  }
  const clash = inputColumns?.find((c) => added.includes(c));
  if (clash !== undefined) {
    throw new LabelError('COLUMN_CONFLICT', `the input already has a column '${clash}'; name the added columns with --label-name / --confidence-name`, {
      file,
      line: 1,
    });
  }
}
