import * as path from 'node:path';
import { CHARS_PER_TOKEN_BOUND, encodeBounded, loadTokenizer, modelPrefix, type TextTokenizer } from '../src/tokenizer';
import { ROOT } from './helpers/cli';

/**
 * Issue #23 item 9: only the part of a text that can reach the model's maxLength tokens is
 * tokenized. The prefix must give the same ids as the whole text, for every tokenizer family we
 * ship or verify, and it must be bounded whatever the text's size.
 */
const MODELS = [
  'model',
  'model-fast',
  ...['tiny-bert', 'tiny-roberta', 'tiny-xlm-roberta', 'tiny-bertweet', 'tiny-albert', 'tiny-deberta-v2', 'tiny-electra'].map((m) =>
    path.join('fixtures', 'models', m),
  ),
];
// A small maxLength keeps the texts (a few times maxLength × CHARS_PER_TOKEN_BOUND characters) quick to tokenize; the logic is the same at 128.
const MAX = 16;
const words = 'i feel so happy today, and sad tomorrow! because the weather is strange: love anger fear surprise @user http://t.co/x 😂 naïve café'.split(' ');
let seed = 7;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
function wordsText(chars: number): string {
  const parts: string[] = [];
  let n = 0;
  while (n < chars) {
    const w = words[Math.floor(rand() * words.length)];
    parts.push(w);
    n += w.length + 1;
  }
  return parts.join(rand() < 0.5 ? ' ' : '\n');
}

const limit = MAX * CHARS_PER_TOKEN_BOUND;
const texts: [string, string][] = [
  ['words, 3x the limit', wordsText(3 * limit)],
  ['words, a space just past the limit', 'a'.repeat(limit) + ' ' + wordsText(1000)],
  ['one blob without whitespace', 'abc'.repeat(limit)],
  ['CJK without spaces', '我今天很高兴'.repeat(limit / 3)],
  ['emoji pairs across the cut', '😂'.repeat(limit)],
  ['words then a blob', wordsText(limit - 100) + 'x'.repeat(limit)],
];

describe.each(MODELS)('%s', (dir) => {
  const tok = loadTokenizer(path.join(ROOT, dir), MAX);
  test.each(texts)("%s: encodeBounded gives the whole text's ids, tokenizing a bounded prefix", (_name, text) => {
    const seen: number[] = [];
    const spy: TextTokenizer = { padId: tok.padId, maxLength: tok.maxLength, encode: (t) => (seen.push(t.length), tok.encode(t)) };
    expect(encodeBounded(spy, text)).toEqual(tok.encode(text));
    // the first prefix is the bound, a larger one only when the first did not fill maxLength tokens
    expect(seen[0]).toBeLessThanOrEqual(tok.maxLength * CHARS_PER_TOKEN_BOUND);
  });
});

test('an 8 MB text of words is tokenized from a prefix of at most maxLength × CHARS_PER_TOKEN_BOUND characters', () => {
  const tok = loadTokenizer(path.join(ROOT, 'model'), 128);
  const seen: number[] = [];
  const spy: TextTokenizer = { padId: tok.padId, maxLength: tok.maxLength, encode: (t) => (seen.push(t.length), tok.encode(t)) };
  const huge = wordsText(8_000_000);
  expect(encodeBounded(spy, huge)).toHaveLength(tok.maxLength);
  expect(seen).toHaveLength(1);
  expect(seen[0]).toBeLessThanOrEqual(tok.maxLength * CHARS_PER_TOKEN_BOUND);
  expect(seen[0]).toBeGreaterThan((tok.maxLength * CHARS_PER_TOKEN_BOUND) / 2);
  const short = wordsText(1000);
  expect(modelPrefix(short, 128 * CHARS_PER_TOKEN_BOUND)).toBe(short);
});

test('a surrogate pair at the limit is not split', () => {
  const t = 'a'.repeat(limit - 1) + '😂' + 'b'.repeat(10);
  const p = modelPrefix(t, limit);
  expect(p.length).toBe(limit - 1);
  expect(p.endsWith('a')).toBe(true);
});
