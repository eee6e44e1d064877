import * as fs from 'node:fs';
import * as path from 'node:path';
import { LabelError } from '../errors';

/** What the CLI needs to know of a model directory laid out as Hugging Face / Optimum exports are. */
export interface ModelInfo {
  dir: string;
  onnxPath: string;
  modelType: string;
  /** Labels in id order, from config.json's id2label: never from code. */
  id2label: string[];
  label2id: Map<string, number>;
  /** multi_label_classification → sigmoid per label; otherwise softmax. */
  multiLabel: boolean;
  /**
   * Logits are divided by this before the softmax (or sigmoid): config.json's
   * `calibration.temperature`, fitted on held-out training data; 1 when absent.
   */
  temperature: number;
  /**
   * Added to the logits after the division by the temperature, one number per label in id order:
   * config.json's `calibration.bias`, fitted with the temperature on held-out training data (a prior
   * correction, so it can change the top label); absent when config.json has none.
   */
  bias?: number[];
  /** Tokens per text, special tokens included; longer texts are truncated. */
  maxLength: number;
  /**
   * tokenizer_config.json's `"emoji_to_words": true`: every emoji sequence is replaced by its name
   * as words before tokenization (src/tokenizer/emojiWords.ts). False when absent.
   */
  emojiToWords: boolean;
}

/** ONNX files looked for, in order of preference. */
const ONNX_CANDIDATES = ['model.onnx', 'onnx/model.onnx', 'model_quantized.onnx', 'onnx/model_quantized.onnx'];

/** Model types whose position ids start after the padding index, so two positions are unusable. */
const OFFSET_POSITIONS = new Set(['roberta', 'xlm-roberta', 'camembert', 'bertweet', 'longformer', 'data2vec-text', 'xlm-roberta-xl', 'mpnet']);

/** Hugging Face's "no limit" placeholder for model_max_length. */
const NO_LIMIT = 1e12;

function readJson(file: string, dir: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new LabelError('MODEL_INVALID', `cannot read ${path.basename(file)}: ${(err as Error).message}`, { file });
  }
  try {
    const value = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not a JSON object');
    return value as Record<string, unknown>;
  } catch (err) {
    throw new LabelError('MODEL_INVALID', `${path.relative(dir, file) || file} is not valid JSON: ${(err as Error).message}`, { file });
  }
}

export function loadModelInfo(dir: string): ModelInfo {
  const abs = path.resolve(dir);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) {
    throw new LabelError('MODEL_INVALID', `model directory not found`, { file: dir });
  }
  const missing: string[] = [];
  const configPath = path.join(abs, 'config.json');
  if (!fs.existsSync(configPath)) missing.push('config.json');
  const onnxRel = ONNX_CANDIDATES.find((f) => fs.existsSync(path.join(abs, f)));
  if (!onnxRel) missing.push('model.onnx (or onnx/model.onnx, model_quantized.onnx)');
  const hasTokenizerJson = fs.existsSync(path.join(abs, 'tokenizer.json'));
  const hasBertweet = fs.existsSync(path.join(abs, 'vocab.txt')) && fs.existsSync(path.join(abs, 'bpe.codes'));
  if (!hasTokenizerJson && !hasBertweet) missing.push('tokenizer.json (or vocab.txt + bpe.codes for BERTweet)');
  if (missing.length > 0) {
    throw new LabelError('MODEL_INVALID', `model directory is missing ${missing.join(', ')}`, { file: dir });
  }

  const config = readJson(configPath, abs);
  const rawId2label = config.id2label as Record<string, unknown> | undefined;
  if (!rawId2label || typeof rawId2label !== 'object' || Object.keys(rawId2label).length === 0) {
    throw new LabelError('MODEL_INVALID', 'config.json has no id2label', { file: configPath });
  }
  const n = Object.keys(rawId2label).length;
  const id2label: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = rawId2label[String(i)];
    if (typeof name !== 'string') {
      throw new LabelError('MODEL_INVALID', `config.json id2label has no entry for id ${i}`, { file: configPath });
    }
    id2label.push(name);
  }
  const label2id = new Map(id2label.map((l, i) => [l, i] as [string, number]));

  const modelType = typeof config.model_type === 'string' ? config.model_type : 'unknown';
  let maxLength = typeof config.max_position_embeddings === 'number' ? config.max_position_embeddings : 512;
  if (OFFSET_POSITIONS.has(modelType)) maxLength -= 2;
  const tokConfigPath = path.join(abs, 'tokenizer_config.json');
  let emojiToWords = false;
  if (fs.existsSync(tokConfigPath)) {
    const tokConfig = readJson(tokConfigPath, abs);
    const mml = tokConfig.model_max_length;
    if (typeof mml === 'number' && mml > 0 && mml < NO_LIMIT) maxLength = Math.min(maxLength, mml);
    const e2w = tokConfig.emoji_to_words;
    if (e2w !== undefined && typeof e2w !== 'boolean') {
      throw new LabelError('MODEL_INVALID', `tokenizer_config.json emoji_to_words must be true or false, got ${JSON.stringify(e2w)}`, { file: tokConfigPath });
    }
    emojiToWords = e2w === true;
  }

  return {
    dir: abs,
    onnxPath: path.join(abs, onnxRel!),
    modelType,
    id2label,
    label2id,
    multiLabel: config.problem_type === 'multi_label_classification',
    temperature: temperatureOf(config, configPath),
    bias: biasOf(config, configPath, id2label.length),
    maxLength,
    emojiToWords,
  };
}

/** The keys a `calibration` object may have; any other (a misspelt "temprature", say) is an error, not ignored. */
const CALIBRATION_KEYS = new Set(['temperature', 'bias', 'fitted_on']);

/** config.json's optional `calibration` object, checked to be one with known keys only; undefined when absent. */
function calibrationOf(config: Record<string, unknown>, configPath: string): Record<string, unknown> | undefined {
  const cal = config.calibration;
  if (cal === undefined) return undefined;
  if (cal === null || typeof cal !== 'object' || Array.isArray(cal)) {
    throw new LabelError('MODEL_INVALID', `config.json calibration must be an object, got ${JSON.stringify(cal)}`, { file: configPath });
  }
  const unknown = Object.keys(cal).filter((k) => !CALIBRATION_KEYS.has(k));
  if (unknown.length > 0) {
    throw new LabelError('MODEL_INVALID', `config.json calibration has unknown keys ${unknown.join(', ')} (known: ${[...CALIBRATION_KEYS].join(', ')})`, { file: configPath });
  }
  return cal as Record<string, unknown>;
}

/** config.json's optional `calibration.temperature` (T > 0); 1 when absent. */
function temperatureOf(config: Record<string, unknown>, configPath: string): number {
  const t = calibrationOf(config, configPath)?.temperature;
  if (t === undefined) return 1;
  if (typeof t !== 'number' || !(t > 0) || !Number.isFinite(t)) {
    throw new LabelError('MODEL_INVALID', `config.json calibration.temperature must be a positive number, got ${JSON.stringify(t)}`, { file: configPath });
  }
  return t;
}

/** config.json's optional `calibration: { "bias": [b0, …] }`: one finite number per label; undefined when absent. */
function biasOf(config: Record<string, unknown>, configPath: string, numLabels: number): number[] | undefined {
  const b = calibrationOf(config, configPath)?.bias;
  if (b === undefined) return undefined;
  if (!Array.isArray(b) || b.length !== numLabels || !b.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new LabelError('MODEL_INVALID', `config.json calibration.bias must be an array of ${numLabels} numbers (one per label in id2label), got ${JSON.stringify(b)}`, { file: configPath });
  }
  return b as number[];
}

/** The gold label of an eval row as a label id: a label name, or an id read through id2label. */
export function goldLabelId(gold: string, info: ModelInfo): number | undefined {
  const byName = info.label2id.get(gold) ?? info.label2id.get(gold.trim());
  if (byName !== undefined) return byName;
  if (/^\s*\d+\s*$/.test(gold)) {
    const id = Number(gold);
    if (id < info.id2label.length) return id;
  }
  return undefined;
}
