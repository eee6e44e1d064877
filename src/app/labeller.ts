import { LabelError } from '../errors';
import { loadModelInfo, type ModelInfo } from '../infer/modelDir';
import type { ClassifyWorkerData, ShareTask } from '../pipeline/classifyWorker';
import { labelRows, windowSizeFor, type BatchRunner, type LabelOptions, type OutputItem } from '../pipeline/labelRows';
import { PoolError, WorkerPool } from '../pipeline/pool';
import type { BatchOutput, InputRow, ReadItem } from '../types';
import { disableOrtTelemetry } from '../util/telemetry';
import { workerScript } from '../util/workerScript';
import { normalizeLabellerOptions, type LabellerConfig, type LabellerOptions } from './options';

/** One text's result: `label` is null for an empty (or invisible-only) text, which is not labelled. */
export interface TextLabel {
  label: string | null;
  confidence: number | null;
  /** Every label's probability, by label name (sigmoid per label for multi-label models). */
  scores: Record<string, number> | null;
}

/** Young-generation size of each worker's V8 heap (MB): a batch's ids and results are small and short-lived (bench/README.md, "Memory"). */
const WORKER_YOUNG_GEN_MB = 4;

/**
 * A model loaded into a pool of worker threads, each with its own tokenizer and onnxruntime
 * session: the main thread hands out shares of texts and puts the results back in order. Made by
 * createLabeller().
 */
export class Labeller implements BatchRunner {
  private constructor(
    readonly info: ModelInfo,
    readonly config: LabellerConfig,
    private readonly pool: WorkerPool<ShareTask, BatchOutput>,
  ) {}

  /** Labels in id order, from the model's config.json. */
  get labels(): readonly string[] {
    return this.info.id2label;
  }

  /** Worker threads: how many batches run at once. */
  get size(): number {
    return this.pool.size;
  }

  /** Rows labelled together (a window); a resumed run starts at a multiple of it. */
  get windowSize(): number {
    return windowSizeFor(this.size);
  }

  /** The pool's live threads; for tests that stop one to see the run survive it. */
  get threads() {
    return this.pool.threads;
  }

  static async create(opts: LabellerOptions = {}): Promise<Labeller> {
    // On the main thread, before any worker loads onnxruntime: workers see the process's environment, not their copy of process.env.
    disableOrtTelemetry();
    const config = normalizeLabellerOptions(opts);
    const info = loadModelInfo(config.model, { neutral: config.neutral });
    const workerData: ClassifyWorkerData = {
      spec: {
        onnxPath: info.onnxPath,
        numOutputs: info.numOutputs,
        outputIndices: info.outputIndices,
        multiLabel: info.multiLabel,
        temperature: info.temperature,
        bias: info.bias,
        intraOpThreads: config.threads,
      },
      modelDir: info.dir,
      maxLength: info.maxLength,
      emojiToWords: info.emojiToWords,
      batchSize: config.batchSize,
    };
    let pool: WorkerPool<ShareTask, BatchOutput>;
    try {
      pool = await WorkerPool.start<ShareTask, BatchOutput>({
        script: workerScript('pipeline/classifyWorker'),
        workerData,
        size: config.workers,
        resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GEN_MB },
      });
    } catch (err) {
      throw new LabelError('MODEL_INVALID', `cannot load the model: ${(err as Error).message}`, { file: config.model });
    }
    return new Labeller(info, config, pool);
  }

  /** One share of texts through a worker; a worker failure becomes WORKER_FAILED (labelRows adds the rows' lines). */
  async run(texts: string[]): Promise<BatchOutput> {
    try {
      return await this.pool.run({ texts });
    } catch (err) {
      if (err instanceof PoolError) throw new LabelError('WORKER_FAILED', err.kind === 'task' ? `worker failed: ${err.message}` : err.message);
      throw err;
    }
  }

  /** Rows (from a reader) in, every row out once in input order with its prediction; for labelFile and evaluate. */
  labelRows(items: AsyncIterable<ReadItem>, opts: Pick<LabelOptions, 'signal' | 'onLabelled' | 'fixedWindows' | 'dedupe'> = {}): AsyncGenerator<OutputItem> {
    this.checkOpen();
    return labelRows(items, this, opts);
  }

  /**
   * Labels texts; results in input order. A string is one text (as transformers.js's pipelines
   * take it): `label('hello')` gives one result, not one per letter.
   */
  async label(texts: string | readonly string[]): Promise<TextLabel[]> {
    const out: TextLabel[] = [];
    for await (const r of this.labelStream(typeof texts === 'string' ? [texts] : texts)) out.push(r);
    return out;
  }

  private closed = false;

  /** USAGE after close(): it was WORKER_FAILED / exit 3, as if the model had failed. */
  private checkOpen(): void {
    if (this.closed) throw new LabelError('USAGE', 'the labeller is closed: create another with createLabeller()');
  }

  /**
   * Labels a stream of texts; results come out in input order as they are ready. Texts are read as
   * results are taken (a window of a few thousand ahead at most), so a slow consumer slows the reading.
   */
  async *labelStream(texts: AsyncIterable<string> | Iterable<string> | string): AsyncGenerator<TextLabel> {
    this.checkOpen();
    if (typeof texts === 'string') texts = [texts];
    const source = texts;
    async function* rows(): AsyncGenerator<InputRow> {
      let line = 0;
      for await (const text of source) {
        line += 1;
        if (typeof text !== 'string') throw new LabelError('TEXT_NOT_STRING', `text ${line} is ${text === null ? 'null' : typeof text}, not a string`);
        yield { kind: 'row', line, text };
      }
    }
    for await (const item of this.labelRows(rows())) {
      if ('kind' in item) continue; // rows() makes no bad rows
      yield this.toTextLabel(item.prediction.labelId, item.prediction.confidence, item.prediction.scores);
    }
  }

  private toTextLabel(labelId: number, confidence: number, scores?: Float32Array): TextLabel {
    if (labelId < 0) return { label: null, confidence: null, scores: null };
    const byName: Record<string, number> = {};
    this.info.id2label.forEach((l, i) => (byName[l] = scores ? scores[i] : i === labelId ? confidence : 0));
    return { label: this.info.id2label[labelId], confidence, scores: byName };
  }

  /** Stops the workers; the labeller cannot be used afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    await this.pool.close();
  }
}

/**
 * Loads a model (the embedded one unless `model` names a directory) into a pool of worker threads.
 * Close it when done: `await labeller.close()`.
 */
export function createLabeller(opts: LabellerOptions = {}): Promise<Labeller> {
  return Labeller.create(opts);
}
