import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { runCli, SAMPLES, TINY_BERT } from './helpers/cli';

/**
 * The CLI's options and outputs as a user meets them: eval on the tool's own output, the names of the
 * added columns, the -o checks, JSONL written as CSV, help and unknown options, the embedded models by name.
 */
const model = ['--model', TINY_BERT];
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'el-first-'));
const write = (name: string, body: string) => {
  const file = path.join(tmp(), name);
  fs.writeFileSync(file, body);
  return file;
};

describe("eval on the tool's own output and on rows without a gold label", () => {
  test("label a CSV, then eval it: the empty text's empty label is not scored, and is counted", async () => {
    const labelled = path.join(tmp(), 'labelled.csv');
    expect((await runCli([path.join(SAMPLES, 'sample.csv'), ...model, '-o', labelled])).code).toBe(0);
    const r = await runCli(['eval', labelled, ...model, '--json']);
    expect(r.stderr).toBe('emotion-label: read 62, labelled 61, rejected 0; 1 empty text left unlabelled, 1 row without a gold label not scored\n');
    expect(r.code).toBe(0);
    // the model agrees with its own labels on every labelled row
    expect(JSON.parse(r.stdout)).toMatchObject({ n: 61, accuracy: 1 });
  });

  test('JSONL: null, empty and absent gold labels are not scored; the rest is', async () => {
    const stdin = ['{"text":"i am happy","label":"joy"}', '{"text":"i am sad","label":null}', '{"text":"x","label":""}', '{"text":"y"}'].join('\n') + '\n';
    const r = await runCli(['eval', '--format', 'jsonl', ...model, '--json'], { stdin });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).n).toBe(1);
    expect(r.stderr).toContain('3 rows without a gold label not scored');
  });

  test('a label key that no JSONL object has is a missing column: exit 2, as for CSV', async () => {
    const stdin = '{"text":"i am happy","label":"joy"}\n';
    const jsonl = await runCli(['eval', '--format', 'jsonl', '--label-column', 'gold', ...model], { stdin });
    expect(jsonl.code).toBe(2);
    expect(jsonl.stderr).toContain("<stdin>: MISSING_COLUMN: no object has the label key 'gold'");
    expect(jsonl.stdout).toBe('');
    const csv = await runCli(['eval', '--format', 'csv', '--label-column', 'gold', ...model], { stdin: 'text,label\nhi,joy\n' });
    expect(csv.code).toBe(2);
    expect(csv.stderr).toContain("MISSING_COLUMN: no label column 'gold'");
  });

  test.each([
    ['an empty file', ''],
    ['a header only', 'text,label\n'],
    ['only rows without gold labels', 'text,label\nhello,\n'],
  ])('eval on %s: nothing to score, exit 1', async (_what, stdin) => {
    const r = await runCli(['eval', '--format', 'csv', ...model], { stdin });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('NOTHING_TO_SCORE: no row had both a text and a gold label: nothing to score');
    expect(r.stdout).toBe('');
  });
});

describe('names of the added columns', () => {
  test.each([
    [['--label-name', 'x', '--confidence-name', 'x'], "two named 'x'"],
    [['--label-name', 'score_joy', '--scores'], "two named 'score_joy'"],
    [['--label-name', ''], 'must not be empty'],
    [['--confidence-name', ''], 'must not be empty'],
  ])('%j: exit 2 with a message, nothing on stdout', async (args, message) => {
    const r = await runCli([path.join(SAMPLES, 'sample.csv'), ...model, ...args]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
  });

  test('a JSONL object that already has a score key is a bad row under --scores, never written with the key twice', async () => {
    const stdin = '{"text":"i am happy","score_joy":1}\n{"text":"i am sad"}\n';
    const r = await runCli(['--format', 'jsonl', '--scores', '--on-error', 'skip', ...model], { stdin });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('read 2, labelled 1, rejected 1');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]).text).toBe('i am sad');
  });
});

describe('the output path is checked before any work', () => {
  test.each([
    ['a folder that does not exist', (d: string) => path.join(d, 'no', 'such', 'out.csv'), 'no such folder'],
    ['a directory', (d: string) => d, 'it is a directory'],
  ])('-o naming %s: exit 2, FILE: OUTPUT_UNWRITABLE: message, no stack trace', async (_what, target, message) => {
    const d = tmp();
    const out = target(d);
    const r = await runCli([path.join(SAMPLES, 'sample.csv'), ...model, '-o', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `emotion-label: ${out}: OUTPUT_UNWRITABLE: cannot write output: ${message}${message === 'no such folder' ? ` '${path.dirname(out)}'` : ''}\n`,
    );
    expect(fs.readdirSync(d)).toEqual([]);
  });
});

describe('JSONL written as CSV keeps every key', () => {
  const lines = ['{"text":"i am happy","a":1}', '{"text":"i am sad","b":{"x":[1,2]}}', '{"text":"i feel calm","a":2,"c":null}'];

  test('from a file: the header is the union of all keys, in first-seen order', async () => {
    const file = write('mixed.jsonl', lines.join('\n') + '\n');
    const r = await runCli([file, '--output-format', 'csv', ...model]);
    expect(r.code).toBe(0);
    const rows = parse(r.stdout) as string[][];
    expect(rows[0]).toEqual(['text', 'a', 'b', 'c', 'label', 'confidence']);
    expect(rows.slice(1).map((row) => row.slice(0, 4))).toEqual([
      ['i am happy', '1', '', ''],
      ['i am sad', '', '{"x":[1,2]}', ''],
      ['i feel calm', '2', '', ''],
    ]);
  });

  test('from stdin (read once): a key the first object lacks is a bad row naming it, not a silent loss', async () => {
    const r = await runCli(['--format', 'jsonl', '--output-format', 'csv', ...model], { stdin: lines.join('\n') + '\n' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("<stdin>:2: JSON_KEY_UNLISTED: key 'b' is not among the columns taken from the first object");
  });
});

describe('small things', () => {
  test('`emotion-label help` shows the help, exit 0', async () => {
    const r = await runCli(['help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: emotion-label');
    expect(r.stdout).toContain('Exit codes:');
  });

  test.each([[['--bogus']], [['eval', '--bogus']]])('an unknown option %j: prefixed message, exit 2', async (args) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("emotion-label: USAGE: unknown option '--bogus'\n");
  });

  test('JSONL piped without --format: the error says to add --format jsonl', async () => {
    const r = await runCli([...model], { stdin: '{"text":"hi"}\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('add --format jsonl');
  });

  test('zero-width and other invisible-only texts are empty: no label', async () => {
    const stdin = ['text', '\u200b', '\u200b\u200d\ufeff', '\u00ad ', 'i am happy'].map((t) => `"${t}"`).join('\n') + '\n';
    const r = await runCli(['--format', 'csv', ...model], { stdin });
    expect(r.code).toBe(0);
    const rows = (parse(r.stdout, { bom: false }) as string[][]).slice(1);
    expect(rows.map((row) => row[1])).toEqual(['', '', '', expect.stringMatching(/\w/)]);
    expect(r.stderr).toContain('read 4, labelled 1, rejected 0; 3 empty texts left unlabelled');
  });

  test('JSONL lines keep CRLF and trailing spaces', async () => {
    const r = await runCli(['--format', 'jsonl', ...model], { stdin: '{"text":"i am happy"}  \r\n{"text":"i am sad"}\n' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\{"text":"i am happy","label":"\w+","confidence":[\d.]+\} {2}\r\n\{"text":"i am sad","label":"\w+","confidence":[\d.]+\}\n$/);
  });
});

describe('the embedded models by name', () => {
  test('--model fast is the model-fast/ directory shipped beside the default one', async () => {
    const byName = await runCli([path.join(SAMPLES, 'sample.csv'), '--model', 'fast', '--scores']);
    const byPath = await runCli([path.join(SAMPLES, 'sample.csv'), '--model', path.join(SAMPLES, '..', '..', 'model-fast'), '--scores']);
    expect(byName.code).toBe(0);
    expect(byName.stdout).toBe(byPath.stdout);
    expect(byName.stdout.split('\n')[0]).toBe('id,text,note,label,confidence,score_sadness,score_joy,score_love,score_anger,score_fear,score_surprise');
  });
});

describe('the dedupe cache and --scores', () => {
  test('a text repeated windows later (answered from the cache) gets the same probabilities as with --no-dedupe', async () => {
    // 10,000 rows: windows of 4,096, so the second half repeats texts the first window committed
    const texts = Array.from({ length: 5000 }, (_, i) => `text number ${i} is ${i % 3 === 0 ? 'happy' : 'sad'}`);
    const file = write('repeats.csv', 'text\n' + [...texts, ...texts].join('\n') + '\n');
    const cached = await runCli([file, ...model, '--scores']);
    const fresh = await runCli([file, ...model, '--scores', '--no-dedupe']);
    expect(cached.code).toBe(0);
    expect(fresh.code).toBe(0);
    const rows = parse(cached.stdout, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(10000);
    expect(Object.keys(rows[0])).toEqual(expect.arrayContaining(['score_sadness', 'score_joy']));
    for (let i = 0; i < 5000; i++) expect(rows[5000 + i]).toEqual(rows[i]);
    expect(rows.every((r) => r.score_joy !== '')).toBe(true);
    expect(cached.stdout).toBe(fresh.stdout);
  });
});
