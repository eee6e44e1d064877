import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { load, type CheerioAPI } from 'cheerio';
import { parse } from 'csv-parse/sync';
import { spawn } from 'node:child_process';
import type { ReliabilityBin, Report, SelectiveRow } from '../src/metrics';
import { BIN, ROOT, runCli, SAMPLES, TINY_BERT } from './helpers/cli';

/**
 * The --report pages, read back as a browser would parse them (cheerio's parse5), and every number
 * they show as text compared with the independent source: `eval --json` for eval, the output file
 * (parsed with csv-parse) for a labelling run. The embedded default model, as a user runs it.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-report-'));
const labelled = path.join(SAMPLES, 'labelled.csv');
const sample = path.join(SAMPLES, 'sample.csv');

const num = (s: string): number => Number(s.replace(/,/g, '').replace(/%$/, ''));
/** The text of exactly one element matching the selector. */
function one($: CheerioAPI, selector: string): string {
  const el = $(selector);
  if (el.length !== 1) throw new Error(`${selector}: ${el.length} elements`);
  return el.text().trim();
}

/** A page stands alone: no script, no stylesheet or image from elsewhere. */
function expectSelfContained(html: string, $: CheerioAPI): void {
  expect($('script').length).toBe(0);
  expect($('link, img, iframe, object, embed').length).toBe(0);
  expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  expect(html).not.toMatch(/url\(/);
}

describe('eval --report', () => {
  let json: Report;
  let $: CheerioAPI;
  let html: string;
  beforeAll(async () => {
    const page = path.join(dir, 'eval.html');
    const r = await runCli(['eval', labelled, '--json', '--min-confidence', '0.8', '--report', page]);
    expect(r.code).toBe(0);
    json = JSON.parse(r.stdout);
    html = fs.readFileSync(page, 'utf8');
    $ = load(html);
  });

  test('is one self-contained page naming its input and model', () => {
    expectSelfContained(html, $);
    expect(one($, '[data-k=input]')).toBe(labelled);
    expect(one($, '[data-k=model]')).toBe('default');
  });

  test('the headline figures equal eval --json (to the 4 decimals shown)', () => {
    expect(num(one($, '[data-k=n]'))).toBe(json.n);
    for (const k of ['accuracy', 'macro_f1', 'weighted_f1', 'ece'] as const) {
      expect(one($, `[data-k=${k}]`)).toMatch(/^\d\.\d{4}$/);
      expect(Math.abs(num(one($, `[data-k=${k}]`)) - json[k])).toBeLessThanOrEqual(5e-5 + 1e-12);
    }
    expect(num(one($, '[data-k=read]'))).toBe(60);
  });

  test('the confusion heatmap shows every count of the matrix', () => {
    const k = json.labels.length;
    expect($('[data-k=cm]').length).toBe(k * k);
    json.confusion_matrix.forEach((row: number[], i: number) =>
      row.forEach((v, j) => expect(num(one($, `[data-k=cm][data-gold=${i}][data-pred=${j}]`))).toBe(v)),
    );
    // and in the heatmap's own labels, in id order
    const names = $('svg[data-chart=heatmap] text')
      .map((_, t) => $(t).text())
      .get();
    for (const l of json.labels) expect(names).toContain(l);
  });

  test('per-label precision, recall, F1 and support equal eval --json', () => {
    for (const l of json.labels) {
      for (const m of ['precision', 'recall', 'f1'] as const) {
        expect(Math.abs(num(one($, `[data-k=${m}][data-label=${l}]`)) - json.per_label[l][m])).toBeLessThanOrEqual(5e-5 + 1e-12);
      }
      expect(num(one($, `[data-k=support][data-label=${l}]`))).toBe(json.per_label[l].support);
    }
    // one bar per label and metric
    expect($('svg[data-chart=grouped-bars] rect').length).toBe(json.labels.length * 3);
  });

  test('the reliability table and the selective and coverage tables equal eval --json', () => {
    const shown = json.reliability.map((b, i) => [b, i] as [ReliabilityBin, number]).filter(([b]) => b.count > 0);
    expect($('[data-k=bin-count]').length).toBe(shown.length);
    for (const [b, i] of shown) {
      expect(num(one($, `[data-k=bin-count][data-bin=${i}]`))).toBe(b.count);
      expect(Math.abs(num(one($, `[data-k=bin-accuracy][data-bin=${i}]`)) - b.accuracy)).toBeLessThanOrEqual(5e-5 + 1e-12);
      expect(Math.abs(num(one($, `[data-k=bin-confidence][data-bin=${i}]`)) - b.confidence)).toBeLessThanOrEqual(5e-5 + 1e-12);
    }
    expect(json.selective.map((s: SelectiveRow) => s.min_confidence)).toEqual([0.5, 0.7, 0.8, 0.9]);
    for (const [rows, prefix] of [
      [json.selective, 'sel'],
      [json.coverage_curve, 'curve'],
    ] as const) {
      expect($(`[data-k=${prefix}-n]`).length).toBe(rows.length);
      for (const s of rows) {
        expect(num(one($, `[data-k=${prefix}-n][data-t="${s.min_confidence}"]`))).toBe(s.n);
        expect(Math.abs(num(one($, `[data-k=${prefix}-coverage][data-t="${s.min_confidence}"]`)) - s.coverage)).toBeLessThanOrEqual(5e-5 + 1e-12);
        expect(Math.abs(num(one($, `[data-k=${prefix}-accuracy][data-t="${s.min_confidence}"]`)) - s.accuracy)).toBeLessThanOrEqual(5e-5 + 1e-12);
      }
    }
    expect(json.coverage_curve).toHaveLength(21);
  });
});

/** What an output CSV holds, counted here from the file itself. */
function countOutput(csv: string | Buffer) {
  const rows: Record<string, string>[] = parse(csv, { columns: true });
  const count: Record<string, number> = {};
  const bins: Record<string, number[]> = {};
  let empty = 0;
  let abstained = 0;
  const confidences: number[] = [];
  for (const r of rows) {
    if (r.confidence === '') {
      empty += 1;
      continue;
    }
    const c = Number(r.confidence);
    confidences.push(c);
    const name = r.label === '' ? '(no label)' : r.label;
    if (r.label === '') abstained += 1;
    else count[r.label] = (count[r.label] ?? 0) + 1;
    // [k/20, (k+1)/20), the last bin closed
    let b = 0;
    while (b < 19 && c >= (b + 1) / 20) b++;
    (bins[name] ??= new Array(20).fill(0))[b] += 1;
  }
  return { rows: rows.length, count, bins, empty, abstained, confidences };
}

function expectRunPageMatches($: CheerioAPI, out: ReturnType<typeof countOutput>, labels: string[]) {
  const predicted = out.rows - out.empty;
  expect(num(one($, '[data-k=empty]'))).toBe(out.empty);
  expect(num(one($, '[data-k=predicted]'))).toBe(predicted);
  for (const l of labels) {
    expect(num(one($, `[data-k=count][data-label=${l}]`))).toBe(out.count[l] ?? 0);
    expect(Math.abs(num(one($, `[data-k=share][data-label=${l}]`)) - (100 * (out.count[l] ?? 0)) / predicted)).toBeLessThanOrEqual(0.05 + 1e-9);
    expect(num(one($, `figure[data-k=hist][data-label=${l}] [data-k=hist-total]`))).toBe(out.count[l] ?? 0);
    for (let b = 0; b < 20; b++) expect([l, b, num(one($, `[data-k=bin][data-label=${l}][data-bin=${b}]`))]).toEqual([l, b, out.bins[l]?.[b] ?? 0]);
  }
  for (const t of [0.5, 0.7, 0.9]) {
    expect(num(one($, `[data-k=below][data-t="${t}"]`))).toBe(out.confidences.filter((c) => c < t).length);
  }
  // a bar per label in the counts chart, a histogram per label
  expect($('svg[data-chart=histogram]').length).toBe(labels.length + (out.abstained > 0 ? 1 : 0));
}

describe('labelling --report', () => {
  test('-o FILE: counts per label, histograms, rows below thresholds, read/rejected/empty equal the output file', async () => {
    const out = path.join(dir, 'out.csv');
    const page = path.join(dir, 'run.html');
    const r = await runCli([sample, '-o', out, '--report', page]);
    expect(r.code).toBe(0);
    const html = fs.readFileSync(page, 'utf8');
    const $ = load(html);
    expectSelfContained(html, $);
    const counted = countOutput(fs.readFileSync(out));
    const labels = Object.keys(counted.count);
    expect(labels.length).toBeGreaterThan(3);
    expectRunPageMatches($, counted, ['sadness', 'joy', 'love', 'anger', 'fear', 'surprise']);
    expect(num(one($, '[data-k=read]'))).toBe(counted.rows);
    expect(num(one($, '[data-k=labelled]'))).toBe(counted.rows - counted.empty);
    expect(num(one($, '[data-k=rejected]'))).toBe(0);
    expect(one($, '[data-k=output]')).toBe(out);
    // speed: the summary line's rows over the page's seconds
    expect(num(one($, '[data-k=rows-per-second]'))).toBeGreaterThan(0);
  });

  test('stdin to stdout, with --min-confidence and a rejected row: the page still matches the output', async () => {
    const page = path.join(dir, 'stdin.html');
    const bad = fs.readFileSync(sample, 'utf8').replace(/\n$/, '') + '\n99,too,many,fields\n';
    const rejects = path.join(dir, 'rejects.csv');
    const r = await runCli(['--min-confidence', '0.9', '--on-error', 'skip', '--rejects', rejects, '--report', page], { stdin: bad });
    expect(r.code).toBe(1); // rows rejected under skip
    const $ = load(fs.readFileSync(page, 'utf8'));
    const counted = countOutput(r.stdout);
    expect(counted.abstained).toBeGreaterThan(0);
    expectRunPageMatches($, counted, ['sadness', 'joy', 'love', 'anger', 'fear', 'surprise']);
    expect(num(one($, '[data-k=abstained]'))).toBe(counted.abstained);
    expect(num(one($, '[data-k=count-abstained]'))).toBe(counted.abstained);
    for (let b = 0; b < 20; b++) expect(num(one($, `[data-k=bin][data-label="(no label)"][data-bin=${b}]`))).toBe(counted.bins['(no label)'][b] ?? 0);
    expect(num(one($, '[data-k=below][data-t="0.9"]'))).toBe(counted.abstained);
    expect(num(one($, '[data-k=rejected]'))).toBe(1);
    expect(num(one($, '[data-k=read]'))).toBe(counted.rows + 1);
    expect(num(one($, '[data-k=labelled]'))).toBe(counted.rows - counted.empty);
    expect(one($, '[data-k=input]')).toBe('<stdin>');
    expect(one($, '[data-k=output]')).toBe('<stdout>');
  });
});

test('a labelling run stopped by SIGINT: the page says so and covers the rows written', async () => {
  const page = path.join(dir, 'stopped.html');
  // stdin stays open: the run can only end because of the signal
  const child = spawn(process.execPath, [BIN, '--format', 'csv', '--model', TINY_BERT, '--batch-size', '8', '--report', page], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  const started = new Promise<void>((resolve) => child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')).split('\n').length > 50 && resolve()));
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  child.stdin.write('id,text\n');
  for (let i = 0; i < 2000; i++) child.stdin.write(`${i},i feel row ${i}\n`);
  await started;
  child.kill('SIGINT');
  expect(await closed).toBe(130);
  const $ = load(fs.readFileSync(page, 'utf8'));
  expect(one($, '[data-k=stopped]')).toContain('Stopped by SIGINT');
  const counted = countOutput(stdout);
  const labels: string[] = Object.values(JSON.parse(fs.readFileSync(path.join(TINY_BERT, 'config.json'), 'utf8')).id2label);
  expectRunPageMatches($, counted, labels);
  expect(num(one($, '[data-k=read]'))).toBe(counted.rows);
});

test('after --resume the page covers the whole output, not only the rows of the last attempt', async () => {
  const rows = 24000;
  const input = path.join(dir, 'long.csv');
  const lines = ['id,text'];
  const words = ['so happy', 'sad', 'scared', 'angry today', 'loved', 'surprised'];
  for (let i = 0; i < rows; i++) lines.push(`${i},i feel ${words[i % words.length]} ${i}`);
  fs.writeFileSync(input, lines.join('\n') + '\n');
  const out = path.join(dir, 'long.out.csv');
  const page = path.join(dir, 'long.html');
  const args = [input, '-o', out, '--model', TINY_BERT, '--no-progress', '--min-confidence', '0.3'];
  // killed once two windows are checkpointed: the partial holds their rows, which the second attempt only reads back
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: 'ignore' });
  const closed = new Promise((resolve) => child.on('close', resolve));
  const state = `${out}.partial.json`;
  let killed = false;
  const poll = setInterval(() => {
    if (!killed && fs.existsSync(state) && fs.readFileSync(state, 'utf8').split('\n').filter(Boolean).length >= 3) {
      killed = true;
      child.kill('SIGKILL');
    }
  }, 10);
  await closed;
  clearInterval(poll);
  expect(killed).toBe(true);
  expect(fs.existsSync(`${out}.partial`)).toBe(true);
  const r = await runCli([...args, '--resume', '--report', page]);
  expect(r.code).toBe(0);
  const $ = load(fs.readFileSync(page, 'utf8'));
  const counted = countOutput(fs.readFileSync(out));
  expect(counted.rows).toBe(rows);
  const labels: string[] = Object.values(JSON.parse(fs.readFileSync(path.join(TINY_BERT, 'config.json'), 'utf8')).id2label);
  expectRunPageMatches($, counted, labels);
  expect(num(one($, '[data-k=read]'))).toBe(rows);
  expect(num(one($, '[data-k=labelled]'))).toBe(rows);
  expect(num(one($, '[data-k=abstained]'))).toBe(counted.abstained);
});

describe('an unwritable --report path', () => {
  // An unreadable model would fail the run when it is loaded: the report error comes first, before any work.
  const cases: [string, string[]][] = [
    [
      'labelling, missing folder',
      [sample, '-o', path.join(dir, 'never.csv'), '--model', path.join(dir, 'no-model'), '--report', path.join(dir, 'missing', 'r.html')],
    ],
    ['labelling to stdout, a directory', [sample, '--model', path.join(dir, 'no-model'), '--report', dir]],
    ['eval, missing folder', ['eval', labelled, '--model', path.join(dir, 'no-model'), '--report', path.join(dir, 'missing', 'r.html')]],
  ];
  test.each(cases)('%s: exit 2 naming the report, nothing written', async (_name, args) => {
    const before = fs.readdirSync(dir).sort();
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/OUTPUT_UNWRITABLE: cannot write report: (no such folder|it is a directory)/);
    expect(r.stdout).toBe('');
    expect(fs.readdirSync(dir).sort()).toEqual(before);
  });

  test('--report naming the -o file is a usage error', async () => {
    const out = path.join(dir, 'same.csv');
    const r = await runCli([sample, '-o', out, '--report', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--report and -o name the same file');
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('how the page is written: through FILE.partial at the end, never a file named after a process id', () => {
  const html = (file: string) => fs.readFileSync(file, 'utf8');
  const whole = (text: string) => text.startsWith('<!DOCTYPE html>') && text.trimEnd().endsWith('</html>');

  test('a run killed (SIGKILL) while it labels leaves nothing for the page, and an earlier page as it was', async () => {
    const d = fs.mkdtempSync(path.join(dir, 'kill-'));
    const out = path.join(d, 'out.csv');
    const page = path.join(d, 'page.html');
    fs.writeFileSync(page, 'an earlier page');
    const child = spawn(process.execPath, [BIN, '--format', 'csv', '--model', TINY_BERT, '-o', out, '--report', page], {
      cwd: ROOT,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    const closed = new Promise((resolve) => child.on('close', resolve));
    child.stdin.write('text\n');
    for (let i = 0; i < 500; i++) child.stdin.write(`i feel row ${i}\n`);
    // stdin stays open: the run is still labelling when it is killed
    while (!(fs.existsSync(`${out}.partial`) && fs.statSync(`${out}.partial`).size > 0)) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await closed;
    expect(fs.readdirSync(d).sort()).toEqual(['out.csv.partial', 'out.csv.partial.json', 'out.csv.partial.lock', 'page.html']);
    expect(html(page)).toBe('an earlier page');
  });

  test('what a run killed while it wrote its page left (FILE.partial, a lock of a process that is gone) is replaced and removed', async () => {
    const d = fs.mkdtempSync(path.join(dir, 'stale-'));
    const page = path.join(d, 'page.html');
    const gone = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => gone.on('close', resolve));
    fs.writeFileSync(`${page}.partial`, '<!DOCTYPE html><p>half a pa');
    fs.writeFileSync(`${page}.partial.lock`, `${gone.pid}\n`);
    const r = await runCli([sample, '--model', TINY_BERT, '--report', page]);
    expect(r.code).toBe(0);
    expect(whole(html(page))).toBe(true);
    expect(fs.readdirSync(d)).toEqual(['page.html']);
  });

  test('two runs with the same --report at once: both succeed, the page is one whole page, nothing else left', async () => {
    const d = fs.mkdtempSync(path.join(dir, 'two-'));
    const page = path.join(d, 'page.html');
    const [a, b] = await Promise.all([0, 1].map((i) => runCli([sample, '--model', TINY_BERT, '-o', path.join(d, `out${i}.csv`), '--report', page])));
    expect([a.code, b.code]).toEqual([0, 0]);
    const text = html(page);
    expect(whole(text)).toBe(true);
    expect(text.match(/<\/html>/g)).toHaveLength(1);
    expect(fs.readdirSync(d).sort()).toEqual(['out0.csv', 'out1.csv', 'page.html']);
  });

  test('a symlink is followed as -o follows it: the target gets the page, the link stays a link', async () => {
    const d = fs.mkdtempSync(path.join(dir, 'link-'));
    fs.mkdirSync(path.join(d, 'real'));
    const link = path.join(d, 'page.html');
    fs.symlinkSync(path.join('real', 'target.html'), link);
    const r = await runCli([sample, '--model', TINY_BERT, '--report', link]);
    expect(r.code).toBe(0);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(whole(html(path.join(d, 'real', 'target.html')))).toBe(true);
    expect(fs.readdirSync(path.join(d, 'real'))).toEqual(['target.html']);
  });

  test("a link to this process's stdout (as /dev/stdout is): the page is written to stdout, the link left alone", async () => {
    const d = fs.mkdtempSync(path.join(dir, 'fd-'));
    const link = path.join(d, 'page.html');
    fs.symlinkSync('/proc/self/fd/1', link);
    const out = path.join(d, 'out.csv');
    const r = await runCli([sample, '--model', TINY_BERT, '-o', out, '--report', link]);
    expect(r.code).toBe(0);
    expect(whole(r.stdout)).toBe(true);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readdirSync(d).sort()).toEqual(['out.csv', 'page.html']);
  });

  test("--report naming -o's partial file (or the other way round) is a usage error", async () => {
    const d = fs.mkdtempSync(path.join(dir, 'clash-'));
    const out = path.join(d, 'out.csv');
    for (const [o, report] of [
      [out, `${out}.partial`],
      [`${out}.partial`, out],
    ]) {
      const r = await runCli([sample, '--model', TINY_BERT, '-o', o, '--report', report]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('would share a temporary file');
    }
    expect(fs.readdirSync(d)).toEqual([]);
  });
});
