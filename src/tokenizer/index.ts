import * as fs from 'node:fs';
import * as path from 'node:path';
import { BertweetTokenizer } from './bertweet/index';
import { emojiToWords } from './emojiWords';
import { HfTokenizer } from './hf';
import type { TextTokenizer } from './textTokenizer';

export type { TextTokenizer } from './textTokenizer';

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
  throw new Error(`${modelDir} has no tokenizer.json: a model directory needs tokenizer.json, or vocab.txt + bpe.codes for a BERTweet tokenizer`);
}

/**
 * Characters of a text first handed to the tokenizer per token the model can read: a generous
 * bound (English averages 4-5 characters a token), so that a text's first maxLength tokens nearly
 * always lie in its first maxLength × 512 characters (65,536 for 128 tokens).
 */
export const CHARS_PER_TOKEN_BOUND = 512;

/**
 * The first `limit` characters of a text, or fewer: cut at a whitespace character when one is in
 * the limit's second half, so that every word before the cut is tokenized as in the whole text
 * (the pre-tokenizers of BERT, RoBERTa, XLM-R and BERTweet split at whitespace). A surrogate pair
 * is never split.
 */
export function modelPrefix(text: string, limit: number): string {
  if (text.length <= limit) return text;
  for (let i = limit; i > limit / 2; i--) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d) return text.slice(0, i);
  }
  const c = text.charCodeAt(limit - 1);
  return text.slice(0, c >= 0xd800 && c <= 0xdbff ? limit - 1 : limit);
}

/**
 * The text's ids as `tok.encode(text)` gives them, tokenizing only as much of it as can reach the
 * model's maxLength tokens: tokenizing a whole 8 MB record took 55-80 times its size in memory
 * (issue #23). A prefix that already fills maxLength tokens gives the whole text's ids (the words
 * before a whitespace cut are tokenized alike); one that does not (a 65,536-character word, long
 * runs of characters the tokenizer drops) is grown fourfold until it does, or is the whole text.
 * The field itself is written whole; only what the tokenizer sees is cut.
 */
export function encodeBounded(tok: TextTokenizer, text: string): number[] {
  for (let limit = Math.max(1, tok.maxLength) * CHARS_PER_TOKEN_BOUND; ; limit *= 4) {
    const prefix = modelPrefix(text, limit);
    const ids = tok.encode(prefix);
    if (prefix.length === text.length || ids.length >= tok.maxLength) return ids;
  }
}
