import * as fs from 'node:fs';
import * as path from 'node:path';
import { BertweetTokenizer } from './bertweet/index';
import { emojiToWords } from './emojiWords';
import { HfTokenizer } from './hf';

export interface TextTokenizer {
  /** token ids including special tokens (CLS/SEP or <s>/</s>), truncated to maxLength tokens total (special tokens kept) */
  encode(text: string): number[];
  /** id used to pad batches */
  readonly padId: number;
  readonly maxLength: number;
}

/** True when tokenizer_config.json names BERTweet's tokenizer class. */
function saysBertweet(modelDir: string): boolean {
  const cfgPath = path.join(modelDir, 'tokenizer_config.json');
  if (!fs.existsSync(cfgPath)) return false;
  try {
    const cfg = JSON.parse(fs.readFileSync(cfgPath, 'utf8'));
    return typeof cfg?.tokenizer_class === 'string' && /^BertweetTokenizer(Fast)?$/.test(cfg.tokenizer_class);
  } catch {
    return false;
  }
}

/**
 * Reads tokenizer.json (+ tokenizer_config.json) with @huggingface/tokenizers, or vocab.txt +
 * bpe.codes (BERTweet) when tokenizer_config.json says BertweetTokenizer or no tokenizer.json
 * exists. maxLength: the limit chosen by the caller (min of the config's
 * max_position_embeddings-derived limit and the tokenizer's model_max_length). Throws an Error
 * whose message names the missing file when neither set of files exists. Synchronous. With
 * `emojiToWords` (the model directory's tokenizer_config.json says `"emoji_to_words": true`), each
 * text goes through emojiToWords() first.
 */
export function loadTokenizer(modelDir: string, maxLength: number, opts: { emojiToWords?: boolean } = {}): TextTokenizer {
  const inner = loadModelTokenizer(modelDir, maxLength);
  if (!opts.emojiToWords) return inner;
  // tokenizer_config.json's "emoji_to_words": emoji become their names before the model's tokenizer (emojiWords.ts)
  return { encode: (text) => inner.encode(emojiToWords(text)), padId: inner.padId, maxLength: inner.maxLength };
}

function loadModelTokenizer(modelDir: string, maxLength: number): TextTokenizer {
  const has = (f: string) => fs.existsSync(path.join(modelDir, f));
  const fastBpe = has('vocab.txt') && has('bpe.codes');
  if (saysBertweet(modelDir) && fastBpe) return BertweetTokenizer.fromDir(modelDir, maxLength);
  if (has('tokenizer.json')) return HfTokenizer.fromDir(modelDir, maxLength);
  // BERTweet without tokenizer.json: fromDir names whichever of vocab.txt / bpe.codes is missing
  if (fastBpe || saysBertweet(modelDir) || has('bpe.codes')) return BertweetTokenizer.fromDir(modelDir, maxLength);
  throw new Error(
    `${modelDir} has no tokenizer.json: a model directory needs tokenizer.json, or vocab.txt + bpe.codes for a BERTweet tokenizer`,
  );
}
