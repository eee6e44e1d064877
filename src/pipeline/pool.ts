import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './protocol';

/** Why a task or the pool failed: the task's own error, a worker that died twice on it, or a pool that could not start or was closed. */
export type PoolErrorKind = 'task' | 'crash' | 'start' | 'closed';

export class PoolError extends Error {
  constructor(
    readonly kind: PoolErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'PoolError';
  }
}

export interface PoolOptions {
  /** The worker script; it calls serveTasks() (workerHost.ts). */
  script: string;
  /** Handed to every worker, replacements included. */
  workerData: unknown;
  size: number;
  resourceLimits?: ResourceLimits;
  /** Times a task is retried on a new worker after the one running it died (default 1). */
  retries?: number;
}

interface Task<P, R> {
  id: number;
  payload: P;
  attempts: number;
  resolve: (value: R) => void;
  reject: (err: Error) => void;
}

interface Slot<P, R> {
  worker: Worker;
  task?: Task<P, R>;
  ready: boolean;
  gone: boolean;
  exited: Promise<void>;
}

/** How long a worker may take to finish its task and exit when the pool closes. */
const CLOSE_GRACE_MS = 10_000;

/**
 * A fixed number of worker threads serving tasks from one queue, piscina-style: it knows tasks and
 * workers, nothing of what the tasks mean. A worker that dies (an uncaught error, process.exit,
 * terminate()) is replaced, and the task it held is retried on the new worker; a task whose worker
 * dies on every attempt fails with kind 'crash'. A task the handler rejects fails with kind 'task'
 * and is not retried (it would fail the same way). Payloads are copied, not transferred, so that a
 * retry still has them.
 */
export class WorkerPool<P, R> {
  private readonly slots: Slot<P, R>[] = [];
  private readonly queue: Task<P, R>[] = [];
  private nextId = 0;
  private failure?: PoolError;
  private closing = false;
  private readonly retries: number;

  private constructor(private readonly opts: PoolOptions) {
    this.retries = opts.retries ?? 1;
  }

  get size(): number {
    return this.opts.size;
  }

  /** The live worker threads (replacements included), e.g. for a test that terminates one. */
  get threads(): readonly Worker[] {
    return this.slots.filter((s) => !s.gone).map((s) => s.worker);
  }

  /** Starts every worker and resolves once all are ready; if one cannot start, all are closed and the reason is thrown. */
  static async start<P, R>(opts: PoolOptions): Promise<WorkerPool<P, R>> {
    const pool = new WorkerPool<P, R>(opts);
    // Wait for every worker to settle before closing any: stopping a thread while native code
    // (onnxruntime building its session) is running can abort the whole process.
    const settled = await Promise.allSettled(Array.from({ length: opts.size }, () => pool.spawn()));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await pool.close();
      throw failed.reason;
    }
    return pool;
  }

  /** Starts one worker; resolves when it is ready and serving. */
  private spawn(): Promise<void> {
    const worker = new Worker(this.opts.script, { workerData: this.opts.workerData, resourceLimits: this.opts.resourceLimits });
    const slot: Slot<P, R> = { worker, ready: false, gone: false, exited: Promise.resolve() };
    slot.exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    this.slots.push(slot);
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (msg: FromWorker<R>) => {
        if (msg.type === 'ready') {
          slot.ready = true;
          resolve();
          this.dispatch();
          this.refWhileBusy(slot);
        } else if (msg.type === 'init-error') {
          slot.gone = true;
          reject(new PoolError('start', msg.message));
        } else {
          this.settle(slot, msg);
        }
      });
      const died = (why: string) => {
        if (slot.gone) return;
        slot.gone = true;
        if (!slot.ready) reject(new PoolError('start', why));
        else if (!this.closing) this.replace(slot, why);
      };
      worker.on('error', (err) => died(`worker crashed: ${err.message}`));
      worker.on('exit', (code) => died(`worker exited unexpectedly with code ${code}`));
    });
  }

  private settle(slot: Slot<P, R>, msg: FromWorker<R>): void {
    const task = slot.task;
    if (!task || (msg.type !== 'result' && msg.type !== 'error') || msg.id !== task.id) return;
    slot.task = undefined;
    if (msg.type === 'result') task.resolve(msg.value);
    else task.reject(new PoolError('task', msg.message));
    this.dispatch();
    this.refWhileBusy(slot);
  }

  /**
   * A worker keeps the process alive only while it holds a task (or is starting): a program that
   * never calls close() still exits once nothing else is pending, as with Node's own unref()'d
   * handles, while a label() call in flight holds its workers, and so the process, until it settles.
   */
  private refWhileBusy(slot: Slot<P, R>): void {
    if (slot.task) slot.worker.ref();
    else slot.worker.unref();
  }

  /** A worker died: its task goes back to the front of the queue (or fails after its last retry), and a new worker takes its place. */
  private replace(slot: Slot<P, R>, why: string): void {
    const task = slot.task;
    slot.task = undefined;
    if (task) {
      task.attempts += 1;
      if (task.attempts > this.retries) task.reject(new PoolError('crash', `${why} (task tried ${task.attempts} times)`));
      else this.queue.unshift(task);
    }
    this.spawn().catch((err: Error) => this.fail(new PoolError('start', `a replacement worker could not start: ${err.message}`)));
  }

  /** The pool can no longer serve: every queued task and every later run() fails. */
  private fail(err: PoolError): void {
    if (!this.failure) this.failure = err;
    for (const queued of this.queue.splice(0)) queued.reject(this.failure);
  }

  run(payload: P): Promise<R> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(new PoolError('closed', 'the worker pool is closed'));
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, payload, attempts: 0, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0 || this.failure || this.closing) return;
      if (!slot.ready || slot.gone || slot.task) continue;
      const task = this.queue.shift()!;
      slot.task = task;
      slot.worker.ref();
      const msg: ToWorker<P> = { type: 'task', id: task.id, payload: task.payload };
      slot.worker.postMessage(msg);
    }
  }

  /** Asks each worker to release what it holds and exit; one that does not within a few seconds is terminated. Unfinished tasks fail. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      this.slots.map(async (slot) => {
        if (slot.gone) return;
        slot.worker.ref(); // an awaited close() completes, even with nothing else pending
        slot.worker.postMessage({ type: 'close' } satisfies ToWorker<P>);
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), CLOSE_GRACE_MS)));
        if ((await Promise.race([slot.exited, late])) === 'late') await slot.worker.terminate();
        clearTimeout(timer);
      }),
    );
    const closed = new PoolError('closed', 'the worker pool was closed');
    for (const slot of this.slots) slot.task?.reject(closed);
    for (const queued of this.queue.splice(0)) queued.reject(closed);
  }
}
