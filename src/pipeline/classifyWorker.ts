/** The worker script of a labelling pool: one onnxruntime session per thread, built before READY. */
import { serveTasks } from './workerHost';
import type { BatchOutput } from '../types';
import { Classifier, type ClassifierSpec } from '../infer/classifier';

export interface IdsBatch {
  flat: Int32Array;
  offsets: Int32Array;
}

serveTasks<IdsBatch, BatchOutput>(async (data) => {
  const classifier = await Classifier.create(data as ClassifierSpec);
  return {
    async run(batch) {
      const out = await classifier.classifyIds(batch.flat, batch.offsets);
      return { value: out, transfer: [out.labelIds.buffer, out.confidences.buffer, out.scores.buffer] as ArrayBuffer[] };
    },
    close: () => classifier.release(),
  };
});
