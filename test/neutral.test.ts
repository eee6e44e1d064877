import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { createLabeller, evaluate, labelFile } from '../src';
import { loadModelInfo } from '../src/infer/modelDir';
import { expectLabelError } from './helpers/streams';
import { ROOT, runCli, SAMPLES, TINY_BERT } from './helpers/cli';

/**
 * "No emotion" as an answer (issue #24, item 2): a model directory that declares a neutral view
 * (config.json `neutral`) gives the six emotions without --neutral (softmax over those outputs,
 * config.json `calibration`) and seven labels with it (softmax over all, `neutral.calibration`).
 * The fixture model and its goldens come from training/fixtures/make_neutral_fixture.py: PyTorch
 * logits (transformers) with the views computed from them in float64, the transformers pipeline
 * for a plain 7-label model, scikit-learn for the metrics.
 */
const MODEL = path.join(ROOT, 'fixtures', 'models', 'tiny-bert-neutral');
interface View {
  labels: string[];
  predictions: string[];
  probs: number[][];
}
const GOLDEN = JSON.parse(fs.readFileSync(path.join(ROOT, 'fixtures', 'parity', 'views-tiny-bert-neutral.json'), 'utf8')) as {
  texts: string[];
  labelled_rows: number;
  views: Record<'default' | 'neutral' | 'plain', View>;
  eval: Record<
    'default' | 'neutral',
    {
      n: number;
      accuracy: number;
      macro_f1: number;
      weighted_f1: number;
      confusion_matrix: number[][];
      per_label: Record<string, { f1: number; support: number }>;
    }
  >;
};
const EMOTIONS = ['sadness', 'joy', 'love', 'anger', 'fear', 'surprise'];
/** PyTorch vs onnxruntime logits differ by < 1e-5 (checked by the fixture script); probabilities by less. */
const TOL = 1e-4;
const TIMEOUT = 60_000;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'el-neutral-'));
const textsFile = path.join(tmp, 'texts.jsonl');
fs.writeFileSync(textsFile, GOLDEN.texts.map((t, i) => JSON.stringify({ i, text: t })).join('\n') + '\n');

/** A copy of the fixture model with config.json changed by `edit`. */
function modelWith(edit: (c: Record<string, unknown>) => void): string {
  const dir = fs.mkdtempSync(path.join(tmp, 'model-'));
  for (const f of fs.readdirSync(MODEL)) fs.copyFileSync(path.join(MODEL, f), path.join(dir, f));
  const c = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  edit(c);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(c));
  return dir;
}
/** The user's own 7-label model: the same graph, `neutral` an ordinary label, no declaration, no calibration. */
const PLAIN = modelWith((c) => {
  delete c.neutral;
  delete c.calibration;
});

async function labelAll(args: string[]): Promise<Record<string, unknown>[]> {
  const r = await runCli([textsFile, '--scores', '--no-progress', ...args]);
  expect(r.stderr).toMatch(/read \d+/);
  expect(r.code).toBe(0);
  return r.stdout
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
}

function expectView(rows: Record<string, unknown>[], view: View): void {
  expect(rows.length).toBe(GOLDEN.texts.length);
  const labels = rows.map((r) => r.label);
  expect(labels).toEqual(view.predictions);
  const apart = rows.flatMap((r, i) =>
    view.labels.map((l, j) => ({ row: i, label: l, cli: r[`score_${l}`] as number, want: view.probs[i][j] })).filter((d) => !(Math.abs(d.cli - d.want) <= TOL)),
  );
  expect(apart).toEqual([]);
}

describe('the model directory contract (config.json "neutral")', () => {
  test('without --neutral: the six emotions, the other outputs, the top-level calibration; with it: seven, neutral.calibration', () => {
    const cfg = JSON.parse(fs.readFileSync(path.join(MODEL, 'config.json'), 'utf8'));
    const six = loadModelInfo(MODEL);
    expect(six.id2label).toEqual(EMOTIONS);
    expect(six.outputIndices).toEqual([0, 1, 2, 3, 4, 5]);
    expect(six.numOutputs).toBe(7);
    expect([six.temperature, six.bias]).toEqual([cfg.calibration.temperature, cfg.calibration.bias]);
    expect(six.neutralLabel).toBe('neutral');
    const seven = loadModelInfo(MODEL, { neutral: true });
    expect(seven.id2label).toEqual([...EMOTIONS, 'neutral']);
    expect(seven.outputIndices).toBeUndefined();
    expect([seven.temperature, seven.bias]).toEqual([cfg.neutral.calibration.temperature, cfg.neutral.calibration.bias]);
    // a plain label named neutral is an ordinary label: seven labels, no view
    const plain = loadModelInfo(PLAIN);
    expect(plain.id2label).toEqual([...EMOTIONS, 'neutral']);
    expect(plain.neutralLabel).toBeUndefined();
  });

  test('a malformed declaration is MODEL_INVALID naming config.json', () => {
    const bad = (edit: (c: Record<string, unknown>) => void, re: RegExp) => expect(() => loadModelInfo(modelWith(edit))).toThrow(re);
    bad((c) => (c.neutral = { label: 'none', calibration: {} }), /neutral.label must name a label of id2label/);
    bad((c) => (c.neutral = true), /neutral must be an object/);
    bad((c) => ((c.neutral as Record<string, unknown>).lable = 'neutral'), /neutral has unknown keys lable/);
    bad(
      (c) => ((c.calibration as Record<string, unknown>).bias = [0, 0, 0, 0, 0, 0, 0]),
      /calibration.bias must be an array of 6 numbers \(one per label: sadness, joy, love, anger, fear, surprise\)/,
    );
    expect(() =>
      loadModelInfo(
        modelWith((c) => (((c.neutral as Record<string, unknown>).calibration as Record<string, unknown>).bias = [0])),
        { neutral: true },
      ),
    ).toThrow(/neutral.calibration.bias must be an array of 7 numbers/);
    bad((c) => (c.problem_type = 'multi_label_classification'), /needs a softmax model/);
  });
});

describe('labelling through the CLI, against the Python goldens', () => {
  test(
    'without --neutral: six labels and scores, nothing of neutral (the default view)',
    async () => {
      const rows = await labelAll(['--model', MODEL]);
      expect(Object.keys(rows[0])).toEqual(['i', 'text', 'label', 'confidence', ...EMOTIONS.map((l) => `score_${l}`)]);
      expectView(rows, GOLDEN.views.default);
    },
    TIMEOUT,
  );

  test(
    '--neutral: neutral is one of the labels, --scores adds score_neutral (the seven-way view)',
    async () => {
      const rows = await labelAll(['--model', MODEL, '--neutral']);
      expect(Object.keys(rows[0])).toEqual(['i', 'text', 'label', 'confidence', ...[...EMOTIONS, 'neutral'].map((l) => `score_${l}`)]);
      expectView(rows, GOLDEN.views.neutral);
      expect(rows.filter((r) => r.label === 'neutral').length).toBeGreaterThan(5);
    },
    TIMEOUT,
  );

  test(
    '--min-confidence applies to neutral like any label',
    async () => {
      const rows = await labelAll(['--model', MODEL, '--neutral', '--min-confidence', '0.5']);
      const v = GOLDEN.views.neutral;
      const want = v.probs.map((p, i) => (Math.max(...p) < 0.5 ? null : v.predictions[i]));
      expect(rows.map((r) => r.label)).toEqual(want);
      expect(want.some((l, i) => l === null && v.predictions[i] === 'neutral')).toBe(true);
      expect(want.some((l) => l === 'neutral')).toBe(true);
    },
    TIMEOUT,
  );

  test(
    "a user's model with a plain neutral label and no declaration keeps outputting it without the flag (the transformers pipeline's scores)",
    async () => {
      const rows = await labelAll(['--model', PLAIN]);
      expect(Object.keys(rows[0])).toContain('score_neutral');
      expectView(rows, GOLDEN.views.plain);
      expect(rows.some((r) => r.label === 'neutral')).toBe(true);
    },
    TIMEOUT,
  );

  test.each([
    ['the embedded default model', [] as string[]],
    ['the embedded fast model', ['--model', 'fast']],
  ])(
    '%s declares a neutral view: six emotions without --neutral, seven labels with it (its goldens: test/default-model.test.ts)',
    async (_n, args) => {
      const input = path.join(tmp, 'embedded.csv');
      fs.writeFileSync(input, 'text\nThe meeting is at 3pm in room 204.\ni am so happy today\n');
      const six = await runCli([input, '--scores', '--no-progress', ...args]);
      expect(six.code).toBe(0);
      const header6 = six.stdout.split('\n')[0];
      expect(header6).toBe(['text', 'label', 'confidence', ...EMOTIONS.map((l) => `score_${l}`)].join(','));
      const seven = await runCli([input, '--neutral', '--scores', '--no-progress', ...args]);
      expect(seven.code).toBe(0);
      const rows = parse(seven.stdout, { columns: true }) as Record<string, string>[];
      expect(Object.keys(rows[0])).toEqual(['text', 'label', 'confidence', ...EMOTIONS.map((l) => `score_${l}`), 'score_neutral']);
      expect(rows.map((r) => r.label)).toEqual(['neutral', 'joy']);
      const r = await runCli(['eval', path.join(SAMPLES, 'labelled-neutral.csv'), '--neutral', '--json', '--no-progress', ...args]);
      expect(r.code).toBe(0);
      expect((JSON.parse(r.stdout) as { labels: string[] }).labels).toEqual([...EMOTIONS, 'neutral']);
    },
    TIMEOUT,
  );

  test.each([
    ['a plain 7-label model', ['--model', PLAIN], PLAIN],
    ['tiny-bert', ['--model', TINY_BERT], TINY_BERT],
  ])(
    '--neutral with %s, which declares no neutral view: exit 2 naming the model, nothing on stdout',
    async (_n, args, dir) => {
      for (const cmd of [[], ['eval']]) {
        const r = await runCli([...cmd, path.join(SAMPLES, 'labelled.csv'), '--neutral', '--no-progress', ...args]);
        expect(r.code).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr).toContain(`USAGE: --neutral: the model ${dir} declares no neutral view`);
      }
    },
    TIMEOUT,
  );
});

describe('eval', () => {
  const expectReport = (
    r: { n: number; accuracy: number; macro_f1: number; weighted_f1: number; labels: string[]; confusion_matrix: number[][] },
    want: (typeof GOLDEN.eval)['default'],
    labels: string[],
  ) => {
    expect(r.labels).toEqual(labels);
    expect(r.n).toBe(want.n);
    expect(r.confusion_matrix).toEqual(want.confusion_matrix);
    expect(Math.abs(r.accuracy - want.accuracy)).toBeLessThan(1e-12);
    expect(Math.abs(r.macro_f1 - want.macro_f1)).toBeLessThan(1e-9);
    expect(Math.abs(r.weighted_f1 - want.weighted_f1)).toBeLessThan(1e-9);
  };

  test(
    'eval --neutral on a seven-label file: neutral is a gold label, seven-way metrics as scikit-learn',
    async () => {
      const r = await runCli(['eval', path.join(SAMPLES, 'labelled-neutral.csv'), '--neutral', '--json', '--no-progress', '--model', MODEL]);
      expect(r.code).toBe(0);
      expectReport(JSON.parse(r.stdout), GOLDEN.eval.neutral, [...EMOTIONS, 'neutral']);
      expect(GOLDEN.eval.neutral.per_label.neutral.support).toBe(12);
    },
    TIMEOUT,
  );

  test(
    'eval without --neutral on six-label data: six-way metrics, as today',
    async () => {
      const r = await runCli(['eval', path.join(SAMPLES, 'labelled.csv'), '--json', '--no-progress', '--model', MODEL]);
      expect(r.code).toBe(0);
      expectReport(JSON.parse(r.stdout), GOLDEN.eval.default, EMOTIONS);
    },
    TIMEOUT,
  );

  test(
    'eval without --neutral on a file with neutral gold labels: LABEL_UNKNOWN, which says to add --neutral',
    async () => {
      const r = await runCli(['eval', path.join(SAMPLES, 'labelled-neutral.csv'), '--json', '--no-progress', '--model', MODEL]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /labelled-neutral\.csv:62: LABEL_UNKNOWN: gold label 'neutral' is neither a label of this model .* \(the model has a neutral view: add --neutral\)/,
      );
    },
    TIMEOUT,
  );
});

describe('the API: neutral: true', () => {
  test(
    'createLabeller: labels, label() and scores',
    async () => {
      const texts = GOLDEN.texts.slice(0, 20);
      const l = await createLabeller({ model: MODEL, neutral: true, workers: 1 });
      try {
        expect(l.labels).toEqual([...EMOTIONS, 'neutral']);
        const out = await l.label(texts);
        expect(out.map((o) => o.label)).toEqual(GOLDEN.views.neutral.predictions.slice(0, 20));
        out.forEach((o, i) => expect(Math.abs(o.scores!.neutral - GOLDEN.views.neutral.probs[i][6])).toBeLessThan(TOL));
      } finally {
        await l.close();
      }
      const six = await createLabeller({ model: MODEL, workers: 1 });
      try {
        expect(six.labels).toEqual(EMOTIONS);
        const out = await six.label(texts);
        expect(out.map((o) => o.label)).toEqual(GOLDEN.views.default.predictions.slice(0, 20));
        expect(Object.keys(out[0].scores!)).toEqual(EMOTIONS);
      } finally {
        await six.close();
      }
    },
    TIMEOUT,
  );

  test(
    'labelFile and evaluate',
    async () => {
      const out = path.join(tmp, 'api.csv');
      await labelFile(path.join(SAMPLES, 'labelled-neutral.csv'), out, { model: MODEL, neutral: true, scores: true, labelName: 'predicted', workers: 1 });
      const rows = parse(fs.readFileSync(out), { columns: true }) as Record<string, string>[];
      expect(Object.keys(rows[0])).toEqual(['text', 'label', 'predicted', 'confidence', ...[...EMOTIONS, 'neutral'].map((l) => `score_${l}`)]);
      expect(rows.map((r) => r.predicted)).toEqual(GOLDEN.views.neutral.predictions.slice(0, GOLDEN.labelled_rows));
      const report = await evaluate(path.join(SAMPLES, 'labelled-neutral.csv'), { model: MODEL, neutral: true, workers: 1 });
      expect(report.labels).toEqual([...EMOTIONS, 'neutral']);
      expect(report.confusion_matrix).toEqual(GOLDEN.eval.neutral.confusion_matrix);
      await expectLabelError(() => evaluate(path.join(SAMPLES, 'labelled.csv'), { model: TINY_BERT, neutral: true }), 'USAGE', {
        exitCode: 2,
        message: /declares no neutral view/,
      });
    },
    TIMEOUT,
  );
});
