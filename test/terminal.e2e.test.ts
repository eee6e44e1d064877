import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { BIN, ROOT, SAMPLES, TINY_BERT } from './helpers/cli';

/**
 * The CLI with a real terminal attached, through util-linux's `script`, which runs a command on a
 * pseudo-terminal: a run that only exits when its stdout is a pipe would hang here.
 */
const hasScript = spawnSync('script', ['--version']).status === 0;
if (!hasScript) console.warn('terminal tests skipped: util-linux `script` is not installed');
const maybe = hasScript ? describe : describe.skip;

const sample = path.join(SAMPLES, 'sample.csv');
const expected = parse(fs.readFileSync(sample)) as string[][];
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const cli = `${q(process.execPath)} ${q(BIN)} ${q(sample)} --model ${q(TINY_BERT)}`;

/** Runs a shell command on a pseudo-terminal; returns what the terminal showed, the exit code and the time taken. */
function onTerminal(command: string) {
  const started = Date.now();
  const r = spawnSync('script', ['-qfec', command, '/dev/null'], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  return { screen: r.stdout.replace(/\r\n/g, '\n'), code: r.status, signal: r.signal, seconds: (Date.now() - started) / 1000 };
}

/** The CSV rows in what a terminal showed (the progress bar's escape sequences would break them). */
function rowsOf(text: string): string[][] {
  return parse(text) as string[][];
}

maybe('in a real terminal', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'el-tty-'));

  test('stdout and stderr both the terminal: exits 0 by itself, rows intact, no progress bar inside the data', () => {
    const r = onTerminal(cli);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
    expect(r.seconds).toBeLessThan(20);
    expect(r.screen).not.toContain('labelling');
    const [data, summary] = r.screen.split('emotion-label: read');
    expect(summary).toMatch(/^ 62, labelled 61, rejected 0; 1 empty text left unlabelled\n$/);
    const rows = rowsOf(data);
    expect(rows.map((row) => row.slice(0, 3))).toEqual(expected);
  });

  test('stdout the terminal, stderr a file: exits 0, rows intact, summary in the file', () => {
    const err = path.join(tmp, 'err.txt');
    const r = onTerminal(`${cli} 2>${q(err)}`);
    expect(r.code).toBe(0);
    expect(rowsOf(r.screen).map((row) => row.slice(0, 3))).toEqual(expected);
    expect(fs.readFileSync(err, 'utf8')).toBe('emotion-label: read 62, labelled 61, rejected 0; 1 empty text left unlabelled\n');
  });

  test('stdout a file, stderr the terminal: exits 0, the bar is drawn on the terminal and the data stays clean', () => {
    const out = path.join(tmp, 'out.csv');
    const r = onTerminal(`${cli} >${q(out)}`);
    expect(r.code).toBe(0);
    expect(r.screen).toContain('labelling');
    expect(r.screen).toContain('100%');
    expect(rowsOf(fs.readFileSync(out, 'utf8')).map((row) => row.slice(0, 3))).toEqual(expected);
  });

  test('eval on a terminal prints its report and exits 0', () => {
    const r = onTerminal(`${q(process.execPath)} ${q(BIN)} eval ${q(path.join(SAMPLES, 'labelled.csv'))} --model ${q(TINY_BERT)}`);
    expect(r.code).toBe(0);
    expect(r.screen).toContain('accuracy');
  });

  test('JSONL to the terminal exits too', () => {
    const r = onTerminal(`${q(process.execPath)} ${q(BIN)} ${q(path.join(SAMPLES, 'sample.jsonl'))} --model ${q(TINY_BERT)} --no-progress`);
    expect(r.code).toBe(0);
    expect(r.screen.split('\n').filter((l) => l.startsWith('{')).length).toBe(62);
  });

  test('after Ctrl-C the bar is taken down before the "stopping" line and not drawn again under the summary', () => {
    const big = path.join(tmp, 'big.csv');
    fs.writeFileSync(big, 'text\n' + Array.from({ length: 200000 }, (_, i) => `i feel row ${i}\n`).join(''));
    const out = path.join(tmp, 'big.out.csv');
    const run = `${q(process.execPath)} ${q(BIN)} ${q(big)} --model ${q(TINY_BERT)} -o ${q(out)} --restart`;
    // interrupt once rows have reached the partial (the bar is up by then)
    const r = onTerminal(`${run} & P=$!; while [ ! -s ${q(out + '.partial')} ]; do sleep 0.05; done; sleep 0.5; kill -INT $P; wait $P`);
    expect(r.code).toBe(130);
    const [before, after] = r.screen.split('SIGINT: stopping');
    expect(before).toContain('labelling');
    expect(after).not.toContain('labelling');
    expect(after).toMatch(/stopped by SIGINT .*read \d+, labelled \d+, rejected 0/);
  });
});
