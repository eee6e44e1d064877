import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  BertNormalizer,
  BertPreTokenizer,
  ByteLevelPreTokenizer,
  LowercaseNormalizer,
  MetaspacePreTokenizer,
  PrecompiledNormalizer,
  SequenceNormalizer,
  SequencePreTokenizer,
  StripNormalizer,
  Tokenizer,
  Unigram,
  WhitespaceSplitPreTokenizer,
} from '@huggingface/tokenizers';
import type { TextTokenizer } from './textTokenizer';
import { WordPieceAscii } from './wordPieceAscii';

/*
 * Whitespace fixes. @huggingface/tokenizers uses JavaScript's \s and String.prototype.trim in a
 * few hard-coded places, where the Rust tokenizers use Unicode White_Space (char::is_whitespace,
 * Oniguruma's \s). The two differ on U+0085 (NEL: whitespace in Rust only) and U+FEFF (BOM /
 * zero-width no-break space: whitespace in JavaScript only), which changed the ids of texts holding
 * them (found by fuzzing against Python). The regexes that come from tokenizer.json are already
 * rewritten by the library; these are the built-in ones.
 *
 * These patches reach into the library's objects (fields and methods of @huggingface/tokenizers
 * 0.2.0 instances). test/tokenizer-parity.test.ts has id cases that fail without the Strip and
 * ByteLevel fixes and long-text cases that fail without the Unigram one, so a library upgrade that
 * changes those internals shows up there. (BertPreTokenizer and WhitespaceSplit get the same
 * White_Space rule for consistency; no fixture tells them apart.)
 */
const WS_START = /^\p{White_Space}+/u;
const WS_END = /\p{White_Space}+$/u;
const BYTE_LEVEL_RE = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+/gu;
const BERT_PUNCTUATION = '\\p{P}\\u0021-\\u002F\\u003A-\\u0040\\u005B-\\u0060\\u007B-\\u007E';
const BERT_PRE_RE = new RegExp(`[^\\p{White_Space}${BERT_PUNCTUATION}]+|[${BERT_PUNCTUATION}]`, 'gu');

type Patchable = { [k: string]: unknown };

/*
 * Unicode fixes in the normalizers, so that token ids match transformers' (the Rust tokenizers)
 * for every family test/tokenizer-parity.test.ts covers.
 *
 * 1. BERT's tokenize_chinese_chars. @huggingface/tokenizers 0.2.0 (BertNormalizer.
 *    tokenize_chinese_chars) walks the text by UTF-16 code unit and tests charCodeAt(0), so a
 *    character outside the Basic Multilingual Plane (CJK Extension B and later, e.g. U+20000) is
 *    seen as two surrogates, is never recognised and is not split off: "𠀀𠀁" stays one word ([UNK]),
 *    where the Rust tokenizers (BertNormalizer::do_handle_chinese_chars, per char) give one token per
 *    character. Here the walk is by code point, with the same ranges as Rust's is_chinese_char
 *    (checked code point by code point against tokenizers 0.23.3: Extension G, U+30000…, is not
 *    among them in either).
 *
 * 2. Lowercasing. The library lowercases the whole string with String.prototype.toLowerCase (in
 *    BertNormalizer.normalize and in the Lowercase normalizer), which applies Unicode's one
 *    context-sensitive, language-independent mapping: Final_Sigma, a word-final "Σ" → "ς". Rust's
 *    NormalizedString::lowercase maps char by char with char::to_lowercase, which has no context:
 *    "Σ" → "σ" everywhere. Every other mapping is the same per code point in both (unconditional
 *    full mappings of SpecialCasing.txt included: "İ" → "i̇", two code points, in JS and in Rust; the
 *    other conditional mappings are language-tagged and used by neither). So lowercasing one code
 *    point at a time gives Rust's result; the Σ check keeps the one-call path for all other texts.
 *
 * 3. Order in BertNormalizer: Rust strips accents (NFD, drop Mn) before lowercasing; the library
 *    lowercases first. The orders agree on every text we have found, but we follow Rust's.
 */
const CHINESE_CHARS =
  /[\u{3400}-\u{4DBF}\u{4E00}-\u{9FFF}\u{F900}-\u{FAFF}\u{20000}-\u{2A6DF}\u{2A700}-\u{2B73F}\u{2B740}-\u{2B81F}\u{2B920}-\u{2CEAF}\u{2F800}-\u{2FA1F}]/gu;

/** BERT's tokenize_chinese_chars, by code point: a space on each side of every CJK ideograph. */
export function spaceChineseChars(text: string): string {
  return text.replace(CHINESE_CHARS, ' $& ');
}

/** Only U+0020..U+007E: no control, no whitespace but the space, nothing NFD or the CJK rule changes. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * BertNormalizer for printable ASCII alone (most texts) without its steps: clean_text (drops
 * controls, maps whitespace to ' '), the CJK spacing and accent stripping (NFD, drop Mn) all leave
 * such a text as it is, and clean_text's regex per character was the largest part of normalizing
 * (bench/README.md, "Fast model"). Other texts go through `full`.
 */
export function withAsciiPath(full: (text: string) => string, lowercase: boolean): (text: string) => string {
  return (text) => (PRINTABLE_ASCII.test(text) ? (lowercase ? text.toLowerCase() : text) : full(text));
}

/** Lowercase like Rust's char::to_lowercase applied to each char (no Final_Sigma rule). */
export function lowercaseByChar(text: string): string {
  if (!text.includes('\u03A3')) return text.toLowerCase(); // only Σ has a context-sensitive mapping
  let out = '';
  for (const ch of text) out += ch.toLowerCase();
  return out;
}

/*
 * SentencePiece's precompiled char map (the Precompiled normalizer of ALBERT, XLM-R, T5, mBART …
 * tokenizer.json files). @huggingface/tokenizers 0.2.0 ignores the map it is given and applies an
 * approximation instead (drop some control characters, map a fixed list of spaces to " ", then
 * String.prototype.normalize('NFKC')). For the default map (nmt_nfkc) that differs on U+200D
 * (zero-width joiner: kept by the map, turned into a space by the approximation — every ZWJ emoji
 * sequence, e.g. 👩‍👩‍👧, got other ids) and U+061C (a space in the map, kept by the approximation),
 * and it cannot follow any other map (e.g. nmt_nfkc_cf, which also case-folds). So the map itself
 * is used here, as Rust's tokenizers (normalizers::precompiled, crate spm_precompiled) use it:
 *
 *   blob = u32 LE trie size in bytes | darts-clone double array (u32 LE units) | NUL-terminated
 *   UTF-8 replacement strings. The text is walked by extended grapheme cluster; a cluster shorter
 *   than 6 UTF-8 bytes whose bytes have a prefix in the trie is replaced whole by the replacement
 *   of its shortest such prefix; otherwise each char is looked up alone (and kept when absent).
 */
class CharsMap {
  private readonly units: Uint32Array;
  private readonly strings: Buffer;
  private readonly cache = new Map<string, string | null>();
  private static readonly encoder = new TextEncoder();

  constructor(base64: string) {
    const blob = Buffer.from(base64, 'base64');
    const trieBytes = blob.readUInt32LE(0);
    if (trieBytes % 4 !== 0 || 4 + trieBytes > blob.length) throw new Error('precompiled_charsmap: bad trie size');
    this.units = new Uint32Array(trieBytes / 4);
    for (let i = 0; i < this.units.length; i++) this.units[i] = blob.readUInt32LE(4 + 4 * i);
    this.strings = blob.subarray(4 + trieBytes);
  }

  /** The replacement of the shortest prefix of `chunk` found in the trie, or null. */
  transform(chunk: string): string | null {
    const hit = this.cache.get(chunk);
    if (hit !== undefined) return hit;
    const units = this.units;
    const offset = (u: number) => (u >>> 10) << ((u & (1 << 9)) >>> 6);
    let result: string | null = null;
    let pos = offset(units[0]);
    for (const byte of CharsMap.encoder.encode(chunk)) {
      if (byte === 0) break;
      pos ^= byte;
      const unit = units[pos];
      if (unit === undefined || (unit & ((1 << 31) | 0xff)) >>> 0 !== byte) break; // label mismatch
      pos ^= offset(unit);
      if ((unit >>> 8) & 1) {
        // has a leaf: its value is the offset of the replacement string
        const start = units[pos] & 0x7fffffff;
        const end = this.strings.indexOf(0, start);
        result = this.strings.toString('utf8', start, end < 0 ? this.strings.length : end);
        break; // Rust takes the first (shortest) match
      }
    }
    if (this.cache.size < 65536) this.cache.set(chunk, result);
    return result;
  }

  normalize(text: string): string {
    let out = '';
    for (const segment of graphemeClusters(text)) {
      if (Buffer.byteLength(segment, 'utf8') < 6) {
        const whole = this.transform(segment);
        if (whole !== null) {
          out += whole;
          continue;
        }
      }
      for (const ch of segment) out += this.transform(ch) ?? ch;
    }
    return out;
  }
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * The extended grapheme clusters of `text`, in order. Intl.Segmenter is used on windows of the
 * text, because iterating its segments takes time quadratic in the length of the string in Node 20
 * (0.5 s for 40k characters). Each window starts at a cluster boundary and its last cluster (which
 * the window's end may have cut) is left to the next window: Unicode's rules (UAX #29) decide each
 * boundary from the left context and the one char after it, so every boundary before that last
 * cluster is one of the whole text. A window holding a single cluster is grown until it ends.
 */
export function* graphemeClusters(text: string): Generator<string> {
  let start = 0;
  let size = 256;
  while (start < text.length) {
    let end = Math.min(text.length, start + size);
    // never cut a surrogate pair: every rule decides a boundary from the whole char after it
    if (end < text.length && /[\uD800-\uDBFF]/.test(text[end - 1])) end -= 1;
    const segments: string[] = [];
    let lastIndex = 0;
    for (const { segment, index } of graphemes.segment(text.slice(start, end))) {
      segments.push(segment);
      lastIndex = index;
    }
    if (end === text.length) {
      yield* segments;
      return;
    }
    if (segments.length === 1) {
      size *= 2; // one cluster fills the window: look further
      continue;
    }
    for (let k = 0; k < segments.length - 1; k++) yield segments[k];
    start += lastIndex;
    size = 256;
  }
}

function patchNormalizer(n: unknown): void {
  if (n instanceof SequenceNormalizer) {
    for (const child of ((n as unknown as Patchable).normalizers as unknown[]) ?? []) patchNormalizer(child);
  } else if (n instanceof BertNormalizer) {
    const self = n as unknown as {
      config: { clean_text?: boolean; handle_chinese_chars?: boolean; lowercase?: boolean; strip_accents?: boolean | null };
      clean_text: (t: string) => string;
      strip_accents: (t: string) => string;
      normalize: (t: string) => string;
    };
    const cfg = self.config ?? {};
    // Rust's BertNormalizer::normalize: clean_text, chinese chars, strip accents (default: when
    // lowercasing), lowercase
    const full = (text: string) => {
      if (cfg.clean_text) text = self.clean_text(text);
      if (cfg.handle_chinese_chars) text = spaceChineseChars(text);
      if (cfg.strip_accents ?? cfg.lowercase) text = self.strip_accents(text);
      if (cfg.lowercase) text = lowercaseByChar(text);
      return text;
    };
    self.normalize = withAsciiPath(full, cfg.lowercase === true);
    (self as unknown as Patchable).normalizeFully = full; // for test/tokenizer-unicode.test.ts
  } else if (n instanceof PrecompiledNormalizer) {
    const charsmap = (n as unknown as Patchable).charsmap;
    if (typeof charsmap === 'string' && charsmap.length > 0) {
      const map = new CharsMap(charsmap);
      (n as unknown as Patchable).normalize = (text: string) => map.normalize(text);
    }
  } else if (n instanceof LowercaseNormalizer) {
    (n as unknown as Patchable).normalize = lowercaseByChar;
  } else if (n instanceof StripNormalizer) {
    const cfg = ((n as unknown as Patchable).config ?? {}) as { strip_left?: boolean; strip_right?: boolean };
    (n as unknown as Patchable).normalize = (text: string) => {
      if (cfg.strip_left) text = text.replace(WS_START, '');
      if (cfg.strip_right) text = text.replace(WS_END, '');
      return text;
    };
  }
}

function patchPreTokenizer(p: unknown, config: Patchable | undefined): void {
  if (p instanceof SequencePreTokenizer) {
    const children = ((p as unknown as Patchable).tokenizers as unknown[]) ?? [];
    const configs = (config?.pretokenizers as Patchable[] | undefined) ?? [];
    children.forEach((child, i) => patchPreTokenizer(child, configs[i]));
  } else if (p instanceof ByteLevelPreTokenizer) {
    (p as unknown as Patchable).pattern = BYTE_LEVEL_RE;
  } else if (p instanceof BertPreTokenizer) {
    (p as unknown as Patchable).pre_tokenize_text = (text: string) => text.replace(WS_START, '').replace(WS_END, '').match(BERT_PRE_RE) ?? [];
  } else if (p instanceof WhitespaceSplitPreTokenizer) {
    (p as unknown as Patchable).pre_tokenize_text = (text: string) => text.match(/\P{White_Space}+/gu) ?? [];
  } else if (p instanceof MetaspacePreTokenizer && config?.split !== false) {
    // Rust's Metaspace (split: true, the default) cuts before every replacement character
    // ("▁a▁b" → "▁a", "▁b"); the library keeps one piece. Same ids (no piece spans a "▁"), but
    // one piece per text made Unigram build a lattice over the whole text and overflow the stack
    // on texts of ~100k tokens.
    const self = p as unknown as { replacement: string; pre_tokenize_text: (t: string, o?: unknown) => string[] };
    const original = self.pre_tokenize_text.bind(p);
    const cut = new RegExp(`(?=${self.replacement.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')})`, 'u');
    self.pre_tokenize_text = (text: string, options?: unknown) => original(text, options).flatMap((piece) => piece.split(cut).filter((x) => x.length > 0));
  }
}

/** The library's Unigram.encode appends with push(...pieces), which overflows the stack on one
 * pre-token of ~100k pieces (a long text without spaces); append in a loop instead.
 * (A cache of each WordPiece word's pieces was tried for issue #27 and bought nothing measurable:
 * bench/README.md, "Fast model".) */
function patchModel(model: unknown): void {
  if (model instanceof Unigram) {
    const self = model as unknown as { tokenize: (t: string) => string[]; encode: (tokens: string[]) => string[] };
    self.encode = (tokens: string[]) => {
      const out: string[] = [];
      for (const token of tokens) for (const piece of self.tokenize(token)) out.push(piece);
      return out;
    };
  }
}

/**
 * A tokenizer.json tokenizer (WordPiece, byte-level BPE, Unigram …) run by @huggingface/tokenizers.
 * That library does not truncate, so truncation is done here the way Hugging Face truncates one
 * sequence: the content is cut from the right, and the special tokens around it are kept.
 */
export class HfTokenizer implements TextTokenizer {
  readonly padId: number;
  private readonly prefix: number[];
  private readonly suffix: number[];
  /** BERT WordPiece on printable-ASCII texts without the library's general plumbing (wordPieceAscii.ts); undefined for other tokenizers. */
  private readonly ascii: WordPieceAscii | undefined;

  constructor(
    private readonly tokenizer: Tokenizer,
    readonly maxLength: number,
    padToken: string | undefined,
    /** the parsed tokenizer.json, for settings the library does not keep */
    json?: { pre_tokenizer?: Patchable },
  ) {
    patchNormalizer(tokenizer.normalizer);
    patchPreTokenizer(tokenizer.pre_tokenizer, json?.pre_tokenizer);
    patchModel(tokenizer.model);
    this.padId = (padToken !== undefined ? tokenizer.token_to_id(padToken) : undefined) ?? 0;
    // Where the post-processor puts its special tokens, found from a one-token probe.
    const bare = tokenizer.encode('a', { add_special_tokens: false }).ids;
    const full = tokenizer.encode('a', { add_special_tokens: true }).ids;
    const at = indexOfRun(full, bare);
    this.prefix = at >= 0 ? full.slice(0, at) : [];
    this.suffix = at >= 0 ? full.slice(at + bare.length) : [];
    this.ascii = WordPieceAscii.for(tokenizer);
  }

  static fromDir(dir: string, maxLength: number): HfTokenizer {
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8'));
    const configPath = path.join(dir, 'tokenizer_config.json');
    const config = fs.existsSync(configPath) ? JSON.parse(fs.readFileSync(configPath, 'utf8')) : {};
    const padToken = typeof config.pad_token === 'string' ? config.pad_token : (config.pad_token?.content ?? json.padding?.pad_token);
    return new HfTokenizer(new Tokenizer(json, config), maxLength, padToken, json);
  }

  encode(text: string): number[] {
    const room = Math.max(0, this.maxLength - this.prefix.length - this.suffix.length);
    const ids = this.prefix.slice();
    if (!this.ascii?.encode(text, room, ids)) {
      const content = this.tokenizer.encode(text, { add_special_tokens: false }).ids;
      for (let i = 0; i < content.length && i < room; i++) ids.push(content[i]);
    }
    for (const id of this.suffix) ids.push(id);
    return ids;
  }

  /** The library alone, without the WordPiece fast path: for test/tokenizer-fast-path.test.ts. */
  withoutFastPath(): HfTokenizer {
    const copy = Object.create(this) as HfTokenizer;
    (copy as unknown as { ascii: undefined }).ascii = undefined;
    return copy;
  }
}

function indexOfRun(haystack: number[], needle: number[]): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
