/**
 * The page's charts as inline SVG, drawn by this small module rather than a charting library: the
 * five kinds of chart needed here are a few dozen lines each, the page stays static (no script to
 * run, so it opens anywhere and prints as it shows), and a bundled library (d3 or Vega, hundreds of
 * kB) would outweigh the page it draws. Every value drawn is also written as text beside the chart.
 */
import { esc } from './html';

const n2 = (x: number): string => (Math.round(x * 100) / 100).toString();

function svg(w: number, h: number, label: string, body: string, kind: string): string {
  // at most its natural size, so that its text keeps the page's size; narrower on a small screen
  return `<svg viewBox="0 0 ${n2(w)} ${n2(h)}" width="${n2(w)}" height="${n2(h)}" style="max-width:${n2(w)}px" role="img" aria-label="${esc(label)}" data-chart="${esc(kind)}" xmlns="http://www.w3.org/2000/svg">${body}</svg>`;
}

function text(x: number, y: number, s: string, attrs = ''): string {
  return `<text x="${n2(x)}" y="${n2(y)}" ${attrs}>${esc(s)}</text>`;
}

export interface Bar {
  label: string;
  value: number;
  /** What is written at the end of the bar. */
  caption: string;
  colour: string;
}

/** Horizontal bars, one per item, scaled to the largest value. */
export function barChart(items: Bar[], title: string): string {
  const labelW = Math.min(180, 14 + 7.2 * Math.max(4, ...items.map((b) => b.label.length)));
  const w = 640;
  const row = 26;
  const h = items.length * row + 8;
  const plotW = w - labelW - 150;
  const max = Math.max(1e-12, ...items.map((b) => b.value));
  const body = items
    .map((b, i) => {
      const y = 4 + i * row;
      const bw = Math.max(b.value > 0 ? 1.5 : 0, (b.value / max) * plotW);
      return (
        text(labelW - 8, y + 16, b.label, 'text-anchor="end"') +
        `<rect x="${labelW}" y="${y + 3}" width="${n2(bw)}" height="${row - 8}" rx="2" fill="${b.colour}"/>` +
        text(labelW + bw + 6, y + 16, b.caption)
      );
    })
    .join('');
  return svg(w, h, title, body, 'bars');
}

export interface Series {
  name: string;
  colour: string;
  values: number[];
}

/** Grouped horizontal bars on a 0–1 scale: for each category, one bar per series. */
export function groupedBars(categories: string[], series: Series[], title: string): string {
  const labelW = Math.min(180, 14 + 7.2 * Math.max(4, ...categories.map((c) => c.length)));
  const w = 640;
  const bar = 9;
  const group = series.length * bar + 12;
  const top = 6;
  const h = top + categories.length * group + 22;
  const plotW = w - labelW - 20;
  let body = '';
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    const x = labelW + t * plotW;
    body += `<line class="grid" x1="${n2(x)}" y1="${top}" x2="${n2(x)}" y2="${h - 20}"/>` + text(x, h - 6, t.toFixed(2), 'text-anchor="middle" class="muted"');
  }
  categories.forEach((c, i) => {
    const y = top + i * group;
    body += text(labelW - 8, y + group / 2 + 2, c, 'text-anchor="end"');
    series.forEach((s, j) => {
      const v = s.values[i];
      body += `<rect x="${labelW}" y="${n2(y + 4 + j * bar)}" width="${n2(Math.max(v > 0 ? 1.5 : 0, v * plotW))}" height="${bar - 1.5}" fill="${s.colour}"><title>${esc(`${c} ${s.name} ${v.toFixed(4)}`)}</title></rect>`;
    });
  });
  return svg(w, h, title, body, 'grouped-bars');
}

/**
 * A confusion matrix as a heatmap: rows gold, columns predicted, each cell shaded by its share of
 * its gold row (so the diagonal reads as recall) and labelled with its count.
 */
export function heatmap(labels: string[], matrix: number[][], title: string): string {
  const k = labels.length;
  const labelW = Math.min(160, 16 + 7.2 * Math.max(4, ...labels.map((l) => l.length)));
  const cell = Math.max(34, Math.min(64, Math.floor(520 / Math.max(1, k))));
  const top = labelW * 0.75 + 22;
  const left = labelW + 22;
  const w = left + k * cell + 8;
  const h = top + k * cell + 8;
  let body = text(left + (k * cell) / 2, 12, 'predicted', 'text-anchor="middle" class="muted"');
  body += text(12, top + (k * cell) / 2, 'gold', `text-anchor="middle" class="muted" transform="rotate(-90 12 ${n2(top + (k * cell) / 2)})"`);
  labels.forEach((l, j) => {
    const x = left + j * cell + cell / 2;
    body += text(x, top - 6, l, `text-anchor="start" transform="rotate(-45 ${n2(x)} ${n2(top - 6)})"`);
  });
  matrix.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    const y = top + i * cell;
    body += text(left - 8, y + cell / 2 + 4, labels[i], 'text-anchor="end"');
    row.forEach((v, j) => {
      const share = total > 0 ? v / total : 0;
      const x = left + j * cell;
      const alpha = v > 0 ? 0.08 + 0.92 * share : 0;
      body += `<rect x="${x + 1}" y="${y + 1}" width="${cell - 2}" height="${cell - 2}" rx="3" style="fill: rgba(var(--heat), ${alpha.toFixed(3)})" class="cell"><title>${esc(`gold ${labels[i]}, predicted ${labels[j]}: ${v}`)}</title></rect>`;
      body += text(
        x + cell / 2,
        y + cell / 2 + 4,
        String(v),
        `text-anchor="middle" data-k="cm" data-gold="${i}" data-pred="${j}"${alpha > 0.55 ? ' class="heat-hi"' : ''}`,
      );
    });
    body += `<rect x="${left}" y="${y}" width="${k * cell}" height="${cell}" fill="none" stroke="none"/>`;
  });
  return svg(w, h, title, body, 'heatmap');
}

export interface XYPoint {
  x: number;
  y: number;
  /** Written beside the point. */
  label?: string;
}

export interface XYChart {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Vertical bars from x0 to x1 up to y (the reliability bins). */
  bars?: { x0: number; x1: number; y: number; colour: string }[];
  lines?: { colour: string; points: XYPoint[]; dots?: boolean }[];
  /** Points alone, not joined. */
  dots?: { colour: string; points: XYPoint[] };
  /** Marked points (thresholds), drawn over the lines. */
  marks?: { colour: string; points: XYPoint[] };
  diagonal?: boolean;
  /** The axes' range: [lo, 1] on both. */
  xMin?: number;
  yMin?: number;
}

/** A square chart on [xMin, 1] × [yMin, 1]. */
export function xyChart(c: XYChart): string {
  const w = 420;
  const h = 340;
  const m = { l: 52, r: 16, t: 12, b: 44 };
  const pw = w - m.l - m.r;
  const ph = h - m.t - m.b;
  const x0 = c.xMin ?? 0;
  const y0 = c.yMin ?? 0;
  const X = (x: number) => m.l + ((x - x0) / (1 - x0)) * pw;
  const Y = (y: number) => m.t + ph - ((y - y0) / (1 - y0)) * ph;
  let body = '';
  for (let i = 0; i <= 4; i++) {
    const tx = x0 + ((1 - x0) * i) / 4;
    const ty = y0 + ((1 - y0) * i) / 4;
    body += `<line class="grid" x1="${n2(X(tx))}" y1="${m.t}" x2="${n2(X(tx))}" y2="${m.t + ph}"/>`;
    body += `<line class="grid" x1="${m.l}" y1="${n2(Y(ty))}" x2="${m.l + pw}" y2="${n2(Y(ty))}"/>`;
    body += text(X(tx), m.t + ph + 16, tx.toFixed(2), 'text-anchor="middle" class="muted"');
    body += text(m.l - 6, Y(ty) + 4, ty.toFixed(2), 'text-anchor="end" class="muted"');
  }
  body += `<line class="axis" x1="${m.l}" y1="${m.t + ph}" x2="${m.l + pw}" y2="${m.t + ph}"/><line class="axis" x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${m.t + ph}"/>`;
  body += text(m.l + pw / 2, h - 6, c.xLabel, 'text-anchor="middle" class="muted"');
  body += text(14, m.t + ph / 2, c.yLabel, `text-anchor="middle" class="muted" transform="rotate(-90 14 ${n2(m.t + ph / 2)})"`);
  for (const b of c.bars ?? []) {
    const top = Y(Math.max(y0, b.y));
    body += `<rect x="${n2(X(b.x0) + 1)}" y="${n2(top)}" width="${n2(Math.max(1, X(b.x1) - X(b.x0) - 2))}" height="${n2(Math.max(0, m.t + ph - top))}" fill="${b.colour}" fill-opacity="0.75"/>`;
  }
  if (c.diagonal) body += `<line class="diag" x1="${n2(X(Math.max(x0, y0)))}" y1="${n2(Y(Math.max(x0, y0)))}" x2="${n2(X(1))}" y2="${n2(Y(1))}"/>`;
  for (const l of c.lines ?? []) {
    const pts = l.points.filter((p) => p.y >= y0 && p.x >= x0);
    if (pts.length > 1) body += `<polyline class="line" stroke="${l.colour}" points="${pts.map((p) => `${n2(X(p.x))},${n2(Y(p.y))}`).join(' ')}"/>`;
    if (l.dots) for (const p of pts) body += `<circle cx="${n2(X(p.x))}" cy="${n2(Y(p.y))}" r="3" fill="${l.colour}"/>`;
  }
  for (const p of c.dots?.points ?? []) {
    if (p.y >= y0 && p.x >= x0) body += `<circle cx="${n2(X(p.x))}" cy="${n2(Y(p.y))}" r="4" fill="${c.dots!.colour}"/>`;
  }
  for (const p of c.marks?.points ?? []) {
    if (p.y < y0 || p.x < x0) continue;
    body += `<circle cx="${n2(X(p.x))}" cy="${n2(Y(p.y))}" r="5" fill="var(--bg)" stroke="${c.marks!.colour}" stroke-width="2.2"/>`;
    if (p.label) body += text(X(p.x) - 8, Y(p.y) + 16, p.label, 'text-anchor="end"');
  }
  return svg(w, h, c.title, body, 'xy');
}

/** A small histogram of counts over equal-width bins of [0, 1]. */
export function histogram(counts: number[], colour: string, title: string, max = Math.max(...counts)): string {
  const w = 260;
  const h = 110;
  const m = { l: 8, r: 8, t: 6, b: 20 };
  const pw = w - m.l - m.r;
  const ph = h - m.t - m.b;
  const bw = pw / counts.length;
  let body = `<line class="grid" x1="${m.l}" y1="${m.t}" x2="${m.l + pw}" y2="${m.t}"/><line class="axis" x1="${m.l}" y1="${m.t + ph}" x2="${m.l + pw}" y2="${m.t + ph}"/>`;
  body += text(m.l + 2, m.t + 11, `max ${max}`, 'class="muted"');
  for (const t of [0, 0.5, 1]) body += text(m.l + t * pw, h - 5, t.toFixed(1), `text-anchor="${t === 0 ? 'start' : t === 1 ? 'end' : 'middle'}" class="muted"`);
  counts.forEach((v, i) => {
    if (v === 0) return;
    const bh = Math.max(1.5, (v / Math.max(1, max)) * ph);
    const lo = i / counts.length;
    body += `<rect x="${n2(m.l + i * bw + 0.5)}" y="${n2(m.t + ph - bh)}" width="${n2(bw - 1)}" height="${n2(bh)}" fill="${colour}"><title>${esc(`[${lo.toFixed(2)}, ${(lo + 1 / counts.length).toFixed(2)}): ${v}`)}</title></rect>`;
  });
  return svg(w, h, title, body, 'histogram');
}
