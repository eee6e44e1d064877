import type { BatchOutput } from '../src/types';
import { labelRows, type OutputItem } from '../src/pipeline/labelRows';
import type { BatchRunner } from '../src/pipeline/labelRows';
import type { ReadItem } from '../src/types';
import { labelShare } from '../src/pipeline/share';

/** A runner whose batches finish in a scrambled order: label id = text length mod 3. */
class ScrambledRunner implements BatchRunner {
  readonly size = 3;
  batches: string[][] = [];
  private n = 0;
  async run(texts: string[]): Promise<BatchOutput> {
    this.batches.push(texts);
    const delay = (this.n++ * 7) % 5;
    await new Promise((r) => setTimeout(r, delay));
    const k = 3;
    const scores = new Float32Array(texts.length * k);
    const labelIds = Int32Array.from(texts, (t) => t.length % k);
    labelIds.forEach((l, i) => (scores[i * k + l] = 1));
    return { labelIds, confidences: new Float32Array(texts.length).fill(1), scores };
  }
}

async function* items(n: number): AsyncGenerator<ReadItem> {
  for (let i = 0; i < n; i++) {
    if (i % 17 === 5) yield { kind: 'bad', line: i + 2, code: 'CSV_FIELD_COUNT', reason: 'x', raw: 'r' };
    else yield { kind: 'row', line: i + 2, text: i % 11 === 0 ? '   ' : 'x'.repeat(((i * 37) % 50) + 1) };
  }
}

async function collect(gen: AsyncGenerator<OutputItem>): Promise<OutputItem[]> {
  const out: OutputItem[] = [];
  for await (const x of gen) out.push(x);
  return out;
}

describe('labelRows', () => {
  test('every item comes back once, in input order, whatever order batches finish in', async () => {
    const runner = new ScrambledRunner();
    const out = await collect(labelRows(items(1000), runner, { shareSize: 8, windowSize: 64 }));
    expect(out.map((o) => ('kind' in o ? o.line : o.row.line))).toEqual(Array.from({ length: 1000 }, (_, i) => i + 2));
    for (const o of out) {
      if ('kind' in o) continue;
      if (o.row.text.trim() === '') expect(o.prediction.labelId).toBe(-1);
      else expect(o.prediction.labelId).toBe(o.row.text.length % 3);
    }
  });

  test('a window is cut into contiguous shares of at most shareSize rows, at least one per worker', async () => {
    const runner = new ScrambledRunner();
    await collect(labelRows(items(200), runner, { shareSize: 8, windowSize: 64 }));
    expect(Math.max(...runner.batches.map((b) => b.length))).toBeLessThanOrEqual(8);
    const wide = new ScrambledRunner();
    await collect(labelRows(items(64), wide, { shareSize: 1000, windowSize: 64 }));
    // three workers: the 55 texts to label in the window (64 less 4 bad rows and 5 blank texts) are split three ways
    expect(wide.batches.map((b) => b.length)).toEqual([19, 19, 17]);
  });

  test('a read error comes after every row read before it', async () => {
    async function* failing(): AsyncGenerator<ReadItem> {
      yield* items(100);
      throw new Error('boom');
    }
    const seen: number[] = [];
    const gen = labelRows(failing(), new ScrambledRunner(), { shareSize: 4, windowSize: 16 });
    await expect(
      (async () => {
        for await (const o of gen) seen.push('kind' in o ? o.line : o.row.line);
      })(),
    ).rejects.toThrow('boom');
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i + 2));
  });

  test('a failing batch fails the run with WORKER_FAILED naming the lines of its rows', async () => {
    const runner: BatchRunner = { size: 1, run: async () => Promise.reject(new Error('worker died')) };
    await expect(collect(labelRows(items(10), runner, { shareSize: 4 }))).rejects.toMatchObject({
      code: 'WORKER_FAILED',
      message: expect.stringMatching(/^rows at lines [\d, ]+: worker died$/),
    });
  });

  test('onLabelled counts every row and its bytes as batches finish, before the window is yielded', async () => {
    const calls: [number, number][] = [];
    async function* sized(): AsyncGenerator<ReadItem> {
      for await (const it of items(40)) yield { ...it, bytes: 10 };
    }
    const gen = labelRows(sized(), new ScrambledRunner(), { shareSize: 4, windowSize: 16, onLabelled: (r, b) => calls.push([r, b]) });
    const first = await gen.next();
    expect(first.done).toBe(false);
    // the whole first window was reported before its first row came out
    expect(calls.reduce((n, [r]) => n + r, 0)).toBeGreaterThanOrEqual(16);
    for await (const _ of gen) void _;
    expect(calls.reduce((n, [r]) => n + r, 0)).toBe(40);
    expect(calls.reduce((n, [, b]) => n + b, 0)).toBe(400);
    expect(calls.length).toBeGreaterThan(3);
  });

  test('a slow consumer slows the reading: only a bounded number of rows is read ahead', async () => {
    let read = 0;
    async function* counting(): AsyncGenerator<ReadItem> {
      for await (const it of items(100000)) {
        read++;
        yield it;
      }
    }
    const gen = labelRows(counting(), new ScrambledRunner(), { shareSize: 8, windowSize: 64 });
    await gen.next();
    await new Promise((r) => setTimeout(r, 50));
    expect(read).toBeLessThanOrEqual(64 * 3);
    await gen.return(undefined);
  });

  test('rows from an input that goes quiet are labelled without waiting for a full window', async () => {
    let release!: () => void;
    const stall = new Promise<void>((r) => (release = r));
    async function* trickle(): AsyncGenerator<ReadItem> {
      for (let i = 0; i < 10; i++) yield { kind: 'row', line: i + 2, text: `row ${i}` };
      await stall; // like a pipe whose writer is still open
    }
    const gen = labelRows(trickle(), new ScrambledRunner(), { shareSize: 4, windowSize: 256 });
    const first: number[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await gen.next();
      first.push((r.value as { row: { line: number } }).row.line);
    }
    expect(first).toEqual(Array.from({ length: 10 }, (_, i) => i + 2));
    release();
    expect((await gen.next()).done).toBe(true);
  });
});

describe('labelShare (inside a worker)', () => {
  test("batches are grouped by token count, never exceed the batch size, and results come back in the share's order", async () => {
    const texts = Array.from({ length: 50 }, (_, i) => 'w '.repeat(((i * 37) % 23) + 1).trim());
    const encode = (t: string) => t.split(' ').map((_, j) => j + 1);
    const seen: number[][] = [];
    const out = await labelShare(
      texts,
      encode,
      async (flat, offsets) => {
        const lengths = Array.from({ length: offsets.length - 1 }, (_, j) => offsets[j + 1] - offsets[j]);
        seen.push(lengths);
        const n = lengths.length;
        const scores = new Float32Array(n * 2);
        lengths.forEach((l, j) => (scores[j * 2 + (l % 2)] = 1));
        return { labelIds: Int32Array.from(lengths, (l) => l % 2), confidences: Float32Array.from(lengths, (l) => l / 100), scores };
      },
      8,
    );
    expect(Math.max(...seen.map((b) => b.length))).toBe(8);
    for (const b of seen) expect(b).toEqual([...b].sort((x, y) => x - y));
    // across batches too: lengths never go down
    const flat = seen.flat();
    expect(flat).toEqual([...flat].sort((x, y) => x - y));
    texts.forEach((t, i) => {
      const tokens = t.split(' ').length;
      expect(out.labelIds[i]).toBe(tokens % 2);
      expect(out.confidences[i]).toBeCloseTo(tokens / 100, 6);
      expect(out.scores[i * 2 + (tokens % 2)]).toBe(1);
    });
  });
});
