/** A worker thread: builds its tokenizer and session once, posts READY, then serves batches. */
import { parentPort, workerData } from 'node:worker_threads';
import { Classifier } from '../infer/classifier';
import type { ModelInfo } from '../infer/modelDir';
import type { FromWorker, ToWorker, WorkerInit } from './protocol';

const port = parentPort!;
const init = workerData as WorkerInit;
const post = (msg: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(msg, transfer);

async function main(): Promise<void> {
  let classifier: Classifier;
  try {
    const info: ModelInfo = { ...init.info, label2id: new Map(init.info.id2label.map((l, i) => [l, i])) };
    classifier = await Classifier.create(info, { intraOpThreads: init.intraOpThreads });
  } catch (err) {
    post({ type: 'init-error', message: (err as Error).message });
    port.close();
    return;
  }
  port.on('message', async (msg: ToWorker) => {
    if (msg.type === 'close') {
      await classifier.release().catch(() => undefined);
      port.close();
      return;
    }
    if (init.faultInjection === 'exit-on-batch') process.exit(7);
    try {
      if (init.faultInjection === 'throw-on-batch') throw new Error('injected fault');
      const out = msg.flat && msg.offsets ? await classifier.classifyIds(msg.flat, msg.offsets) : await classifier.classify(msg.texts);
      post({ type: 'result', id: msg.id, ...out }, [out.labelIds.buffer, out.confidences.buffer, out.scores.buffer] as ArrayBuffer[]);
    } catch (err) {
      post({ type: 'batch-error', id: msg.id, message: (err as Error).message });
    }
  });
  post({ type: 'ready' });
}

void main();
