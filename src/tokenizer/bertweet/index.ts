/**
 * BERTweet tokenizer: a hand-written port of transformers' BertweetTokenizer
 * (transformers/models/bertweet/tokenization_bertweet.py, itself built on NLTK's TweetTokenizer).
 *
 * Why hand-written: BERTweet models ship a fastBPE vocabulary (vocab.txt + bpe.codes, with the
 * "@@ " continuation convention) and no tokenizer.json; no JavaScript library implements that
 * tokenizer or its tweet normalization, and @huggingface/tokenizers only reads tokenizer.json.
 *
 * Parity with Python is checked token id for token id by test/tokenizer-parity.test.ts against
 * fixtures/parity/tokens-tiny-bertweet*.json. What the port reproduces:
 *  - the split on added/special tokens (<s>, </s>, <pad>, <unk>, <mask>) done by the Python base class;
 *  - normalization (tokenizer_config "normalization": true): ’→' and …→..., HTML entities, the
 *    TweetTokenizer regexes with the `regex` module's Unicode \w \d \s classes, @mentions → @USER,
 *    http…/www… → HTTPURL, one-code-point tokens → emoji.demojize() names, the n't/'m/'s/p.m. fixes;
 *  - words = re.findall(r"\S+\n?"), fastBPE merges, "@@" pieces, unknown pieces → <unk>;
 *  - truncation to maxLength with <s> … </s> kept.
 * The parts: tweetTokenizer.ts (NLTK's TweetTokenizer and the tweet normalization), fastBpe.ts
 * (the merges), this file (vocabulary, special and added tokens, truncation).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TextTokenizer } from '../textTokenizer';
import { FastBpe } from './fastBpe';
import { normalizeTweet, PY_LSTRIP, PY_RSTRIP, PY_WORDS, pyStrip } from './tweetTokenizer';

export { normalizeTweet, tweetTokenize } from './tweetTokenizer';

interface AddedToken {
  content: string;
  id: number;
  lstrip: boolean;
  rstrip: boolean;
}

export interface BertweetOptions {
  normalization: boolean;
  bosToken: string;
  eosToken: string;
  clsToken: string;
  sepToken: string;
  unkToken: string;
  padToken: string;
  maskToken: string;
}

function tokenName(v: unknown, fallback: string): string {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
  return fallback;
}

export class BertweetTokenizer implements TextTokenizer {
  readonly padId: number;
  private readonly encoder = new Map<string, number>();
  private readonly merges: FastBpe;
  private readonly added: AddedToken[];
  private readonly addedIds = new Map<string, number>();
  private readonly unkId: number;
  private readonly clsId: number;
  private readonly sepId: number;

  constructor(
    vocabText: string,
    codesText: string,
    private readonly options: BertweetOptions,
    readonly maxLength: number,
    extraAdded: { content: string; id?: number; lstrip?: boolean; rstrip?: boolean }[] = [],
  ) {
    const o = options;
    this.encoder.set(o.bosToken, 0);
    this.encoder.set(o.padToken, 1);
    this.encoder.set(o.eosToken, 2);
    this.encoder.set(o.unkToken, 3);
    // Python's text mode reads with universal newlines
    const lines = vocabText.split(/\r\n|\r|\n/);
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    for (const raw of lines) {
      const line = pyStrip(raw);
      const idx = line.lastIndexOf(' ');
      if (idx === -1) throw new Error(`vocab.txt: incorrect dictionary format, expected '<token> <cnt>' (line ${JSON.stringify(raw)})`);
      this.encoder.set(line.slice(0, idx), this.encoder.size);
    }
    this.merges = new FastBpe(codesText);

    // Added tokens: the special tokens (ids from the vocabulary, or appended after it, as the
    // Python base class does for <mask>) plus any listed in tokenizer_config / added_tokens.json.
    const byContent = new Map<string, AddedToken>();
    for (const e of extraAdded) {
      const id = e.id ?? this.encoder.get(e.content);
      if (id === undefined) continue;
      byContent.set(e.content, { content: e.content, id, lstrip: !!e.lstrip, rstrip: !!e.rstrip });
    }
    let next = this.encoder.size;
    for (const tok of [o.bosToken, o.padToken, o.eosToken, o.unkToken, o.clsToken, o.sepToken, o.maskToken]) {
      if (byContent.has(tok)) continue;
      const id = this.encoder.get(tok) ?? next++;
      byContent.set(tok, { content: tok, id, lstrip: false, rstrip: false });
    }
    this.added = [...byContent.values()].sort((a, b) => b.content.length - a.content.length);
    for (const a of this.added) this.addedIds.set(a.content, a.id);
    this.unkId = this.idOf(o.unkToken);
    this.clsId = this.idOf(o.clsToken);
    this.sepId = this.idOf(o.sepToken);
    this.padId = this.idOf(o.padToken);
  }

  /** Reads vocab.txt, bpe.codes and tokenizer_config.json (+ added_tokens.json) from a model directory. */
  static fromDir(dir: string, maxLength: number): BertweetTokenizer {
    const need = (f: string) => {
      const p = path.join(dir, f);
      if (!fs.existsSync(p)) throw new Error(`${dir} has no ${f} (a BERTweet tokenizer needs vocab.txt and bpe.codes)`);
      return fs.readFileSync(p, 'utf8');
    };
    const vocab = need('vocab.txt');
    const codes = need('bpe.codes');
    const cfgPath = path.join(dir, 'tokenizer_config.json');
    const cfg: Record<string, unknown> = fs.existsSync(cfgPath) ? JSON.parse(fs.readFileSync(cfgPath, 'utf8')) : {};
    const extra: { content: string; id?: number; lstrip?: boolean; rstrip?: boolean }[] = [];
    const decoder = cfg.added_tokens_decoder as Record<string, { content: string; lstrip?: boolean; rstrip?: boolean }> | undefined;
    if (decoder && typeof decoder === 'object') {
      for (const [id, t] of Object.entries(decoder)) extra.push({ content: t.content, id: Number(id), lstrip: t.lstrip, rstrip: t.rstrip });
    }
    const addedPath = path.join(dir, 'added_tokens.json');
    if (fs.existsSync(addedPath)) {
      const added = JSON.parse(fs.readFileSync(addedPath, 'utf8')) as Record<string, number>;
      for (const [content, id] of Object.entries(added)) if (!extra.some((e) => e.content === content)) extra.push({ content, id });
    }
    const options: BertweetOptions = {
      normalization: cfg.normalization === true,
      bosToken: tokenName(cfg.bos_token, '<s>'),
      eosToken: tokenName(cfg.eos_token, '</s>'),
      clsToken: tokenName(cfg.cls_token, '<s>'),
      sepToken: tokenName(cfg.sep_token, '</s>'),
      unkToken: tokenName(cfg.unk_token, '<unk>'),
      padToken: tokenName(cfg.pad_token, '<pad>'),
      maskToken: tokenName(cfg.mask_token, '<mask>'),
    };
    return new BertweetTokenizer(vocab, codes, options, maxLength, extra);
  }

  private idOf(token: string): number {
    return this.addedIds.get(token) ?? this.encoder.get(token) ?? this.encoder.get(this.options.unkToken) ?? 3;
  }

  /** BertweetTokenizer.bpe: fastBPE merges on one whitespace-free word; pieces joined by "@@ ". */
  bpe(token: string): string {
    return this.merges.apply(token);
  }

  /** BertweetTokenizer._tokenize on a piece of text without special tokens. */
  private tokenizePiece(text: string): string[] {
    if (this.options.normalization) text = normalizeTweet(text);
    const pieces: string[] = [];
    for (const m of text.matchAll(PY_WORDS)) for (const piece of this.bpe(m[0]).split(' ')) pieces.push(piece);
    return pieces;
  }

  /** PreTrainedTokenizer.tokenize: split on added tokens (longest first), tokenize the rest. */
  tokenize(text: string): string[] {
    const parts: { text: string; added?: AddedToken }[] = [];
    let start = 0;
    let i = 0;
    while (i < text.length) {
      const hit = this.added.find((a) => a.content.length > 0 && text.startsWith(a.content, i));
      if (hit) {
        if (i > start) parts.push({ text: text.slice(start, i) });
        parts.push({ text: hit.content, added: hit });
        i += hit.content.length;
        start = i;
      } else {
        i++;
      }
    }
    if (start < text.length) parts.push({ text: text.slice(start) });
    parts.forEach((p, k) => {
      if (!p.added) return;
      if (p.added.rstrip && parts[k + 1] && !parts[k + 1].added) parts[k + 1].text = parts[k + 1].text.replace(PY_LSTRIP, '');
      if (p.added.lstrip && parts[k - 1] && !parts[k - 1].added) parts[k - 1].text = parts[k - 1].text.replace(PY_RSTRIP, '');
    });
    const out: string[] = [];
    for (const p of parts) {
      if (!p.text) continue;
      if (p.added) out.push(p.text);
      else for (const piece of this.tokenizePiece(p.text)) out.push(piece);
    }
    return out;
  }

  encode(text: string): number[] {
    const ids = this.tokenize(text).map((t) => this.addedIds.get(t) ?? this.encoder.get(t) ?? this.unkId);
    const room = Math.max(0, this.maxLength - 2);
    return [this.clsId, ...(ids.length > room ? ids.slice(0, room) : ids), this.sepId];
  }
}
