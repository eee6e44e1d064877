/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// (the page.evaluate callbacks run in the browser)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { chromiumArgs } from '../scripts/chromium.cjs';
import type { Report } from '../src/metrics';
import { runCli, SAMPLES } from './helpers/cli';

/**
 * Both --report pages opened in a real headless Chromium (Debian's `chromium`, which .ci/run
 * installs; playwright-core only drives it, it downloads nothing): the charts are there and drawn,
 * the headline figures are visible text, a screenshot is not blank, in light and dark mode and in
 * print. Skipped, saying why, only where no chromium can be found outside CI; in CI it must run.
 * REPORT_SCREENSHOTS=DIR keeps the screenshots there (the docs' pictures come from it).
 */
function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((c): c is string => Boolean(c));
  const found = candidates.find((c) => fs.existsSync(c));
  if (found) return found;
  const which = spawnSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : undefined;
}

const executable = findChromium();
if (!executable && process.env.CI)
  throw new Error('chromium is not installed: .ci/run installs it (apt-get install -y chromium); the browser test must run in CI');
if (!executable)
  console.warn('report browser tests skipped: no chromium found (apt-get update && apt-get install -y chromium, or set CHROMIUM=/path/to/chromium)');
const maybe = executable ? describe : describe.skip;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-browser-'));
const keep = process.env.REPORT_SCREENSHOTS;

maybe('the --report pages in headless Chromium', () => {
  let context: BrowserContext;
  let page: Page;
  let json: Report;
  const evalPage = path.join(dir, 'eval.html');
  const runPage = path.join(dir, 'run.html');

  beforeAll(async () => {
    const e = await runCli(['eval', path.join(SAMPLES, 'labelled.csv'), '--json', '--report', evalPage]);
    expect(e.code).toBe(0);
    json = JSON.parse(e.stdout);
    const r = await runCli([path.join(SAMPLES, 'sample.csv'), '-o', path.join(dir, 'out.csv'), '--report', runPage]);
    expect(r.code).toBe(0);
    context = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'el-chromium-profile-')), {
      executablePath: executable,
      headless: true,
      args: chromiumArgs(),
      viewport: { width: 1100, height: 900 },
      offline: true,
    });
    page = context.pages()[0] ?? (await context.newPage());
    // nothing may be fetched: a page that asks for anything beyond itself fails here
    page.on('request', (req) => {
      if (!req.url().startsWith('file://') && !req.url().startsWith('data:')) throw new Error(`the page fetched ${req.url()}`);
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
  });

  /** Every chart has a size, and shapes inside it with a size: it was drawn, not just declared. */
  async function expectChartsDrawn(kinds: Record<string, number>) {
    const charts = await page.$$eval('svg[data-chart]', (svgs) =>
      svgs.map((s) => {
        const box = s.getBoundingClientRect();
        const shapes = [...s.querySelectorAll('rect, circle, polyline, line')].filter((el) => {
          const b = el.getBoundingClientRect();
          return b.width > 0 && b.height > 0 && getComputedStyle(el).visibility !== 'hidden';
        });
        return { kind: s.getAttribute('data-chart')!, width: box.width, height: box.height, shapes: shapes.length };
      }),
    );
    const counts: Record<string, number> = {};
    for (const c of charts) {
      counts[c.kind] = (counts[c.kind] ?? 0) + 1;
      expect(c.width).toBeGreaterThan(100);
      expect(c.height).toBeGreaterThan(50);
      expect([c.kind, c.shapes]).toEqual([c.kind, expect.any(Number)]);
      expect(c.shapes).toBeGreaterThan(0);
    }
    expect(counts).toEqual(kinds);
  }

  /** A screenshot decoded by the browser itself: many colours, and a good share of pixels that are not the background. */
  async function expectNotBlank(png: Buffer, name: string) {
    if (keep) fs.writeFileSync(path.join(keep, name), png);
    const probe = await context.newPage();
    const stats = await probe.evaluate(
      async (src) => {
        const img = new Image();
        img.src = src;
        await img.decode();
        const canvas = document.createElement('canvas');
        canvas.width = img.width;
        canvas.height = img.height;
        const ctx = canvas.getContext('2d')!;
        ctx.drawImage(img, 0, 0);
        const d = ctx.getImageData(0, 0, img.width, img.height).data;
        const colours = new Set<number>();
        let differ = 0;
        for (let i = 0; i < d.length; i += 4) {
          colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
          if (Math.abs(d[i] - d[0]) + Math.abs(d[i + 1] - d[1]) + Math.abs(d[i + 2] - d[2]) > 30) differ += 1;
        }
        return { width: img.width, height: img.height, colours: colours.size, inked: differ / (d.length / 4) };
      },
      `data:image/png;base64,${png.toString('base64')}`,
    );
    await probe.close();
    expect(stats.width).toBeGreaterThan(500);
    expect(stats.colours).toBeGreaterThan(50);
    expect(stats.inked).toBeGreaterThan(0.05);
  }

  const expectVisibleText = async (key: string, text: string) => {
    const el = page.locator(`[data-k="${key}"]`).first();
    expect(await el.isVisible()).toBe(true);
    expect((await el.textContent())!.trim()).toBe(text);
  };

  for (const scheme of ['light', 'dark'] as const) {
    test(`eval page (${scheme}): charts drawn, headline figures visible, not blank`, async () => {
      await page.emulateMedia({ colorScheme: scheme, media: 'screen' });
      await page.goto(`file://${evalPage}`);
      await expectChartsDrawn({ heatmap: 1, 'grouped-bars': 1, xy: 2 });
      await expectVisibleText('n', String(json.n));
      for (const k of ['accuracy', 'macro_f1', 'weighted_f1', 'ece'] as const) await expectVisibleText(k, json[k].toFixed(4));
      // the heatmap's diagonal counts are visible in the chart
      await expectVisibleText('cm', String(json.confusion_matrix[0][0]));
      await expectNotBlank(await page.screenshot({ fullPage: true }), `eval-${scheme}.png`);
    });

    test(`labelling page (${scheme}): charts drawn, headline figures visible, not blank`, async () => {
      await page.emulateMedia({ colorScheme: scheme, media: 'screen' });
      await page.goto(`file://${runPage}`);
      await expectChartsDrawn({ bars: 2, histogram: 6 });
      await expectVisibleText('read', '62');
      await expectVisibleText('labelled', '61');
      await expectVisibleText('empty', '1');
      await expectVisibleText('rejected', '0');
      await expectNotBlank(await page.screenshot({ fullPage: true }), `run-${scheme}.png`);
    });
  }

  test('both pages print: print media keeps the charts, and a PDF comes out', async () => {
    for (const file of [evalPage, runPage]) {
      await page.emulateMedia({ media: 'print', colorScheme: 'dark' });
      await page.goto(`file://${file}`);
      // print forces the light colours whatever the scheme: dark text on white
      const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(bg).toBe('rgb(255, 255, 255)');
      await expectChartsDrawn(file === evalPage ? { heatmap: 1, 'grouped-bars': 1, xy: 2 } : { bars: 2, histogram: 6 });
      const pdf = await page.pdf({ format: 'A4' });
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      expect(pdf.length).toBeGreaterThan(10_000);
    }
  });
});
