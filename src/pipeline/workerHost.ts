import { parentPort, workerData } from 'node:worker_threads';
import type { FromWorker, TaskHandler, ToWorker } from './protocol';

/**
 * The worker side of a WorkerPool: builds the handler from workerData, posts READY, then serves
 * tasks one at a time. A handler's error travels back as a message; it never leaves the pool
 * waiting. Call once from a worker script.
 */
export function serveTasks<P, R>(makeHandler: (data: unknown) => Promise<TaskHandler<P, R>>): void {
  const port = parentPort;
  if (!port) throw new Error('serveTasks() must run in a worker thread');
  const post = (msg: FromWorker<R>, transfer: ArrayBuffer[] = []): void => port.postMessage(msg, transfer);
  void (async () => {
    let handler: TaskHandler<P, R>;
    try {
      handler = await makeHandler(workerData);
    } catch (err) {
      post({ type: 'init-error', message: (err as Error).message });
      port.close();
      return;
    }
    port.on('message', async (msg: ToWorker<P>) => {
      if (msg.type === 'close') {
        await handler.close?.().catch(() => undefined);
        port.close();
        return;
      }
      try {
        const { value, transfer } = await handler.run(msg.payload);
        post({ type: 'result', id: msg.id, value }, transfer);
      } catch (err) {
        post({ type: 'error', id: msg.id, message: (err as Error).message });
      }
    });
    post({ type: 'ready' });
  })();
}
