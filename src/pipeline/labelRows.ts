import { LabelError } from '../errors';
import type { BadRow, BatchOutput, InputRow, LabelledRow, Prediction, ReadItem } from '../types';
import { textKey, type CacheEntry, type DedupeCache } from './dedupe';

/** What the labelling loop needs from a model: a share of texts in, their probabilities out, in order. Tests substitute their own. */
export interface BatchRunner {
  /** Shares it can run at once (workers); windows are sized from it. */
  readonly size: number;
  run(texts: string[]): Promise<BatchOutput>;
}

export type OutputItem = LabelledRow | BadRow;

export interface LabelOptions {
  /** Rows read ahead and labelled together; default 4096, or one share per worker if more. */
  windowSize?: number;
  /** Rows per share (one worker's task); default 1024. */
  shareSize?: number;
  /** Stops the reading; what was read is still labelled and yielded. */
  signal?: AbortSignal;
  /** Told as rows finish (labelled, or needing no model), before they are yielded in order: for progress. */
  onLabelled?: (rows: number, bytes: number) => void;
  /**
   * Every window full (windowSize items) but the last: no window is cut short when the input goes
   * quiet, so which rows share a batch depends on their position only, and a run resumed at a
   * window boundary rebuilds the batches of an uninterrupted run (a confidence can differ in its
   * last printed digit with its batch). For files, which never trickle in.
   */
  fixedWindows?: boolean;
  /** Label each distinct text once (dedupe.ts); off when undefined. */
  dedupe?: DedupeCache;
}

/** Rows per window for a runner of `size` workers. */
export function windowSizeFor(size: number, opts: { windowSize?: number; shareSize?: number } = {}): number {
  return opts.windowSize ?? Math.max(MIN_WINDOW, (opts.shareSize ?? SHARE_SIZE) * size);
}

/**
 * Text with nothing to label: empty, or only whitespace and invisible format characters (zero-width
 * space and joiners, BOM, soft hyphen: Unicode category Cf) or controls. Such a text is written with
 * an empty label instead of whatever the model would make of its special tokens alone.
 */
export function isBlankText(text: string): boolean {
  return /^[\s\p{Cf}\p{Cc}]*$/u.test(text);
}

/** Windows labelled at once: one in the workers while the next is read, so they never wait. */
const WINDOWS_IN_FLIGHT = 2;

/** How long a partly filled window waits for more input before it is labelled anyway. */
const IDLE_MS = 25;

/**
 * Default rows per window: enough for a share per worker on small machines (4 shares of 1024 on
 * 2 cores), so that every worker has work while the next window is read; memory stays small (two
 * windows of rows in flight).
 */
const MIN_WINDOW = 4096;

/**
 * Rows per share: one task for one worker, which tokenizes its texts and groups them by token count.
 * Wider shares pad less (`node bench/padding.mjs` measures the padding per share size) but report
 * progress less often.
 */
const SHARE_SIZE = 1024;

type Wait<T> = { kind: 'item'; result: IteratorResult<T> } | { kind: 'idle' } | { kind: 'aborted' };

/** "lines 3, 7, 12 … (32 rows)": which rows a failed batch held. */
function describeLines(rows: InputRow[]): string {
  const lines = rows.map((r) => r.line).sort((a, b) => a - b);
  const shown = lines.slice(0, 8).join(', ');
  return lines.length > 8 ? `${shown} … (${lines.length} rows, up to line ${lines[lines.length - 1]})` : shown;
}

/**
 * Labels one window of rows: the rows to label are cut into contiguous shares of about `shareSize`
 * (at least one per worker), each share labelled by one worker, which groups its texts by token
 * count into batches (share.ts); the results are put back in input order.
 */
interface WindowResult {
  out: OutputItem[];
  /** The window's new texts with their answers, in input order: committed to the cache when it is handed on. */
  misses: CacheEntry[];
}

/** A copy for one row: rows may mark their own prediction (abstained) without touching the cache's. */
const copyOf = (p: Prediction): Prediction => ({ labelId: p.labelId, confidence: p.confidence, scores: p.scores });

/** A row's answer once its window is labelled: `await` calls then(), so no promise exists until a row asks. */
class WindowAnswer implements PromiseLike<Prediction> {
  constructor(
    private readonly all: Promise<unknown>,
    private readonly out: OutputItem[],
    private readonly i: number,
  ) {}

  then<A = Prediction, B = never>(
    ok?: ((p: Prediction) => A | PromiseLike<A>) | null,
    fail?: ((err: unknown) => B | PromiseLike<B>) | null,
  ): PromiseLike<A | B> {
    return this.all.then(() => (this.out[this.i] as LabelledRow).prediction).then(ok, fail);
  }
}

async function labelWindow(
  window: ReadItem[],
  runner: BatchRunner,
  shareSize: number,
  onLabelled?: LabelOptions['onLabelled'],
  dedupe?: DedupeCache,
): Promise<WindowResult> {
  const view = dedupe?.begin();
  const sorted = sortWindow(window, view, onLabelled);
  const { out, todo, known, missKeys } = sorted;
  const all = labelShares(window, todo, out, runner, shareSize, onLabelled);
  if (view) {
    // The next window may take its answers from this one's new texts before they are committed. A
    // failure reaches the caller through this window; the next one may never ask (the run stopped).
    // One thenable per text, not two promises: it waits on the window only if a later row awaits it.
    todo.forEach((i, j) => view.pending.set(missKeys[j], new WindowAnswer(all, out, i)));
  }
  await all;
  if (known.length > 0) {
    for (const [i, found] of known) {
      const p = typeof found === 'number' ? (out[found] as LabelledRow).prediction : await found;
      out[i] = { row: window[i] as InputRow, prediction: copyOf(p) };
    }
    onLabelled?.(known.length, sorted.knownBytes);
  }
  // copies: a subarray would keep its whole share's scores alive as long as the entry lives
  const keepScores = dedupe?.keepScores ?? false;
  const misses: CacheEntry[] = view
    ? todo.map((i, j) => {
        const p = (out[i] as LabelledRow).prediction;
        return [missKeys[j], { labelId: p.labelId, confidence: p.confidence, scores: keepScores ? p.scores?.slice() : undefined }];
      })
    : [];
  return { out, misses };
}

/** A window's rows sorted by what they need: done already (bad, blank), answered by an earlier text (dedupe), or to label. */
interface SortedWindow {
  out: OutputItem[];
  /** The rows to label, by index in the window. */
  todo: number[];
  /** rows answered by an earlier text: [row index, the answer or the row of this window that has it] */
  known: [number, Prediction | PromiseLike<Prediction> | number][];
  /** The keys of the texts in `todo`, in the same order (dedupe). */
  missKeys: string[];
  knownBytes: number;
}

/** Sorts the window's rows (SortedWindow) and tells `onLabelled` of those that need no model. */
function sortWindow(window: ReadItem[], view: ReturnType<DedupeCache['begin']> | undefined, onLabelled?: LabelOptions['onLabelled']): SortedWindow {
  const out: OutputItem[] = new Array(window.length);
  const todo: number[] = [];
  let doneBytes = 0;
  const known: SortedWindow['known'] = [];
  const firstHere = new Map<string, number>();
  const missKeys: string[] = [];
  let knownBytes = 0;
  window.forEach((item, i) => {
    if (item.kind === 'bad') out[i] = item;
    else if (isBlankText(item.text)) out[i] = { row: item, prediction: { labelId: -1, confidence: 0 } };
    else if (view) {
      const key = textKey(item.text);
      const found = view.find(key) ?? firstHere.get(key);
      if (found === undefined) {
        firstHere.set(key, i);
        missKeys.push(key);
        return todo.push(i);
      }
      known.push([i, found]);
      knownBytes += item.bytes ?? 0;
      return;
    } else return todo.push(i);
    doneBytes += item.bytes ?? 0;
  });
  const ready = window.length - todo.length - known.length;
  if (ready > 0) onLabelled?.(ready, doneBytes);
  return { out, todo, known, missKeys, knownBytes };
}

/**
 * The rows to label (`todo`) cut into contiguous shares of about `shareSize` (at least one per
 * worker), each run by one worker; each share's answers are put into `out` as it comes back.
 */
function labelShares(
  window: ReadItem[],
  todo: number[],
  out: OutputItem[],
  runner: BatchRunner,
  shareSize: number,
  onLabelled?: LabelOptions['onLabelled'],
): Promise<void[]> {
  const shares = Math.max(Math.min(runner.size, todo.length), Math.ceil(todo.length / shareSize));
  const size = Math.ceil(todo.length / Math.max(1, shares));
  const batches: Promise<void>[] = [];
  for (let start = 0; start < todo.length; start += size) {
    const idx = todo.slice(start, start + size);
    const rows = idx.map((i) => window[i] as InputRow);
    batches.push(
      runner.run(rows.map((r) => r.text)).then(
        (res) => {
          onLabelled?.(
            rows.length,
            rows.reduce((sum, r) => sum + (r.bytes ?? 0), 0),
          );
          const k = res.scores.length / idx.length;
          idx.forEach((i, j) => {
            out[i] = {
              row: rows[j],
              prediction: {
                labelId: res.labelIds[j],
                confidence: res.confidences[j],
                scores: res.scores.subarray(j * k, (j + 1) * k),
              },
            };
          });
        },
        (err: Error) => {
          // the runner knows texts; the rows' lines are known here
          throw new LabelError(err instanceof LabelError ? err.code : 'WORKER_FAILED', `rows at lines ${describeLines(rows)}: ${err.message}`);
        },
      ),
    );
  }
  return Promise.all(batches);
}

/**
 * Reads items, labels them in a pool and yields every item exactly once, in input order: labelled
 * rows and bad rows alike. Memory is bounded by the windows in flight, and the reader only reads
 * when the consumer pulls, so a slow consumer slows the reading. A read error is thrown after the
 * rows before it have been yielded.
 */
export async function* labelRows(items: AsyncIterable<ReadItem>, runner: BatchRunner, opts: LabelOptions): AsyncGenerator<OutputItem> {
  const shareSize = opts.shareSize ?? SHARE_SIZE;
  const windowSize = windowSizeFor(runner.size, opts);
  const reader = new WindowReader(items[Symbol.asyncIterator](), windowSize, opts.signal, opts.fixedWindows ?? false);
  const inflight: Promise<WindowResult>[] = [];
  // A resumed run: the last window before the resume point is committed in its place in the order.
  if (opts.dedupe?.deferred) {
    inflight.push(Promise.resolve({ out: [], misses: opts.dedupe.deferred }));
    opts.dedupe.deferred = undefined;
  }
  try {
    for (;;) {
      while (!reader.done && inflight.length < WINDOWS_IN_FLIGHT) {
        const window = await reader.read(inflight.length > 0);
        if (window.length === 0) break;
        const p = labelWindow(window, runner, shareSize, opts.onLabelled, opts.dedupe);
        p.catch(() => undefined); // awaited below; this only keeps a later window's failure from going unhandled
        inflight.push(p);
      }
      const head = inflight.shift();
      if (!head) break;
      const result = await head;
      opts.dedupe?.commit(result.misses);
      for (const item of result.out) yield item;
    }
    if (reader.error !== undefined) throw reader.error;
  } finally {
    await reader.close();
  }
}

/**
 * Reads the input a window at a time, giving up on a read when the signal aborts (a reader blocked
 * on an idle pipe must not keep SIGINT from taking effect) or, once the window has rows (or labelled
 * rows wait to be yielded: `quiet`), when the input goes quiet: rows trickling in through a pipe are
 * labelled without waiting for a full window. A read given up on is not lost: the next window
 * starts with it.
 */
class WindowReader {
  /** The input is finished: read to its end, failed (see `error`) or aborted. */
  done = false;
  error: unknown;
  // A read still pending when the last window was cut short by idle input; the next window starts with it.
  private pending: Promise<IteratorResult<ReadItem>> | undefined;
  // One wait at a time: the current read's resolver, which the abort listener and the idle timer
  // (one per window, re-armed while rows keep coming; not one per row, which cost more main-thread
  // time than parsing the row: bench/README.md, "Main thread") may settle first.
  private settle: ((w: Wait<ReadItem>) => void) | undefined;
  private lastRead = 0;
  private idleArmed = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly onAbort = () => this.settle?.({ kind: 'aborted' });
  private readonly checkIdle = () => {
    const since = performance.now() - this.lastRead;
    if (this.idleArmed && since >= IDLE_MS) this.settle?.({ kind: 'idle' });
    else this.timer = setTimeout(this.checkIdle, Math.max(1, IDLE_MS - since));
  };

  constructor(
    private readonly it: AsyncIterator<ReadItem>,
    private readonly windowSize: number,
    private readonly signal: AbortSignal | undefined,
    /** No idle cut: every window full but the last (LabelOptions.fixedWindows). */
    private readonly fixed: boolean,
  ) {
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  async read(quiet: boolean): Promise<ReadItem[]> {
    const window: ReadItem[] = [];
    this.lastRead = performance.now();
    this.timer = setTimeout(this.checkIdle, IDLE_MS);
    try {
      while (window.length < this.windowSize) {
        if (this.signal?.aborted) {
          this.done = true;
          break;
        }
        const read = this.pending ?? this.it.next();
        this.pending = undefined;
        read.catch(() => undefined); // a read abandoned on abort may fail once its stream is destroyed
        this.idleArmed = !this.fixed && (window.length > 0 || quiet);
        let wait: Wait<ReadItem>;
        try {
          wait = await new Promise<Wait<ReadItem>>((resolve, reject) => {
            this.settle = resolve;
            read.then((result) => resolve({ kind: 'item', result }), reject);
          });
        } catch (err) {
          this.error = err;
          this.done = true;
          break;
        } finally {
          this.settle = undefined;
        }
        if (wait.kind === 'idle') {
          this.pending = read;
          break;
        }
        if (wait.kind === 'aborted' || wait.result.done) {
          this.done = true;
          break;
        }
        window.push(wait.result.value);
        this.lastRead = performance.now();
      }
    } finally {
      clearTimeout(this.timer);
    }
    return window;
  }

  /** Closes the reader early unless a read is still outstanding (closing would wait for it; the caller destroys the input stream instead). */
  async close(): Promise<void> {
    this.signal?.removeEventListener('abort', this.onAbort);
    if (!this.done && !this.pending) await this.it.return?.();
  }
}
