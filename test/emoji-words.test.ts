import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { loadModelInfo } from '../src/infer/modelDir';
import { loadTokenizer } from '../src/tokenizer';
import { emojiToWords } from '../src/tokenizer/emojiWords';
import table from '../src/tokenizer/emojiWords.json';
import { ROOT, runCli, TINY_BERT } from './helpers/cli';

/**
 * The emoji-as-words step (issue #24, item 1) against fixtures/parity/emoji-words.json, whose
 * expected texts training/fixtures/make_emoji_words.py computed with the `emoji` package's own
 * matcher (emoji.replace_emoji), not with our table; the Python side (training/emoji_words.py,
 * used by training and evaluate_onnx.py) is checked on the same file.
 */
interface Case {
  text: string;
  expected: string;
  why?: string;
}
const GOLDEN = JSON.parse(fs.readFileSync(path.join(ROOT, 'fixtures', 'parity', 'emoji-words.json'), 'utf8')) as { cases: Case[] };
const names = (table as { names: Record<string, string> }).names;

describe('emojiToWords against the emoji package (fixtures/parity/emoji-words.json)', () => {
  test('every case of the corpus', () => {
    expect(GOLDEN.cases.length).toBeGreaterThan(100);
    const wrong = GOLDEN.cases.map((c) => ({ text: c.text, expected: c.expected, got: emojiToWords(c.text) })).filter((c) => c.got !== c.expected);
    expect(wrong).toEqual([]);
  });

  test('the corpus covers what the issue names', () => {
    const has = (re: RegExp) => GOLDEN.cases.some((c) => re.test(c.text));
    expect(has(/\u{1F3FD}/u)).toBe(true); // skin tone
    expect(has(/\uFE0F/)).toBe(true); // variation selector
    expect(has(/\u200D/)).toBe(true); // ZWJ
    expect(has(/[\u{1F1E6}-\u{1F1FF}]{2}/u)).toBe(true); // flag
    expect(has(/\u20E3/)).toBe(true); // keycap
    expect(has(/\u{1FAFF}/u)).toBe(true); // unassigned
    expect(GOLDEN.cases.some((c) => c.text === '' && c.expected === '')).toBe(true);
  });

  test('training/emoji_words.py gives the same texts on the same corpus', () => {
    const r = spawnSync('python3', [path.join(ROOT, 'training', 'emoji_words.py'), '--check'], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toMatch(new RegExp(`^${GOLDEN.cases.length} of ${GOLDEN.cases.length} cases`, 'm'));
    expect(r.status).toBe(0);
  });

  test('text without a table sequence comes back unchanged (the same string)', () => {
    const first = new Set(Object.keys(names).map((s) => s.codePointAt(0)!));
    const plain = fc.string({ unit: 'binary', maxLength: 60 }).filter((s) => [...s].every((ch) => !first.has(ch.codePointAt(0)!)));
    fc.assert(
      fc.property(plain, (s) => emojiToWords(s) === s),
      { numRuns: 2000 },
    );
    const sample = fs.readFileSync(path.join(ROOT, 'fixtures', 'samples', 'labelled.csv'), 'utf8');
    expect(emojiToWords(sample)).toBe(sample);
  });

  test('no table sequence is all ASCII (what lets an ASCII text skip the walk), and keycaps still become names', () => {
    expect(Object.keys(names).filter((s) => /^[\x00-\x7f]*$/.test(s))).toEqual([]);
    const keycap = Object.keys(names).find((s) => s.startsWith('#'))!;
    expect(emojiToWords(`a ${keycap} b`)).toBe(`a ${names[keycap]} b`);
    expect(emojiToWords('a # b 1 * 2')).toBe('a # b 1 * 2');
  });
  test('longest match first, and names kept apart from the text around them', () => {
    expect(emojiToWords('👨\u200d💻')).toBe(names['👨\u200d💻']); // man technologist, not "man laptop"
    expect(emojiToWords('👨\u200d💻')).not.toBe(`${names['👨']} ${names['💻']}`);
    expect(emojiToWords('🇫🇷🇫')).toBe(`${names['🇫🇷']} 🇫`); // a lone regional indicator is left as it is
    expect(emojiToWords('no😭😭!')).toBe('no loudly crying face loudly crying face !');
    expect(emojiToWords(' 😭\t')).toBe(' loudly crying face\t');
  });
});

/** tiny-bert with tokenizer_config.json changed by `edit`. */
function tinyBertWith(edit: (c: Record<string, unknown>) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-emoji-'));
  for (const f of fs.readdirSync(TINY_BERT)) fs.copyFileSync(path.join(TINY_BERT, f), path.join(dir, f));
  const file = path.join(dir, 'tokenizer_config.json');
  const c = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(c);
  fs.writeFileSync(file, JSON.stringify(c));
  return dir;
}

describe('declared in the model directory: tokenizer_config.json "emoji_to_words"', () => {
  const on = tinyBertWith((c) => (c.emoji_to_words = true));

  test('absent: off, the text goes to the tokenizer as it is; true: emoji become words first', () => {
    expect(loadModelInfo(TINY_BERT).emojiToWords).toBe(false);
    expect(loadModelInfo(on).emojiToWords).toBe(true);
    const info = loadModelInfo(on);
    const plain = loadTokenizer(TINY_BERT, info.maxLength);
    const words = loadTokenizer(on, info.maxLength, { emojiToWords: true });
    expect(words.encode('so sad 😭')).toEqual(plain.encode('so sad loudly crying face'));
    expect(plain.encode('so sad 😭')).not.toEqual(plain.encode('so sad loudly crying face'));
    expect(words.encode('no emoji here')).toEqual(plain.encode('no emoji here'));
  });

  test('a value that is not a boolean is MODEL_INVALID naming tokenizer_config.json', () => {
    const bad = tinyBertWith((c) => (c.emoji_to_words = 'yes'));
    expect(() => loadModelInfo(bad)).toThrow(/tokenizer_config.json emoji_to_words must be true or false, got "yes"/);
  });

  test('the CLI applies it in its workers: an emoji is labelled as its name is', async () => {
    const stdin = 'text\n😭😭\nloudly crying face loudly crying face\n😡\nenraged face\n';
    const args = ['--format', 'csv', '--scores', '--output-format', 'jsonl', '--no-progress'];
    const rows = (s: string) =>
      s
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    const strip = ({ text: _t, ...rest }: Record<string, unknown>) => rest;
    const withStep = rows((await runCli([...args, '--model', on], { stdin })).stdout);
    expect(withStep.length).toBe(4);
    expect(strip(withStep[0])).toEqual(strip(withStep[1]));
    expect(strip(withStep[2])).toEqual(strip(withStep[3]));
    expect(withStep[0].text).toBe('😭😭'); // the field itself is written unchanged
    const without = rows((await runCli([...args, '--model', TINY_BERT], { stdin })).stdout);
    expect(strip(without[0])).not.toEqual(strip(without[1]));
  }, 60_000);
});
