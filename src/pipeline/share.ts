import { packIds } from '../infer/classifier';
import type { BatchOutput } from '../types';

/**
 * Labels one share of texts inside a worker: tokenizes them, sorts them by token count and cuts
 * them into batches of `batchSize`, so that each batch pads little (length-aware batching), runs
 * the batches one after the other, and gives the results back in the share's order.
 */
export async function labelShare(
  texts: readonly string[],
  encode: (text: string) => number[],
  classify: (flat: Int32Array, offsets: Int32Array) => Promise<BatchOutput>,
  batchSize: number,
): Promise<BatchOutput> {
  const n = texts.length;
  const ids = texts.map((t) => encode(t));
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => ids[a].length - ids[b].length);
  const labelIds = new Int32Array(n);
  const confidences = new Float32Array(n);
  let scores = new Float32Array(0);
  for (let start = 0; start < n; start += batchSize) {
    const idx = order.slice(start, start + batchSize);
    const { flat, offsets } = packIds(idx.map((i) => ids[i]));
    const out = await classify(flat, offsets);
    const k = out.scores.length / idx.length;
    if (scores.length === 0) scores = new Float32Array(n * k);
    idx.forEach((i, j) => {
      labelIds[i] = out.labelIds[j];
      confidences[i] = out.confidences[j];
      scores.set(out.scores.subarray(j * k, (j + 1) * k), i * k);
    });
  }
  return { labelIds, confidences, scores };
}
