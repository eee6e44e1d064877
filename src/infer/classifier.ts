// Before the runtime: effective when the classifier is loaded on the main thread (a worker's env is a copy; see util/telemetry.ts).
import '../util/telemetry';
import * as ort from 'onnxruntime-node';
import type { BatchOutput } from '../types';

/** What a session needs to know of its model; small and plain, so that it travels to a worker thread. */
export interface ClassifierSpec {
  onnxPath: string;
  /** Logits the graph gives per text (config.json's id2label entries). */
  numOutputs: number;
  /** The logits the labels are computed from, in label order (a view without the neutral output); absent: all. */
  outputIndices?: number[];
  /** multi_label_classification → sigmoid per label; otherwise softmax. */
  multiLabel: boolean;
  /** Logits are divided by it before softmax/sigmoid (calibration); 1 leaves them as they are. */
  temperature: number;
  /** Added per label after the division by the temperature (calibration.bias); absent: none. */
  bias?: number[];
  /** The tokenizer's padding id. */
  padId: number;
  /** Threads onnxruntime may use inside one Run(); workers × threads ≈ cores. */
  intraOpThreads: number;
}

/** The session settings of every Classifier; exported so that bench/ceiling.mjs measures the model with the same ones. */
export function sessionOptions(intraOpThreads: number): ort.InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: intraOpThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    enableCpuMemArena: true,
    // Memory patterns are planned and kept per input shape; with a new (batch, length) shape for
    // nearly every batch they only add up, so peak RSS would grow with the run (bench/README.md, "Memory").
    enableMemPattern: false,
    // onnxruntime fuses Add + LayerNormalization into SkipLayerNormalization, which on the CPUs
    // measured is slower than the two ops (bench/README.md, "Optimization log"). It fires on int8 QDQ graphs like ours; on the float32
    // BERT/RoBERTa exports we checked it did not fire with or without this setting.
    extra: { optimization: { disable_specified_optimizers: 'SkipLayerNormFusion' } },
  };
}

/** One InferenceSession, created once and reused for every batch of token ids. */
export class Classifier {
  private constructor(
    private readonly spec: ClassifierSpec,
    private readonly session: ort.InferenceSession,
  ) {}

  static async create(spec: ClassifierSpec): Promise<Classifier> {
    const session = await ort.InferenceSession.create(spec.onnxPath, sessionOptions(spec.intraOpThreads));
    const known = new Set(['input_ids', 'attention_mask', 'token_type_ids']);
    const unknown = session.inputNames.filter((n) => !known.has(n));
    if (!session.inputNames.includes('input_ids') || unknown.length > 0) {
      throw new Error(`model.onnx takes inputs ${session.inputNames.join(', ')}; expected input_ids, attention_mask and optionally token_type_ids`);
    }
    const classifier = new Classifier(spec, session);
    // One text of two tokens through the graph now, so that an output that disagrees with id2label
    // (1 or 10,000 labels for a 6-output graph) fails the loading (MODEL_INVALID, exit 2, nothing
    // written) rather than the first batch (exit 3, the header already written). The output's
    // declared shape may be symbolic; the result of a run is not.
    try {
      await classifier.classifyIds(Int32Array.of(spec.padId, spec.padId), Int32Array.of(0, 2));
    } catch (err) {
      await session.release().catch(() => undefined);
      throw err;
    }
    return classifier;
  }

  /** Texts tokenized by this model's tokenizer: text i's ids are flat[offsets[i] .. offsets[i+1]). */
  async classifyIds(flat: Int32Array, offsets: Int32Array): Promise<BatchOutput> {
    const n = offsets.length - 1;
    const results = await this.session.run(batchFeeds(this.session.inputNames, flat, offsets, this.spec.padId));
    const logits = results[this.session.outputNames[0]];
    const numOutputs = this.spec.numOutputs;
    if (logits.dims.length !== 2 || logits.dims[0] !== n || logits.dims[1] !== numOutputs) {
      throw new Error(`model output has shape [${logits.dims.join(', ')}], expected [${n}, ${numOutputs}] (config.json's id2label has ${numOutputs} labels)`);
    }
    const { data, k } = selectOutputs(logits.data as Float32Array, n, numOutputs, this.spec.outputIndices);
    const out = toProbabilities(data, n, k, this.spec.multiLabel, this.spec.temperature, this.spec.bias);
    for (const t of Object.values(results)) t.dispose?.();
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/**
 * A batch's feeds for a session taking `inputNames`: input_ids padded with padId to the longest
 * text, attention_mask and token_type_ids (zeros) where the graph takes them, all int64 [n, width].
 * Exported so that bench/ceiling.mjs feeds the model exactly as the CLI does.
 */
export function batchFeeds(inputNames: readonly string[], flat: Int32Array, offsets: Int32Array, padId: number): Record<string, ort.Tensor> {
  const n = offsets.length - 1;
  let width = 1;
  for (let i = 0; i < n; i++) width = Math.max(width, offsets[i + 1] - offsets[i]);
  const { ids, mask } = int64Feeds(flat, offsets, width, padId);
  const dims = [n, width];
  const feeds: Record<string, ort.Tensor> = { input_ids: new ort.Tensor('int64', ids, dims) };
  if (inputNames.includes('attention_mask')) feeds.attention_mask = new ort.Tensor('int64', mask, dims);
  if (inputNames.includes('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(n * width), dims);
  return feeds;
}

/** input_ids (padded with padId to `width`) and attention_mask as int64 tensors' data. */
function int64Feeds(flat: Int32Array, offsets: Int32Array, width: number, padId: number): { ids: BigInt64Array; mask: BigInt64Array } {
  const n = offsets.length - 1;
  const ids = new BigInt64Array(n * width).fill(BigInt(padId));
  const mask = new BigInt64Array(n * width);
  for (let r = 0; r < n; r++) {
    for (let j = offsets[r], k = r * width; j < offsets[r + 1]; j++, k++) {
      ids[k] = BigInt(flat[j]);
      mask[k] = 1n;
    }
  }
  return { ids, mask };
}

/** The logits of a view: for each row, the columns `indices` of its `width` logits (all of them when indices is absent). */
export function selectOutputs(logits: Float32Array, n: number, width: number, indices?: readonly number[]): { data: Float32Array; k: number } {
  if (!indices) return { data: logits, k: width };
  const k = indices.length;
  const data = new Float32Array(n * k);
  for (let r = 0; r < n; r++) for (let j = 0; j < k; j++) data[r * k + j] = logits[r * width + indices[j]];
  return { data, k };
}

/**
 * Softmax (single-label) or sigmoid (multi-label) of logits / temperature + bias per row, computed in
 * float64, plus the argmax.
 */
export function toProbabilities(logits: ArrayLike<number>, n: number, k: number, multiLabel: boolean, temperature = 1, bias?: ArrayLike<number>): BatchOutput {
  const scores = new Float32Array(n * k);
  const labelIds = new Int32Array(n);
  const confidences = new Float32Array(n);
  const z = new Float64Array(k);
  const p = new Float64Array(k);
  for (let r = 0; r < n; r++) {
    const base = r * k;
    let max = -Infinity;
    for (let j = 0; j < k; j++) {
      z[j] = logits[base + j] / temperature + (bias ? bias[j] : 0);
      max = Math.max(max, z[j]);
    }
    let sum = 0;
    for (let j = 0; j < k; j++) {
      p[j] = multiLabel ? 1 / (1 + Math.exp(-z[j])) : Math.exp(z[j] - max);
      sum += p[j];
    }
    let best = 0;
    for (let j = 0; j < k; j++) {
      const v = multiLabel ? p[j] : p[j] / sum;
      scores[base + j] = v;
      if (v > scores[base + best]) best = j;
    }
    labelIds[r] = best;
    confidences[r] = scores[base + best];
  }
  return { labelIds, confidences, scores };
}

/** Token ids of a batch as one Int32Array and where each text starts. */
export function packIds(ids: readonly (readonly number[])[]): { flat: Int32Array; offsets: Int32Array } {
  const offsets = new Int32Array(ids.length + 1);
  for (let i = 0; i < ids.length; i++) offsets[i + 1] = offsets[i] + ids[i].length;
  const flat = new Int32Array(offsets[ids.length]);
  for (let i = 0; i < ids.length; i++) flat.set(ids[i], offsets[i]);
  return { flat, offsets };
}
