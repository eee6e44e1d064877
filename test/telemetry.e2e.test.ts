import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BIN, ROOT, TINY_BERT } from './helpers/cli';

/**
 * Issue #23 item 6: onnxruntime-node ships ONNX Runtime's 1DS telemetry, on by default, which
 * writes a device id and events under ~/.cache/Microsoft/DeveloperTools/ to upload later (and
 * 1.30.0 left an empty /tmp/mat-debug-<pid>.log behind). A run must create nothing under HOME or
 * in the temporary folders. The child's environment has no ORT_DISABLE_TELEMETRY: the program must
 * set it itself.
 */

function listAll(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

/**
 * Whether this run wrote /tmp/mat-debug-<pid>.log: a file of that name older than the run is another
 * process's that had the same pid before (pids wrap at 32,768 here; CI's /tmp outlives one run), and
 * failed this check once in CI although the run wrote nothing.
 */
function matDebugWritten(pid: number, since: number): boolean {
  try {
    return fs.statSync(`/tmp/mat-debug-${pid}.log`).mtimeMs >= since - 1000;
  } catch {
    return false;
  }
}

interface Run {
  code: number | null;
  pid: number;
  stderr: string;
}

function run(args: string[], env: NodeJS.ProcessEnv, stdin = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, pid: child.pid!, stderr }));
    child.stdin.end(stdin);
  });
}

describe('nothing sent home, nothing left behind (ONNX Runtime telemetry)', () => {
  let home: string;
  let tmp: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'el-home-'));
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'el-tmp-'));
    env = { ...process.env, HOME: home, TMPDIR: tmp };
    delete env.ORT_DISABLE_TELEMETRY;
    delete env.XDG_CACHE_HOME;
    // ONNX Runtime's telemetry stays off by itself where CI is set (as it is in our CI), so every check
    // here would pass whatever the program does: the child runs as a user's shell would, without it.
    delete env.CI;
  });
  afterEach(() => {
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('a CLI run with an empty HOME creates nothing under it, in TMPDIR or as /tmp/mat-debug-<pid>.log', async () => {
    const since = Date.now();
    const r = await run([BIN, '--model', TINY_BERT, '--workers', '2'], env, 'text\ni am happy\ni am sad\n');
    expect(r.stderr).toContain('read 2, labelled 2');
    expect(r.code).toBe(0);
    expect(listAll(home)).toEqual([]);
    expect(listAll(tmp)).toEqual([]);
    expect(matDebugWritten(r.pid, since)).toBe(false);
  });

  test('a library user (createLabeller, label, close) creates nothing under HOME either', async () => {
    const script = `require(${JSON.stringify(ROOT)}).createLabeller({ model: ${JSON.stringify(TINY_BERT)}, workers: 1 })
      .then(async (l) => { await l.label(['i am happy']); await l.close(); process.stderr.write('done ' + process.env.ORT_DISABLE_TELEMETRY); })`;
    const since = Date.now();
    const r = await run(['-e', script], env);
    expect(r.stderr).toBe('done 1');
    expect(listAll(home)).toEqual([]);
    expect(matDebugWritten(r.pid, since)).toBe(false);
  });

  test('the check can fail: with ORT_DISABLE_TELEMETRY=0 set by the user (kept as given) the runtime writes its database under HOME', async () => {
    const r = await run([BIN, '--model', TINY_BERT, '--workers', '1'], { ...env, ORT_DISABLE_TELEMETRY: '0' }, 'text\ni am happy\n');
    expect(r.code).toBe(0);
    expect(listAll(home).join('\n')).toMatch(/DeveloperTools\/\.onnxruntime\/onnxruntime\.db/);
  });
});
