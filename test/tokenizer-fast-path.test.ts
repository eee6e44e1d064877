/**
 * The WordPiece fast path (src/tokenizer/wordPieceAscii.ts) against @huggingface/tokenizers with our
 * patches alone (HfTokenizer.withoutFastPath()): the same ids for every text, on the BERT families
 * it takes and the embedded models, at the models' maxLength and at short ones (truncation).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HfTokenizer } from '../src/tokenizer/hf';
import { WordPieceAscii } from '../src/tokenizer/wordPieceAscii';

const ROOT = path.join(__dirname, '..');
const TAKEN = [
  'model',
  'model-fast',
  'fixtures/models/tiny-bert',
  'fixtures/models/tiny-bert-cased',
  'fixtures/models/tiny-distilbert',
  'fixtures/models/tiny-electra',
];
const NOT_TAKEN = ['fixtures/models/tiny-roberta', 'fixtures/models/tiny-albert', 'fixtures/models/tiny-xlm-roberta', 'fixtures/models/tiny-deberta-v2'];

/** Every parity corpus text (the hard strings: Unicode, controls, added tokens …), once. */
const PARITY_TEXTS = [
  ...new Set(JSON.parse(fs.readFileSync(path.join(ROOT, 'fixtures/parity/tokens-tiny-bert.json'), 'utf8')).cases.map((c: { text: string }) => c.text)),
] as string[];

/** Random printable-ASCII texts built from pieces that hit each rule of the path. */
function randomTexts(count: number): string[] {
  let seed = 12345;
  const rnd = (m: number) => (seed = (seed * 16807) % 2147483647) % m;
  const pieces = [
    'i',
    'feel',
    'Feeling',
    'HAPPY',
    'unbelievably',
    'antidisestablishmentarianism',
    'xqzjv',
    'qqqqqqqq',
    'lol',
    "don't",
    "it's",
    'e-mail',
    'http://t.co/x1',
    '@user',
    '#tag',
    '1234567',
    '3.14',
    '$5',
    '...',
    '!!!',
    '?!',
    '[',
    ']',
    '[CLS]',
    '[cls]',
    '[MASK]',
    '[mask]',
    'SEP',
    '[UNK]',
    '[PAD]',
    '##',
    '##ing',
    '~',
    '`',
    '^_^',
    ':-)',
    '<3',
    '{x}',
    '|',
    '\\',
    '"',
    ' ',
    '  ',
    'a'.repeat(99),
    'b'.repeat(100),
    'c'.repeat(101),
    'z'.repeat(250),
    'ab'.repeat(60),
  ];
  return Array.from({ length: count }, () => {
    const parts = Array.from({ length: rnd(30) }, () => pieces[rnd(pieces.length)]);
    const glue = rnd(3) === 0 ? '' : ' ';
    return (rnd(5) === 0 ? ' ' : '') + parts.join(glue) + (rnd(5) === 0 ? ' ' : '');
  });
}

/** Texts of the embedded models' training data when this checkout has them (../shared/data), else none. */
function corpusTexts(): string[] {
  const file = path.join(ROOT, '..', 'shared', 'data', 'emotion', 'validation.csv');
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .slice(1, 2001)
    .map((line) => line.replace(/,\d+$/, ''));
}

const TEXTS = [...PARITY_TEXTS, ...randomTexts(1500), ...corpusTexts(), '', ' ', 'a', 'A b', '!', ' ! '];

// maxLength 5 and 2: truncation inside the content and no room for any; the other families at one length
const CASES = TAKEN.flatMap((dir, i) => (i < 4 ? [128, 5, 2] : [48]).map((maxLength) => [dir, maxLength] as const));

describe('the fast path gives the library’s ids', () => {
  test.each(CASES)('%s, maxLength %d', (dir, maxLength) => {
    const fast = HfTokenizer.fromDir(path.join(ROOT, dir), maxLength);
    const slow = fast.withoutFastPath();
    expect((fast as unknown as { ascii?: WordPieceAscii }).ascii).toBeInstanceOf(WordPieceAscii);
    for (const text of TEXTS) {
      const want = slow.encode(text);
      const got = fast.encode(text);
      if (got.length !== want.length || got.some((id, i) => id !== want[i])) expect({ text, ids: got }).toEqual({ text, ids: want });
    }
  });
});

test.each(NOT_TAKEN)('%s (not BERT WordPiece) does not take the fast path', (dir) => {
  const tok = HfTokenizer.fromDir(path.join(ROOT, dir), 64);
  expect((tok as unknown as { ascii?: WordPieceAscii }).ascii).toBeUndefined();
});

test('texts outside printable ASCII or holding an added token are left to the library', () => {
  const tok = HfTokenizer.fromDir(path.join(ROOT, 'model-fast'), 128);
  const ascii = (tok as unknown as { ascii: WordPieceAscii }).ascii;
  for (const text of ['caf\u00e9', 'tab\there', 'new\nline', 'a [CLS] b', 'x[SEP]', '\u{1F600}', 'nul\0']) expect(ascii.encode(text, 126, [])).toBe(false);
  // the special tokens are not normalized: their lowercase forms are plain text
  for (const text of ['a [ cls ] b', 'a [mask] b', '']) expect(ascii.encode(text, 126, [])).toBe(true);
});
