/** BERTweet tokenizer behaviour beyond the parity golden files (see test/tokenizer-parity.test.ts). */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadTokenizer } from '../src/tokenizer';
import { normalizeTweet, tweetTokenize } from '../src/tokenizer/bertweet/index';

const MODEL = path.join(__dirname, '..', 'fixtures', 'models', 'tiny-bertweet');

describe('normalizeTweet (BertweetTokenizer.normalizeTweet)', () => {
  test.each([
    ['@remy: This is waaaaayyyy too much!!!!!!', '@USER : This is waaaaayyyy too much ! ! !'],
    ['see https://t.co/AbC and www.x.org', 'see HTTPURL and HTTPURL'],
    ["I can't and it’s cannot…", "I can't and it 's can not ..."],
    ['love 😀👍🏽 it', 'love :grinning_face: :thumbs_up: :medium_skin_tone: it'],
    ['&amp; &lt;3 &bogus; &#150;', '& <3 –'],
    ['at 5 p.m. ok', 'at 5 p.m. ok'],
  ])('%j', (input, expected) => {
    expect(normalizeTweet(input)).toBe(expected);
  });

  test('TweetTokenizer keeps emoticons, hashtags, emails and arrows whole', () => {
    expect(tweetTokenize('This is a cooool #dummysmiley: :-) :-P <3 and some arrows < > -> <-- a@b.com')).toEqual([
      'This',
      'is',
      'a',
      'cooool',
      '#dummysmiley',
      ':',
      ':-)',
      ':-P',
      '<3',
      'and',
      'some',
      'arrows',
      '<',
      '>',
      '->',
      '<--',
      'a@b.com',
    ]);
  });
});

describe('bpe.codes as transformers 5 saves it (no count column)', () => {
  test('is read as pairs, giving the same ids as the original file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bertweet-nocount-'));
    try {
      for (const f of ['vocab.txt', 'tokenizer_config.json', 'added_tokens.json']) {
        fs.copyFileSync(path.join(MODEL, f), path.join(dir, f));
      }
      const codes = fs.readFileSync(path.join(MODEL, 'bpe.codes'), 'utf8');
      const stripped = codes
        .split('\n')
        .map((l) => l.split(' ').slice(0, 2).join(' '))
        .join('\n');
      fs.writeFileSync(path.join(dir, 'bpe.codes'), stripped);
      const text = 'i feel wonderful today @friend https://x.y 😀';
      expect(loadTokenizer(dir, 64).encode(text)).toEqual(loadTokenizer(MODEL, 64).encode(text));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
