/**
 * The `--report` pages: one self-contained HTML file each (styles and SVG charts inline, no script,
 * nothing fetched), made only from the plain data the API returns, so a program can draw its own.
 */
export { renderEvalPage } from './evalPage';
export { renderRunPage } from './runPage';
