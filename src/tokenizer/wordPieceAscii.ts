import { BertNormalizer, BertPreTokenizer, TemplateProcessingPostProcessor, type Tokenizer, WordPiece } from '@huggingface/tokenizers';

/** Only U+0020..U+007E: the texts this path takes (the same test as BertNormalizer's ASCII path in hf.ts). */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** BertPreTokenizer's punctuation within printable ASCII: every char but the space, digits and letters. */
function isAsciiPunctuation(c: number): boolean {
  return (c >= 0x21 && c <= 0x2f) || (c >= 0x3a && c <= 0x40) || (c >= 0x5b && c <= 0x60) || (c >= 0x7b && c <= 0x7e);
}

/** The library's objects this path reads; fields of @huggingface/tokenizers 0.2.0 instances. */
interface Internals {
  normalizer: { config?: { lowercase?: boolean } } | null;
  pre_tokenizer: unknown;
  post_processor: { config?: { single?: ({ SpecialToken?: unknown } | { Sequence?: { id: string } })[] } } | null;
  model: {
    tokens_to_ids: Map<string, number>;
    unk_token: string;
    unk_token_id: number;
    max_input_chars_per_word: number;
    fuse_unk: boolean;
    config: { continuing_subword_prefix?: unknown };
  };
  added_tokens_map: Map<string, { id: number }>;
  remove_space?: boolean;
  do_lowercase_and_remove_accent?: boolean;
}

/**
 * A BERT WordPiece tokenizer.json (BertNormalizer, BertPreTokenizer, WordPiece) on a printable-ASCII
 * text, straight to ids: what `tokenizer.encode(text, { add_special_tokens: false }).ids` gives,
 * without the library's plumbing for the general case, which cost most of a fast-model row's
 * tokenizing (bench/README.md, "Fast model"): splitting on added tokens, normalizing, the
 * pre-tokenizer's regex, and a WordPiece that builds every candidate substring from an array of
 * characters (`chars.slice(start, end).join('')`) and then maps the token strings to ids.
 *
 * On such a text every step is simple: BertNormalizer only lowercases (hf.ts's ASCII path),
 * BertPreTokenizer splits at spaces and cuts off every ASCII punctuation char, and WordPiece is
 * greedy longest-match-first on each word (a word longer than max_input_chars_per_word, or one
 * with a part in no piece, is the unknown token). A text holding an added token's content (raw or
 * lowercased, e.g. "[CLS]" or "[mask]") is not taken: the library splits those out first. So are
 * texts with anything outside U+0020..U+007E. `encode` returns undefined for a text it does not
 * take, and the caller uses the library.
 *
 * test/tokenizer-fast-path.test.ts compares this path with the library on the models' texts and on
 * random ASCII texts built to hit each rule (punctuation runs, long words, unknown pieces, added
 * tokens, truncation).
 */
export class WordPieceAscii {
  private constructor(
    private readonly vocab: Map<string, number>,
    private readonly unkId: number,
    private readonly prefix: string,
    private readonly maxChars: number,
    private readonly lowercase: boolean,
    private readonly added: string[],
  ) {}

  /** The path for `tokenizer` when it is a BERT WordPiece pipeline this path reproduces; otherwise undefined. */
  static for(tokenizer: Tokenizer): WordPieceAscii | undefined {
    const t = tokenizer as unknown as Internals;
    const model = t.model;
    if (!(t.model instanceof WordPiece) || model.fuse_unk) return undefined;
    if (!(t.normalizer instanceof BertNormalizer) || !(t.pre_tokenizer instanceof BertPreTokenizer)) return undefined;
    if (t.remove_space === true || t.do_lowercase_and_remove_accent === true) return undefined;
    // without special tokens, a template of one sequence gives the content as it is
    const pp = t.post_processor;
    if (pp !== null) {
      const single = pp instanceof TemplateProcessingPostProcessor ? pp.config?.single : undefined;
      const sequences = single?.filter((item) => 'Sequence' in item);
      if (!single || sequences?.length !== 1 || !single.every((item) => 'Sequence' in item || 'SpecialToken' in item)) return undefined;
    }
    const prefix = model.config.continuing_subword_prefix;
    if (typeof prefix !== 'string' || typeof model.max_input_chars_per_word !== 'number') return undefined;
    // A piece's id as the library maps a token string: its added token's id first, then the vocabulary's.
    const vocab = new Map(model.tokens_to_ids);
    for (const [content, token] of t.added_tokens_map) if (vocab.has(content)) vocab.set(content, token.id);
    const unk = model.unk_token;
    const unkId = t.added_tokens_map.get(unk)?.id ?? model.tokens_to_ids.get(unk) ?? model.unk_token_id;
    const lowercase = t.normalizer.config?.lowercase === true;
    return new WordPieceAscii(vocab, unkId, prefix, model.max_input_chars_per_word, lowercase, [...t.added_tokens_map.keys()]);
  }

  /**
   * The content ids of `text` (no special tokens), at most `room` of them (the first ones), pushed
   * onto `out`; false (and `out` untouched) when the text is not one this path takes.
   */
  encode(text: string, room: number, out: number[]): boolean {
    if (!PRINTABLE_ASCII.test(text)) return false;
    const s = this.lowercase ? text.toLowerCase() : text;
    for (const content of this.added) if (content.length > 0 && (s.includes(content) || text.includes(content))) return false;
    const start = out.length;
    const stop = start + room;
    const n = s.length;
    let i = 0;
    while (i < n && out.length < stop) {
      const c = s.charCodeAt(i);
      if (c === 0x20) {
        i++;
        continue;
      }
      let j = i + 1;
      if (!isAsciiPunctuation(c)) {
        while (j < n) {
          const d = s.charCodeAt(j);
          if (d === 0x20 || isAsciiPunctuation(d)) break;
          j++;
        }
      }
      this.word(s.slice(i, j), out);
      i = j;
    }
    if (out.length > stop) out.length = stop;
    return true;
  }

  /** WordPiece of one word: greedy longest match first; the unknown token when any part matches no piece. */
  private word(word: string, out: number[]): void {
    const len = word.length;
    if (len > this.maxChars) {
      out.push(this.unkId);
      return;
    }
    const whole = this.vocab.get(word);
    if (whole !== undefined) {
      out.push(whole);
      return;
    }
    const first = out.length;
    let start = 0;
    while (start < len) {
      let end = len;
      let id: number | undefined;
      while (start < end) {
        id = this.vocab.get(start > 0 ? this.prefix + word.slice(start, end) : word.slice(0, end));
        if (id !== undefined) break;
        end--;
      }
      if (id === undefined) {
        out.length = first;
        out.push(this.unkId);
        return;
      }
      out.push(id);
      start = end;
    }
  }
}
