import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DOC_PAGES, ROOT } from './helpers/cli';

/**
 * Every command block of the user's documents (DOC_PAGES: the README, then docs/*.md and the
 * others), page by page and in order, as a user would type it: from the root of a scratch copy of the
 * repository (top-level entries linked, so files the commands write land in the copy) with
 * ../shared beside it as on the project's machines. Each block carries a directive comment:
 *   readme-test: run     run it; it must exit 0
 *   readme-test: node    a JavaScript example: run with node (`require('emotion-label')` resolves to this package)
 *   readme-test: start   a long command: it must parse its options and start (print something), then it is stopped
 *   readme-test: skip (why)  not runnable here; checked for shell syntax only
 */
interface Block {
  page: string;
  directive: string;
  lang: string;
  code: string;
  line: number;
}

function blocks(page: string): Block[] {
  const text = fs.readFileSync(path.join(ROOT, page), 'utf8');
  const out: Block[] = [];
  const re = /(?:<!-- readme-test: ([^\n]*?) -->\n)?```(sh|js)\n([\s\S]*?)```/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push({ page, directive: m[1] ?? '', lang: m[2], code: m[3], line: text.slice(0, m.index).split('\n').length });
  }
  return out;
}

const all = DOC_PAGES.flatMap(blocks);
const shared = path.resolve(ROOT, '..', 'shared');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'el-readme-'));
const repo = path.join(work, 'repo');

beforeAll(() => {
  fs.mkdirSync(repo);
  for (const entry of fs.readdirSync(ROOT)) {
    if (entry === '.git') continue;
    fs.symlinkSync(path.join(ROOT, entry), path.join(repo, entry));
  }
  if (fs.existsSync(shared)) fs.symlinkSync(shared, path.join(work, 'shared'));
  // `require('emotion-label')` from the copy: the package itself, as if installed
  fs.mkdirSync(path.join(work, 'node_path'));
  fs.symlinkSync(ROOT, path.join(work, 'node_path', 'emotion-label'));
});

test('every command block in the documents has a directive', () => {
  expect(all.filter((b) => b.page === 'README.md').length).toBeGreaterThanOrEqual(4);
  expect(all.filter((b) => b.page !== 'README.md').length).toBeGreaterThan(10);
  for (const b of all) expect([b.page, b.line, b.directive]).toEqual([b.page, b.line, expect.stringMatching(/^(run|node|start|skip \(.+\)|start \(.+\))$/)]);
});

const env = { ...process.env, NODE_PATH: path.join(work, 'node_path'), npm_config_update_notifier: 'false' };

describe.each(all.map((b) => [b.page, b.line, b] as const))('%s: block at line %i', (_page, _line, b) => {
  const kind = b.directive.split(' ')[0];
  if (kind === 'skip') {
    test('is valid shell (not run here: see its directive)', () => {
      expect(spawnSync('bash', ['-n', '-c', b.code]).status).toBe(0);
    });
  } else if (kind === 'run') {
    const needsShared = b.code.includes('../shared/');
    (needsShared && !fs.existsSync(shared) ? test.skip : test)('runs and exits 0', () => {
      const r = spawnSync('bash', ['-c', `set -eo pipefail\n${b.code}`], { cwd: repo, env, encoding: 'utf8', timeout: 240_000 });
      if (r.status !== 0) throw new Error(`exit ${r.status}\n${b.code}\nstderr:\n${r.stderr}`);
      expect(r.status).toBe(0);
    });
  } else if (kind === 'node') {
    test('runs with node and exits 0', () => {
      const file = path.join(repo, `readme-example-${b.page.replace(/\W/g, '-')}-${b.line}.cjs`);
      fs.writeFileSync(file, b.code);
      const r = spawnSync(process.execPath, [file], { cwd: repo, env, encoding: 'utf8', timeout: 120_000 });
      if (r.status !== 0) throw new Error(`exit ${r.status}\nstderr:\n${r.stderr}`);
      expect(r.stdout).toContain("label: 'love'");
    });
  } else if (kind === 'start') {
    test('parses its options and starts', async () => {
      const child = spawn('bash', ['-c', b.code], { cwd: repo, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const started = new Promise<'started'>((resolve) => {
        const on = (d: Buffer) => {
          output += d.toString();
          if (output.length > 0) resolve('started');
        };
        child.stdout.on('data', on);
        child.stderr.on('data', on);
      });
      const first = await Promise.race([started, exited]);
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
      expect(first).toBe('started');
      expect(output).not.toMatch(/error|unknown option/i);
    });
  }
});
