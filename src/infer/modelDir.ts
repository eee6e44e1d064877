import * as fs from 'node:fs';
import * as path from 'node:path';
import { LabelError } from '../errors';

/** What the CLI needs to know of a model directory laid out as Hugging Face / Optimum exports are. */
export interface ModelInfo {
  dir: string;
  onnxPath: string;
  modelType: string;
  /**
   * The labels of this view, in id order, from config.json's id2label: never from code. Every entry
   * of id2label, except for a model that declares a neutral view (config.json `neutral`) labelling
   * without it: then the declared neutral label is left out (the six-emotion view).
   */
  id2label: string[];
  label2id: Map<string, number>;
  /** Logits the graph gives per text: every entry of config.json's id2label. */
  numOutputs: number;
  /** The logits this view reads, in the order of `id2label` (indices into the graph's output); absent: all of them, in order. */
  outputIndices?: number[];
  /** The label config.json's `neutral` declares ("no emotion"), when it declares a neutral view; whichever view this is. */
  neutralLabel?: string;
  /** This is the neutral view (--neutral): softmax over every output, with `neutral.calibration`. */
  neutral: boolean;
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

/**
 * Reads a model directory. `neutral`: the view with the declared neutral output (--neutral); a
 * model that declares none is a USAGE error naming it.
 */
export function loadModelInfo(dir: string, opts: { neutral?: boolean } = {}): ModelInfo {
  const abs = path.resolve(dir);
  const { configPath, onnxRel } = checkModelFiles(dir, abs);
  const config = readJson(configPath, abs);
  const id2label = id2labelOf(config, configPath);
  const modelType = typeof config.model_type === 'string' ? config.model_type : 'unknown';
  const { maxLength, emojiToWords } = tokenizerSettings(config, abs, modelType);
  const multiLabel = config.problem_type === 'multi_label_classification';
  const neutralLabel = neutralLabelOf(config, configPath, id2label, multiLabel);
  if (opts.neutral && neutralLabel === undefined) {
    throw new LabelError(
      'USAGE',
      `--neutral: the model ${dir} declares no neutral view (its config.json has no "neutral" object; see docs/own-model.md, "No emotion")`,
      { file: configPath },
    );
  }
  const { labels, outputIndices, cal, calName } = viewOf(config, configPath, id2label, neutralLabel, Boolean(opts.neutral));
  return {
    dir: abs,
    onnxPath: path.join(abs, onnxRel),
    modelType,
    id2label: labels,
    label2id: new Map(labels.map((l, i) => [l, i] as [string, number])),
    numOutputs: id2label.length,
    outputIndices,
    neutralLabel,
    neutral: Boolean(opts.neutral),
    multiLabel,
    temperature: temperatureOf(cal, calName, configPath),
    bias: biasOf(cal, calName, configPath, labels),
    maxLength,
    emojiToWords,
  };
}

/** The directory exists and holds config.json, an ONNX file and a tokenizer: all that is missing is named at once. */
function checkModelFiles(dir: string, abs: string): { configPath: string; onnxRel: string } {
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
  return { configPath, onnxRel: onnxRel! };
}

/** config.json's id2label as a list in id order: ids 0 to n-1, each a distinct name. */
function id2labelOf(config: Record<string, unknown>, configPath: string): string[] {
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
  if (new Set(id2label).size !== id2label.length) {
    throw new LabelError('MODEL_INVALID', `config.json id2label names a label twice: ${id2label.join(', ')}`, { file: configPath });
  }
  return id2label;
}

/** Tokens per text (the positions the model has, tokenizer_config.json's model_max_length if lower) and emoji_to_words. */
function tokenizerSettings(config: Record<string, unknown>, abs: string, modelType: string): { maxLength: number; emojiToWords: boolean } {
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
  return { maxLength, emojiToWords };
}

/**
 * The view: with a declared neutral output and without --neutral, the other outputs alone, with
 * `calibration`; with --neutral, every output with `neutral.calibration`. (`calibration` is checked
 * in either case.)
 */
function viewOf(
  config: Record<string, unknown>,
  configPath: string,
  id2label: string[],
  neutralLabel: string | undefined,
  neutral: boolean,
): { labels: string[]; outputIndices?: number[]; cal: ReturnType<typeof calibrationOf>; calName: string } {
  let labels = id2label;
  let outputIndices: number[] | undefined;
  let cal = calibrationOf(config.calibration, 'calibration', configPath);
  let calName = 'calibration';
  if (neutralLabel !== undefined && !neutral) {
    outputIndices = id2label.map((_, i) => i).filter((i) => id2label[i] !== neutralLabel);
    labels = outputIndices.map((i) => id2label[i]);
  } else if (neutralLabel !== undefined) {
    cal = calibrationOf((config.neutral as Record<string, unknown>).calibration, 'neutral.calibration', configPath);
    calName = 'neutral.calibration';
  }
  return { labels, outputIndices, cal, calName };
}

/** The keys config.json's `neutral` object may have. */
const NEUTRAL_KEYS = new Set(['label', 'calibration']);

/**
 * config.json's optional `neutral: { "label": NAME, "calibration": {…} }`: the model's "no emotion"
 * output (NAME, an entry of id2label) and the calibration of the view that includes it. Undefined
 * when absent: a label named "neutral" in id2label is then an ordinary label.
 */
function neutralLabelOf(config: Record<string, unknown>, configPath: string, id2label: string[], multiLabel: boolean): string | undefined {
  const n = config.neutral;
  if (n === undefined) return undefined;
  if (n === null || typeof n !== 'object' || Array.isArray(n)) {
    throw new LabelError('MODEL_INVALID', `config.json neutral must be an object, got ${JSON.stringify(n)}`, { file: configPath });
  }
  const unknown = Object.keys(n).filter((k) => !NEUTRAL_KEYS.has(k));
  if (unknown.length > 0) {
    throw new LabelError('MODEL_INVALID', `config.json neutral has unknown keys ${unknown.join(', ')} (known: ${[...NEUTRAL_KEYS].join(', ')})`, {
      file: configPath,
    });
  }
  const label = (n as Record<string, unknown>).label;
  if (typeof label !== 'string' || !id2label.includes(label)) {
    throw new LabelError('MODEL_INVALID', `config.json neutral.label must name a label of id2label (${id2label.join(', ')}), got ${JSON.stringify(label)}`, {
      file: configPath,
    });
  }
  if (multiLabel) {
    throw new LabelError('MODEL_INVALID', 'config.json declares a neutral view, which needs a softmax model; this one is multi_label_classification', {
      file: configPath,
    });
  }
  if (id2label.length < 3) {
    throw new LabelError('MODEL_INVALID', `config.json declares a neutral view, which needs at least two other labels; id2label has ${id2label.join(', ')}`, {
      file: configPath,
    });
  }
  return label;
}

/** The keys a `calibration` object may have; any other (a misspelt "temprature", say) is an error, not ignored. */
const CALIBRATION_KEYS = new Set(['temperature', 'bias', 'fitted_on']);

/**
 * A `calibration` object (config.json's `calibration`, or `neutral.calibration` for the neutral
 * view), checked to be one with known keys only; undefined when absent.
 */
function calibrationOf(cal: unknown, name: string, configPath: string): Record<string, unknown> | undefined {
  if (cal === undefined) return undefined;
  if (cal === null || typeof cal !== 'object' || Array.isArray(cal)) {
    throw new LabelError('MODEL_INVALID', `config.json ${name} must be an object, got ${JSON.stringify(cal)}`, { file: configPath });
  }
  const unknown = Object.keys(cal).filter((k) => !CALIBRATION_KEYS.has(k));
  if (unknown.length > 0) {
    throw new LabelError('MODEL_INVALID', `config.json ${name} has unknown keys ${unknown.join(', ')} (known: ${[...CALIBRATION_KEYS].join(', ')})`, {
      file: configPath,
    });
  }
  return cal as Record<string, unknown>;
}

/** The calibration's optional `temperature` (T > 0); 1 when absent. */
function temperatureOf(cal: Record<string, unknown> | undefined, name: string, configPath: string): number {
  const t = cal?.temperature;
  if (t === undefined) return 1;
  if (typeof t !== 'number' || !(t > 0) || !Number.isFinite(t)) {
    throw new LabelError('MODEL_INVALID', `config.json ${name}.temperature must be a positive number, got ${JSON.stringify(t)}`, { file: configPath });
  }
  return t;
}

/** The calibration's optional `bias: [b0, …]`: one finite number per label of the view; undefined when absent. */
function biasOf(cal: Record<string, unknown> | undefined, name: string, configPath: string, labels: string[]): number[] | undefined {
  const b = cal?.bias;
  if (b === undefined) return undefined;
  if (!Array.isArray(b) || b.length !== labels.length || !b.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new LabelError(
      'MODEL_INVALID',
      `config.json ${name}.bias must be an array of ${labels.length} numbers (one per label: ${labels.join(', ')}), got ${JSON.stringify(b)}`,
      { file: configPath },
    );
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
