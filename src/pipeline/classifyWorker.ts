/**
 * The worker script of a labelling pool: one onnxruntime session and one tokenizer per thread,
 * built before READY. A task is a share of texts (a few hundred to a few thousand rows of a
 * window): tokenized, grouped by length into batches and labelled here, off the main thread.
 */
import type { BatchOutput } from '../types';
import { Classifier, type ClassifierSpec } from '../infer/classifier';
import { encodeBounded, loadTokenizer } from '../tokenizer';
import { labelShare } from './share';
import { serveTasks } from './workerHost';

export interface ClassifyWorkerData {
  spec: Omit<ClassifierSpec, 'padId'>;
  modelDir: string;
  maxLength: number;
  /** tokenizer_config.json's emoji_to_words: emoji become words before the tokenizer. */
  emojiToWords: boolean;
  batchSize: number;
}

export interface ShareTask {
  texts: string[];
}

serveTasks<ShareTask, BatchOutput>(async (data) => {
  const { spec, modelDir, maxLength, emojiToWords, batchSize } = data as ClassifyWorkerData;
  const tokenizer = loadTokenizer(modelDir, maxLength, { emojiToWords });
  const classifier = await Classifier.create({ ...spec, padId: tokenizer.padId });
  // Only as much of a text as can reach the model's maxLength tokens is tokenized (tokenizer/index.ts).
  const encode = (t: string) => encodeBounded(tokenizer, t);
  const classify = (flat: Int32Array, offsets: Int32Array) => classifier.classifyIds(flat, offsets);
  return {
    async run(task) {
      const out = await labelShare(task.texts, encode, classify, batchSize);
      return { value: out, transfer: [out.labelIds.buffer, out.confidences.buffer, out.scores.buffer] as ArrayBuffer[] };
    },
    close: () => classifier.release(),
  };
});
