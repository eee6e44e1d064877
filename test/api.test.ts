import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { createLabeller, evaluate, labelFile, LabelError, type Labeller } from '../src/index';
import { runCli, SAMPLES, TINY_BERT } from './helpers/cli';
import { Collect } from './helpers/streams';

/** The library API a Node program imports; the CLI is a thin shell over it. */
interface Golden {
  labels: string[];
  samples: { id: string; text: string; label: string; probs: number[] }[];
}
const golden: Golden = JSON.parse(fs.readFileSync(path.join(SAMPLES, 'tiny-bert.expected.json'), 'utf8'));
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'el-api-'));

describe('createLabeller', () => {
  let labeller: Labeller;
  beforeAll(async () => {
    labeller = await createLabeller({ model: TINY_BERT, workers: 2, batchSize: 4 });
  });
  afterAll(() => labeller.close());

  test('label(): results in input order, as the Python pipeline gives them; an empty text gets null', async () => {
    const samples = golden.samples.slice(0, 20);
    const out = await labeller.label(samples.map((s) => s.text));
    expect(out).toHaveLength(samples.length);
    out.forEach((r, i) => {
      const g = samples[i];
      if (g.text.trim() === '') return expect(r).toEqual({ label: null, confidence: null, scores: null });
      expect(r.label).toBe(g.label);
      expect(Object.keys(r.scores!)).toEqual(golden.labels);
      golden.labels.forEach((l, j) => expect(Math.abs(r.scores![l] - g.probs[j])).toBeLessThan(1e-4));
      expect(r.confidence).toBeCloseTo(Math.max(...g.probs), 4);
    });
    expect(labeller.labels).toEqual(golden.labels);
  });

  test('labelStream(): back-pressured; only a bounded number of texts is read ahead of the consumer', async () => {
    let read = 0;
    async function* texts() {
      for (let i = 0; i < 100_000; i++) {
        read++;
        yield `i feel number ${i}`;
      }
    }
    const it = labeller.labelStream(texts())[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.value.label).toEqual(expect.any(String));
    await new Promise((r) => setTimeout(r, 100));
    expect(read).toBeLessThan(20_000);
    await it.return?.(undefined);
  });

  test('a worker ended with terminate() mid-run is replaced; every text comes back once, in order', async () => {
    const texts = Array.from({ length: 3000 }, (_, i) => `i feel row ${i} ${'so '.repeat(i % 40)}happy`);
    const expected = await labeller.label(texts);
    // The worker is ended while idle, and the run's first tasks are posted to it before its 'exit'
    // arrives: they must be given to its replacement. Not while its session runs: onnxruntime-node
    // then calls back into the ended thread and the whole process aborts (Napi::Error, native code).
    const ending = labeller.threads[0].terminate();
    const running = labeller.label(texts);
    await ending;
    const got = await running;
    expect(got).toEqual(expected);
    expect(labeller.threads).toHaveLength(2);
  });
});

describe('labelFile and evaluate', () => {
  test("labelFile() to a path gives the CLI's bytes", async () => {
    const out = path.join(tmp(), 'out.csv');
    const summary = await labelFile(path.join(SAMPLES, 'sample.csv'), out, { model: TINY_BERT, scores: true });
    expect(summary).toMatchObject({ read: 62, labelled: 61, empty: 1, rejected: 0 });
    const cli = await runCli([path.join(SAMPLES, 'sample.csv'), '--model', TINY_BERT, '--scores']);
    expect(fs.readFileSync(out, 'utf8')).toBe(cli.stdout);
  });

  test('labelFile() to a stream, from a stream: JSONL lines with the keys added', async () => {
    const out = new Collect();
    await labelFile(fs.createReadStream(path.join(SAMPLES, 'sample.jsonl')), out, { model: TINY_BERT, format: 'jsonl' });
    const lines = out.text().trimEnd().split('\n');
    expect(lines).toHaveLength(62);
    expect(JSON.parse(lines[0])).toMatchObject({ label: golden.samples[0].label });
  });

  test('evaluate() returns the same object as eval --json', async () => {
    const file = path.join(SAMPLES, 'labelled.csv');
    const report = await evaluate(file, { model: TINY_BERT });
    const cli = await runCli(['eval', file, '--model', TINY_BERT, '--json']);
    expect(report).toEqual(JSON.parse(cli.stdout));
  });

  test('errors are LabelErrors with a code, an exit code, the file and the line', async () => {
    const bad = path.join(tmp(), 'bad.csv');
    fs.writeFileSync(bad, 'text,id\nfine,1\nnot fine\n');
    const err = await labelFile(bad, new Collect(), { model: TINY_BERT }).catch((e) => e);
    expect(err).toBeInstanceOf(LabelError);
    expect(err).toMatchObject({ code: 'CSV_FIELD_COUNT', exitCode: 1, file: bad, line: 3 });
    await expect(labelFile(bad, new Collect(), { model: TINY_BERT, workers: 0 })).rejects.toMatchObject({ code: 'USAGE', exitCode: 2 });
  });

  test('labelFile() with onError skip writes the rejects file', async () => {
    const d = tmp();
    const bad = path.join(d, 'bad.csv');
    fs.writeFileSync(bad, 'text,id\nfine,1\nnot fine\n');
    const summary = await labelFile(bad, new Collect(), { model: TINY_BERT, onError: 'skip', rejects: path.join(d, 'rej.csv') });
    expect(summary).toMatchObject({ read: 2, labelled: 1, rejected: 1 });
    expect((parse(fs.readFileSync(path.join(d, 'rej.csv'))) as string[][])[1].slice(0, 2)).toEqual(['3', 'CSV_FIELD_COUNT']);
  });

  test('labelFile() { resume: true } continues what a stopped run left: the file an uninterrupted run writes', async () => {
    const d = tmp();
    const input = path.join(d, 'in.csv');
    const rows = ['text'];
    for (let i = 0; i < 12000; i++) rows.push(`i feel ${'very '.repeat(i % 9)}fine number ${i}`);
    fs.writeFileSync(input, rows.join('\n') + '\n');
    const whole = path.join(d, 'whole.csv');
    await labelFile(input, whole, { model: TINY_BERT });
    const out = path.join(d, 'out.csv');
    const controller = new AbortController();
    const stopped = await labelFile(input, out, {
      model: TINY_BERT,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.rows > 5000) controller.abort('test');
      },
    });
    expect(stopped.stoppedBy).toBe('test');
    expect(fs.existsSync(out)).toBe(false);
    await expect(labelFile(input, out, { model: TINY_BERT })).rejects.toMatchObject({ code: 'OUTPUT_PARTIAL', exitCode: 2 });
    const summary = await labelFile(input, out, { model: TINY_BERT, resume: true });
    expect(summary).toMatchObject({ read: 12000, labelled: 12000, rejected: 0 });
    expect(fs.readFileSync(out).equals(fs.readFileSync(whole))).toBe(true);
    expect(fs.readdirSync(d).sort()).toEqual(['in.csv', 'out.csv', 'whole.csv']);
  });

  test('a resume rebuilds the dedupe cache from the state file, also after it was compacted to a snapshot', async () => {
    const d = tmp();
    const input = path.join(d, 'in.csv');
    const rows = ['text'];
    // 12,000 rows over about 700 distinct texts, repeats near and far
    for (let i = 0; i < 12000; i++) rows.push(`i feel ${'so '.repeat(i % 7)}number ${(i * i) % 701}`);
    fs.writeFileSync(input, rows.join('\n') + '\n');
    const opts = { model: TINY_BERT, dedupeTexts: 40 };
    const whole = path.join(d, 'whole.csv');
    await labelFile(input, whole, opts);
    const out = path.join(d, 'out.csv');
    const controller = new AbortController();
    await labelFile(input, out, {
      ...opts,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.rows > 9000) controller.abort('test');
      },
    });
    const state = fs.readFileSync(`${out}.partial.json`, 'utf8').split('\n').filter(Boolean);
    expect(state.some((l) => l.includes('"cacheBase"'))).toBe(true);
    // another cache size is another run
    await expect(labelFile(input, out, { ...opts, dedupeTexts: 41, resume: true })).rejects.toMatchObject({
      code: 'OUTPUT_PARTIAL',
      message: expect.stringMatching(/--dedupe/),
    });
    await labelFile(input, out, { ...opts, resume: true });
    expect(fs.readFileSync(out).equals(fs.readFileSync(whole))).toBe(true);
  });
});
