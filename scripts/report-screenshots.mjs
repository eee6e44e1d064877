// The README's pictures of the --report pages: docs/report-eval.png and docs/report-run.png.
//   npm run build && node scripts/report-screenshots.mjs        (needs Debian's chromium: apt-get install -y chromium)
// Both pages come from the embedded model on the repository's samples, run from the repository's root.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { chromiumArgs } from './chromium.cjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'el-shots-'));
// run in a scratch folder holding a copy of the samples, so that the pages name them as a user would see them
fs.cpSync(path.join(root, 'fixtures', 'samples'), path.join(tmp, 'fixtures', 'samples'), { recursive: true });
const cli = (...args) =>
  execFileSync(process.execPath, [path.join(root, 'bin', 'emotion-label.js'), ...args], { cwd: tmp, stdio: ['ignore', 'ignore', 'inherit'] });
cli('eval', 'fixtures/samples/labelled.csv', '--report', 'eval.html');
cli('fixtures/samples/sample.csv', '-o', 'labelled.csv', '--min-confidence', '0.7', '--report', 'run.html');

const context = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: chromiumArgs(),
  viewport: { width: 1000, height: 800 },
  deviceScaleFactor: 0.8,
  colorScheme: 'light',
  offline: true,
});
const page = context.pages()[0] ?? (await context.newPage());
for (const name of ['eval', 'run']) {
  await page.goto(`file://${path.join(tmp, `${name}.html`)}`);
  await page.screenshot({ path: path.join(root, 'docs', `report-${name}.png`), fullPage: true });
}
await context.close();
fs.rmSync(tmp, { recursive: true, force: true });
