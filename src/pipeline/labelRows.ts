import type { BadRow, InputRow, LabelledRow, ReadItem } from '../types';
import type { BatchRunner } from './pool';

export type OutputItem = LabelledRow | BadRow;

export interface LabelOptions {
  batchSize: number;
  /** Rows read ahead and grouped by length before batching; defaults to a few batches per worker. */
  windowSize?: number;
  /** Stops the reading; what was read is still labelled and yielded. */
  signal?: AbortSignal;
}

/** Windows labelled at once: one in the workers while the next is read, so they never wait. */
const WINDOWS_IN_FLIGHT = 2;

/** "lines 3, 7, 12 … (32 rows)": which rows a failed batch held. */
function describeLines(rows: InputRow[]): string {
  const lines = rows.map((r) => r.line).sort((a, b) => a - b);
  const shown = lines.slice(0, 8).join(', ');
  return lines.length > 8 ? `${shown} … (${lines.length} rows, up to line ${lines[lines.length - 1]})` : shown;
}

/**
 * Labels one window of rows: texts are sorted by length and cut into batches, so that each batch
 * pads little (length-aware batching); the results are put back in input order.
 */
async function labelWindow(window: ReadItem[], runner: BatchRunner, batchSize: number): Promise<OutputItem[]> {
  const out: OutputItem[] = new Array(window.length);
  const todo: number[] = [];
  window.forEach((item, i) => {
    if (item.kind === 'bad') out[i] = item;
    else if (item.text.trim() === '') out[i] = { row: item, prediction: { labelId: -1, confidence: 0 } };
    else todo.push(i);
  });
  todo.sort((a, b) => (window[a] as InputRow).text.length - (window[b] as InputRow).text.length);
  const batches: Promise<void>[] = [];
  for (let start = 0; start < todo.length; start += batchSize) {
    const idx = todo.slice(start, start + batchSize);
    const rows = idx.map((i) => window[i] as InputRow);
    batches.push(
      runner.run(rows.map((r) => r.text), `at lines ${describeLines(rows)}`).then((res) => {
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
  const windowSize = opts.windowSize ?? Math.max(256, opts.batchSize * runner.size * 4);
  const it = items[Symbol.asyncIterator]();
  const inflight: Promise<OutputItem[]>[] = [];
  let done = false;
  let readError: unknown;

  const readWindow = async (): Promise<ReadItem[]> => {
    const window: ReadItem[] = [];
    while (window.length < windowSize) {
      if (opts.signal?.aborted) {
        done = true;
        break;
      }
      let next: IteratorResult<ReadItem>;
      try {
        next = await it.next();
      } catch (err) {
        readError = err;
        done = true;
        break;
      }
      if (next.done) {
        done = true;
        break;
      }
      window.push(next.value);
    }
    return window;
  };

  try {
    for (;;) {
      while (!done && inflight.length < WINDOWS_IN_FLIGHT) {
        const window = await readWindow();
        if (window.length === 0) break;
        const p = labelWindow(window, runner, opts.batchSize);
        p.catch(() => undefined); // awaited below; this only keeps a later window's failure from going unhandled
        inflight.push(p);
      }
      const head = inflight.shift();
      if (!head) break;
      for (const item of await head) yield item;
    }
    if (readError !== undefined) throw readError;
  } finally {
    if (!done) await it.return?.();
  }
}
