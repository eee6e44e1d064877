import { createHash } from 'node:crypto';
import { DedupeCache, decodeEntries, encodeEntries, textKey, type CacheEntry } from '../src/pipeline/dedupe';
import { labelRows, type BatchRunner, type OutputItem } from '../src/pipeline/labelRows';
import type { BatchOutput, ReadItem } from '../src/types';

/**
 * A runner whose answer for a text depends on the share it came in (as a real model's last digit
 * can depend on its batch): confidence = a function of the text and of every text in its share.
 * Finishes shares in a scrambled order.
 */
class BatchSensitiveRunner implements BatchRunner {
  readonly size = 2;
  seen: string[] = [];
  private n = 0;
  async run(texts: string[]): Promise<BatchOutput> {
    this.seen.push(...texts);
    await new Promise((r) => setTimeout(r, (this.n++ * 7) % 4));
    const share = texts.reduce((h, t) => (h * 31 + t.length) % 1000, 7);
    const k = 3;
    const confidences = Float32Array.from(texts, (t) => ((t.length * 13 + share) % 997) / 997);
    const labelIds = Int32Array.from(texts, (t) => t.length % k);
    const scores = new Float32Array(texts.length * k);
    labelIds.forEach((l, i) => (scores[i * k + l] = confidences[i]));
    return { labelIds, confidences, scores };
  }
}

/** Texts with duplicates near and far: row i is text (i*i mod 23) (distinct lengths), some blank, some bad. */
function itemsOf(n: number, from = 0): ReadItem[] {
  const out: ReadItem[] = [];
  for (let i = from; i < n; i++) {
    if (i % 29 === 3) out.push({ kind: 'bad', line: i + 2, code: 'CSV_FIELD_COUNT', reason: 'x', raw: 'r' });
    else if (i % 31 === 4) out.push({ kind: 'row', line: i + 2, text: '  ' });
    else out.push({ kind: 'row', line: i + 2, text: 'w'.repeat(((i * i) % 23) + 1) + (i % 3 === 0 ? ` ${i}` : '') });
  }
  return out;
}

async function* stream(items: ReadItem[]): AsyncGenerator<ReadItem> {
  yield* items;
}

const W = 8; // rows per window
const opts = { windowSize: W, shareSize: 2, fixedWindows: true };

async function run(items: ReadItem[], dedupe?: DedupeCache, onWindow?: (cache: DedupeCache) => void) {
  const runner = new BatchSensitiveRunner();
  const out: OutputItem[] = [];
  let n = 0;
  for await (const item of labelRows(stream(items), runner, { ...opts, dedupe })) {
    out.push(item);
    if (++n % W === 0 && dedupe) onWindow?.(dedupe);
  }
  return { out, runner };
}

const answer = (o: OutputItem) =>
  'kind' in o ? o.code : `${o.prediction.labelId} ${o.prediction.confidence} ${Array.from(o.prediction.scores ?? []).join(',')}`;

describe('dedupe: each distinct text labelled once', () => {
  test("duplicates (also across window boundaries) take their first occurrence's answer; the model sees each distinct text once", async () => {
    const items = itemsOf(400);
    const { out, runner } = await run(items, new DedupeCache(1000));
    const texts = items.filter((i): i is Extract<ReadItem, { kind: 'row' }> => i.kind === 'row' && i.text.trim() !== '').map((i) => i.text);
    expect(runner.seen.length).toBe(new Set(texts).size);
    expect(new Set(runner.seen).size).toBe(runner.seen.length);
    // every row once, in order; a duplicate's answer is its first occurrence's
    expect(out.map((o) => ('kind' in o ? o.line : o.row.line))).toEqual(items.map((i) => i.line));
    const first = new Map<string, string>();
    let across = 0;
    out.forEach((o, i) => {
      if ('kind' in o || o.prediction.labelId < 0) return;
      const t = o.row.text;
      if (first.has(t)) {
        expect(answer(o)).toBe(first.get(t));
        if (Math.floor(items.findIndex((x) => x.kind === 'row' && x.text === t) / W) < Math.floor(i / W)) across += 1;
      } else first.set(t, answer(o));
    });
    expect(across).toBeGreaterThan(100);
  });

  test('turned off, every row goes to the model', async () => {
    const items = itemsOf(400);
    const { runner } = await run(items, undefined);
    expect(runner.seen.length).toBe(items.filter((i) => i.kind === 'row' && i.text.trim() !== '').length);
  });

  test('bounded: at most `capacity` texts, the oldest forgotten first; a forgotten text is labelled again', async () => {
    const cache = new DedupeCache(3);
    const p = (c: number) => ({ labelId: 0, confidence: c });
    cache.commit([
      ['a', p(1)],
      ['b', p(2)],
      ['c', p(3)],
      ['d', p(4)],
    ]);
    expect(cache.size).toBe(3);
    expect(cache.beforeLastCommit()).toEqual([]);
    cache.begin();
    const { find } = cache.begin();
    expect(find('a')).toBeUndefined();
    expect(find('d')).toEqual(p(4));
    const { runner } = await run(itemsOf(400), new DedupeCache(4));
    expect(runner.seen.length).toBeGreaterThan(new Set(runner.seen).size);
  });

  test('eviction over many commits: always the oldest first, as a plain first-in first-out list of the same keys', () => {
    const capacity = 50;
    const cache = new DedupeCache(capacity);
    const reference: string[] = [];
    let next = 0;
    for (let round = 0; round < 40; round++) {
      const entries: CacheEntry[] = [];
      for (let i = 0; i < (round * 7) % 23; i++) entries.push([`t${next++}`, { labelId: 0, confidence: next }]);
      const before = [...reference];
      cache.commit(entries);
      reference.push(...entries.map(([k]) => k));
      reference.splice(0, Math.max(0, reference.length - capacity));
      expect(cache.size).toBe(reference.length);
      expect(cache.beforeLastCommit().map(([k]) => k)).toEqual(before);
      cache.begin();
      const { find } = cache.begin();
      for (const k of reference) expect(find(k)).toBeDefined();
      for (const k of before.filter((b) => !reference.includes(b))) expect(find(k)).toBeUndefined();
    }
  });

  test('probabilities are kept only when asked for (keepScores): without, an entry is its label and confidence', async () => {
    const items = itemsOf(400);
    for (const keepScores of [true, false]) {
      const cache = new DedupeCache(1000, keepScores);
      const committed: CacheEntry[] = [];
      await run(items, cache, (c) => committed.push(...c.committed));
      expect(committed.length).toBeGreaterThan(0);
      for (const [, p] of committed) expect(p.scores === undefined).toBe(!keepScores);
    }
  });

  test('keys: a SHA-256 of the text, so that texts of any size cost one 22-character key', () => {
    expect(textKey('i am happy')).toHaveLength(22);
    expect(textKey('x'.repeat(1 << 20))).toHaveLength(22);
    expect(textKey('i am happy')).not.toBe(textKey('i am happy '));
    // the journal's keys: the SHA-256 of the UTF-16LE code units, base64url, 22 characters, whichever crypto call makes them
    for (const text of ['', 'i am happy', 'caf\u00e9 \u{1F600}', 'lone \ud800 surrogate', 'x'.repeat(70000)]) {
      expect(textKey(text)).toBe(createHash('sha256').update(text, 'utf16le').digest('base64url').slice(0, 22));
    }
    const e: CacheEntry[] = [['k', { labelId: 2, confidence: Math.fround(0.1234567), scores: Float32Array.from([0.1, 0.2, 0.7]) }]];
    expect(decodeEntries(JSON.parse(JSON.stringify(encodeEntries(e))))).toEqual(e);
  });

  test.each([1, 5, 17])(
    'a run resumed at window %i from the journal answers every row as the uninterrupted run did (a cache small enough to evict)',
    async (k) => {
      const capacity = 12;
      const items = itemsOf(300);
      const journal: CacheEntry[][] = [];
      let snapshot: CacheEntry[] = [];
      const whole = await run(items, new DedupeCache(capacity), (c) => {
        journal.push(c.committed);
        if (journal.length === k) snapshot = c.beforeLastCommit();
      });
      // what the state file holds at the checkpoint after window k-1: the texts each window committed
      const base = journal.slice(0, k - 1).flat();
      const resumedCache = new DedupeCache(capacity);
      resumedCache.restore(base, journal[k - 1]);
      const resumed = await run(items.slice(k * W), resumedCache);
      expect(resumed.out.map(answer)).toEqual(whole.out.slice(k * W).map(answer));
      // and the check can fail: an empty cache (no journal) answers some rows differently
      const cold = await run(items.slice(k * W), new DedupeCache(capacity));
      expect(cold.out.map(answer)).not.toEqual(whole.out.slice(k * W).map(answer));
      // a snapshot taken at that checkpoint (what compaction writes) is the same state as the journal's
      expect(snapshot).toEqual(base.slice(Math.max(0, base.length - capacity)));
    },
  );

  test('a window that fails rejects the run once, through labelRows, with nothing left unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const failing: BatchRunner = { size: 2, run: async () => Promise.reject(new Error('boom')) };
      const gen = labelRows(stream(itemsOf(100)), failing, { ...opts, dedupe: new DedupeCache(100) });
      await expect(
        (async () => {
          for await (const _ of gen) void _;
        })(),
      ).rejects.toThrow('boom');
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
