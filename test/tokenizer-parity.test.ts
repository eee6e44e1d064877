/**
 * Token-id parity with Hugging Face: every fixtures/parity/tokens-<family>.json holds the ids that
 * transformers' AutoTokenizer (add_special_tokens=True, truncation=True, max_length) gives for a
 * corpus of hard strings; loadTokenizer must give the same ids. Regenerate the golden files with
 * training/fixtures/make_fixtures.py.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadTokenizer, type TextTokenizer } from '../src/tokenizer';

interface Golden {
  family: string;
  model_dir: string;
  tokenizer_class: string;
  max_length: number;
  pad_id: number;
  cases: { text: string; ids: number[] }[];
}

const ROOT = path.join(__dirname, '..');
const PARITY = path.join(ROOT, 'fixtures', 'parity');
const FILES = fs
  .readdirSync(PARITY)
  .filter((f) => /^tokens-.+\.json$/.test(f))
  .sort();

/**
 * Cases known to differ from Hugging Face, per family, by text. Each entry must say why.
 * Empty: every family matches exactly. A listed case that starts matching fails the test too,
 * so this list cannot go stale.
 */
const KNOWN_DIFFERENCES: Record<string, Record<string, string>> = {};

function label(text: string): string {
  const s = JSON.stringify(text);
  return s.length > 70 ? `${s.slice(0, 67)}…"` : s;
}

test('the parity golden files are all there', () => {
  expect(FILES).toEqual(
    expect.arrayContaining([
      'tokens-tiny-bert.json',
      'tokens-tiny-distilbert.json',
      'tokens-tiny-roberta.json',
      'tokens-tiny-bertweet.json',
      'tokens-tiny-bertweet-nonorm.json',
      'tokens-tiny-deberta-v2.json',
      'tokens-tiny-bert-cased.json',
      'tokens-tiny-bert-multilabel.json',
      'tokens-tiny-electra.json',
      'tokens-tiny-albert.json',
      'tokens-tiny-xlm-roberta.json',
    ]),
  );
});

describe.each(FILES)('%s', (file) => {
  const golden: Golden = JSON.parse(fs.readFileSync(path.join(PARITY, file), 'utf8'));
  const dir = path.join(ROOT, golden.model_dir);
  const known = KNOWN_DIFFERENCES[golden.family] ?? {};
  let cached: TextTokenizer | undefined;
  // loaded on first use, so that a family that cannot load fails its own tests, not the suite
  const tok = (): TextTokenizer => (cached ??= loadTokenizer(dir, golden.max_length));

  test('pad id and max length', () => {
    const tokenizer = tok();
    expect(tokenizer.padId).toBe(golden.pad_id);
    expect(tokenizer.maxLength).toBe(golden.max_length);
  });

  test.each(golden.cases.map((c) => [label(c.text), c] as const))('%s', (_name, c) => {
    const ids = tok().encode(c.text);
    expect(ids.length).toBeLessThanOrEqual(golden.max_length);
    if (c.text in known) {
      // A known difference (see KNOWN_DIFFERENCES): it must still differ, or the entry is stale.
      expect(ids).not.toEqual(c.ids);
    } else {
      expect(ids).toEqual(c.ids);
    }
  });
});

describe('loadTokenizer', () => {
  test('names the missing file when the directory has no tokenizer', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'no-tokenizer-'));
    try {
      expect(() => loadTokenizer(empty, 64)).toThrow(/tokenizer\.json/);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  test('names bpe.codes when a BERTweet directory lacks it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bertweet-'));
    try {
      const src = path.join(ROOT, 'fixtures', 'models', 'tiny-bertweet');
      for (const f of ['vocab.txt', 'tokenizer_config.json']) fs.copyFileSync(path.join(src, f), path.join(dir, f));
      expect(() => loadTokenizer(dir, 64)).toThrow(/bpe\.codes/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a smaller maxLength truncates further and keeps the special tokens', () => {
    const tok = loadTokenizer(path.join(ROOT, 'fixtures', 'models', 'tiny-bert'), 8);
    const full = loadTokenizer(path.join(ROOT, 'fixtures', 'models', 'tiny-bert'), 64);
    const text = 'i feel so very happy and content today because everything went well';
    const long = full.encode(text);
    const short = tok.encode(text);
    expect(short).toHaveLength(8);
    expect(short.slice(0, 7)).toEqual(long.slice(0, 7));
    expect(short[7]).toBe(long[long.length - 1]);
  });

  test('bertweet: a smaller maxLength truncates further and keeps <s> … </s>', () => {
    const dir = path.join(ROOT, 'fixtures', 'models', 'tiny-bertweet');
    const short = loadTokenizer(dir, 6).encode('i feel so very happy and content today @someone');
    expect(short).toHaveLength(6);
    expect(short[0]).toBe(0);
    expect(short[5]).toBe(2);
  });

  test.each(FILES)('%s: very long texts are truncated without exhausting the stack', (file) => {
    const golden: Golden = JSON.parse(fs.readFileSync(path.join(PARITY, file), 'utf8'));
    const tok = loadTokenizer(path.join(ROOT, golden.model_dir), golden.max_length);
    expect(tok.encode('i feel happy today '.repeat(20_000))).toHaveLength(golden.max_length);
    // one 150k-character "word" (a single pre-token: BPE / Unigram over all of it)
    for (const text of ['x'.repeat(150_000), '😀'.repeat(50_000)]) {
      expect(tok.encode(text).length).toBeLessThanOrEqual(golden.max_length);
    }
  });
});
