import { LabelError } from '../errors';
import { resolveFormat } from '../io/formats';
import { rawRecord } from '../io/writers';
import { goldLabelId } from '../infer/modelDir';
import { ConfusionMatrix, formatReport, type Report } from '../metrics';
import type { EvalCommandOptions } from './options';
import { runRows, type CliIO, type RunResult } from './run';

export interface EvalResult {
  report?: Report;
  result: RunResult;
  /** Rows without a gold label (absent, null or empty): read and labelled, not scored. */
  unscored: number;
}

/** `emotion-label eval [input]`: accuracy, F1 and the confusion matrix against the gold labels. */
export async function evalCommand(input: string | undefined, opts: EvalCommandOptions, io: CliIO, signal: AbortSignal): Promise<EvalResult> {
  let report: Report | undefined;
  let unscored = 0;
  const format = resolveFormat(opts.format, input);
  const file = input ?? '<stdin>';
  const result = await runRows({
    input,
    opts,
    io,
    signal,
    labelColumn: opts.labelColumn,
    // stdout carries only the report, printed at the end
    progressAllowed: true,
    makeSink: ({ info, reader }) => {
      const m = new ConfusionMatrix(info.id2label);
      return {
        accept(lr) {
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
              reason: `gold label '${lr.row.gold}' is neither a label of this model (${info.id2label.join(', ')}) nor an id 0–${info.id2label.length - 1}`,
              raw: rawRecord(lr.row, format),
            };
          }
          // An empty text has no prediction: it is left out of the metrics and counted as empty in the summary.
          if (lr.prediction.labelId >= 0) m.add(gold, lr.prediction.labelId);
        },
        finish() {
          // JSONL has no header: a label key that no object has is the same mistake as a missing CSV column.
          if (format === 'jsonl' && unscored > 0 && !reader.stats.labelKeySeen) {
            throw new LabelError('MISSING_COLUMN', `no object has the label key '${opts.labelColumn}'`, { file });
          }
          const r = m.report();
          if (r.n === 0) {
            throw new LabelError('NOTHING_TO_SCORE', 'no row had both a text and a gold label: nothing to score', { file });
          }
          report = r;
          io.stdout.write(opts.json ? JSON.stringify(report) + '\n' : formatReport(report));
        },
        abandon() {},
      };
    },
  });
  return { report, result, unscored };
}
