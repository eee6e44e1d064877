/** Messages between a WorkerPool and its worker threads; shared by both sides. Knows tasks, not models. */

export type ToWorker<P = unknown> =
  | { type: 'task'; id: number; payload: P }
  /** Release what the handler holds and exit: terminating a thread inside native code (onnxruntime) can abort the process. */
  | { type: 'close' };

export type FromWorker<R = unknown> =
  { type: 'ready' } | { type: 'init-error'; message: string } | { type: 'result'; id: number; value: R } | { type: 'error'; id: number; message: string };

/** What a worker script serves: built once from the pool's workerData, before READY is posted. */
export interface TaskHandler<P, R> {
  run(payload: P): Promise<{ value: R; transfer?: ArrayBuffer[] }>;
  close?(): Promise<void>;
}
