import { LabelError } from '../errors';
import type { BadRow, BatchOutput, InputRow, LabelledRow, ReadItem } from '../types';

/** What the labelling loop needs from a model: batches in, probabilities out. Tests substitute their own. */
export interface BatchRunner {
  /** Batches it can run at once (workers); windows are sized from it. */
  readonly size: number;
  /** `ids`, when given, are the texts' token ids from `encode`, so the runner need not tokenize again. */
  run(texts: string[], ids?: number[][]): Promise<BatchOutput>;
  /** Token ids of a text, as the model's tokenizer makes them; lets batches be grouped by token count. */
  encode?(text: string): number[];
}

export type OutputItem = LabelledRow | BadRow;

export interface LabelOptions {
  batchSize: number;
  /** Rows read ahead and grouped by length before batching; defaults to 4096 (or 4 batches per worker if more). */
  windowSize?: number;
  /** Stops the reading; what was read is still labelled and yielded. */
  signal?: AbortSignal;
  /** Told as rows finish (labelled, or needing no model), before they are yielded in order: for progress. */
  onLabelled?: (rows: number, bytes: number) => void;
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
 * Default rows per window. Wide windows let length-aware batching find texts of nearly the same
 * token count (padding ~2% at 4096 rows vs ~19% at 256 on the emotion texts; see bench/README.md);
 * memory stays small (two windows of rows in flight).
 */
const MIN_WINDOW = 4096;

/** Texts tokenized on the main thread between two turns of the event loop. */
const ENCODE_SLICE = 64;

type Wait<T> = { kind: 'item'; result: IteratorResult<T> } | { kind: 'idle' } | { kind: 'aborted' };

/**
 * Waits for a read, but gives up when the signal aborts (a reader blocked on an idle pipe must not
 * keep SIGINT from taking effect) or, with `idleMs`, when the input goes quiet (rows trickling in
 * through a pipe are labelled without waiting for a full window). The read itself is not lost:
 * the caller keeps it for the next window.
 */
function waitForRead<T>(read: Promise<IteratorResult<T>>, signal: AbortSignal | undefined, idleMs?: number): Promise<Wait<T>> {
  if (signal?.aborted) return Promise.resolve({ kind: 'aborted' });
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => finish({ kind: 'aborted' });
    const finish = (w: Wait<T>) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(w);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    if (idleMs !== undefined) timer = setTimeout(() => finish({ kind: 'idle' }), idleMs);
    read.then(
      (result) => finish({ kind: 'item', result }),
      (err) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** "lines 3, 7, 12 … (32 rows)": which rows a failed batch held. */
function describeLines(rows: InputRow[]): string {
  const lines = rows.map((r) => r.line).sort((a, b) => a - b);
  const shown = lines.slice(0, 8).join(', ');
  return lines.length > 8 ? `${shown} … (${lines.length} rows, up to line ${lines[lines.length - 1]})` : shown;
}

/**
 * Labels one window of rows: texts are sorted by length and cut into batches, so that each batch
 * pads little (length-aware batching); the results are put back in input order. When the runner
 * can tokenize (`encode`), the length is the token count and the ids go to the runner with the
 * texts, so they are not tokenized twice; a text the tokenizer throws on is sent as text alone and
 * fails in the runner like any other batch. Otherwise the length is the character count.
 */
async function labelWindow(window: ReadItem[], runner: BatchRunner, batchSize: number, onLabelled?: LabelOptions['onLabelled']): Promise<OutputItem[]> {
  const out: OutputItem[] = new Array(window.length);
  const todo: number[] = [];
  let doneBytes = 0;
  window.forEach((item, i) => {
    if (item.kind === 'bad') out[i] = item;
    else if (isBlankText(item.text)) out[i] = { row: item, prediction: { labelId: -1, confidence: 0 } };
    else return todo.push(i);
    doneBytes += item.bytes ?? 0;
  });
  if (window.length > todo.length) onLabelled?.(window.length - todo.length, doneBytes);
  const encoded: (number[] | undefined)[] = new Array(window.length);
  const length: number[] = new Array(window.length);
  let n = 0;
  for (const i of todo) {
    const text = (window[i] as InputRow).text;
    if (runner.encode) {
      // let the pool hand out batches meanwhile: workers must not wait for a whole window's tokenizing
      if (++n % ENCODE_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
      try {
        encoded[i] = runner.encode(text);
      } catch {
        encoded[i] = undefined;
      }
    }
    length[i] = encoded[i]?.length ?? text.length;
  }
  todo.sort((a, b) => length[a] - length[b]);
  const batches: Promise<void>[] = [];
  for (let start = 0; start < todo.length; start += batchSize) {
    const idx = todo.slice(start, start + batchSize);
    const rows = idx.map((i) => window[i] as InputRow);
    const ids = idx.every((i) => encoded[i] !== undefined) ? idx.map((i) => encoded[i]!) : undefined;
    batches.push(
      runner.run(rows.map((r) => r.text), ids).then((res) => {
        onLabelled?.(rows.length, rows.reduce((sum, r) => sum + (r.bytes ?? 0), 0));
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
      }, (err: Error) => {
        // the runner knows batches; the rows' lines are known here
        throw new LabelError(err instanceof LabelError ? err.code : 'WORKER_FAILED', `rows at lines ${describeLines(rows)}: ${err.message}`);
      }),
    );
  }
  await Promise.all(batches);
  return out;
}

/**
 * Reads items, labels them in a pool and yields every item exactly once, in input order: labelled
 * rows and bad rows alike. Memory is bounded by the windows in flight, and the reader only reads
 * when the consumer pulls, so a slow consumer slows the reading. A read error is thrown after the
 * rows before it have been yielded.
 */
export async function* labelRows(
  items: AsyncIterable<ReadItem>,
  runner: BatchRunner,
  opts: LabelOptions,
): AsyncGenerator<OutputItem> {
  const windowSize = opts.windowSize ?? Math.max(MIN_WINDOW, opts.batchSize * runner.size * 4);
  const it = items[Symbol.asyncIterator]();
  const inflight: Promise<OutputItem[]>[] = [];
  let done = false;
  let readError: unknown;

  // A read still pending when the last window was cut short by idle input; the next window starts with it.
  let pending: Promise<IteratorResult<ReadItem>> | undefined;
  // `quiet`: labelled rows are waiting to be yielded, so an idle input must not hold them back.
  const readWindow = async (quiet: boolean): Promise<ReadItem[]> => {
    const window: ReadItem[] = [];
    while (window.length < windowSize) {
      const read = pending ?? it.next();
      pending = undefined;
      read.catch(() => undefined); // a read abandoned on abort may fail once its stream is destroyed
      let wait: Wait<ReadItem>;
      try {
        wait = await waitForRead(read, opts.signal, window.length > 0 || quiet ? IDLE_MS : undefined);
      } catch (err) {
        readError = err;
        done = true;
        break;
      }
      if (wait.kind === 'idle') {
        pending = read;
        break;
      }
      if (wait.kind === 'aborted' || wait.result.done) {
        done = true;
        break;
      }
      window.push(wait.result.value);
    }
    return window;
  };

  try {
    for (;;) {
      while (!done && inflight.length < WINDOWS_IN_FLIGHT) {
        const window = await readWindow(inflight.length > 0);
        if (window.length === 0) break;
        const p = labelWindow(window, runner, opts.batchSize, opts.onLabelled);
        p.catch(() => undefined); // awaited below; this only keeps a later window's failure from going unhandled
        inflight.push(p);
      }
      const head = inflight.shift();
      if (!head) break;
      for (const item of await head) yield item;
    }
    if (readError !== undefined) throw readError;
  } finally {
    // Close the reader early unless a read is still outstanding (closing would wait for it; the
    // caller destroys the input stream instead).
    if (!done && !pending) await it.return?.();
  }
}
