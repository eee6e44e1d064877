import { spawn } from 'node:child_process';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const BIN = path.join(ROOT, 'bin', 'emotion-label.js');
export const TINY_BERT = path.join(ROOT, 'fixtures', 'models', 'tiny-bert');
export const SAMPLES = path.join(ROOT, 'fixtures', 'samples');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Spawns the built CLI as a user would; `stdin` is written (in chunks if an array) and closed. */
export function runCli(args: string[], opts: { stdin?: string | Buffer | Buffer[]; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.on('error', () => undefined);
    const input = opts.stdin;
    if (Array.isArray(input)) {
      (async () => {
        for (const chunk of input) {
          if (!child.stdin.write(chunk)) await new Promise((r) => child.stdin.once('drain', r));
        }
        child.stdin.end();
      })();
    } else {
      child.stdin.end(input ?? '');
    }
  });
}

/**
 * The user's documents, in reading order: test/readme.e2e.test.ts runs their command blocks in this
 * order, and test/docs.test.ts checks their links (every page under docs/ must be listed here).
 */
export const DOC_PAGES = [
  'README.md',
  'docs/formats.md',
  'docs/eval.md',
  'docs/report.md',
  'docs/api.md',
  'docs/own-model.md',
  'docs/performance.md',
  'docs/long-jobs.md',
  'integrations/spark/README.md',
  'CONTRIBUTING.md',
  'CHANGELOG.md',
];
