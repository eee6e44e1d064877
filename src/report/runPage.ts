import type { RunSummary } from '../app/run';
import { HISTOGRAM_BINS } from '../metrics';
import { colour, esc, int, page, pct, tile } from './html';
import { meta, rowsPerSecond, stoppedBanner } from './parts';
import { barChart, histogram } from './svg';

const UNLABELLED_COLOUR = '#999999';

/** The labelling run's `--report` page: made from the summary `labelFile` returns, nothing else. */
export function renderRunPage(summary: RunSummary): string {
  const s = summary.stats;
  const tiles = [
    tile('read', int(summary.read), 'rows read'),
    // as the summary line counts them: labelled includes the rows whose label --min-confidence left empty
    tile('labelled', int(s ? s.labelled + s.abstained : summary.labelled), 'labelled'),
    ...(s && (s.abstained > 0 || s.min_confidence !== undefined)
      ? [tile('abstained', int(s.abstained), `of these, label left empty (confidence below ${s.min_confidence?.toFixed(2) ?? 'the threshold'})`)]
      : []),
    tile('empty', int(summary.empty), 'empty texts'),
    tile('rejected', int(summary.rejected), 'rejected'),
    tile('rows-per-second-tile', int(Math.round(rowsPerSecond(summary))), 'rows/s'),
  ];
  let sections = '';
  if (s) {
    const labels = s.labels;
    const bars = labels.map((l, i) => ({
      label: l,
      value: s.per_label[l].count,
      caption: `${int(s.per_label[l].count)} (${pct(s.per_label[l].share)})`,
      colour: colour(i),
    }));
    const abstainedShare = s.labelled + s.abstained > 0 ? s.abstained / (s.labelled + s.abstained) : 0;
    if (s.abstained > 0) {
      const share = abstainedShare;
      bars.push({ label: '(no label)', value: s.abstained, caption: `${int(s.abstained)} (${pct(share)})`, colour: UNLABELLED_COLOUR });
    }
    const countRows = labels
      .map(
        (l, i) =>
          `<tr><td><span class="swatch" style="background:${colour(i)}"></span>${esc(l)}</td><td data-k="count" data-label="${esc(l)}">${int(s.per_label[l].count)}</td><td data-k="share" data-label="${esc(l)}">${pct(s.per_label[l].share)}</td></tr>`,
      )
      .join('');
    const abstainedRow =
      s.abstained > 0
        ? `<tr><td><span class="swatch" style="background:${UNLABELLED_COLOUR}"></span>(no label: confidence below ${s.min_confidence?.toFixed(2) ?? 'the threshold'})</td><td data-k="count-abstained">${int(s.abstained)}</td><td>${pct(abstainedShare)}</td></tr>`
        : '';
    const hist = (counts: number[], name: string, c: string, key: string) => {
      const total = counts.reduce((a, b) => a + b, 0);
      return `<figure data-k="${key}" data-label="${esc(name)}"><figcaption><span class="swatch" style="background:${c}"></span>${esc(name)} · <span data-k="hist-total">${int(total)}</span> rows</figcaption>${histogram(counts, c, `Confidence of the rows labelled ${name}`)}</figure>`;
    };
    const columns = [
      ...labels.map((l) => ({ name: l, counts: s.per_label[l].histogram })),
      ...(s.abstained > 0 ? [{ name: '(no label)', counts: s.abstained_histogram }] : []),
    ];
    const binRows = Array.from({ length: HISTOGRAM_BINS }, (_, b) => {
      const lo = b / HISTOGRAM_BINS;
      const hi = (b + 1) / HISTOGRAM_BINS;
      const range = `[${lo.toFixed(2)}, ${hi.toFixed(2)}${b === HISTOGRAM_BINS - 1 ? ']' : ')'}`;
      return `<tr><td>${range}</td>${columns.map((c) => `<td data-k="bin" data-label="${esc(c.name)}" data-bin="${b}">${int(c.counts[b])}</td>`).join('')}</tr>`;
    }).join('');
    const binTable = `<details><summary class="note">Rows per confidence bin</summary><table><thead><tr><th>confidence</th>${columns.map((c) => `<th>${esc(c.name)}</th>`).join('')}</tr></thead><tbody>${binRows}</tbody></table></details>`;
    const histograms =
      labels.map((l, i) => hist(s.per_label[l].histogram, l, colour(i), 'hist')).join('') +
      (s.abstained > 0 ? hist(s.abstained_histogram, '(no label)', UNLABELLED_COLOUR, 'hist-abstained') : '');
    const unlabelledRows = s.unlabelled
      .map(
        (u) =>
          `<tr><td>${u.min_confidence.toFixed(2)}</td><td data-k="below" data-t="${u.min_confidence}">${int(u.n)}</td><td data-k="below-share" data-t="${u.min_confidence}">${pct(u.share)}</td></tr>`,
      )
      .join('');
    const unlabelledBars = barChart(
      s.unlabelled.map((u) => ({ label: `below ${u.min_confidence.toFixed(2)}`, value: u.n, caption: `${int(u.n)} (${pct(u.share)})`, colour: colour(3) })),
      'Rows --min-confidence would leave unlabelled',
    );
    sections = `
<section class="card">
<h2>What came out: rows per label</h2>
<p class="note">Of the <span data-k="predicted">${int(s.labelled + s.abstained)}</span> rows with a prediction (the empty texts have none).</p>
<div class="row">
<figure>${barChart(bars, 'Rows per label')}</figure>
<div class="side"><table><thead><tr><th>label</th><th>rows</th><th>share</th></tr></thead><tbody>${countRows}${abstainedRow}</tbody></table></div>
</div>
</section>

<section class="card">
<h2>How sure the model was: confidence per label</h2>
<p class="note">The confidence of each row's label in ${HISTOGRAM_BINS} bins from 0 to 1, each chart on its own scale.</p>
<div class="small-multiples">${histograms}</div>
${binTable}
</section>

<section class="card">
<h2>Rows it would rather not label</h2>
<p class="note">How many rows <code>--min-confidence P</code> would leave unlabelled: those whose confidence is below P.</p>
<div class="row">
<figure>${unlabelledBars}</figure>
<div class="side"><table><thead><tr><th>min confidence</th><th>rows below</th><th>share</th></tr></thead><tbody>${unlabelledRows}</tbody></table></div>
</div>
</section>
`;
  }
  const body = `
<h1>Labelling of ${esc(summary.input)}</h1>
${meta(summary)}
${stoppedBanner(summary)}
<ul class="tiles">
${tiles.join('\n')}
</ul>
${summary.blankLines ? `<p class="note"><span data-k="blank-lines">${int(summary.blankLines)}</span> blank lines skipped (not rows).</p>` : ''}
${sections}`;
  return page(`emotion-label: ${summary.input}`, body);
}
