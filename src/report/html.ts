/**
 * The page's frame: escaping, number formats and the stylesheet. Hand-written rather than a
 * template engine: the page is a few fixed sections, and escaping is the only thing a template
 * engine would add.
 */

/** Text for HTML and SVG (content and attribute values alike). */
export function esc(s: string | number): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Rates as `eval` prints them: 4 decimals. */
export const f4 = (x: number): string => x.toFixed(4);
/** Counts with thousands separators (1,234,567). */
export const int = (n: number): string => n.toLocaleString('en-US');
/** A share as a percentage with one decimal. */
export const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/**
 * The Okabe–Ito palette (Okabe & Ito 2008), safe for the common colour-vision deficiencies; yellow
 * comes last, as it is weakest on white. Labels take them in id order and wrap after eight.
 */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#999999'];
export const colour = (i: number): string => PALETTE[i % PALETTE.length];

const STYLE = `
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1b1d21; --muted: #5c6370; --grid: #e2e4e8; --card: #f6f7f9; --heat: 0, 114, 178; --heat-text: #ffffff; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #15171b; --fg: #e6e8eb; --muted: #9aa1ab; --grid: #353a42; --card: #1e2126; --heat: 86, 180, 233; --heat-text: #0b1620; }
}
@media print {
  :root { --bg: #ffffff; --fg: #000000; --muted: #444444; --grid: #d0d0d0; --card: #ffffff; --heat: 0, 114, 178; --heat-text: #ffffff; }
  body { margin: 0; max-width: none; }
  section, .tiles { break-inside: avoid; page-break-inside: avoid; }
  .card { border: 1px solid #d0d0d0; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1040px; padding: 24px 20px 40px; background: var(--bg); color: var(--fg);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 0 0 4px; }
p.note, summary.note, .meta { color: var(--muted); font-size: 13px; margin: 0 0 12px; }
summary.note { cursor: pointer; margin: 8px 0 4px; }
.meta code { color: var(--fg); font-size: 12px; word-break: break-all; }
.banner { border-left: 4px solid #D55E00; padding: 6px 10px; background: var(--card); margin: 8px 0 16px; }
.tiles { display: flex; flex-wrap: wrap; gap: 10px; margin: 16px 0 20px; padding: 0; list-style: none; }
.tiles li { background: var(--card); border-radius: 8px; padding: 10px 14px; min-width: 128px; flex: 1 1 128px; }
.tiles .v { display: block; font-size: 24px; font-weight: 600; font-variant-numeric: tabular-nums; }
.tiles .k { display: block; color: var(--muted); font-size: 12.5px; }
section.card { background: var(--card); border-radius: 8px; padding: 14px 16px 12px; margin: 0 0 16px; }
.row { display: flex; flex-wrap: wrap; gap: 16px 28px; align-items: flex-start; }
.row > figure { margin: 0; flex: 1 1 420px; min-width: 280px; }
.row > .side { flex: 0 1 auto; }
svg { display: block; width: 100%; height: auto; overflow: visible; }
svg text { fill: var(--fg); font-size: 12px; font-variant-numeric: tabular-nums; }
svg .muted { fill: var(--muted); }
svg .axis { stroke: var(--muted); stroke-width: 1; }
svg .grid { stroke: var(--grid); stroke-width: 1; }
svg .diag { stroke: var(--muted); stroke-width: 1.2; stroke-dasharray: 4 3; fill: none; }
svg .line { fill: none; stroke-width: 2.2; stroke-linejoin: round; }
svg .heat-hi { fill: var(--heat-text); }
table { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 8px; text-align: right; border-bottom: 1px solid var(--grid); white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
th { color: var(--muted); font-weight: 500; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: baseline; }
.legend { display: flex; gap: 14px; flex-wrap: wrap; font-size: 12.5px; color: var(--muted); margin: 2px 0 6px; }
.small-multiples { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 12px 18px; }
.small-multiples figure { margin: 0; }
.small-multiples figcaption { font-size: 13px; margin-bottom: 2px; }
footer { color: var(--muted); font-size: 12px; margin-top: 20px; }
`;

/** A headline figure: `key` names it for programs (data-k), `label` for people. */
export function tile(key: string, value: string, label: string): string {
  return `<li><span class="v" data-k="${esc(key)}">${esc(value)}</span><span class="k">${esc(label)}</span></li>`;
}

/** The whole self-contained page: no script, no external resource. */
export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="emotion-label">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
<footer>Made by emotion-label from the run's own report; every figure on this page is in the data it returns (<code>eval --json</code>, the <code>labelFile</code> summary).</footer>
</body>
</html>
`;
}
