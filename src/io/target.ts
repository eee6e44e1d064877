import * as fs from 'node:fs';
import * as path from 'node:path';
import { LabelError } from '../errors';

/**
 * What `-o PATH` names, decided before any work:
 * * `special`: a character device, a FIFO or a socket (`/dev/null`, `/dev/stdout`, a named pipe):
 *   opened and written directly, never replaced; no partial file, nothing to resume.
 * * `file`: a regular file, or nothing yet. A symlink is followed to its target (also a dangling
 *   one): the partial file goes next to the target and is renamed onto the target, so the link
 *   stays a link.
 * A directory or a block device: OUTPUT_UNWRITABLE (exit 2).
 */
export type OutputTarget = { kind: 'special'; path: string; what: string; fd?: number } | { kind: 'file'; path: string; final: string };

/** Symlink hops followed before giving up, as the kernel's own limit (ELOOP). */
const MAX_LINKS = 40;

function lstatOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function unwritable(file: string, why: string, what = 'output'): never {
  throw new LabelError('OUTPUT_UNWRITABLE', `cannot write ${what}: ${why}`, { file });
}

function checkFolder(file: string, final: string, what: string): void {
  const dir = path.dirname(final);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) unwritable(file, `no such folder '${dir}'`, what);
}

/**
 * The descriptor `file` names when it or a link on its way is /proc/self/fd/N, /proc/<this pid>/fd/N
 * or /dev/fd/N (as /dev/stdout is): written through the descriptor itself, since a socket behind it
 * (a supervisor's stdout) cannot be opened by name.
 */
function processFd(file: string): number | undefined {
  let p = path.resolve(file);
  for (let hops = 0; hops <= MAX_LINKS; hops++) {
    const m = /^\/(?:proc\/([^/]+)\/fd|dev\/fd)\/(\d+)$/.exec(p);
    if (m && (m[1] === undefined || m[1] === 'self' || m[1] === 'thread-self' || m[1] === String(process.pid))) return Number(m[2]);
    const l = lstatOrUndefined(p);
    if (!l || !l.isSymbolicLink()) return undefined;
    p = path.resolve(path.dirname(p), fs.readlinkSync(p));
  }
  return undefined;
}

/** `what` names the file in an error: output (-o), report (--report). */
export function resolveOutputTarget(file: string, what = 'output'): OutputTarget {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(file); // follows symlinks: what a write would reach
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ELOOP') unwritable(file, 'too many symbolic links', what);
    if (e.code !== 'ENOENT' && e.code !== 'ENOTDIR') unwritable(file, e.message, what);
  }
  if (st) {
    // /dev/stdout and /proc/self/fd/N name this process's own streams: whatever is behind them (a
    // terminal, a pipe, a socket, a `> log` or `>> log` redirect) is written through, never replaced.
    const fd = processFd(file);
    if (fd !== undefined) return { kind: 'special', path: file, what: `this process's file descriptor ${fd}`, fd };
    if (st.isDirectory()) unwritable(file, 'it is a directory', what);
    if (st.isBlockDevice()) unwritable(file, 'it is a block device', what);
    if (st.isSocket()) unwritable(file, 'it is a socket', what);
    if (st.isCharacterDevice() || st.isFIFO()) return { kind: 'special', path: file, what: st.isFIFO() ? 'a FIFO' : 'a character device' };
    const final = fs.realpathSync(file);
    return { kind: 'file', path: file, final };
  }
  // Nothing there, or a dangling symlink: follow the links by hand to the path a write would create.
  let final = path.resolve(file);
  for (let hops = 0; ; hops++) {
    const l = lstatOrUndefined(final);
    if (!l || !l.isSymbolicLink()) break;
    if (hops >= MAX_LINKS) unwritable(file, 'too many symbolic links', what);
    final = path.resolve(path.dirname(final), fs.readlinkSync(final));
  }
  checkFolder(file, final, what);
  return { kind: 'file', path: file, final: path.join(fs.realpathSync(path.dirname(final)), path.basename(final)) };
}

/** The files a `-o FILE` run keeps beside FILE's target (documented in README, "Long jobs"). */
export interface PartialPaths {
  /** The output so far: whole rows, flushed as they are written; renamed to `final` when complete. */
  partial: string;
  /** The run's identity and its checkpoints (JSON lines). */
  state: string;
  /** Held while a run writes this output (holds its process id). */
  lock: string;
}

export function partialPaths(final: string): PartialPaths {
  return { partial: `${final}.partial`, state: `${final}.partial.json`, lock: `${final}.partial.lock` };
}

/** The hidden `.NAME.<pid>.partial` files earlier versions left beside FILE: never read, only named. */
export function legacyPartials(final: string): string[] {
  const dir = path.dirname(final);
  const re = new RegExp(`^\\.${path.basename(final).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.\\d+\\.partial$`);
  try {
    return fs
      .readdirSync(dir)
      .filter((f) => re.test(f))
      .map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

/** Identity of a file for "is this the same file": device and inode when it exists, else its resolved path. */
export function fileKey(p: string): string {
  try {
    const st = fs.statSync(p);
    return `${st.dev}:${st.ino}`;
  } catch {
    try {
      return path.join(fs.realpathSync(path.dirname(p)), path.basename(p));
    } catch {
      return path.resolve(p);
    }
  }
}

/**
 * A lock on one output: `lock` is created exclusively and holds this process's id. A lock whose
 * process is gone (a run killed with SIGKILL) is taken over. Hand-written: proper-lockfile and its
 * kin decide staleness by age, which would refuse a rerun for seconds after a kill, or let two live
 * runs in after a pause.
 */
export class OutputLock {
  private held = true;

  private constructor(readonly file: string) {}

  static acquire(lock: string, output: string): OutputLock {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = fs.openSync(lock, 'wx');
        fs.writeSync(fd, `${process.pid}\n`);
        fs.closeSync(fd);
        return new OutputLock(lock);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          unwritable(output, `cannot create '${lock}': ${(err as Error).message}`);
        }
      }
      const pid = Number.parseInt(fs.readFileSync(lock, 'utf8'), 10);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new LabelError('OUTPUT_LOCKED', `another run (process ${pid}) is writing this output; wait for it to end (its lock: ${lock})`, { file: output });
      }
      fs.rmSync(lock, { force: true }); // its process is gone
    }
    throw new LabelError('OUTPUT_LOCKED', `cannot take the lock ${lock}`, { file: output });
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    fs.rmSync(this.file, { force: true });
  }
}

/** Whether a process runs: a zombie (killed, not yet reaped by its parent) does not. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // Linux: the state letter follows the command name in parentheses
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}
