import type { RunSummary } from '../app/run';
import type { Report } from '../metrics';
import { colour, esc, f4, int, page, PALETTE, tile } from './html';
import { meta, stoppedBanner } from './parts';
import { groupedBars, heatmap, xyChart } from './svg';

/** An axis start at or below x, a multiple of 0.2, so that the four grid steps are round numbers. */
const niceFloor = (x: number): number => Math.max(0, Math.floor((x - 0.01) * 5) / 5);

/** The `eval --report` page: made from the report `evaluate` returns (the `eval --json` object) and the run's summary, nothing else. */
export function renderEvalPage(report: Report, summary: RunSummary): string {
  const r = report;
  const labels = r.labels;
  const td = (key: string, label: string, value: string) => `<td data-k="${key}" data-label="${esc(label)}">${value}</td>`;

  const perLabelRows = labels
    .map((l, i) => {
      const m = r.per_label[l];
      return `<tr><td><span class="swatch" style="background:${colour(i)}"></span>${esc(l)}</td>${td('precision', l, f4(m.precision))}${td('recall', l, f4(m.recall))}${td('f1', l, f4(m.f1))}${td('support', l, int(m.support))}</tr>`;
    })
    .join('');
  const metricSeries = [
    { name: 'precision', colour: PALETTE[0], values: labels.map((l) => r.per_label[l].precision) },
    { name: 'recall', colour: PALETTE[1], values: labels.map((l) => r.per_label[l].recall) },
    { name: 'F1', colour: PALETTE[2], values: labels.map((l) => r.per_label[l].f1) },
  ];
  const legend = `<div class="legend">${metricSeries.map((s) => `<span><span class="swatch" style="background:${s.colour}"></span>${s.name}</span>`).join('')}</div>`;

  const bins = r.reliability.filter((b) => b.count > 0);
  const reliabilityRows = r.reliability
    .map((b, i) =>
      b.count > 0
        ? `<tr><td>(${b.lo.toFixed(2)}, ${b.hi.toFixed(2)}]</td><td data-k="bin-count" data-bin="${i}">${int(b.count)}</td><td data-k="bin-accuracy" data-bin="${i}">${f4(b.accuracy)}</td><td data-k="bin-confidence" data-bin="${i}">${f4(b.confidence)}</td></tr>`
        : '',
    )
    .join('');
  const yMin = Math.min(0.5, ...bins.map((b) => Math.min(b.accuracy, b.confidence)));
  const floor = niceFloor(yMin);
  const reliability = xyChart({
    title: 'Reliability diagram: accuracy against mean confidence per bin',
    xLabel: 'confidence',
    yLabel: 'accuracy',
    xMin: floor,
    yMin: floor,
    diagonal: true,
    bars: bins.map((b) => ({ x0: b.lo, x1: b.hi, y: b.accuracy, colour: PALETTE[5] })),
    dots: { colour: PALETTE[0], points: bins.map((b) => ({ x: b.confidence, y: b.accuracy })) },
  });

  const curve = r.coverage_curve.filter((c) => c.n > 0);
  const accMin = Math.min(...curve.map((c) => c.accuracy), ...r.selective.filter((s) => s.n > 0).map((s) => s.accuracy));
  const selectiveRows = r.selective
    .map(
      (s) =>
        `<tr><td>${s.min_confidence.toFixed(2)}</td><td data-k="sel-coverage" data-t="${s.min_confidence}">${f4(s.coverage)}</td><td data-k="sel-accuracy" data-t="${s.min_confidence}">${f4(s.accuracy)}</td><td data-k="sel-n" data-t="${s.min_confidence}">${int(s.n)}</td></tr>`,
    )
    .join('');
  const coverage = xyChart({
    title: 'Coverage against accuracy as --min-confidence rises',
    xLabel: 'coverage (share of rows kept)',
    yLabel: 'accuracy of the rows kept',
    yMin: niceFloor(Math.min(accMin, r.accuracy)),
    lines: [{ colour: PALETTE[0], points: curve.map((c) => ({ x: c.coverage, y: c.accuracy })), dots: true }],
    marks: {
      colour: PALETTE[3],
      points: r.selective.filter((s) => s.n > 0).map((s) => ({ x: s.coverage, y: s.accuracy, label: `≥ ${s.min_confidence.toFixed(2)}` })),
    },
  });
  const curveRows = r.coverage_curve
    .map(
      (c) =>
        `<tr><td>${c.min_confidence.toFixed(2)}</td><td data-k="curve-coverage" data-t="${c.min_confidence}">${f4(c.coverage)}</td><td data-k="curve-accuracy" data-t="${c.min_confidence}">${f4(c.accuracy)}</td><td data-k="curve-n" data-t="${c.min_confidence}">${int(c.n)}</td></tr>`,
    )
    .join('');

  const body = `
<h1>Evaluation of ${esc(summary.input)}</h1>
${meta(summary)}
${stoppedBanner(summary)}
<ul class="tiles">
${tile('n', int(r.n), 'rows scored')}
${tile('accuracy', f4(r.accuracy), 'accuracy')}
${tile('macro_f1', f4(r.macro_f1), 'macro-F1')}
${tile('weighted_f1', f4(r.weighted_f1), 'weighted-F1')}
${tile('ece', f4(r.ece), `ECE (${r.reliability.length} bins)`)}
</ul>
<p class="note">Rows read <span data-k="read">${int(summary.read)}</span>, rejected <span data-k="rejected">${int(summary.rejected)}</span>, empty texts <span data-k="empty">${int(summary.empty)}</span>, without a gold label <span data-k="unscored">${int(summary.unscored ?? 0)}</span> (the last three are not scored).</p>

<section class="card">
<h2>Where the model goes wrong: confusion matrix</h2>
<p class="note">Rows: gold label; columns: predicted label. Each cell shows its count, shaded by its share of the gold row (the diagonal is each label's recall).</p>
<figure>${heatmap(labels, r.confusion_matrix, 'Confusion matrix, gold against predicted')}</figure>
</section>

<section class="card">
<h2>Per label: precision, recall, F1</h2>
<div class="row">
<figure>${legend}${groupedBars(labels, metricSeries, 'Precision, recall and F1 per label')}</figure>
<div class="side"><table><thead><tr><th>label</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr></thead><tbody>${perLabelRows}</tbody></table></div>
</div>
</section>

<section class="card">
<h2>Calibration: reliability diagram</h2>
<p class="note">Rows are binned by the top label's confidence; a bar is the bin's accuracy, a dot its mean confidence against its accuracy. A calibrated model stays on the dashed diagonal. ECE <span data-k="ece-note">${f4(r.ece)}</span> is the row-weighted mean gap.</p>
<div class="row">
<figure>${reliability}</figure>
<div class="side"><table><thead><tr><th>confidence</th><th>rows</th><th>accuracy</th><th>mean confidence</th></tr></thead><tbody>${reliabilityRows}</tbody></table></div>
</div>
</section>

<section class="card">
<h2>Leaving doubtful rows unlabelled: coverage and accuracy</h2>
<p class="note">What <code>--min-confidence P</code> keeps: the share of scored rows at or above P (coverage) and how often they are right, for P from 0 to 1 in steps of 0.05; the circles mark the selective table's thresholds.</p>
<div class="row">
<figure>${coverage}</figure>
<div class="side"><table><thead><tr><th>min confidence</th><th>coverage</th><th>accuracy</th><th>rows</th></tr></thead><tbody>${selectiveRows}</tbody></table></div>
</div>
<details><summary class="note">Every step of the curve</summary><table><thead><tr><th>min confidence</th><th>coverage</th><th>accuracy</th><th>rows</th></tr></thead><tbody>${curveRows}</tbody></table></details>
</section>
`;
  return page(`emotion-label eval: ${summary.input}`, body);
}
