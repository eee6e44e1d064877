import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { BIN, ROOT, TINY_BERT } from './helpers/cli';

/** What a hostile but realistic user meets: inputs that can be read once, duplicate columns, signals, idle workers, deep JSON, huge records, models that disagree with their config, and smaller edges. */

const model = ['--model', TINY_BERT, '--workers', '1'];
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-edges-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs a command (the CLI through bash when `shell`), killed after `timeoutMs` so that a hang fails the test instead of stalling it. */
function run(argv: string[], opts: { shell?: boolean; timeoutMs?: number; stdin?: string } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = opts.shell ? ['bash', '-c', argv.join(' ')] : [process.execPath, BIN, ...argv];
    // Its own process group, so that a hung CLI under bash is killed with bash.
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      process.kill(-child.pid!, 'SIGKILL');
    }, opts.timeoutMs ?? 30_000);
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
    child.stdin.end(opts.stdin ?? '');
  });
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe('an input that can be read only once', () => {
  const jsonl = '{"id":1,"text":"i am happy"}\n{"id":2,"text":"i am sad"}\n{"id":3,"text":"i am scared"}\n';

  test('JSONL from a process substitution, written as CSV: every row, not the header alone with exit 0', async () => {
    const file = path.join(dir, 'x.jsonl');
    fs.writeFileSync(file, jsonl);
    const r = await run([q(process.execPath), q(BIN), ...model, '--format', 'jsonl', '--output-format', 'csv', `<(cat ${q(file)})`], { shell: true });
    expect(r.stderr).toContain('read 3, labelled 3, rejected 0');
    expect(r.code).toBe(0);
    const rows = parse(r.stdout) as string[][];
    expect(rows.map((x) => x.slice(0, 2))).toEqual([
      ['id', 'text'],
      ['1', 'i am happy'],
      ['2', 'i am sad'],
      ['3', 'i am scared'],
    ]);
  });

  test('a later key in JSONL from a FIFO is a counted bad row (JSON_KEY_UNLISTED, as from stdin), and no second open hangs', async () => {
    const fifo = path.join(dir, 'in.jsonl');
    execFileSync('mkfifo', [fifo]);
    const src = path.join(dir, 'src.jsonl');
    fs.writeFileSync(src, jsonl + '{"id":4,"text":"i am fine","extra":1}\n');
    const r = await run([`cat ${q(src)} > ${q(fifo)} &`, q(process.execPath), q(BIN), ...model, '--on-error', 'skip', '--output-format', 'csv', q(fifo)], {
      shell: true,
      timeoutMs: 20_000,
    });
    expect(r.timedOut).toBe(false);
    expect(r.stderr).toContain('read 4, labelled 3, rejected 1');
    expect(r.code).toBe(1);
    expect((parse(r.stdout) as string[][]).length).toBe(4);
  });

  test('Parquet from a FIFO: exit 2 before any work (it needs random access)', async () => {
    const fifo = path.join(dir, 'in.parquet');
    execFileSync('mkfifo', [fifo]);
    const r = await run([...model, '--output-format', 'csv', fifo], { timeoutMs: 20_000 });
    expect(r.timedOut).toBe(false);
    expect(r.stderr).toMatch(/USAGE: Parquet input needs a regular file/);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });
});

describe('duplicate column names', () => {
  const write = (name: string, body: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, body);
    return f;
  };

  test('two text columns: exit 2 COLUMN_DUPLICATE whatever the output (which text a label belongs to is ambiguous), nothing on stdout', async () => {
    const f = write('two-text.csv', 'text,text\ni am happy,i am sad\n');
    for (const fmt of ['jsonl', 'csv']) {
      const r = await run([...model, '--output-format', fmt, f]);
      expect(r.stderr).toContain(`${f}:1: COLUMN_DUPLICATE: columns 1 and 2 are both named 'text'`);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
    }
  });

  test('two empty names, written as JSONL: exit 2 (two "" keys); written as CSV: kept as they are, exit 0', async () => {
    const f = write('two-empty.csv', ',text,\n0,i am happy,x\n');
    const j = await run([...model, '--output-format', 'jsonl', f]);
    expect(j.stderr).toContain(`${f}:1: COLUMN_DUPLICATE: columns 1 and 3 are both named (empty), which JSONL output cannot hold apart`);
    expect(j.code).toBe(2);
    expect(j.stdout).toBe('');
    const c = await run([...model, '--output-format', 'csv', f]);
    expect(c.code).toBe(0);
    expect((parse(c.stdout) as string[][])[0]).toEqual(['', 'text', '', 'label', 'confidence']);
  });

  test("a single empty name (pandas' index column) to JSONL stays allowed", async () => {
    const f = write('pandas.csv', ',text\n0,i am happy\n1,i am sad\n');
    const r = await run([...model, '--output-format', 'jsonl', f]);
    expect(r.code).toBe(0);
    const objects = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(objects.map((o) => [o[''], o.text])).toEqual([
      ['0', 'i am happy'],
      ['1', 'i am sad'],
    ]);
  });

  test('eval: a gold-label column named twice is COLUMN_DUPLICATE', async () => {
    const f = write('two-label.csv', 'text,label,label\ni am happy,joy,sadness\n');
    const r = await run(['eval', ...model, f]);
    expect(r.stderr).toContain(`${f}:1: COLUMN_DUPLICATE: columns 2 and 3 are both named 'label'`);
    expect(r.code).toBe(2);
  });
});

/** Starts the CLI with its stdin a pipe left open; `ready` says when enough output has come. */
function startCli(args: string[], ready: (stdout: string) => boolean = () => true) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let isReady: () => void;
  const started = new Promise<void>((resolve) => (isReady = resolve));
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString('utf8');
    if (ready(stdout)) isReady();
  });
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>((resolve) => {
    let t0 = 0;
    child.once('spawn', () => (t0 = Date.now()));
    child.on('close', (code, signal) => resolve({ code, signal, ms: Date.now() - t0 }));
  });
  // a hung child must not outlive the test
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
  closed.then(() => clearTimeout(guard));
  return { child, started, closed, out: () => stdout, err: () => stderr };
}

/** The status a shell would show: the exit code, or 128 + the signal's number for a process killed by one. */
const shellStatus = (r: { code: number | null; signal: NodeJS.Signals | null }) => (r.signal ? 128 + os.constants.signals[r.signal] : r.code);

describe('signals', () => {
  test('item 4: a FIFO nobody writes to: SIGTERM ends the run at once with its summary (it hung for as long as the FIFO stayed closed)', async () => {
    const fifo = path.join(dir, 'idle.jsonl');
    execFileSync('mkfifo', [fifo]);
    const run = startCli([...model, '--output-format', 'csv', fifo]);
    await new Promise((r) => setTimeout(r, 1500)); // the model loaded, the open() waiting
    const sent = Date.now();
    run.child.kill('SIGTERM');
    const r = await run.closed;
    expect(Date.now() - sent).toBeLessThan(5000);
    expect(r.code).toBe(143);
    expect(run.err()).toContain('stopped by SIGTERM (the rows read before it were all finished): read 0, labelled 0, rejected 0');
    expect(run.out()).toBe('');
  });

  test('item 11: SIGINT while stdin is open and silent (no header yet): exit 130 at once with the summary, not after 10 s without it', async () => {
    const run = startCli([...model]);
    await new Promise((r) => setTimeout(r, 1500));
    const sent = Date.now();
    run.child.kill('SIGINT');
    const r = await run.closed;
    expect(Date.now() - sent).toBeLessThan(5000);
    expect(r.code).toBe(130);
    expect(run.err()).toContain('stopped by SIGINT (the rows read before it were all finished): read 0');
  });

  test('item 5: SIGHUP stops as SIGTERM does: the rows read are finished and written, summary, exit 129', async () => {
    const run = startCli([...model, '--batch-size', '8'], (out) => out.split('\n').length > 20);
    run.child.stdin.write('id,text\n');
    for (let i = 0; i < 500; i++) run.child.stdin.write(`${i},i feel row ${i}\n`);
    await run.started;
    run.child.kill('SIGHUP');
    const r = await run.closed;
    expect(r.code).toBe(129);
    const rows = (parse(run.out()) as string[][]).slice(1);
    // the parser may keep the last line until it knows the record has ended
    expect(rows.length).toBeGreaterThanOrEqual(499);
    expect(run.err()).toContain(`stopped by SIGHUP (the rows read before it were all finished): read ${rows.length}, labelled ${rows.length}`);
  });

  // The default model: its batches keep the workers inside onnxruntime long enough for a second
  // signal to land there (6 of 6 tries aborted with exit 134 before).
  test.each([
    ['SIGINT', 100],
    ['SIGINT', 600],
    ['SIGTERM', 300],
  ] as const)('item 5: a second %s %i ms after the first stops at once, by the signal, never an abort in native code', async (sig, delay) => {
    const big = path.join(dir, 'big.csv');
    const lines = ['id,text'];
    for (let i = 0; i < 20000; i++) lines.push(`${i},i feel row ${i} and this is a longer sentence about how i feel today really`);
    fs.writeFileSync(big, lines.join('\n') + '\n');
    const run = startCli([big, '--workers', '2']);
    // The model loaded and the first windows in the workers; the first signal leaves them seconds of work.
    await new Promise((r) => setTimeout(r, 3000));
    run.child.kill(sig);
    await new Promise((r) => setTimeout(r, delay));
    const second = Date.now();
    run.child.kill(sig);
    const r = await run.closed;
    expect(Date.now() - second).toBeLessThan(2000);
    expect(run.err()).not.toContain('terminate called');
    expect(shellStatus(r)).toBe(sig === 'SIGINT' ? 130 : 143);
  });
});

describe('a program that never calls close() still exits', () => {
  const lib = JSON.stringify(ROOT);
  const tiny = JSON.stringify(TINY_BERT);
  const runNode = (script: string): Promise<Result> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      const timer = setTimeout(() => ((timedOut = true), child.kill('SIGKILL')), 20_000);
      child.stdout.on('data', (c: Buffer) => (stdout += c));
      child.stderr.on('data', (c: Buffer) => (stderr += c));
      child.on('error', reject);
      child.on('close', (code, signal) => (clearTimeout(timer), resolve({ code, signal, stdout, stderr, timedOut })));
    });

  test('one that only created a labeller exits by itself, exit 0', async () => {
    const r = await runNode(`require(${lib}).createLabeller({ model: ${tiny}, workers: 2 }).then(() => console.log('ready'))`);
    expect(r.timedOut).toBe(false);
    expect(r.stdout).toBe('ready\n');
    expect(r.code).toBe(0);
  });

  test('a label() call in flight still completes before the process exits', async () => {
    const r = await runNode(
      `require(${lib}).createLabeller({ model: ${tiny}, workers: 2 }).then((l) => { l.label(Array.from({ length: 300 }, (_, i) => 'i feel ' + i)).then((out) => console.log(out.length, out.every((x) => typeof x.label === 'string'))); })`,
    );
    expect(r.timedOut).toBe(false);
    expect(r.stdout).toBe('300 true\n');
    expect(r.code).toBe(0);
  });
});

describe('errors, not stack traces', () => {
  const deepLine = (levels: number) => `{"text":"i am happy","k":${'['.repeat(levels)}${']'.repeat(levels)}}`;

  test.each(['csv', 'parquet'])(
    'a JSONL value nested 100,000 levels deep, written as %s, is a bad row JSON_TOO_DEEP (it was an internal RangeError, exit 3)',
    async (fmt) => {
      const f = path.join(dir, 'deep.jsonl');
      fs.writeFileSync(f, `{"text":"i am sad","k":1}\n${deepLine(100000)}\n{"text":"i am scared","k":2}\n`);
      const out = path.join(dir, `out.${fmt}`);
      const failed = await run([...model, f, '-o', out]);
      expect(failed.stderr).toContain(`${f}:2: JSON_TOO_DEEP: the value of key 'k' is nested too deeply`);
      expect(failed.stderr).not.toContain('RangeError');
      expect(failed.code).toBe(1);
      const skipped = await run([...model, f, '-o', out, '--on-error', 'skip']);
      expect(skipped.stderr).toContain('read 3, labelled 2, rejected 1');
      expect(skipped.code).toBe(1);
      expect(fs.existsSync(out)).toBe(true);
    },
  );

  test('JSONL output keeps such a line as it is', async () => {
    const f = path.join(dir, 'deep.jsonl');
    fs.writeFileSync(f, `${deepLine(100000)}\n`);
    const r = await run([...model, f]);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith(deepLine(100000).slice(0, -1) + ',"label":')).toBe(true);
  });

  test('a rejects file on a full device (mknod c 1 7 in a temporary folder): OUTPUT_FAILED naming it and ENOSPC, exit 3, no unhandled error event', async () => {
    const full = path.join(dir, 'full');
    execFileSync('mknod', [full, 'c', '1', '7']);
    const f = path.join(dir, 'bad.csv');
    fs.writeFileSync(f, 'text,x\nok,1\nbad\nok2,2\n');
    const r = await run([...model, f, '--on-error', 'skip', '--rejects', full]);
    expect(r.stderr).toContain(`${full}: OUTPUT_FAILED: the rejects file could not be written: ENOSPC`);
    expect(r.stderr).not.toMatch(/Unhandled|internal error/);
    expect(r.code).toBe(3);
  });

  test('a rejects file in a missing folder: exit 2 before any work', async () => {
    const f = path.join(dir, 'ok.csv');
    fs.writeFileSync(f, 'text\nok\n');
    const r = await run([...model, f, '--on-error', 'skip', '--rejects', path.join(dir, 'no', 'rejects.csv')]);
    expect(r.stderr).toContain('OUTPUT_UNWRITABLE');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });
});

describe('a model whose id2label disagrees with its output', () => {
  test('10,000 labels for a 6-output graph: exit 2 MODEL_INVALID at load, nothing on stdout (it was exit 3 after the header)', async () => {
    const bad = path.join(dir, 'model');
    fs.mkdirSync(bad);
    for (const f of fs.readdirSync(TINY_BERT)) fs.copyFileSync(path.join(TINY_BERT, f), path.join(bad, f));
    const config = JSON.parse(fs.readFileSync(path.join(bad, 'config.json'), 'utf8'));
    config.id2label = Object.fromEntries(Array.from({ length: 10000 }, (_, i) => [i, `l${i}`]));
    delete config.label2id;
    fs.writeFileSync(path.join(bad, 'config.json'), JSON.stringify(config));
    const r = await run(['--model', bad, '--workers', '1'], { stdin: 'text\ni am happy\n' });
    expect(r.stderr).toContain('MODEL_INVALID: cannot load the model: model output has shape [1, 6], expected [1, 10000]');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });
});

describe("memory follows the model's 128 tokens, not the record size", () => {
  test('two 8 MB texts with a 160 MB heap (V8 limit for every thread): labelled, fields written whole (whole tokenization ran out of memory: WORKER_FAILED, exit 3)', async () => {
    const words = 'i feel so happy today and sad tomorrow because the weather is strange'.split(' ');
    const text = (seed: number) => {
      const parts: string[] = [];
      for (let i = 0, n = 0; n < 8_000_000; i++) {
        const w = words[(i * 7 + seed) % words.length];
        parts.push(w);
        n += w.length + 1;
      }
      return parts.join(' ');
    };
    const f = path.join(dir, 'huge.csv');
    const rows = [text(1), text(2)];
    fs.writeFileSync(f, `id,text\n0,${rows[0]}\n1,${rows[1]}\n`);
    const out = path.join(dir, 'out.csv');
    const child = spawn(process.execPath, [BIN, '--model', 'fast', '--workers', '1', f, '-o', out], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=160' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toContain('read 2, labelled 2, rejected 0');
    expect(code).toBe(0);
    const written = parse(fs.readFileSync(out)) as string[][];
    expect(written.slice(1).map((r) => r[1])).toEqual(rows);
  });
});

describe('parallelism has a bound', () => {
  test.each([
    [{ workers: 1000 }, /--workers must be at most \d+ \(4 × the \d+ available cores, at least 16\)/],
    [{ threads: 1000 }, /--threads must be at most \d+/],
  ])('createLabeller(%j): USAGE at once (it ran out of memory, or took 23 s to start)', async (opts, message) => {
    const { createLabeller } = await import('../src/index');
    const t0 = Date.now();
    await expect(createLabeller({ model: TINY_BERT, ...opts })).rejects.toMatchObject({ code: 'USAGE', exitCode: 2, message: expect.stringMatching(message) });
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  test('the CLI: exit 2, nothing written; 16 workers still start (the bound is at least 16)', async () => {
    const r = await run([...model.slice(0, 2), '--workers', '1000'], { stdin: 'text\nhi\n' });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const ok = await run(['--model', TINY_BERT, '--workers', '16', '--threads', '1'], { stdin: 'text\nhi\n' });
    expect(ok.code).toBe(0);
  });
});

describe('smaller edges', () => {
  const write = (name: string, body: string | Buffer) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, body);
    return f;
  };

  test.each(['csv', 'jsonl', 'tsv'])('UTF-16 %s input (BOM FF FE) is named as UTF-16 at line 1 (it was NUL_BYTE on line 2)', async (fmt) => {
    const body = fmt === 'jsonl' ? '{"text":"i am happy"}\n' : 'text\ni am happy\n';
    const f = write(`u16.${fmt}`, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(body, 'utf16le')]));
    const r = await run([...model, f]);
    expect(r.stderr).toContain(`${f}:1: INVALID_UTF8: the input is UTF-16 (little-endian: it opens with the byte-order mark FF FE); emotion-label reads UTF-8`);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
  });

  test('an over-long JSONL line is JSON_LINE_TOO_LARGE, not CSV_RECORD_TOO_LARGE', async () => {
    const f = write('long.jsonl', `{"text":"ok"}\n{"text":"${'x'.repeat(3000)}"}\n`);
    const r = await run([...model, f, '--max-record-size', '1000']);
    expect(r.stderr).toContain(`${f}:2: JSON_LINE_TOO_LARGE: line is longer than 1000 bytes`);
    expect(r.code).toBe(1);
  });

  test('a JSONL text key that no line has is MISSING_COLUMN, exit 2, under either policy; a later line without it stays a bad row', async () => {
    const none = write('none.jsonl', '{"body":"i am happy"}\n{"body":"i am sad"}\n');
    const fail = await run([...model, none]);
    expect(fail.stderr).toContain(`${none}:1: MISSING_COLUMN: no key 'text'; keys found: 'body'`);
    expect(fail.code).toBe(2);
    expect(fail.stdout).toBe('');
    const skip = await run([...model, none, '--on-error', 'skip']);
    expect(skip.stderr).toContain(`${none}: MISSING_COLUMN: no object has the text key 'text'`);
    expect(skip.code).toBe(2);
    const later = write('later.jsonl', '{"text":"i am happy"}\n{"body":"i am sad"}\n');
    const bad = await run([...model, later]);
    expect(bad.stderr).toContain(`${later}:2: TEXT_MISSING`);
    expect(bad.code).toBe(1);
  });

  test("label('hello') labels one text (it labelled five letters); label() after close() says the labeller is closed (USAGE, not WORKER_FAILED)", async () => {
    const { createLabeller } = await import('../src/index');
    const l = await createLabeller({ model: TINY_BERT, workers: 1 });
    const one = await l.label('hello');
    expect(one).toHaveLength(1);
    expect(one).toEqual(await l.label(['hello']));
    await l.close();
    await expect(l.label(['hello'])).rejects.toMatchObject({
      code: 'USAGE',
      exitCode: 2,
      message: 'the labeller is closed: create another with createLabeller()',
    });
  });
});
