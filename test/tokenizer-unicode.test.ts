/**
 * The Unicode defects of @huggingface/tokenizers 0.2.0 that src/tokenizer/hf.ts works around (CJK
 * outside the BMP, per-character lowercasing, SentencePiece's precompiled char map). The expected values were checked with Python's tokenizers 0.23.3; the token-id corpus
 * in fixtures/parity covers the same cases against transformers. Each test below fails without its
 * patch.
 */
import * as fc from 'fast-check';
import * as path from 'node:path';
import { loadTokenizer } from '../src/tokenizer';
import { graphemeClusters, lowercaseByChar, spaceChineseChars } from '../src/tokenizer/hf';

const ROOT = path.join(__dirname, '..');
const model = (name: string) => loadTokenizer(path.join(ROOT, 'fixtures', 'models', name), 64);

describe('CJK ideographs outside the BMP (BERT tokenize_chinese_chars)', () => {
  test('each ideograph is spaced off, by code point, with Rust’s ranges', () => {
    // tokenizers.normalizers.BertNormalizer(handle_chinese_chars=True, lowercase=False, clean_text=False)
    expect(spaceChineseChars('\u{20000}\u{20001}a我\u{30000}')).toBe(' \u{20000}  \u{20001} a 我 \u{30000}');
    // Extension E below U+2B920 and Extension F are not in Rust's list either
    expect(spaceChineseChars('\u{2B820}\u{2CEB0}\u{2B920}')).toBe('\u{2B820}\u{2CEB0} \u{2B920} ');
  });

  test('the embedded model (uncased BERT) gives one [UNK] per Extension B character, as transformers', () => {
    const tok = loadTokenizer(path.join(ROOT, 'model'), 64);
    expect(tok.encode('\u{20000}\u{20001}')).toEqual([101, 100, 100, 102]); // was [101, 100, 102]
  });

  test('a cased BERT gives one token per Extension B character', () => {
    const tok = model('tiny-bert-cased');
    const ids = tok.encode('\u{20000}\u{20001}');
    expect(ids).toHaveLength(4); // [CLS] 𠀀 𠀁 [SEP], not [CLS] [UNK] [SEP]
    expect(ids).toEqual(tok.encode('\u{20000} \u{20001}'));
  });
});

describe('lowercasing is per character, as Rust’s char::to_lowercase', () => {
  test('word-final Σ becomes σ, not ς; İ becomes i + U+0307', () => {
    expect(lowercaseByChar('ΟΔΟΣ ΣΑΣ')).toBe('οδοσ σασ');
    expect(lowercaseByChar('İstanbul')).toBe('i\u0307stanbul');
    expect(lowercaseByChar('ẞ ß ǅ \u212A')).toBe('ß ß ǆ k');
  });

  test('same as lowercasing each code point alone, on any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), (a, b) => {
        const s = `${a}Σ${b}Σ ${a}`;
        expect(lowercaseByChar(s)).toBe(Array.from(s, (c) => c.toLowerCase()).join(''));
      }),
    );
  });

  test.each([
    ['the embedded model (uncased BERT)', path.join(ROOT, 'model')],
    ['tiny-electra (BertNormalizer)', path.join(ROOT, 'fixtures', 'models', 'tiny-electra')],
    ['tiny-albert (Lowercase normalizer)', path.join(ROOT, 'fixtures', 'models', 'tiny-albert')],
  ])('%s: "ΟΔΟΣ" has the ids of "οδοσ", not of "οδος"', (_name, dir) => {
    const tok = loadTokenizer(dir, 64);
    expect(tok.encode('ΟΔΟΣ')).toEqual(tok.encode('οδοσ'));
    expect(tok.encode('ΟΔΟΣ')).not.toEqual(tok.encode('οδος'));
  });
});

describe('SentencePiece precompiled char map', () => {
  test.each(['tiny-xlm-roberta', 'tiny-albert'])('%s: ZWJ is kept and U+061C is a space, as in the map', (name) => {
    const tok = model(name);
    const normalizer = (tok as unknown as { tokenizer: { normalizer: { normalize(t: string): string } } }).tokenizer.normalizer;
    // tokenizer.backend_tokenizer.normalizer.normalize_str in Python
    expect(normalizer.normalize('a\u200db\u061cc ①㎏Ⅻ\u212a')).toBe(name === 'tiny-albert' ? 'a\u200db c 1kgxiik' : 'a\u200db c 1kgXIIK');
  });

  test('grapheme clusters taken window by window are those of the whole text', () => {
    const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
    const pieces = [
      'a',
      ' ',
      '\r',
      '\n',
      '\r\n',
      '😀',
      '👩‍👩‍👧',
      '🇺🇸',
      '🇫',
      '\u200d',
      '\u0301',
      'e\u0301',
      'क्षि',
      '\u1100',
      '\u1161',
      '\u11a8',
      '\u0600',
      '🏽',
      '1️⃣',
      '\ufe0f',
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 700 }), (parts) => {
        const text = parts.join('');
        expect([...graphemeClusters(text)]).toEqual([...segmenter.segment(text)].map((s) => s.segment));
      }),
      { numRuns: 200 },
    );
    expect([...graphemeClusters('a' + '\u0301'.repeat(1000) + 'b')].map((s) => s.length)).toEqual([1001, 1]);
  });
});

describe('speed paths give the ids of the full path (issue #27)', () => {
  const bertModels = ['tiny-bert', 'tiny-bert-cased', 'tiny-electra', 'tiny-distilbert'];

  test.each(bertModels)('%s: BertNormalizer’s printable-ASCII path is its full normalization', (name) => {
    const tok = model(name);
    const n = (tok as unknown as { tokenizer: { normalizer: { normalize(t: string): string; normalizeFully(t: string): string } } }).tokenizer.normalizer;
    expect(typeof n.normalizeFully).toBe('function');
    const ascii = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 });
    // near misses: tab, newline, DEL, NUL, NBSP, an accent, a CJK ideograph, U+FFFD, a BOM
    const other = fc.constantFrom('\t', '\n', '\r', '\x7f', '\0', '\u00a0', 'é', 'e\u0301', '我', '\ufffd', '\ufeff', 'Σ', '\u0085');
    fc.assert(
      fc.property(ascii, fc.option(other), ascii, (a, o, b) => {
        const text = a + (o ?? '') + b;
        expect(n.normalize(text)).toBe(n.normalizeFully(text));
      }),
      { numRuns: 500 },
    );
  });
});
