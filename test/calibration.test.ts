import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { toProbabilities } from '../src/infer/classifier';
import { loadModelInfo } from '../src/infer/modelDir';
import { runCli, SAMPLES, TINY_BERT } from './helpers/cli';

/** A model directory like tiny-bert with config.json changed by `edit`. */
function modelWith(edit: (config: Record<string, unknown>) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-cal-'));
  for (const f of fs.readdirSync(TINY_BERT)) fs.copyFileSync(path.join(TINY_BERT, f), path.join(dir, f));
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  edit(config);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

describe('temperature from config.json calibration.temperature', () => {
  test('softmax(logits / T), and sigmoid(logits / T) for multi-label', () => {
    const logits = [2, 0, -1];
    const soft = toProbabilities(logits, 1, 3, false, 2);
    const e = logits.map((x) => Math.exp(x / 2));
    const z = e.reduce((a, b) => a + b, 0);
    e.forEach((x, j) => expect(soft.scores[j]).toBeCloseTo(x / z, 6));
    const sig = toProbabilities(logits, 1, 3, true, 2);
    logits.forEach((x, j) => expect(sig.scores[j]).toBeCloseTo(1 / (1 + Math.exp(-x / 2)), 6));
  });

  test('absent means 1; a bad value is MODEL_INVALID', () => {
    expect(loadModelInfo(TINY_BERT).temperature).toBe(1);
    expect(loadModelInfo(modelWith((c) => (c.calibration = { temperature: 1.7 }))).temperature).toBe(1.7);
    expect(() => loadModelInfo(modelWith((c) => (c.calibration = { temperature: 0 })))).toThrow(/calibration.temperature must be a positive number/);
  });

  test('the CLI applies it: same labels, softer confidences for T > 1', async () => {
    const soft = modelWith((c) => (c.calibration = { temperature: 3 }));
    const args = [path.join(SAMPLES, 'labelled.csv'), '--output-format', 'jsonl', '--label-name', 'predicted'];
    const a = await runCli([...args, '--model', TINY_BERT]);
    const b = await runCli([...args, '--model', soft]);
    const rows = (s: string) =>
      s
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
    const ra = rows(a.stdout);
    const rb = rows(b.stdout);
    expect(rb.map((r) => r.predicted)).toEqual(ra.map((r) => r.predicted));
    rb.forEach((r, i) => expect(r.confidence).toBeLessThan(ra[i].confidence));
  });
});

describe('per-label bias from config.json calibration.bias', () => {
  test('softmax(logits / T + b) and sigmoid(logits / T + b); the bias can move the top label', () => {
    const logits = [2, 0, -1];
    const bias = [0, 1.5, -0.5];
    const soft = toProbabilities(logits, 1, 3, false, 2, bias);
    const e = logits.map((x, j) => Math.exp(x / 2 + bias[j]));
    const z = e.reduce((a, b) => a + b, 0);
    e.forEach((x, j) => expect(soft.scores[j]).toBeCloseTo(x / z, 6));
    expect(soft.labelIds[0]).toBe(1); // 2/2 + 0 = 1 < 0/2 + 1.5
    expect(toProbabilities(logits, 1, 3, false, 2).labelIds[0]).toBe(0);
    const sig = toProbabilities(logits, 1, 3, true, 2, bias);
    logits.forEach((x, j) => expect(sig.scores[j]).toBeCloseTo(1 / (1 + Math.exp(-(x / 2 + bias[j]))), 6));
  });

  test('absent means none; one number per label or MODEL_INVALID; a bias alone leaves T at 1', () => {
    expect(loadModelInfo(TINY_BERT).bias).toBeUndefined();
    const n = loadModelInfo(TINY_BERT).id2label.length;
    const ok = Array.from({ length: n }, (_, j) => j / 10);
    const info = loadModelInfo(modelWith((c) => (c.calibration = { bias: ok })));
    expect(info.bias).toEqual(ok);
    expect(info.temperature).toBe(1);
    expect(() => loadModelInfo(modelWith((c) => (c.calibration = { bias: ok.slice(1) })))).toThrow(/calibration.bias must be an array of \d+ numbers/);
    expect(() => loadModelInfo(modelWith((c) => (c.calibration = { bias: ok.map(() => 'x') })))).toThrow(/calibration.bias/);
    expect(() => loadModelInfo(modelWith((c) => (c.calibration = 2)))).toThrow(/calibration must be an object/);
    expect(() => loadModelInfo(modelWith((c) => (c.calibration = null)))).toThrow(/calibration must be an object, got null/);
    expect(() => loadModelInfo(modelWith((c) => (c.calibration = { bias: null })))).toThrow(/calibration.bias must be an array/);
    expect(() => loadModelInfo(modelWith((c) => (c.calibration = { temprature: 2 })))).toThrow(/calibration has unknown keys temprature/);
    const empty = loadModelInfo(modelWith((c) => (c.calibration = { fitted_on: 'nothing fitted' })));
    expect([empty.temperature, empty.bias]).toEqual([1, undefined]);
  });

  test('the CLI applies it: a large bias on one label makes every row that label', async () => {
    const n = loadModelInfo(TINY_BERT).id2label.length;
    const names = loadModelInfo(TINY_BERT).id2label;
    const biased = modelWith((c) => (c.calibration = { bias: Array.from({ length: n }, (_, j) => (j === n - 1 ? 50 : 0)) }));
    const r = await runCli([path.join(SAMPLES, 'labelled.csv'), '--output-format', 'jsonl', '--label-name', 'predicted', '--model', biased]);
    expect(r.code).toBe(0);
    const rows = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.length).toBeGreaterThan(0);
    rows.filter((x) => x.confidence !== null).forEach((x) => expect(x.predicted).toBe(names[n - 1]));
    const bad = modelWith((c) => (c.calibration = { bias: [1] }));
    const e = await runCli([path.join(SAMPLES, 'labelled.csv'), '--model', bad]);
    expect(e.code).toBe(2);
    expect(e.stdout).toBe('');
    expect(e.stderr).toMatch(/config\.json: MODEL_INVALID: config.json calibration.bias must be an array/);
  });
});

describe('--min-confidence', () => {
  test('label: rows below it keep their confidence, lose their label, and are counted', async () => {
    const all = await runCli([path.join(SAMPLES, 'sample.csv'), '--model', TINY_BERT, '--output-format', 'jsonl']);
    const some = await runCli([path.join(SAMPLES, 'sample.csv'), '--model', TINY_BERT, '--output-format', 'jsonl', '--min-confidence', '0.6']);
    expect(some.code).toBe(0);
    const ra = all.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    const rb = some.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    const below = ra.filter((r) => r.confidence !== null && r.confidence < 0.6).length;
    expect(below).toBeGreaterThan(0);
    rb.forEach((r, i) => {
      expect(r.confidence).toBe(ra[i].confidence);
      expect(r.label).toBe(ra[i].confidence !== null && ra[i].confidence < 0.6 ? null : ra[i].label);
    });
    expect(some.stderr).toContain(`${below} below --min-confidence (label left empty)`);
  });

  test('eval: the selective table gains the threshold; a value outside 0–1 is a usage error', async () => {
    const r = await runCli(['eval', path.join(SAMPLES, 'labelled.csv'), '--model', TINY_BERT, '--json', '--min-confidence', '0.65']);
    const report = JSON.parse(r.stdout);
    expect(report.selective.map((s: { min_confidence: number }) => s.min_confidence)).toEqual([0.5, 0.65, 0.7, 0.9]);
    expect(typeof report.ece).toBe('number');
    const bad = await runCli(['eval', path.join(SAMPLES, 'labelled.csv'), '--model', TINY_BERT, '--min-confidence', '1.5']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--min-confidence must be a number from 0 to 1');
  });
});
