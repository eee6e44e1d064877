/** Messages between the WorkerPool and its worker threads; shared by both sides. */
import type { ModelInfo } from '../infer/modelDir';

export interface WorkerInit {
  info: Omit<ModelInfo, 'label2id'>;
  intraOpThreads: number;
  /** Test hook: make the worker fail on purpose (exercises the error paths). */
  faultInjection?: 'throw-on-batch' | 'exit-on-batch';
}

export type ToWorker =
  /** With `flat` + `offsets`, the texts were tokenized already: text i's ids are flat[offsets[i] .. offsets[i+1]) and `texts` is empty. */
  | { type: 'batch'; id: number; texts: string[]; flat?: Int32Array; offsets?: Int32Array }
  /** Release the session and exit: terminating a thread inside onnxruntime can abort the process. */
  | { type: 'close' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'init-error'; message: string }
  | {
      type: 'result';
      id: number;
      labelIds: Int32Array;
      confidences: Float32Array;
      scores: Float32Array;
    }
  | { type: 'batch-error'; id: number; message: string };
