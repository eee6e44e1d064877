import { pySplit } from './tweetTokenizer';

/**
 * fastBPE merges, as BertweetTokenizer.bpe applies them: pairs of symbols merged by rank, word-final
 * symbols marked with "</w>", pieces joined by "@@ ". Hand-written: no JavaScript library reads
 * fastBPE's bpe.codes.
 */
export class FastBpe {
  private readonly ranks = new Map<string, Map<string, number>>();
  private readonly cache = new Map<string, string>();

  constructor(codesText: string) {
    const merges = codesText.replace(/\r\n?/g, '\n').split('\n').slice(0, -1);
    // fastBPE lines are "a b count"; Python drops the last field. Deliberate difference: a line of
    // exactly two fields is read as the pair "a b". transformers 5's save_pretrained writes
    // bpe.codes that way (without counts) and its own loader then reads "a" alone, which silently
    // turns off every merge; the intent of such a file is not in doubt, so we honour it.
    merges.forEach((merge, rank) => {
      const all = pySplit(merge);
      const fields = all.length === 2 ? all : all.slice(0, -1);
      if (fields.length !== 2) return; // a key that no pair of symbols can ever equal
      let inner = this.ranks.get(fields[0]);
      if (!inner) this.ranks.set(fields[0], (inner = new Map()));
      inner.set(fields[1], rank);
    });
  }

  /** BertweetTokenizer.bpe: fastBPE merges on one whitespace-free word; pieces joined by "@@ ". */
  apply(token: string): string {
    const cached = this.cache.get(token);
    if (cached !== undefined) return cached;
    let word = Array.from(token);
    if (word.length === 0) return token;
    word[word.length - 1] += '</w>';
    if (word.length < 2) return token;
    for (;;) {
      let best: [string, string] | undefined;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < word.length; i++) {
        const r = this.ranks.get(word[i])?.get(word[i + 1]);
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          best = [word[i], word[i + 1]];
        }
      }
      if (!best) break;
      const [first, second] = best;
      const merged: string[] = [];
      let i = 0;
      while (i < word.length) {
        const j = word.indexOf(first, i);
        if (j === -1) {
          for (let k = i; k < word.length; k++) merged.push(word[k]);
          break;
        }
        for (let k = i; k < j; k++) merged.push(word[k]);
        i = j;
        if (i < word.length - 1 && word[i + 1] === second) {
          merged.push(first + second);
          i += 2;
        } else {
          merged.push(word[i]);
          i += 1;
        }
      }
      word = merged;
      if (word.length === 1) break;
    }
    const out = word.join('@@ ').slice(0, -4);
    if (this.cache.size < 100_000) this.cache.set(token, out);
    return out;
  }
}
