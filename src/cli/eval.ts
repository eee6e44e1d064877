import { stringify } from 'csv-stringify/sync';
import { delimiterOf, resolveFormat } from '../io/formats';
import { goldLabelId } from '../infer/modelDir';
import { ConfusionMatrix, formatReport, type Report } from '../metrics';
import type { EvalCommandOptions } from './options';
import { runRows, type CliIO } from './run';
import type { InputRow } from '../types';

/** `emotion-label eval [input]`: accuracy, F1 and the confusion matrix against the gold labels. */
export async function evalCommand(
  input: string | undefined,
  opts: EvalCommandOptions,
  io: CliIO,
  signal: AbortSignal,
): Promise<{ report?: Report; result: Awaited<ReturnType<typeof runRows>> }> {
  let report: Report | undefined;
  const delimiter = delimiterOf(resolveFormat(opts.format, input));
  // The rejects file's `raw` column: JSONL keeps its line; CSV/TSV rows are written back from their fields.
  const rawRecord = (row: InputRow) => row.raw ?? stringify([row.fields ?? [row.text]], { delimiter }).replace(/\r?\n$/, '');
  const result = await runRows({
    input,
    opts,
    io,
    signal,
    labelColumn: opts.labelColumn,
    makeSink: ({ info }) => {
      const m = new ConfusionMatrix(info.id2label);
      return {
        accept(lr) {
          const gold = goldLabelId(lr.row.gold ?? '', info);
          if (gold === undefined) {
            return {
              kind: 'bad',
              line: lr.row.line,
              code: 'LABEL_UNKNOWN',
              reason: `gold label '${lr.row.gold}' is neither a label of this model (${info.id2label.join(', ')}) nor an id 0–${info.id2label.length - 1}`,
              raw: rawRecord(lr.row),
            };
          }
          // An empty text has no prediction: it is left out of the metrics and counted as empty in the summary.
          if (lr.prediction.labelId >= 0) m.add(gold, lr.prediction.labelId);
        },
        finish() {
          report = m.report();
          io.stdout.write(opts.json ? JSON.stringify(report) + '\n' : formatReport(report));
        },
        abandon() {},
      };
    },
  });
  return { report, result };
}
