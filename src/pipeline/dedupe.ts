import * as crypto from 'node:crypto';
import type { Prediction } from '../types';

/**
 * Each distinct text labelled once: a text seen before gets the earlier answer (label, confidence,
 * scores) without running the model again.
 *
 * Keys: SHA-256 of the text's UTF-16 code units, cut to 132 bits (22 base64url characters): a key
 * costs the same for a one-word text and an 8 MB one, an accidental collision is out of reach
 * (about 2^-66 at a billion distinct texts), and unlike a fast non-cryptographic hash nobody can
 * craft two texts that share a key to make one take the other's label. Hashing costs about a
 * microsecond a text, against a few hundred for the model.
 *
 * Bounded: at most `capacity` texts (DEFAULT_DEDUPE_TEXTS), the oldest forgotten first (FIFO; a hit
 * does not refresh an entry, so that the cache's state depends on the order of first occurrences
 * only, which a resumed run can rebuild from its journal).
 *
 * What a window sees, which makes it a function of positions only: window j of a run is
 * deduplicated against the entries committed by windows up to j-2, the texts window j-1 sends to
 * the model (still in flight: their answers are awaited), and its own earlier rows. Window j's own
 * new texts are committed when window j is handed on, in input order.
 */
export const DEFAULT_DEDUPE_TEXTS = 65_536;

/** One committed text: its key and its answer. */
export type CacheEntry = [key: string, prediction: Prediction];

/** crypto.hash (Node 20.12+, 21.7+): one call, without a Hash object per text; about half the main thread's time per key. */
const oneShot = (crypto as { hash?: (algorithm: string, data: Buffer, encoding: 'base64url') => string }).hash;

export function textKey(text: string): string {
  if (oneShot) return oneShot('sha256', Buffer.from(text, 'utf16le'), 'base64url').slice(0, 22);
  return crypto.createHash('sha256').update(text, 'utf16le').digest('base64url').slice(0, 22);
}

export class DedupeCache {
  private readonly map = new Map<string, Prediction>();
  /**
   * The map's keys in insertion order from `head` on: the oldest is `order[head]`. Taking it from
   * `map.keys().next()` instead cost a new iterator per eviction, which starts at the map's first
   * slot and steps over every entry deleted since the table was last rebuilt (the dedupe commit was
   * 16-19% of the main thread at 100,000 distinct rows; bench/README.md, "Fast model").
   */
  private order: string[] = [];
  private head = 0;
  /** The previous window's new texts, answered or not. */
  private previous = new Map<string, PromiseLike<Prediction>>();
  /** Entries the last commit pushed out, oldest first (a snapshot before that commit needs them). */
  private evicted: CacheEntry[] = [];
  private lastCommit: CacheEntry[] = [];
  /** A resumed run's last window: committed when the run's first window has been started. */
  deferred?: CacheEntry[];

  /**
   * @param keepScores whether an entry keeps the text's probabilities (output with --scores, the
   *   library): without them an entry is its label and confidence only, in memory and in the
   *   journal (no Float32Array copy per new text).
   */
  constructor(
    readonly capacity: number = DEFAULT_DEDUPE_TEXTS,
    readonly keepScores = true,
  ) {}

  get size(): number {
    return this.map.size;
  }

  /** A window starts: what its rows can be answered from, and where its own new texts go. */
  begin(): { find: (key: string) => Prediction | PromiseLike<Prediction> | undefined; pending: Map<string, PromiseLike<Prediction>> } {
    const previous = this.previous;
    const pending = new Map<string, PromiseLike<Prediction>>();
    this.previous = pending;
    return { find: (key) => this.map.get(key) ?? previous.get(key), pending };
  }

  /** A window is handed on: its new texts enter the cache in input order, the oldest entries leave. */
  commit(entries: CacheEntry[]): void {
    this.evicted = [];
    for (const [key, p] of entries) {
      const size = this.map.size;
      this.map.set(key, p);
      if (this.map.size === size) continue; // a key already held keeps its place (commits hold new texts only)
      this.order.push(key);
      if (this.map.size > this.capacity) {
        const oldest = this.order[this.head++];
        this.evicted.push([oldest, this.map.get(oldest)!]);
        this.map.delete(oldest);
      }
    }
    if (this.head >= this.capacity) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
    this.lastCommit = entries;
  }

  /** The entries committed last (a window's new texts), for the journal. */
  get committed(): CacheEntry[] {
    return this.lastCommit;
  }

  /** The cache as it was before the last commit, oldest first: a resumed run starts from it. */
  beforeLastCommit(): CacheEntry[] {
    // a commit's texts were all new to the cache: what is not among them was there before
    const added = new Set(this.lastCommit.map(([key]) => key));
    return [...this.evicted, ...this.map.entries()].filter(([key]) => !added.has(key));
  }

  /**
   * A resumed run's state: `base` the entries committed before the last finished window (oldest
   * first; only the newest `capacity` are kept), `last` that window's new texts, which its
   * successor is deduplicated against and which are committed once that successor has started.
   */
  restore(base: CacheEntry[], last: CacheEntry[]): void {
    this.map.clear();
    for (const [key, p] of base.slice(Math.max(0, base.length - this.capacity))) this.map.set(key, p);
    this.order = [...this.map.keys()];
    this.head = 0;
    this.previous = new Map(last.map(([key, p]) => [key, Promise.resolve(p)]));
    this.deferred = last;
  }
}

/** An entry as JSON: [key, labelId, confidence, ...scores] (float32 values, exact through JSON). */
export function encodeEntries(entries: CacheEntry[]): unknown[] {
  return entries.map(([key, p]) => [key, p.labelId, p.confidence, ...(p.scores ? Array.from(p.scores) : [])]);
}

export function decodeEntries(json: unknown): CacheEntry[] {
  if (!Array.isArray(json)) return [];
  return json.map((e) => {
    const [key, labelId, confidence, ...scores] = e as [string, number, number, ...number[]];
    return [key, { labelId, confidence, scores: scores.length > 0 ? Float32Array.from(scores) : undefined }];
  });
}
