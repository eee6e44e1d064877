import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { LabelError } from '../errors';
import type { BatchOutput } from '../infer/classifier';
import type { ModelInfo } from '../infer/modelDir';
import { loadTokenizer } from '../tokenizer';
import type { FromWorker, ToWorker, WorkerInit } from './protocol';

/** What the labelling loop needs from a pool; tests substitute their own. */
export interface BatchRunner {
  readonly size: number;
  /**
   * `where` names the input lines of the batch, for the error message if it fails. `ids`, when
   * given, are the texts' token ids from `encode` (so the runner need not tokenize again).
   */
  run(texts: string[], where: string, ids?: number[][]): Promise<BatchOutput>;
  /** Token ids of a text, as the model's tokenizer makes them; lets batches be grouped by token count. */
  encode?(text: string): number[];
}

interface Task {
  id: number;
  texts: string[];
  ids?: number[][];
  where: string;
  resolve: (out: BatchOutput) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  task?: Task;
  exited: Promise<void>;
  hasExited: boolean;
}

export interface PoolOptions {
  info: ModelInfo;
  workers: number;
  intraOpThreads: number;
  faultInjection?: WorkerInit['faultInjection'];
}

/** How long a worker may take to finish its batch and exit when the pool closes. */
const CLOSE_GRACE_MS = 10_000;

/** Young-generation size of each worker's V8 heap (MB). */
const WORKER_YOUNG_GEN_MB = 4;

/** The compiled worker script; under ts-jest (running .ts sources) the build in dist/ is used. */
function workerScript(): string {
  const here = path.join(__dirname, 'worker.js');
  if (fs.existsSync(here)) return here;
  return path.resolve(__dirname, '../../dist/pipeline/worker.js');
}

/**
 * A fixed set of worker threads, each with its own session. Batches wait in a queue for an idle
 * worker. A worker that fails or exits fails the batch it held and every batch after it: the run
 * stops with an error naming those rows rather than hanging or dropping them.
 */
export class WorkerPool implements BatchRunner {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 0;
  private failure?: Error;
  private closing = false;

  private constructor(readonly size: number) {}

  /** Tokenizes with the model's tokenizer on this thread; absent if that failed to load (the workers then report why). */
  encode?: (text: string) => number[];

  static async start(opts: PoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(opts.workers);
    const { label2id: _unused, ...info } = opts.info;
    const init: WorkerInit = { info, intraOpThreads: opts.intraOpThreads, faultInjection: opts.faultInjection };
    const script = workerScript();
    const ready = Array.from({ length: opts.workers }, () => {
      // A worker's own JS objects are small and short-lived (a batch's ids and results): a small
      // young generation keeps each worker's heap from growing to V8's default (bench/README.md, "Memory").
      const worker = new Worker(script, { workerData: init, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GEN_MB } });
      const slot: Slot = { worker, hasExited: false, exited: Promise.resolve() };
      slot.exited = new Promise<void>((resolve) =>
        worker.once('exit', () => {
          slot.hasExited = true;
          resolve();
        }),
      );
      pool.slots.push(slot);
      return new Promise<void>((resolve, reject) => {
        const onInit = (msg: FromWorker): void => {
          if (msg.type === 'ready') {
            worker.off('message', onInit);
            pool.attach(slot);
            resolve();
          } else if (msg.type === 'init-error') {
            reject(new LabelError('MODEL_INVALID', `cannot load the model: ${msg.message}`, { file: opts.info.dir }));
          }
        };
        worker.on('message', onInit);
        worker.once('error', (err) => reject(new LabelError('MODEL_INVALID', `cannot load the model: ${err.message}`, { file: opts.info.dir })));
        worker.once('exit', (code) => reject(new LabelError('MODEL_INVALID', `worker exited with code ${code} while loading the model`, { file: opts.info.dir })));
      });
    });
    // Load the tokenizer here too while the workers load theirs: batches are then grouped by
    // token count, and the workers get the ids. A tokenizer that fails to load fails in the
    // workers as well, which report it as before.
    try {
      const tokenizer = loadTokenizer(opts.info.dir, opts.info.maxLength);
      pool.encode = (text) => tokenizer.encode(text);
    } catch {
      pool.encode = undefined;
    }
    // Wait for every worker to settle before closing any: stopping a thread while onnxruntime is
    // still building its session can abort the whole process.
    const settled = await Promise.allSettled(ready);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await pool.close();
      throw failed.reason;
    }
    return pool;
  }

  private attach(slot: Slot): void {
    const { worker } = slot;
    // The loading listeners stay: once the ready promise has resolved, their reject is a no-op.
    worker.on('message', (msg: FromWorker) => {
      const task = slot.task;
      if (!task || (msg.type !== 'result' && msg.type !== 'batch-error') || msg.id !== task.id) return;
      slot.task = undefined;
      if (msg.type === 'result') {
        task.resolve({ labelIds: msg.labelIds, confidences: msg.confidences, scores: msg.scores });
        this.dispatch();
      } else {
        this.fail(new LabelError('WORKER_FAILED', `worker failed on rows ${task.where}: ${msg.message}`), task);
      }
    });
    worker.on('error', (err) => this.onWorkerGone(slot, `worker crashed: ${err.message}`));
    worker.on('exit', (code) => {
      if (!this.closing) this.onWorkerGone(slot, `worker exited unexpectedly with code ${code}`);
    });
  }

  private onWorkerGone(slot: Slot, why: string): void {
    const task = slot.task;
    slot.task = undefined;
    const rows = task ? ` while holding rows ${task.where}` : '';
    this.fail(new LabelError('WORKER_FAILED', `${why}${rows}`), task);
  }

  /** Fails the given task and everything still queued; later calls to run() fail at once. */
  private fail(err: Error, task?: Task): void {
    if (!this.failure) this.failure = err;
    task?.reject(err);
    for (const queued of this.queue.splice(0)) queued.reject(this.failure);
  }

  run(texts: string[], where: string, ids?: number[][]): Promise<BatchOutput> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, texts, ids, where, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0 || this.failure) return;
      if (slot.task) continue;
      const task = this.queue.shift()!;
      slot.task = task;
      if (task.ids) {
        const { flat, offsets } = packIds(task.ids);
        const msg: ToWorker = { type: 'batch', id: task.id, texts: [], flat, offsets };
        slot.worker.postMessage(msg, [flat.buffer, offsets.buffer] as ArrayBuffer[]);
      } else {
        const msg: ToWorker = { type: 'batch', id: task.id, texts: task.texts };
        slot.worker.postMessage(msg);
      }
    }
  }

  /** Asks each worker to release its session and exit; one that does not within a few seconds is terminated. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      this.slots.map(async ({ worker, exited, hasExited }) => {
        if (hasExited) return;
        worker.postMessage({ type: 'close' });
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), CLOSE_GRACE_MS)));
        if ((await Promise.race([exited, late])) === 'late') await worker.terminate();
        clearTimeout(timer);
      }),
    );
    const stopped = new LabelError('WORKER_FAILED', 'the worker pool was closed');
    for (const slot of this.slots) slot.task?.reject(stopped);
    for (const queued of this.queue.splice(0)) queued.reject(stopped);
  }
}

/** Token ids of a batch as one Int32Array (transferred, not copied) and where each text starts. */
function packIds(ids: number[][]): { flat: Int32Array; offsets: Int32Array } {
  const offsets = new Int32Array(ids.length + 1);
  for (let i = 0; i < ids.length; i++) offsets[i + 1] = offsets[i] + ids[i].length;
  const flat = new Int32Array(offsets[ids.length]);
  for (let i = 0; i < ids.length; i++) flat.set(ids[i], offsets[i]);
  return { flat, offsets };
}
