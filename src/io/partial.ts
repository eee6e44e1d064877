import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The state of a resumable `-o` run (`FILE.partial.json`, JSON lines): first the run's identity,
 * then one checkpoint per labelling window written out (rows done, bytes of the partial output and
 * of the rejects file, the summary's counts), last a `done` line just before the rename into place.
 * A checkpoint is appended only after the bytes it counts were written to the files, so a run killed
 * at any point leaves a last checkpoint that the files cover; a torn last line is ignored.
 */

/** What must be equal for a partial to be continued: flat, keyed by what a user calls each thing. */
export type Identity = Record<string, string | number | boolean | null>;

export interface Checkpoint {
  /** Input records finished (rows and bad rows; a multiple of the labelling window). */
  rows: number;
  /** Bytes of the partial output holding exactly those rows. */
  output: number;
  /** Bytes of the rejects file at that point (0 without --rejects). */
  rejects: number;
  /** The summary's counts over those rows. */
  counts: Record<string, number>;
  /** Written just before the rename: `output` is the whole file. */
  done?: boolean;
  /** The dedupe cache's journal: the texts the window ending here committed (see pipeline/dedupe). */
  cache?: unknown;
  /** A snapshot: the cache before this checkpoint's window committed (the journal before it is dropped). */
  cacheBase?: unknown;
}

export interface StateFile {
  identity: Identity;
  checkpoints: Checkpoint[];
}

const MAGIC = 'emotion-label partial output';

/** Reads a state file; undefined when there is none. A line cut short by a kill is dropped. */
export function readState(file: string): StateFile | undefined | 'unreadable' {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return 'unreadable';
  }
  const lines = text.split('\n');
  let header: { magic?: string; identity?: Identity };
  try {
    header = JSON.parse(lines[0]);
  } catch {
    return 'unreadable';
  }
  if (header.magic !== MAGIC || typeof header.identity !== 'object') return 'unreadable';
  const checkpoints: Checkpoint[] = [];
  // Only the last line can be torn (each line is one write, appended in order).
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    try {
      checkpoints.push(JSON.parse(line));
    } catch {
      break;
    }
  }
  return { identity: header.identity!, checkpoints };
}

/** Appends checkpoints to a state file; each is one write(2) of a whole line. */
export class StateLog {
  private constructor(
    readonly file: string,
    private fd: number,
  ) {}

  /** A new state file (replacing any), with the identity as its first line. */
  static create(file: string, identity: Identity): StateLog {
    const tmp = `${file}.new`;
    fs.writeFileSync(tmp, JSON.stringify({ magic: MAGIC, identity }) + '\n');
    fs.renameSync(tmp, file);
    return new StateLog(file, fs.openSync(file, 'a'));
  }

  /** Rewrites the file as identity + the given checkpoints (atomically), then appends after them. */
  static rewrite(file: string, identity: Identity, checkpoints: Checkpoint[]): StateLog {
    const tmp = `${file}.new`;
    fs.writeFileSync(tmp, [JSON.stringify({ magic: MAGIC, identity }), ...checkpoints.map((c) => JSON.stringify(c))].join('\n') + '\n');
    fs.renameSync(tmp, file);
    return new StateLog(file, fs.openSync(file, 'a'));
  }

  append(c: Checkpoint): void {
    fs.writeSync(this.fd, JSON.stringify(c) + '\n');
  }

  close(): void {
    if (this.fd < 0) return;
    fs.closeSync(this.fd);
    this.fd = -1;
  }
}

/** The differences between two identities, one phrase each ("--batch-size: 16 before, 32 now"). */
export function identityDiff(before: Identity, now: Identity): string[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(now)])];
  const show = (v: unknown) => (v === undefined || v === null ? 'none' : JSON.stringify(v));
  return keys.filter((k) => before[k] !== now[k]).map((k) => `${k}: ${show(before[k])} before, ${show(now[k])} now`);
}

/** Bytes hashed at each end of an input: catches an edit that keeps the size and the time. */
const SAMPLE = 1 << 20;

/**
 * A file's identity without reading it whole: size, modification time, and a SHA-256 of its
 * first and last MiB (any edit changes the time; a copy that keeps the time but not the bytes at
 * either end is caught too).
 */
export function fileFingerprint(file: string): { size: number; modified: string; sample: string } {
  const st = fs.statSync(file);
  const fd = fs.openSync(file, 'r');
  try {
    const hash = createHash('sha256');
    const head = Buffer.alloc(Math.min(SAMPLE, st.size));
    fs.readSync(fd, head, 0, head.length, 0);
    hash.update(head);
    if (st.size > SAMPLE) {
      const tail = Buffer.alloc(Math.min(SAMPLE, st.size - SAMPLE));
      fs.readSync(fd, tail, 0, tail.length, st.size - tail.length);
      hash.update(tail);
    }
    return { size: st.size, modified: st.mtime.toISOString(), sample: hash.digest('hex').slice(0, 32) };
  } finally {
    fs.closeSync(fd);
  }
}

/** A folder's files (name, size, time) and the SHA-256 of its small files (config.json holds the calibration). */
export function folderFingerprint(dir: string): string {
  const hash = createHash('sha256');
  for (const name of fs.readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    const st = fs.statSync(p);
    if (!st.isFile()) continue;
    hash.update(`${name}\0${st.size}\0${st.mtimeMs}\0`);
    if (st.size <= SAMPLE) hash.update(fs.readFileSync(p));
  }
  return hash.digest('hex').slice(0, 32);
}

/** Size of a file, 0 when there is none. */
export function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
