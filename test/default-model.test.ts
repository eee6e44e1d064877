import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, runCli } from './cli';

/**
 * The embedded model against the figure its model card states, measured through the CLI's own
 * eval on the emotion validation split (in ../shared beside the repository, as in CI).
 */
const VALIDATION = path.resolve(ROOT, '..', 'shared', 'data', 'emotion', 'validation.csv');
const CARD = path.join(ROOT, 'model', 'README.md');
const present = fs.existsSync(VALIDATION);
if (!present) {
  // eslint-disable-next-line no-console
  console.warn(`default-model test skipped: ${VALIDATION} is not there (it comes with ../shared beside the repository)`);
}

/** The accuracy the card reports for the emotion validation split: its table row "| emotion validation | N | ACC | F1 |". */
function cardAccuracy(): number {
  const card = fs.readFileSync(CARD, 'utf8');
  const m = card.match(/^\|\s*emotion validation\s*\|\s*[\d,]+\s*\|\s*([0-9.]+)\s*\|\s*([0-9.]+)\s*\|/m);
  if (!m) throw new Error('model/README.md has no "| emotion validation | n | accuracy | macro-F1 |" row');
  return Number(m[1]);
}

(present ? test : test.skip)('embedded model: emotion validation accuracy within 0.5 points of the model card', async () => {
  const r = await runCli(['eval', VALIDATION, '--json']);
  expect(r.code).toBe(0);
  const report = JSON.parse(r.stdout);
  expect(report.n).toBe(2000);
  expect(Math.abs(report.accuracy - cardAccuracy())).toBeLessThanOrEqual(0.005);
});

(present ? test : test.skip)('embedded model: the same labels whatever the batching, scores within 1e-5', async () => {
  // Static int8 scales make a row's result independent of its batch; only float32 sums over
  // differently padded rows may move the 6th decimal.
  const lines = fs.readFileSync(VALIDATION, 'utf8').split('\n').slice(0, 301).join('\n') + '\n';
  const args = ['--format', 'csv', '--scores', '--label-name', 'predicted'];
  const one = await runCli([...args, '--batch-size', '1', '--workers', '1'], { stdin: lines });
  const many = await runCli([...args, '--batch-size', '32', '--workers', '2'], { stdin: lines });
  expect(one.code).toBe(0);
  expect(many.code).toBe(0);
  const rows = (out: string) => out.trimEnd().split('\n').slice(1).map((l) => l.split(','));
  const a = rows(one.stdout);
  const b = rows(many.stdout);
  expect(a.length).toBe(300);
  expect(b.map((r) => r.slice(0, 3))).toEqual(a.map((r) => r.slice(0, 3))); // text, gold, predicted label
  a.forEach((r, i) => r.slice(3).forEach((x, j) => expect(Math.abs(Number(x) - Number(b[i][3 + j]))).toBeLessThan(1e-5)));
});
