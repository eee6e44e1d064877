// The Spark job (integrations/spark/label.py) end to end: local mode against the single-process
// CLI, a real standalone cluster on 127.0.0.1 that loses a worker mid-job, and bad rows.
// Needs Java and pyspark + pyarrow in $PYTHON (python3); skipped with a message where they are missing.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { BIN, ROOT, SAMPLES, TINY_BERT, runCli } from './helpers/cli';

const PYTHON = process.env.PYTHON ?? 'python3';
const JOB = path.join(ROOT, 'integrations', 'spark', 'label.py');
const HELPERS = path.join(ROOT, 'test', 'spark');
const COMMAND = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)}`;
/** Set in the environment of everything the tests start, to find (and check for) leftovers by pid. */
const MARK = `EMOTION_LABEL_SPARK_TEST=${process.pid}-${Date.now()}`;

function findSpark(): { home: string } | { missing: string } {
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (java.error || java.status !== 0) return { missing: 'Java (java -version failed)' };
  const py = spawnSync(PYTHON, ['-c', 'import os, pyspark, pyarrow; print(os.path.dirname(pyspark.__file__))'], { encoding: 'utf8' });
  if (py.error || py.status !== 0) return { missing: `pyspark and pyarrow in ${PYTHON} (${(py.stderr || String(py.error)).trim().split('\n').pop()})` };
  return { home: py.stdout.trim() };
}
const spark = findSpark();
const SPARK_HOME = 'home' in spark ? spark.home : '';
if ('missing' in spark) {
  console.warn(`test/spark.e2e.test.ts: SKIPPED, missing ${spark.missing}. .ci/run installs them: pip install -r test/spark/requirements.txt`);
}
const describeSpark = 'home' in spark ? describe : describe.skip;

const started = new Set<number>(); // process group ids of everything started here
const sparkEnv = (): NodeJS.ProcessEnv => {
  const [k, v] = MARK.split('=');
  return {
    ...process.env,
    [k]: v,
    SPARK_HOME,
    PYSPARK_PYTHON: PYTHON,
    PYSPARK_DRIVER_PYTHON: PYTHON,
    SPARK_LOCAL_IP: '127.0.0.1',
  };
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts a process in its own process group (so it and its children can be stopped together). */
function start(cmd: string, args: string[], env: NodeJS.ProcessEnv, log: string): ChildProcess {
  const fd = fs.openSync(log, 'a');
  const child = spawn(cmd, args, { env, detached: true, stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  if (child.pid) started.add(child.pid);
  return child;
}

function stopGroup(pgid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    /* gone already */
  }
}

/** Pids of processes carrying MARK in their environment (started by these tests, directly or not). */
function markedPids(): number[] {
  const pids: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/environ`, 'latin1').split('\0').includes(MARK)) pids.push(Number(d));
    } catch {
      /* exited, or not ours to read */
    }
  }
  return pids;
}

function killLeftovers(): void {
  for (const pgid of started) stopGroup(pgid);
  for (const pid of markedPids()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** spark-submit label.py ARGS; `onStart` sees the driver process. */
function submit(args: string[], opts: { master?: string; conf?: string[]; timeoutMs?: number; onStart?: (c: ChildProcess) => void } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const conf = ['spark.ui.enabled=false', 'spark.log.level=WARN', 'spark.driver.memory=512m', ...(opts.conf ?? [])];
    const child = spawn(
      path.join(SPARK_HOME, 'bin', 'spark-submit'),
      // C1-only JIT: about a third less CPU for these short jobs on a 2-core machine.
      ['--master', opts.master ?? 'local[2]', '--driver-java-options', QUICK_JVM, ...conf.flatMap((c) => ['--conf', c]), JOB, ...args],
      { env: sparkEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    if (child.pid) started.add(child.pid);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    child.stderr!.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.pid && stopGroup(child.pid), opts.timeoutMs ?? 240_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (process.env.EL_SPARK_TEST_LOGS) {
        // Keep each job's output for a look: EL_SPARK_TEST_LOGS=DIR npx jest test/spark.e2e.test.ts
        fs.mkdirSync(process.env.EL_SPARK_TEST_LOGS, { recursive: true });
        const name = path.basename(args[1]);
        fs.writeFileSync(path.join(process.env.EL_SPARK_TEST_LOGS, `${name}.stdout`), Buffer.concat(out));
        fs.writeFileSync(path.join(process.env.EL_SPARK_TEST_LOGS, `${name}.stderr`), Buffer.concat(err));
      }
      if (child.pid) {
        stopGroup(child.pid); // the driver's Python and JVM, had any outlived it
        started.delete(child.pid);
      }
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    opts.onStart?.(child);
  });
}

/** Our own lines of the job's output, not Spark's log (spark-submit passes the Python driver's stderr on to its stdout). */
const ours = (r: Run) =>
  (r.stdout + '\n' + r.stderr)
    .split('\n')
    .filter((l) => l.startsWith('emotion-label spark:') || l.includes('flaky-cli'))
    .join('\n');

function partFiles(dir: string, ext: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.startsWith('part-') && f.endsWith(ext))
    .sort()
    .map((f) => path.join(dir, f));
}
function readCsvDir(dir: string): Record<string, string>[] {
  return partFiles(dir, '.csv').flatMap((f) => parse(fs.readFileSync(f), { columns: true }) as Record<string, string>[]);
}
function readJsonDir(dir: string): Record<string, unknown>[] {
  return partFiles(dir, '.json').flatMap((f) =>
    fs
      .readFileSync(f, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l)),
  );
}

/** The single-process CLI's answer per id: label and confidence (and scores). */
async function cliLabels(input: string, args: string[]): Promise<Map<string, Record<string, string | number | null>>> {
  const r = await runCli([input, '--model', TINY_BERT, '--output-format', 'jsonl', '--no-progress', ...args]);
  expect([0, 1]).toContain(r.code); // 1: the CLI rejects a row Spark reads as null (checked by the callers)
  const m = new Map<string, Record<string, string | number | null>>();
  for (const line of r.stdout.split('\n').filter((l) => l !== '')) {
    const o = JSON.parse(line);
    m.set(String(o.id), o);
  }
  return m;
}

function expectSameLabels(
  got: { label: unknown; confidence: unknown; [k: string]: unknown },
  want: Record<string, unknown> | undefined,
  scoreKeys: string[] = [],
): void {
  if (want === undefined || want.label === null || want.label === undefined) {
    expect(got.label ?? null).toBeNull();
    expect(got.confidence ?? null).toBeNull();
    return;
  }
  expect(got.label).toBe(want.label);
  expect(Math.abs(Number(got.confidence) - Number(want.confidence))).toBeLessThanOrEqual(1e-5);
  for (const k of scoreKeys) expect(Math.abs(Number(got[k]) - Number(want[k]))).toBeLessThanOrEqual(1e-5);
}

const TINY_NEUTRAL = path.join(ROOT, 'fixtures', 'models', 'tiny-bert-neutral');
const SCORE_KEYS = ['sadness', 'joy', 'love', 'anger', 'fear', 'surprise'].map((l) => `score_${l}`);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Processes as pid → [ppid, args]. */
function psTable(): Map<number, [number, string]> {
  const ps = spawnSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' });
  const m = new Map<number, [number, string]>();
  for (const line of ps.stdout.split('\n')) {
    const mm = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (mm) m.set(Number(mm[1]), [Number(mm[2]), mm[3]]);
  }
  return m;
}
function descendants(root: number, table = psTable()): number[] {
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    const p = queue.shift()!;
    for (const [pid, [ppid]] of table) {
      if (ppid === p) {
        out.push(pid);
        queue.push(pid);
      }
    }
  }
  return out;
}

/** Runs at most n of the given async jobs at a time. */
function queue(n: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return <T>(fn: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const go = () => {
        running++;
        fn()
          .then(resolve, reject)
          .finally(() => {
            running--;
            waiting.shift()?.();
          });
      };
      if (running < n) go();
      else waiting.push(go);
    });
}

const QUICK_JVM = '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeSpark('Spark job (integrations/spark/label.py)', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'el-spark-'));
  });
  afterAll(() => {
    killLeftovers();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** Fails if a process started by these tests is still there 20 s after its job ended. */
  async function expectNothingLeft(): Promise<void> {
    const deadline = Date.now() + 20_000;
    let left = markedPids();
    while (left.length && Date.now() < deadline) {
      await sleep(500);
      left = markedPids();
    }
    const table = psTable();
    if (left.length) killLeftovers();
    expect(left.map((p) => `${p} ${table.get(p)?.[1] ?? ''}`)).toEqual([]);
  }

  // The local-mode jobs are independent: all of them are submitted when the first test needs one,
  // two at a time (2 cores), and each test checks its own.
  const BAD_N = 300;
  const BAD_LINE = 152; // line 1 is the header
  const FLAKY = `${JSON.stringify(process.execPath)} ${JSON.stringify(path.join(HELPERS, 'flaky-cli.js'))}`;
  const files = () => ({
    typedJsonl: path.join(tmp, 'typed.jsonl'),
    parquet: path.join(tmp, 'typed.parquet'),
    parquetTexts: path.join(tmp, 'typed-texts.jsonl'),
    bad: path.join(tmp, 'bad.csv'),
    good: path.join(tmp, 'good.csv'),
    few: path.join(tmp, 'few.csv'),
  });
  function typedRows(): Record<string, unknown>[] {
    const sample = fs
      .readFileSync(path.join(SAMPLES, 'sample.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l));
    const rows = sample.map((o, i) => ({ ...o, n: i * 1000, x: i / 4, ok: i % 2 === 0, tags: ['a', String(i)], meta: { depth: i, name: `m${i}` } }));
    rows.push({ id: 3000, text: null, note: 'null text', n: 1, x: 0.5, ok: false, tags: [], meta: { depth: 0, name: 'z' } });
    return rows;
  }
  let jobs: Record<string, Promise<Run>> | undefined;
  function job(name: string): Promise<Run> {
    jobs ??= submitLocalJobs();
    return jobs[name];
  }
  function submitLocalJobs(): Record<string, Promise<Run>> {
    const f = files();
    fs.writeFileSync(
      f.typedJsonl,
      typedRows()
        .map((o) => JSON.stringify(o))
        .join('\n') + '\n',
    );
    const mk = spawnSync(PYTHON, [path.join(HELPERS, 'parquet.py'), 'make', path.join(SAMPLES, 'sample.jsonl'), f.parquet, f.parquetTexts], {
      encoding: 'utf8',
    });
    if (mk.status !== 0) throw new Error(`parquet.py make: ${mk.stderr}`);
    const lines = ['id,text,note'];
    for (let i = 1; i <= BAD_N; i++)
      lines.push(i === BAD_LINE - 1 ? `${i},this row has,one field,too many` : `${i},i feel ${i % 3 ? 'happy' : 'sad'} today number ${i},n${i}`);
    fs.writeFileSync(f.bad, lines.join('\n') + '\n');
    fs.writeFileSync(f.good, 'id,text\n' + Array.from({ length: 50 }, (_, i) => `${i},i feel fine ${i}\n`).join(''));
    fs.writeFileSync(f.few, 'id,text\n' + Array.from({ length: 200 }, (_, i) => `${i},i feel ${i % 2 ? 'fine' : 'sad'} ${i}\n`).join(''));
    fs.mkdirSync(path.join(tmp, 'flaky'));
    fs.mkdirSync(path.join(tmp, 'always'));
    const q = queue(2);
    const tiny = ['--model', TINY_BERT];
    const all: Record<string, Promise<Run>> = {
      onesplit: q(() => submit([f.good, path.join(tmp, 'onesplit-out'), ...tiny, '--command', COMMAND])),
      fewsplits: q(() =>
        submit([f.few, path.join(tmp, 'fewsplits-out'), ...tiny, '--command', COMMAND], {
          conf: ['spark.sql.files.maxPartitionBytes=2000', 'spark.sql.files.openCostInBytes=0'],
        }),
      ),
      csv: q(() => submit([path.join(SAMPLES, 'sample.csv'), path.join(tmp, 'csv-out'), '--multiline', '--scores', ...tiny, '--command', COMMAND])),
      jsonl: q(() => submit([f.typedJsonl, path.join(tmp, 'jsonl-out'), '--partitions', '3', ...tiny, '--command', COMMAND])),
      parquet: q(() => submit([f.parquet, path.join(tmp, 'parquet-out'), '--partitions', '2', '--scores', ...tiny, '--command', COMMAND])),
      fail: q(() => submit([f.bad, path.join(tmp, 'fail-out'), '--partitions', '4', ...tiny, '--command', COMMAND])),
      skip: q(() =>
        submit([
          f.bad,
          path.join(tmp, 'skip-out'),
          '--partitions',
          '4',
          '--on-error',
          'skip',
          '--rejects',
          path.join(tmp, 'skip-rejects'),
          '--output-format',
          'jsonl',
          ...tiny,
          '--command',
          COMMAND,
        ]),
      ),
      retry: q(() =>
        submit([f.bad, path.join(tmp, 'retry-out'), '--on-error', 'skip', '--partitions', '2', '--output-format', 'jsonl', ...tiny, '--command', FLAKY], {
          master: 'local[2,3]',
          conf: [`spark.executorEnv.FLAKY_DIR=${path.join(tmp, 'flaky')}`],
        }),
      ),
      always: q(() =>
        submit([f.good, path.join(tmp, 'always-out'), ...tiny, '--command', FLAKY], {
          master: 'local[2,2]',
          conf: [`spark.executorEnv.FLAKY_DIR=${path.join(tmp, 'always')}`, 'spark.executorEnv.FLAKY_FAILURES=all'],
        }),
      ),
      missing: q(() => submit([f.bad, path.join(tmp, 'missing-out'), '--command', '/nonexistent/emotion-label'])),
      neutral: q(() =>
        submit([
          path.join(SAMPLES, 'sample.csv'),
          path.join(tmp, 'neutral-out'),
          '--multiline',
          '--scores',
          '--neutral',
          '--min-confidence',
          '0.5',
          '--model',
          TINY_NEUTRAL,
          '--command',
          COMMAND,
        ]),
      ),
      noview: q(() => submit([f.good, path.join(tmp, 'noview-out'), '--neutral', ...tiny, '--command', COMMAND])),
    };
    for (const p of Object.values(all)) p.catch(() => undefined); // awaited by the tests that ask
    return all;
  }

  test('local[2], CSV: same labels and scores as the CLI, every row once, in order, fields unchanged', async () => {
    const out = path.join(tmp, 'csv-out');
    const input = path.join(SAMPLES, 'sample.csv');
    const r = await job('csv');
    expect(ours(r)).toContain('read 62, labelled 62, rejected 0 (1 empty text left unlabelled)');
    expect(r.code).toBe(0);
    expect(fs.existsSync(path.join(out, '_SUCCESS'))).toBe(true);
    const want = await cliLabels(input, ['--scores']);
    const inRows = parse(fs.readFileSync(input), { columns: true, bom: true }) as Record<string, string>[];
    const got = readCsvDir(out);
    expect(Object.keys(got[0])).toEqual(['id', 'text', 'note', 'label', 'confidence', ...SCORE_KEYS]);
    expect(got.map((g) => g.id)).toEqual(inRows.map((x) => x.id)); // every row once, input order
    got.forEach((g, i) => {
      expect([g.id, g.text, g.note]).toEqual([inRows[i].id, inRows[i].text, inRows[i].note]);
      const w = want.get(g.id)!;
      expectSameLabels({ ...g, label: g.label || null, confidence: g.confidence || null }, w, w.label === null ? [] : SCORE_KEYS);
    });
  });

  test('local[2], defaults, an input of a few uneven splits: cut into 4 ranges per task slot, rows stay in input order', async () => {
    const r = await job('fewsplits');
    expect(r.code).toBe(0);
    expect(ours(r)).toMatch(/[2-7] partitions for 2 task slots: cut into 8 of about equal size, in input order/);
    expect(ours(r)).toContain('read 200, labelled 200, rejected 0; 8 partitions');
    expect(readCsvDir(path.join(tmp, 'fewsplits-out')).map((g) => g.id)).toEqual(Array.from({ length: 200 }, (_, i) => String(i)));
  }, 900_000);

  test("local[2], defaults, a one-split input: its one task's CLI gets both cores; rows stay in input order", async () => {
    const r = await job('onesplit');
    expect(r.code).toBe(0);
    expect(ours(r)).toContain("1 partition for 2 task slots: each task's CLI gets 2 cores");
    expect(ours(r)).toMatch(/started .* --workers 2 --threads 1/);
    expect(ours(r)).toContain('read 50, labelled 50, rejected 0; 1 partitions');
    expect(readCsvDir(path.join(tmp, 'onesplit-out')).map((g) => g.id)).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
  }, 900_000);

  test('local[2], JSONL in 3 partitions: original keys keep their JSON types, labels as the CLI', async () => {
    const rows = typedRows();
    const r = await job('jsonl');
    expect(ours(r)).toContain(`read ${rows.length}, labelled ${rows.length}, rejected 0 (2 empty texts left unlabelled); 3 partitions`);
    expect(r.code).toBe(0);
    const want = await cliLabels(files().typedJsonl, ['--on-error', 'skip']); // the CLI rejects the null text
    expect(want.size).toBe(rows.length - 1);
    const got = readJsonDir(path.join(tmp, 'jsonl-out'));
    expect(got.map((g) => g.id).sort()).toEqual(rows.map((o) => o.id).sort()); // every row once
    const byId = new Map(got.map((g) => [g.id, g]));
    for (const o of rows) {
      const g = byId.get(o.id)!;
      for (const [k, v] of Object.entries(o)) expect([k, g[k]]).toEqual([k, v]); // same value, same JSON type
      expect(Object.keys(g).slice(-2)).toEqual(['label', 'confidence']);
      expectSameLabels(g as { label: unknown; confidence: unknown }, o.text === null ? undefined : want.get(String(o.id)));
    }
  });

  test('local[2], Parquet in 2 partitions: column types kept (ints, decimal, date, timestamp, list, struct), labels as the CLI', async () => {
    const r = await job('parquet');
    expect(ours(r)).toContain('read 63, labelled 63, rejected 0 (2 empty texts left unlabelled)');
    expect(r.code).toBe(0);
    const dump = (p: string) => JSON.parse(spawnSync(PYTHON, [path.join(HELPERS, 'parquet.py'), 'dump', p], { encoding: 'utf8', maxBuffer: 1 << 26 }).stdout);
    const before = dump(files().parquet);
    const after = dump(path.join(tmp, 'parquet-out'));
    expect(after.schema).toEqual([...before.schema, ['label', 'string'], ['confidence', 'double'], ...SCORE_KEYS.map((k) => [k, 'double'])]);
    const want = await cliLabels(files().parquetTexts, ['--scores']);
    expect(after.rows.length).toBe(before.rows.length);
    const byId = new Map<number, Record<string, unknown>>(after.rows.map((g: Record<string, unknown>) => [g.id, g]));
    expect(byId.size).toBe(before.rows.length); // every row once
    for (const o of before.rows as Record<string, unknown>[]) {
      const g = byId.get(o.id as number)!;
      for (const [k, v] of Object.entries(o)) expect([k, g[k]]).toEqual([k, v]);
      const w = want.get(String(o.id));
      expectSameLabels(g as { label: unknown; confidence: unknown }, w, w?.label ? SCORE_KEYS : []);
    }
  });

  describe('bad rows and failures', () => {
    test('--on-error fail: the job stops before labelling, names the file, the line and the record, writes nothing (exit 1)', async () => {
      const r = await job('fail');
      expect(ours(r)).toContain(`${files().bad}:${BAD_LINE}: MALFORMED_RECORD:`);
      expect(ours(r)).toContain(`'${BAD_LINE - 1},this row has,one field,too many'`);
      expect(r.code).toBe(1);
      expect(fs.existsSync(path.join(tmp, 'fail-out'))).toBe(false);
    });

    test('--on-error skip: the bad record goes to the rejects dir, every other row is labelled once (exit 1)', async () => {
      const rejects = path.join(tmp, 'skip-rejects');
      const r = await job('skip');
      expect(ours(r)).toContain(`read ${BAD_N}, labelled ${BAD_N - 1}, rejected 1; 4 partitions`);
      expect(ours(r)).toContain(`1 bad record written to ${rejects}`);
      expect(r.code).toBe(1);
      const rej = readJsonDir(rejects);
      expect(rej).toEqual([
        {
          file: `file://${files().bad}`,
          code: 'MALFORMED_RECORD',
          reason: expect.stringContaining('wrong number of fields'),
          raw: `${BAD_LINE - 1},this row has,one field,too many`,
        },
      ]);
      const got = readJsonDir(path.join(tmp, 'skip-out'));
      expect(got.length).toBe(BAD_N - 1);
      expect(new Set(got.map((g) => g.id)).size).toBe(BAD_N - 1);
      expect(got.every((g) => typeof g.label === 'string' && typeof g.confidence === 'number')).toBe(true);
    });

    test('a CLI that dies mid-partition: the task is retried, the failed attempt leaves nothing behind, every row once', async () => {
      const r = await job('retry');
      expect(ours(r)).toContain('flaky-cli: dying on purpose after 10 rows');
      expect(r.stderr).toMatch(/emotion-label exited with code 3 after 10 of \d+ rows/);
      expect(ours(r)).toContain(`read ${BAD_N}, labelled ${BAD_N - 1}, rejected 1; 2 partitions`);
      expect(r.code).toBe(1); // the one bad record
      const got = readJsonDir(path.join(tmp, 'retry-out'));
      expect(got.length).toBe(BAD_N - 1);
      expect(new Set(got.map((g) => g.id)).size).toBe(BAD_N - 1);
    });

    test('a CLI that always fails: the job ends with exit 3 after spark.task.maxFailures attempts, with its stderr, nothing committed', async () => {
      const out = path.join(tmp, 'always-out');
      const r = await job('always');
      expect(r.code).toBe(3);
      expect(ours(r)).toMatch(/the job failed after spark.task.maxFailures attempts of a task: .*emotion-label exited with code 3 after 10 of 50 rows/);
      expect(ours(r)).toContain('flaky-cli: dying on purpose');
      expect(fs.existsSync(out) ? partFiles(out, '.csv') : []).toEqual([]);
      expect(fs.existsSync(path.join(out, '_SUCCESS'))).toBe(false);
    });

    test('a command missing on the executors: exit 2 before reading the input, nothing written', async () => {
      const r = await job('missing');
      expect(ours(r)).toContain('emotion-label does not run on the executors: cannot run /nonexistent/emotion-label');
      expect(r.code).toBe(2);
      expect(fs.existsSync(path.join(tmp, 'missing-out'))).toBe(false);
    });
  });

  test('local[2], --neutral and --min-confidence passed through: score_neutral, neutral labels, doubtful labels left empty, as the CLI', async () => {
    const input = path.join(SAMPLES, 'sample.csv');
    const r = await job('neutral');
    expect(r.code).toBe(0);
    const args = ['--scores', '--neutral', '--min-confidence', '0.5', '--model', TINY_NEUTRAL];
    const want = await cliLabels(input, args);
    const got = readCsvDir(path.join(tmp, 'neutral-out'));
    expect(Object.keys(got[0])).toEqual(['id', 'text', 'note', 'label', 'confidence', ...SCORE_KEYS, 'score_neutral']);
    expect(got.length).toBe(want.size);
    const num = (x: unknown) => (x === '' || x === null || x === undefined ? null : Number(x));
    for (const g of got) {
      const w = want.get(g.id)!;
      expect([g.id, g.label || null, num(g.confidence), num(g.score_neutral)]).toEqual([g.id, w.label, num(w.confidence), num(w.score_neutral)]);
    }
    expect(got.some((g) => g.label === 'neutral')).toBe(true);
    expect(got.some((g) => !g.label && g.confidence)).toBe(true); // below --min-confidence: label empty, confidence kept
  });

  test("local[2], --neutral with a model that declares no neutral view: exit 2 with the CLI's message, nothing written", async () => {
    const r = await job('noview');
    expect(ours(r)).toMatch(/declares no neutral view/);
    expect(r.code).toBe(2);
    expect(fs.existsSync(path.join(tmp, 'noview-out'))).toBe(false);
  });

  test('nothing the local jobs started is left running (JVMs, Python workers, CLI processes)', async () => {
    await Promise.allSettled(Object.values(jobs ?? {}));
    await expectNothingLeft();
  });

  test('standalone cluster (master + 2 workers, 1 core each, 127.0.0.1): a worker killed mid-job, still every row exactly once', async () => {
    const N = 100_000;
    const input = path.join(tmp, 'big.csv');
    const lines = ['id,text'];
    const words = ['happy', 'sad', 'angry', 'scared', 'surprised', 'loved', 'tired', 'calm'];
    for (let i = 0; i < N; i++) lines.push(`${i},i feel ${words[i % 8]} and ${words[(i * 7) % 8]} today ${i}`);
    fs.writeFileSync(input, lines.join('\n') + '\n');
    const out = path.join(tmp, 'cluster-out');
    const env = { ...sparkEnv(), SPARK_DAEMON_MEMORY: '256m', SPARK_NO_DAEMONIZE: '1' };
    const cls = path.join(SPARK_HOME, 'bin', 'spark-class');
    const port = await freePort();
    const master = start(
      cls,
      ['org.apache.spark.deploy.master.Master', '--host', '127.0.0.1', '--port', String(port), '--webui-port', String(await freePort())],
      env,
      path.join(tmp, 'master.log'),
    );
    const workers: ChildProcess[] = [];
    try {
      for (const w of [1, 2]) {
        workers.push(
          start(
            cls,
            [
              'org.apache.spark.deploy.worker.Worker',
              `spark://127.0.0.1:${port}`,
              '--host',
              '127.0.0.1',
              '--cores',
              '1',
              '--memory',
              '1g',
              '--webui-port',
              String(await freePort()),
              '--work-dir',
              path.join(tmp, `work-${w}`),
            ],
            env,
            path.join(tmp, `worker-${w}.log`),
          ),
        );
      }
      const deadline = Date.now() + 90_000;
      const registered = () =>
        ['worker-1', 'worker-2'].every((w) => /Successfully registered with master/.test(fs.readFileSync(path.join(tmp, `${w}.log`), 'utf8')));
      while (!registered()) {
        if (Date.now() > deadline) throw new Error(`workers did not register:\n${fs.readFileSync(path.join(tmp, 'master.log'), 'utf8').slice(-3000)}`);
        await sleep(500);
      }
      const victim = workers[1];
      const state: { killedAt: { cliRunning: number; jobAlive: boolean } | null; driver: ChildProcess | null } = { killedAt: null, driver: null };
      const killer = (async () => {
        // Kill the victim worker with its executor, Python workers and CLI processes (its whole
        // process group, as a machine that goes away) once its executor has labelled for a while.
        while (!state.killedAt) {
          await sleep(200);
          const table = psTable();
          const clis = descendants(victim.pid!, table).filter((p) => table.get(p)![1].includes('emotion-label.js'));
          if (clis.length > 0 && fs.existsSync(out)) {
            await sleep(1000);
            // Look again right before the kill: the task seen a second ago may have finished, and if it
            // was the victim's last one, killing now would lose no task and prove nothing.
            const now = psTable();
            const still = descendants(victim.pid!, now).filter((p) => now.get(p)![1].includes('emotion-label.js'));
            if (still.length === 0) continue;
            state.killedAt = { cliRunning: still.length, jobAlive: state.driver !== null && state.driver.exitCode === null };
            stopGroup(victim.pid!);
          }
          if (state.driver && state.driver.exitCode !== null) break;
        }
      })();
      const r = await submit([input, out, '--partitions', '10', '--output-format', 'jsonl', '--model', TINY_BERT, '--command', COMMAND], {
        master: `spark://127.0.0.1:${port}`,
        conf: [
          `spark.executor.extraJavaOptions=${QUICK_JVM}`,
          'spark.executor.memory=512m',
          'spark.executor.cores=1',
          'spark.cores.max=2',
          'spark.task.maxFailures=4',
        ],
        timeoutMs: 300_000,
        onStart: (c) => (state.driver = c),
      });
      await killer;
      expect(state.killedAt).toEqual({ cliRunning: 1, jobAlive: true });
      expect(r.stderr).toMatch(/Lost executor|ExecutorLostFailure|Executor lost|executor \d+ exited|Removed executor/i);
      expect(ours(r)).toContain(`read ${N}, labelled ${N}, rejected 0; 10 partitions`);
      expect(r.code).toBe(0);
      // The executors' own logs: a partition started on the lost worker and never finished there
      // was finished by a later attempt on the other worker.
      const taskLines = (w: number) =>
        fs
          .readdirSync(path.join(tmp, `work-${w}`), { recursive: true, encoding: 'utf8' })
          .filter((f) => f.endsWith('stderr'))
          .flatMap((f) => fs.readFileSync(path.join(tmp, `work-${w}`, f), 'utf8').split('\n'))
          .map((l) => /^emotion-label spark: stage \d+ partition (\d+) attempt (\d+): (started|done)/.exec(l))
          .filter((m): m is RegExpExecArray => m !== null)
          .map((m) => ({ partition: Number(m[1]), attempt: Number(m[2]), what: m[3] }));
      if (process.env.EL_SPARK_TEST_LOGS) {
        fs.writeFileSync(path.join(process.env.EL_SPARK_TEST_LOGS, 'cluster-tasks.json'), JSON.stringify({ survivor: taskLines(1), victim: taskLines(2) }));
      }
      const lost = taskLines(2).filter(
        (t) => t.what === 'started' && !taskLines(2).some((d) => d.what === 'done' && d.partition === t.partition && d.attempt === t.attempt),
      );
      // Spark's scheduler names the lost task too ("Lost task P.A in stage …"). The executor's own
      // "started" line can be missing: its stderr goes through the JVM, and a worker killed with
      // SIGKILL on a loaded machine may die before that line reaches the file.
      const lostBySpark = [...r.stderr.matchAll(/Lost task (\d+)\.(\d+) in stage/g)].map((m) => ({ partition: Number(m[1]), attempt: Number(m[2]) }));
      expect(lost.length + lostBySpark.length).toBeGreaterThan(0);
      for (const t of [...lost, ...lostBySpark]) {
        expect(taskLines(1).some((d) => d.what === 'done' && d.partition === t.partition && d.attempt > t.attempt)).toBe(true);
      }
      const ids = readJsonDir(out).map((g) => g.id as number);
      expect(ids.length).toBe(N);
      const seen = new Uint8Array(N);
      ids.forEach((id) => seen[id]++);
      expect(seen.every((c) => c === 1)).toBe(true);
    } finally {
      for (const w of workers) if (w.pid) stopGroup(w.pid, 'SIGTERM');
      if (master.pid) stopGroup(master.pid, 'SIGTERM');
      await sleep(2000);
      for (const p of [master, ...workers]) {
        if (p.pid) {
          stopGroup(p.pid);
          started.delete(p.pid);
        }
      }
    }
    await expectNothingLeft();
  }, 420_000);
});
