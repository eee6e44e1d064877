import { LabelError } from '../errors';
import { rawRecord, REGISTRY } from '../io/formats';
import { goldLabelId } from '../infer/modelDir';
import { ConfusionMatrix, type Report } from '../metrics';
import { normalizeEvaluateOptions, type EvaluateOptions } from './options';
import { inputName, runRows, toRunInput, type InputSpec, type RunSummary } from './run';

/** evaluate() with the run's summary, for callers that report it (the CLI). */
export async function evaluateWithSummary(input: InputSpec, options: EvaluateOptions = {}): Promise<{ report?: Report; summary: RunSummary }> {
  const runInput = toRunInput(input);
  const config = normalizeEvaluateOptions(options, typeof runInput === 'string' ? runInput : undefined);
  const file = inputName(runInput);
  let report: Report | undefined;
  let unscored = 0;
  const summary = await runRows({
    input: runInput,
    config,
    labelColumn: config.labelColumn,
    hooks: options,
    makeSink: ({ info, reader }) => {
      const m = new ConfusionMatrix(info.id2label, config.minConfidence);
      return {
        accept(lr) {
          // absent, null or empty: not scorable; counted in the summary
          if (lr.row.gold === undefined) {
            unscored += 1;
            return;
          }
          const gold = goldLabelId(lr.row.gold, info);
          if (gold === undefined) {
            return {
              kind: 'bad',
              line: lr.row.line,
              code: 'LABEL_UNKNOWN',
              reason:
                `gold label '${lr.row.gold}' is neither a label of this model (${info.id2label.join(', ')}) nor an id 0–${info.id2label.length - 1}` +
                (!info.neutral && info.neutralLabel !== undefined && lr.row.gold.trim() === info.neutralLabel
                  ? ` (the model has a neutral view: add --neutral)`
                  : ''),
              raw: rawRecord(lr.row, config.format),
            };
          }
          // An empty text has no prediction: it is left out of the metrics and counted as empty in the summary.
          if (lr.prediction.labelId >= 0) m.add(gold, lr.prediction.labelId, lr.prediction.confidence);
        },
        finish() {
          // JSONL has no header: a label key that no object has is the same mistake as a missing CSV column.
          if (REGISTRY[config.format].columns === 'keys' && unscored > 0 && !reader.stats.labelKeySeen) {
            throw new LabelError('MISSING_COLUMN', `no object has the label key '${config.labelColumn}'`, { file });
          }
          const r = m.report();
          if (r.n === 0) throw new LabelError('NOTHING_TO_SCORE', 'no row had both a text and a gold label: nothing to score', { file });
          report = r;
        },
        abandon() {},
      };
    },
  });
  summary.unscored = unscored;
  return { report, summary };
}

/**
 * Labels a table that has gold labels and scores the predictions: the same object as `eval --json`
 * (n, accuracy, macro_f1, weighted_f1, labels, per_label, confusion_matrix).
 */
export async function evaluate(input: InputSpec, options: EvaluateOptions = {}): Promise<Report> {
  const { report } = await evaluateWithSummary(input, options);
  if (!report) throw new LabelError('NOTHING_TO_SCORE', 'the run was stopped before it could be scored');
  return report;
}
