import type { RunSummary } from '../app/run';
import { esc, int } from './html';

/** Rows per second of wall-clock time, as the page shows it. */
export function rowsPerSecond(s: RunSummary): number {
  return s.seconds > 0 ? s.read / s.seconds : 0;
}

/** What the page was made from: the input, the model, the output, the time taken. */
export function meta(s: RunSummary): string {
  const items = [
    `input <code data-k="input">${esc(s.input)}</code>`,
    ...(s.output !== undefined ? [`output <code data-k="output">${esc(s.output)}</code>`] : []),
    `model <code data-k="model">${esc(s.model)}</code>`,
    `<span data-k="seconds">${s.seconds.toFixed(1)}</span> s (model loading included), <span data-k="rows-per-second">${int(Math.round(rowsPerSecond(s)))}</span> rows/s`,
  ];
  return `<p class="meta">${items.join(' · ')}</p>`;
}

export function stoppedBanner(s: RunSummary): string {
  return s.stoppedBy ? `<p class="banner" data-k="stopped">Stopped by ${esc(s.stoppedBy)}: the page covers the rows read before it.</p>` : '';
}
