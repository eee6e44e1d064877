/** What the classifier needs from a tokenizer; implemented by HfTokenizer (hf.ts) and BertweetTokenizer (bertweet/). */
export interface TextTokenizer {
  /** token ids including special tokens (CLS/SEP or <s>/</s>), truncated to maxLength tokens total (special tokens kept) */
  encode(text: string): number[];
  /** id used to pad batches */
  readonly padId: number;
  readonly maxLength: number;
}
