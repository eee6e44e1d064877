import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { runCli, SAMPLES, TINY_BERT } from './helpers/cli';

interface Golden {
  labels: string[];
  samples: { id: string; text: string; label: string; probs: number[] }[];
  eval: {
    n: number;
    accuracy: number;
    macro_f1: number;
    weighted_f1: number;
    per_label: Record<string, { precision: number; recall: number; f1: number; support: number }>;
    confusion_matrix: number[][];
  };
}
const golden: Golden = JSON.parse(fs.readFileSync(path.join(SAMPLES, 'tiny-bert.expected.json'), 'utf8'));
const sample = (ext: string) => path.join(SAMPLES, `sample.${ext}`);
const model = ['--model', TINY_BERT];

/** The input rows of a CSV/TSV sample, as parsed by an independent reader. */
function inputRows(ext: 'csv' | 'tsv'): string[][] {
  return parse(fs.readFileSync(sample(ext)), { delimiter: ext === 'tsv' ? '\t' : ',', bom: true, relax_quotes: true });
}

/** Checks every output row against its input row and the Python pipeline's prediction. */
function expectLabelledLikeGolden(outRows: string[][], inRows: string[][], withScores: boolean): void {
  expect(outRows.length).toBe(inRows.length);
  expect(outRows[0]).toEqual([...inRows[0], 'label', 'confidence', ...(withScores ? golden.labels.map((l) => `score_${l}`) : [])]);
  const width = inRows[0].length;
  for (let i = 1; i < inRows.length; i++) {
    expect(outRows[i].slice(0, width)).toEqual(inRows[i]); // untouched, in order
    const g = golden.samples[i - 1];
    expect(inRows[i][1]).toBe(g.text);
    if (g.text.trim() === '') {
      expect(outRows[i].slice(width, width + 2)).toEqual(['', '']);
      continue;
    }
    expect(outRows[i][width]).toBe(g.label);
    expect(Number(outRows[i][width + 1])).toBeCloseTo(Math.max(...g.probs), 4);
    if (withScores) {
      outRows[i].slice(width + 2).forEach((s, j) => expect(Math.abs(Number(s) - g.probs[j])).toBeLessThan(1e-4));
    }
  }
}

describe('emotion-label on files and pipes', () => {
  test('CSV file: every row once, in order, fields untouched, labels and scores as the Python pipeline', async () => {
    const r = await runCli([sample('csv'), ...model, '--scores']);
    expect(r.stderr).toContain(`read ${golden.samples.length}, labelled ${golden.samples.length - 1}, rejected 0; 1 empty text left unlabelled`);
    expect(r.code).toBe(0);
    expectLabelledLikeGolden(parse(r.stdout), inputRows('csv'), true);
  });

  test('CSV from stdin, fed in small chunks', async () => {
    const bytes = fs.readFileSync(sample('csv'));
    const chunks = Array.from({ length: Math.ceil(bytes.length / 7) }, (_, i) => bytes.subarray(i * 7, i * 7 + 7));
    const r = await runCli([...model], { stdin: chunks });
    expect(r.code).toBe(0);
    expectLabelledLikeGolden(parse(r.stdout), inputRows('csv'), false);
  });

  test("quoted TSV (--format tsv-quoted, as Python's csv module writes it), written back the same way", async () => {
    const r = await runCli([sample('tsv'), '--format', 'tsv-quoted', ...model]);
    expect(r.code).toBe(0);
    expectLabelledLikeGolden(parse(r.stdout, { delimiter: '\t' }), inputRows('tsv'), false);
  });

  test('plain TSV: no quoting in or out; a text opening with an unmatched quote is just text', async () => {
    const rows = golden.samples.filter((g) => !/[\t\r\n]/.test(g.text) && g.text.trim() !== '');
    const input = ['id\ttext', ...rows.map((g) => `${g.id}\t${g.text}`), '7\t"unmatched quote opens this'].join('\n') + '\n';
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'el-tsv-')), 'plain.tsv');
    fs.writeFileSync(file, input);
    const r = await runCli([file, '--on-error', 'skip', ...model]);
    expect(r.code).toBe(0);
    const out = r.stdout
      .split('\n')
      .slice(0, -1)
      .map((l) => l.split('\t'));
    expect(out[0]).toEqual(['id', 'text', 'label', 'confidence']);
    expect(out.length).toBe(rows.length + 2);
    rows.forEach((g, i) => {
      expect(out[i + 1].slice(0, 3)).toEqual([g.id, g.text, g.label]);
    });
    expect(out[rows.length + 1][1]).toBe('"unmatched quote opens this');
  });

  test('JSONL from stdin: each original line kept byte for byte, keys appended', async () => {
    const input = fs.readFileSync(sample('jsonl'), 'utf8');
    const r = await runCli(['--format', 'jsonl', ...model], { stdin: input });
    expect(r.code).toBe(0);
    const inLines = input.split('\n').filter((l) => l.trim() !== '');
    const outLines = r.stdout.trimEnd().split('\n');
    expect(outLines.length).toBe(inLines.length);
    outLines.forEach((line, i) => {
      const body = inLines[i].trimEnd();
      expect(line.startsWith(body.slice(0, -1))).toBe(true);
      const obj = JSON.parse(line);
      const g = golden.samples[i];
      expect(obj.text).toBe(g.text);
      expect(obj.label).toBe(g.text.trim() === '' ? null : g.label);
    });
  });

  test('output format conversion: CSV in, JSONL out', async () => {
    const r = await runCli([sample('csv'), ...model, '--output-format', 'jsonl']);
    expect(r.code).toBe(0);
    const objs = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(objs.map((o) => o.id)).toEqual(golden.samples.map((s) => s.id));
    expect(objs.map((o) => o.text)).toEqual(golden.samples.map((s) => s.text));
  });

  test('-o writes the file only when the run completes, and nothing goes to stdout', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-'));
    const out = path.join(dir, 'out.csv');
    const r = await runCli([sample('csv'), ...model, '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expectLabelledLikeGolden(parse(fs.readFileSync(out)), inputRows('csv'), false);
    expect(fs.readdirSync(dir)).toEqual(['out.csv']);
  });

  test('the same output for any number of workers and any batch size', async () => {
    const a = await runCli([sample('csv'), ...model, '--workers', '1', '--batch-size', '1']);
    const b = await runCli([sample('csv'), ...model, '--workers', '3', '--batch-size', '7']);
    const c = await runCli([sample('csv'), ...model, '--workers', '2', '--batch-size', '64', '--threads', '1']);
    expect(a.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    expect(c.stdout).toBe(a.stdout);
  });
});

describe('emotion-label eval', () => {
  const expectMetricsLikeSklearn = (stdout: string) => {
    const report = JSON.parse(stdout);
    expect(report.n).toBe(golden.eval.n);
    expect(report.accuracy).toBeCloseTo(golden.eval.accuracy, 10);
    expect(report.macro_f1).toBeCloseTo(golden.eval.macro_f1, 10);
    expect(report.weighted_f1).toBeCloseTo(golden.eval.weighted_f1, 10);
    for (const [label, m] of Object.entries(golden.eval.per_label)) {
      expect(report.per_label[label].support).toBe(m.support);
      expect(report.per_label[label].f1).toBeCloseTo(m.f1, 10);
      expect(report.per_label[label].precision).toBeCloseTo(m.precision, 10);
      expect(report.per_label[label].recall).toBeCloseTo(m.recall, 10);
    }
    expect(report.labels).toEqual(golden.labels);
    expect(report.confusion_matrix.slice(0, golden.eval.confusion_matrix.length)).toEqual(golden.eval.confusion_matrix);
  };

  test('--json: accuracy, F1 and confusion matrix as scikit-learn computes them on the pipeline predictions', async () => {
    const r = await runCli(['eval', path.join(SAMPLES, 'labelled.csv'), ...model, '--json']);
    expect(r.code).toBe(0);
    expectMetricsLikeSklearn(r.stdout);
  });

  test('gold labels given as ids are read through id2label', async () => {
    const r = await runCli(['eval', path.join(SAMPLES, 'labelled-ids.csv'), ...model, '--json']);
    expect(r.code).toBe(0);
    expectMetricsLikeSklearn(r.stdout);
  });

  test('the table names accuracy, F1 and each label', async () => {
    const r = await runCli(['eval', path.join(SAMPLES, 'labelled.csv'), ...model]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`accuracy      ${golden.eval.accuracy.toFixed(4)}`);
    expect(r.stdout).toContain(`macro-F1      ${golden.eval.macro_f1.toFixed(4)}`);
    for (const l of golden.labels) expect(r.stdout).toMatch(new RegExp(`^${l}\\s`, 'm'));
  });

  test('an unknown gold label stops with its line', async () => {
    const r = await runCli(['eval', '--format', 'csv', ...model], { stdin: 'text,label\ni am happy,joy\ni am x,bliss\n' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("<stdin>:3: LABEL_UNKNOWN: gold label 'bliss'");
  });
});

describe('set-up errors: exit 2, a message naming what and where, nothing on stdout', () => {
  test('missing input file', async () => {
    const r = await runCli(['no/such/file.csv', ...model]);
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toContain('no/such/file.csv: INPUT_NOT_FOUND: cannot read input: no such file');
  });

  test('missing text column names the columns found', async () => {
    const r = await runCli(['--text-column', 'body', sample('csv'), ...model]);
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toContain("MISSING_COLUMN: no text column 'body'; columns found: 'id', 'text', 'note'");
  });

  test('a model directory without model.onnx', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-model-'));
    fs.copyFileSync(path.join(TINY_BERT, 'config.json'), path.join(dir, 'config.json'));
    const r = await runCli([sample('csv'), '--model', dir]);
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toContain('MODEL_INVALID: model directory is missing model.onnx');
    expect(r.stderr).toContain('tokenizer.json');
  });

  test('a corrupt model.onnx', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-model-'));
    for (const f of fs.readdirSync(TINY_BERT)) fs.copyFileSync(path.join(TINY_BERT, f), path.join(dir, f));
    fs.writeFileSync(path.join(dir, 'model.onnx'), 'not a model');
    const r = await runCli([sample('csv'), '--model', dir]);
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toContain('MODEL_INVALID: cannot load the model');
  });

  test('an input column that clashes with an output column', async () => {
    const r = await runCli([path.join(SAMPLES, 'labelled.csv'), ...model]);
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toContain("COLUMN_CONFLICT: the input already has a column 'label'");
  });

  test('bad option values', async () => {
    const r = await runCli([sample('csv'), ...model, '--workers', '0']);
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toContain('--workers must be a whole number of at least 1');
  });
});
