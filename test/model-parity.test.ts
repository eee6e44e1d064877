import * as fs from 'node:fs';
import { isBlankText } from '../src/pipeline/labelRows';
import * as path from 'node:path';
import { ROOT, runCli } from './helpers/cli';

/**
 * Labels and probabilities through the CLI against the Hugging Face text-classification pipeline
 * (golden files written by training/fixtures/make_fixtures.py from the PyTorch checkpoints), for
 * small random-weight models of each architecture, exported to ONNX as a user would.
 */
interface PipelineGolden {
  family: string;
  model_dir: string;
  labels: string[];
  problem_type?: string;
  cases: { text: string; label: string; probs: number[] }[];
}

const PARITY = path.join(ROOT, 'fixtures', 'parity');
const goldens: PipelineGolden[] = fs
  .readdirSync(PARITY)
  .filter((f) => f.startsWith('pipeline-') && f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(fs.readFileSync(path.join(PARITY, f), 'utf8')));

test('there is a pipeline golden file for every model family we claim', () => {
  expect(goldens.map((g) => g.family)).toEqual(
    expect.arrayContaining([
      'tiny-bert',
      'tiny-distilbert',
      'tiny-roberta',
      'tiny-bertweet',
      'tiny-bertweet-nonorm',
      'tiny-deberta-v2',
      'tiny-bert-cased',
      'tiny-bert-multilabel',
      'tiny-electra',
      'tiny-albert',
      'tiny-xlm-roberta',
    ]),
  );
});

test('the goldens cover a non-default label order and the sigmoid (multi-label) path', () => {
  const cased = goldens.find((g) => g.family === 'tiny-bert-cased')!;
  expect(cased.labels).toEqual(['joy', 'anger', 'fear', 'sadness', 'surprise', 'love']);
  const multi = goldens.find((g) => g.family === 'tiny-bert-multilabel')!;
  expect(multi.problem_type).toBe('multi_label_classification');
  // independent sigmoid scores: some rows do not sum to 1
  expect(multi.cases.some((c) => Math.abs(c.probs.reduce((a, b) => a + b, 0) - 1) > 0.05)).toBe(true);
});

describe.each(goldens.map((g) => [g.family, g] as const))('%s: CLI matches the transformers pipeline', (_family, golden) => {
  test('identical labels, probabilities within 1e-4', async () => {
    // Empty texts are left unlabelled by design, so they are not compared.
    const cases = golden.cases.filter((c) => !isBlankText(c.text));
    const input = cases.map((c) => JSON.stringify({ text: c.text })).join('\n') + '\n';
    const r = await runCli(['--format', 'jsonl', '--scores', '--model', path.join(ROOT, golden.model_dir)], { stdin: input });
    expect(r.stderr).toContain(`read ${cases.length}, labelled ${cases.length}, rejected 0`);
    expect(r.code).toBe(0);
    const out = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(out.map((o) => o.text)).toEqual(cases.map((c) => c.text));
    expect(out.map((o) => o.label)).toEqual(cases.map((c) => c.label));
    let worst = 0;
    out.forEach((o, i) => {
      golden.labels.forEach((l, j) => (worst = Math.max(worst, Math.abs(o[`score_${l}`] - cases[i].probs[j]))));
    });
    expect(worst).toBeLessThan(1e-4);
  });
});
