import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { BIN, ROOT, TINY_BERT } from './helpers/cli';

const ROWS = 20000;
let bigCsv: string;

beforeAll(() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-sig-'));
  bigCsv = path.join(dir, 'big.csv');
  const lines = ['id,text'];
  for (let i = 0; i < ROWS; i++) lines.push(`${i},"i feel row ${i}, ""quoted"" and fine"`);
  fs.writeFileSync(bigCsv, lines.join('\n') + '\n');
});

/** Starts the CLI with stdin left open, resolves once `ready` says enough output has arrived. */
function start(args: string[], ready: (stdout: string) => boolean) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let signalled = false;
  const started = new Promise<void>((resolve) => {
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
      if (!signalled && ready(stdout)) {
        signalled = true;
        resolve();
      }
    });
  });
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, started, closed, out: () => stdout, err: () => stderr };
}

describe('signals and closed pipes', () => {
  test.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s stops the reading and flushes a whole-row, in-order prefix (exit %i)', async (sig, code) => {
    // stdin stays open: the run can only end because of the signal
    const run = start(['--format', 'csv', '--model', TINY_BERT, '--batch-size', '8'], (out) => out.split('\n').length > 50);
    const header = 'id,text\n';
    run.child.stdin.write(header);
    for (let i = 0; i < 2000; i++) run.child.stdin.write(`${i},i feel row ${i}\n`);
    await run.started;
    run.child.kill(sig);
    expect(await run.closed).toBe(code);
    const out = run.out();
    expect(out.endsWith('\n')).toBe(true);
    const rows = (parse(out) as string[][]).slice(1);
    expect(rows.length).toBeGreaterThan(40);
    rows.forEach((r, i) => {
      expect(r[0]).toBe(String(i));
      expect(r[2]).not.toBe('');
    });
    expect(run.err()).toContain(`${sig}: stopping`);
  });

  test('SIGINT writes every row already read, not just the one being written: summary and output agree', async () => {
    // The first rows arrive once the first window (4,096 rows) is labelled; by then the second is read too.
    const run = start([bigCsv, '--model', TINY_BERT], (out) => out.length > 0);
    await run.started;
    run.child.kill('SIGINT');
    expect(await run.closed).toBe(130);
    const rows = (parse(run.out()) as string[][]).slice(1);
    expect(rows.length).toBeGreaterThan(4096);
    rows.forEach((r, i) => {
      expect(r[0]).toBe(String(i));
      expect(r[2]).not.toBe('');
    });
    expect(run.err()).toContain(`stopped by SIGINT (the rows read before it were all finished): read ${rows.length}, labelled ${rows.length}, rejected 0`);
  });

  test('a closed stdout (| head) ends the run quietly with exit 0', async () => {
    const run = start([bigCsv, '--model', TINY_BERT], (out) => out.length > 0);
    await run.started;
    run.child.stdout.destroy();
    expect(await run.closed).toBe(0);
    expect(run.err()).not.toMatch(/error/i);
  });

  test('| head -1 on a small file: exit 0 however the race between writing and closing goes', async () => {
    const { execFileSync } = await import('node:child_process');
    for (let i = 0; i < 5; i++) {
      const cmd = `set -o pipefail; "${process.execPath}" "${BIN}" fixtures/samples/sample.csv --model "${TINY_BERT}" | head -1; echo "rc=$?"`;
      const out = execFileSync('bash', ['-c', cmd], {
        cwd: ROOT,
        timeout: 60000,
        encoding: 'utf8',
      });
      expect(out).toBe('id,text,note,label,confidence\nrc=0\n');
    }
  });

  test('with -o, an interrupted run leaves no output file, only its partial (whole rows) and state, named after the output', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-o-'));
    const out = path.join(dir, 'labelled.csv');
    const child = spawn(process.execPath, [BIN, '--format', 'csv', '--model', TINY_BERT, '-o', out], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.write('text\n');
    for (let i = 0; i < 500; i++) child.stdin.write(`i feel row ${i}\n`);
    // wait until the temporary file has content, then interrupt
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        const tmp = fs.readdirSync(dir).find((f) => f.endsWith('.partial'));
        if (tmp && fs.statSync(path.join(dir, tmp)).size > 0) {
          clearInterval(poll);
          resolve();
        }
      }, 20);
    });
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.kill('SIGINT');
    expect(await closed).toBe(130);
    expect(fs.readdirSync(dir).sort()).toEqual(['labelled.csv.partial', 'labelled.csv.partial.json']);
    const partial = fs.readFileSync(path.join(dir, 'labelled.csv.partial'), 'utf8');
    expect(partial.endsWith('\n')).toBe(true);
    const rows = (parse(partial) as string[][]).slice(1);
    rows.forEach((r, i) => expect(r[0]).toBe(`i feel row ${i}`));
  });
});
