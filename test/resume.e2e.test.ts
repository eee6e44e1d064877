import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BIN, ROOT, runCli, TINY_BERT } from './helpers/cli';

/**
 * -o runs that stop early (SIGINT, SIGTERM, SIGKILL, a kill during the rename) and --resume: the
 * resumed output must be byte for byte the output of an uninterrupted run of the same command.
 */
const ROWS = 24000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-resume-'));
const csvIn = path.join(dir, 'in.csv');
const jsonlIn = path.join(dir, 'in.jsonl');
const badIn = path.join(dir, 'bad.csv');
const model = ['--model', TINY_BERT, '--no-progress'];

/** Rows of varied length (so that batches differ in padding), every 5th a text seen before. */
function text(i: number): string {
  const words = ['i', 'feel', 'so', 'happy', 'sad', 'angry', 'today', 'really', 'not', 'scared', 'love', 'this'];
  const n = 3 + ((i * 7) % 17);
  return Array.from({ length: n }, (_, k) => words[(i * 31 + k * 13) % words.length]).join(' ') + ` ${i % 5 === 0 ? 0 : i}`;
}

beforeAll(() => {
  const csv = ['id,text'];
  const jsonl: string[] = [];
  const bad = ['id,text'];
  for (let i = 0; i < ROWS; i++) {
    csv.push(`${i},"${text(i)}, ""q"""`);
    jsonl.push(JSON.stringify({ id: i, text: text(i) }));
    // a row with a field too many every 997 rows: a bad row for --on-error skip
    bad.push(i % 997 === 5 ? `${i},${text(i)},extra` : `${i},${text(i)}`);
  }
  fs.writeFileSync(csvIn, csv.join('\n') + '\n');
  fs.writeFileSync(jsonlIn, jsonl.join('\n') + '\n');
  fs.writeFileSync(badIn, bad.join('\n') + '\n');
});

const checkpoints = (state: string) => (fs.existsSync(state) ? fs.readFileSync(state, 'utf8').split('\n').filter(Boolean).length - 1 : 0);

/** Starts a run, waits until its state file has `n` checkpoints, sends `sig`, resolves to its exit code and signal. */
async function interrupt(
  args: string[],
  out: string,
  n: number,
  sig: NodeJS.Signals,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  let sent = false;
  const poll = setInterval(() => {
    if (!sent && checkpoints(`${out}.partial.json`) >= n) {
      sent = true;
      child.kill(sig);
    }
  }, 10);
  const r = await closed;
  clearInterval(poll);
  if (!sent) throw new Error(`the run ended before ${n} checkpoints: ${stderr}`);
  return { ...r, stderr };
}

/** The output of an uninterrupted run of the same arguments, made once per argument list. */
const references = new Map<string, Promise<{ out: Buffer; rejects?: Buffer; stderr: string }>>();
function reference(input: string, ext: string, extra: string[] = [], rejects = false) {
  const key = [input, ext, ...extra, rejects].join(' ');
  if (!references.has(key)) {
    references.set(
      key,
      (async () => {
        const d = fs.mkdtempSync(path.join(dir, 'ref-'));
        const out = path.join(d, `out.${ext}`);
        const rej = path.join(d, 'rejects.csv');
        const r = await runCli([input, '-o', out, ...model, ...extra, ...(rejects ? ['--rejects', rej] : [])]);
        expect(r.stderr).toMatch(/read \d+/);
        return { out: fs.readFileSync(out), rejects: rejects ? fs.readFileSync(rej) : undefined, stderr: r.stderr };
      })(),
    );
  }
  return references.get(key)!;
}

describe('-o keeps what it wrote when it stops; --resume finishes it as an uninterrupted run would', () => {
  test.each([
    ['SIGKILL', 1, 'csv', null],
    ['SIGKILL', 3, 'csv', null],
    ['SIGINT', 2, 'csv', 130],
    ['SIGTERM', 1, 'jsonl', 143],
  ] as const)('%s after %i checkpoint(s), %s output: resumed file byte for byte the uninterrupted one', async (sig, n, ext, code) => {
    const input = ext === 'jsonl' ? jsonlIn : csvIn;
    const ref = await reference(input, ext);
    const d = fs.mkdtempSync(path.join(dir, 'run-'));
    const out = path.join(d, `out.${ext}`);
    const args = [input, '-o', out, ...model];
    const stopped = await interrupt(args, out, n, sig);
    if (code === null) expect(stopped.signal).toBe('SIGKILL');
    else expect(stopped.code).toBe(code);
    // only the partial and its state, at their documented paths; nothing named after a process id
    const left = fs.readdirSync(d).sort();
    expect(left).toEqual(
      sig === 'SIGKILL' ? [`out.${ext}.partial`, `out.${ext}.partial.json`, `out.${ext}.partial.lock`] : [`out.${ext}.partial`, `out.${ext}.partial.json`],
    );
    const partial = fs.readFileSync(path.join(d, `out.${ext}.partial`));
    expect(partial.length).toBeGreaterThan(0);
    expect(ref.out.subarray(0, partial.length).equals(partial) || sig === 'SIGKILL').toBe(true);

    // without --resume: exit 2 before any work, naming both ways on, the partial untouched
    const again = await runCli(args);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('OUTPUT_PARTIAL');
    expect(again.stderr).toContain('--resume');
    expect(again.stderr).toContain('--restart');
    expect(fs.readFileSync(path.join(d, `out.${ext}.partial`)).equals(partial)).toBe(true);

    const resumed = await runCli([...args, '--resume']);
    expect(resumed.code).toBe(0);
    expect(fs.readFileSync(out).equals(ref.out)).toBe(true);
    // the summary counts the whole output, not the rows of the resumed part
    expect(resumed.stderr).toContain(`read ${ROWS}, labelled ${ROWS}, rejected 0`);
    expect(fs.readdirSync(d)).toEqual([`out.${ext}`]);
  });

  test('a torn last record (and whatever follows the last checkpoint) is dropped', async () => {
    const ref = await reference(csvIn, 'csv');
    const d = fs.mkdtempSync(path.join(dir, 'torn-'));
    const out = path.join(d, 'out.csv');
    const args = [csvIn, '-o', out, ...model];
    await interrupt(args, out, 2, 'SIGKILL');
    fs.appendFileSync(`${out}.partial`, '123,"half a rec');
    const resumed = await runCli([...args, '--resume']);
    expect(resumed.code).toBe(0);
    expect(fs.readFileSync(out).equals(ref.out)).toBe(true);
  });

  test.each(['before-rename', 'after-rename'])('SIGKILL %s: --resume completes it; the result is the uninterrupted file', async (step) => {
    const ref = await reference(csvIn, 'csv');
    const d = fs.mkdtempSync(path.join(dir, 'rename-'));
    const out = path.join(d, 'out.csv');
    const args = [csvIn, '-o', out, ...model];
    const killed = await runCli(args, { env: { EMOTION_LABEL_TEST_KILL_AT: step } });
    expect(killed.signal).toBe('SIGKILL');
    if (step === 'before-rename') {
      expect(fs.existsSync(out)).toBe(false);
      expect((await runCli(args)).code).toBe(2);
    } else {
      expect(fs.readFileSync(out).equals(ref.out)).toBe(true);
    }
    const resumed = await runCli([...args, '--resume']);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain(`read ${ROWS}, labelled ${ROWS}, rejected 0`);
    expect(fs.readFileSync(out).equals(ref.out)).toBe(true);
    expect(fs.readdirSync(d)).toEqual(['out.csv']);
  });

  test('the rejects file continues across a resume; the summary counts every rejected row', async () => {
    const ref = await reference(badIn, 'csv', ['--on-error', 'skip'], true);
    const d = fs.mkdtempSync(path.join(dir, 'rej-'));
    const out = path.join(d, 'out.csv');
    const rejects = path.join(d, 'rejects.csv');
    const args = [badIn, '-o', out, ...model, '--on-error', 'skip', '--rejects', rejects];
    await interrupt(args, out, 2, 'SIGKILL');
    const resumed = await runCli([...args, '--resume']);
    expect(resumed.code).toBe(1);
    expect(fs.readFileSync(out).equals(ref.out)).toBe(true);
    expect(fs.readFileSync(rejects).equals(ref.rejects!)).toBe(true);
    const bad = Math.ceil((ROWS - 5) / 997);
    expect(resumed.stderr).toContain(`read ${ROWS}, labelled ${ROWS - bad}, rejected ${bad}`);
    expect(resumed.stderr).toBe(ref.stderr);
  });

  test.each([
    ['an option', ['--batch-size', '8'], /--batch-size: 16 before, 8 now/],
    ['the model', ['--model', path.join(ROOT, 'fixtures', 'models', 'tiny-distilbert')], /model: /],
    ['the input', 'touch', /input (modified|content)/],
  ] as const)('a resume with another %s: exit 2 saying what differs, the partial left as it was', async (_what, change, message) => {
    const d = fs.mkdtempSync(path.join(dir, 'diff-'));
    const input = path.join(d, 'in.csv');
    fs.copyFileSync(csvIn, input);
    const out = path.join(d, 'out.csv');
    const args = [input, '-o', out, ...model];
    await interrupt(args, out, 1, 'SIGKILL');
    const before = fs.readFileSync(`${out}.partial`);
    const state = fs.readFileSync(`${out}.partial.json`);
    let extra: string[] = [];
    if (change === 'touch') fs.appendFileSync(input, '99999,one more\n');
    else extra = [...change];
    const r = await runCli([...args, ...extra, '--resume']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('OUTPUT_PARTIAL');
    expect(r.stderr).toMatch(message);
    expect(fs.readFileSync(`${out}.partial`).equals(before)).toBe(true);
    expect(fs.readFileSync(`${out}.partial.json`).equals(state)).toBe(true);
    // --restart discards it and starts over
    const restarted = await runCli([...args, ...extra, '--restart']);
    expect(restarted.code).toBe(0);
    expect(fs.readdirSync(d).sort()).toEqual(['in.csv', 'out.csv']);
  });

  test('--resume refuses stdin and Parquet output; --resume without a partial starts from the first row', async () => {
    const d = fs.mkdtempSync(path.join(dir, 'refuse-'));
    const out = path.join(d, 'out.csv');
    const stdin = await runCli(['-o', out, '--resume', ...model], { stdin: 'text\nhello\n' });
    expect(stdin.code).toBe(2);
    expect(stdin.stderr).toMatch(/--resume needs an input that can be read again/);
    const pq = await runCli([csvIn, '-o', path.join(d, 'out.parquet'), '--resume', ...model]);
    expect(pq.code).toBe(2);
    expect(pq.stderr).toMatch(/Parquet output cannot be resumed/);
    expect(fs.readdirSync(d)).toEqual([]);
    const fresh = await runCli([path.join(ROOT, 'fixtures', 'samples', 'sample.csv'), '-o', out, '--resume', ...model]);
    expect(fresh.code).toBe(0);
    expect(fs.readdirSync(d)).toEqual(['out.csv']);
  });

  test('two runs writing the same -o: the second refuses (exit 2); -o, --rejects and the input must differ', async () => {
    const d = fs.mkdtempSync(path.join(dir, 'lock-'));
    const out = path.join(d, 'out.csv');
    const first = spawn(process.execPath, [BIN, csvIn, '-o', out, ...model], { cwd: ROOT, stdio: 'ignore' });
    const firstDone = new Promise((resolve) => first.on('close', resolve));
    while (!fs.existsSync(`${out}.partial.lock`)) await new Promise((r) => setTimeout(r, 10));
    const second = await runCli([csvIn, '-o', out, ...model]);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain('OUTPUT_LOCKED');
    await firstDone;
    expect(fs.readdirSync(d)).toEqual(['out.csv']);

    const same = await runCli([csvIn, '-o', csvIn, ...model]);
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/the output is the input file/);
    const rej = await runCli([csvIn, '-o', out, '--on-error', 'skip', '--rejects', out, ...model]);
    expect(rej.code).toBe(2);
    expect(rej.stderr).toMatch(/--rejects names the output file/);
    const rejIn = await runCli([csvIn, '-o', path.join(d, 'x.csv'), '--on-error', 'skip', '--rejects', csvIn, ...model]);
    expect(rejIn.code).toBe(2);
    expect(rejIn.stderr).toMatch(/--rejects names the input file/);
    const repIn = await runCli([csvIn, '-o', path.join(d, 'y.csv'), '--report', csvIn, ...model]);
    expect(repIn.code).toBe(2);
    expect(repIn.stderr).toMatch(/--report names the input file/);
    const repRej = await runCli([
      csvIn,
      '-o',
      path.join(d, 'z.csv'),
      '--on-error',
      'skip',
      '--rejects',
      path.join(d, 'r.csv'),
      '--report',
      path.join(d, 'r.csv'),
      ...model,
    ]);
    expect(repRej.code).toBe(2);
    expect(repRej.stderr).toMatch(/--report and --rejects name the same file/);
    expect(fs.readFileSync(csvIn, 'utf8').startsWith('id,text\n')).toBe(true);
  });

  test('the hidden process-id partials of earlier versions are named on stderr and left alone', async () => {
    const d = fs.mkdtempSync(path.join(dir, 'legacy-'));
    const out = path.join(d, 'out.csv');
    fs.writeFileSync(path.join(d, '.out.csv.4242.partial'), 'old');
    const r = await runCli([path.join(ROOT, 'fixtures', 'samples', 'sample.csv'), '-o', out, ...model]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('.out.csv.4242.partial: left by an earlier version');
    expect(fs.readdirSync(d).sort()).toEqual(['.out.csv.4242.partial', 'out.csv']);
  });

  test('the embedded model: SIGKILL after the first checkpoint, --resume: byte for byte the uninterrupted file', async () => {
    const d = fs.mkdtempSync(path.join(dir, 'embedded-'));
    const input = path.join(d, 'in.csv');
    fs.writeFileSync(input, ['id,text', ...Array.from({ length: 6000 }, (_, i) => `${i},"${text(i)}"`)].join('\n') + '\n');
    const embedded = ['--no-progress'];
    const whole = path.join(d, 'whole.csv');
    expect((await runCli([input, '-o', whole, ...embedded])).code).toBe(0);
    const out = path.join(d, 'out.csv');
    await interrupt([input, '-o', out, ...embedded], out, 1, 'SIGKILL');
    const resumed = await runCli([input, '-o', out, '--resume', ...embedded]);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain('read 6000, labelled 6000, rejected 0');
    expect(fs.readFileSync(out).equals(fs.readFileSync(whole))).toBe(true);
  }, 600_000);
});
