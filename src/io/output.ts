import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Writable } from 'node:stream';
import { LabelError } from '../errors';
import type { LabelledRow } from '../types';
import { OutputLock, partialPaths, resolveOutputTarget, type OutputTarget } from './target';
import type { RowWriter } from './writers/common';

/** A write error as a message: the errno code named (ENOSPC: a full disk). */
export function writeErrorText(err: NodeJS.ErrnoException): string {
  return err.code && !err.message.includes(err.code) ? `${err.message} (${err.code})` : err.message;
}

/** Where the labelled rows go, and what happens to them when the run ends well or not. */
export interface Output {
  stream: Writable;
  /** Writes one row, waiting while the destination is full; OUTPUT_FAILED once the destination has failed. */
  write(writer: RowWriter, lr: LabelledRow): Promise<void>;
  /** Everything written is handed over (a file: renamed into place). */
  commit(writer: RowWriter): Promise<void>;
  /** The run stopped early: what was finished is flushed (an in-order prefix of whole rows). */
  abandon(writer: RowWriter): Promise<void>;
  /** Releases what is still open; safe to call always (files stay as they are). */
  discard(): void;
}

/** A stream owned by the caller (stdout): flushed at the end, never ended, as ending stdout on a terminal never finishes. */
export function streamOutput(stream: Writable, name = '<stdout>'): Output {
  let broken: NodeJS.ErrnoException | undefined;
  stream.on('error', (err) => (broken ??= err));
  const failed = (err: NodeJS.ErrnoException): never => {
    throw new LabelError('OUTPUT_FAILED', `the output could not be written: ${writeErrorText(err)}`, { file: name });
  };
  return {
    stream,
    async write(writer, lr) {
      if (broken) failed(broken);
      if (!writer.write(lr)) await writer.drain().catch(failed);
    },
    async commit(writer) {
      await writer.flush().catch(failed);
    },
    async abandon(writer) {
      if (!broken) await writer.flush().catch(() => undefined);
    },
    discard: () => undefined,
  };
}

/** A target that cannot be written (a directory, a missing folder): OUTPUT_UNWRITABLE, before any work. */
export function checkOutputPath(file: string, what = 'output'): void {
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) {
    throw new LabelError('OUTPUT_UNWRITABLE', `cannot write ${what}: it is a directory`, { file });
  }
  const dir = path.dirname(file);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new LabelError('OUTPUT_UNWRITABLE', `cannot write ${what}: no such folder '${dir}'`, { file });
  }
}

/** Paces a run waiting for another run's page to be renamed into place (milliseconds). */
const PAGE_WAIT_MS = 20;
/** How long a run waits for another run writing the same page (which takes milliseconds) before giving up. */
const PAGE_WAIT_LIMIT_MS = 10_000;

/** A small file written whole at the end of a run (the --report page), whose path is checked now. */
export interface TextFileOutput {
  /** Writes the text: a regular file through FILE.partial, renamed into place; OUTPUT_FAILED if it cannot. */
  write(text: string): Promise<void>;
}

/**
 * Checked before any work, so that an unwritable path fails with exit 2 and nothing done, as -o
 * does; nothing is created until write(), at the end of the run, so a run killed while it labels
 * leaves nothing for this file. A regular file (or a symlink to one, followed as -o follows it) is
 * written as -o's is named: `FILE.partial` beside the target, renamed onto it, under
 * `FILE.partial.lock` (held only while the page is written, with the process id inside, taken over
 * when that process is gone), so that two runs ending together never write one partial at once:
 * the last to finish wins, each page whole. A device, a FIFO or this process's own stream
 * (`/dev/stdout`) is written directly, never replaced.
 */
export function textFileOutput(file: string, what: string): TextFileOutput {
  checkOutputPath(file, what);
  const target = resolveOutputTarget(file, what);
  if (target.kind === 'special') return { write: (text) => writeSpecial(target, text, what) };
  try {
    fs.accessSync(path.dirname(target.final), fs.constants.W_OK | fs.constants.X_OK);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new LabelError('OUTPUT_UNWRITABLE', `cannot write ${what}: ${e.code === 'EACCES' ? 'permission denied' : e.message}`, { file });
  }
  const paths = partialPaths(target.final);
  return {
    async write(text) {
      const lock = await waitForLock(paths.lock, file);
      try {
        // 'w': a partial left by a run killed while it wrote is replaced; the lock keeps out a live one
        fs.writeFileSync(paths.partial, text);
        fs.renameSync(paths.partial, target.final);
      } catch (err) {
        fs.rmSync(paths.partial, { force: true });
        throw new LabelError('OUTPUT_FAILED', `the ${what} could not be written: ${writeErrorText(err as NodeJS.ErrnoException)}`, { file });
      } finally {
        lock.release();
      }
    },
  };
}

/** The page's lock: another live run holds it only while it writes its page, so this one waits. */
async function waitForLock(lock: string, file: string): Promise<OutputLock> {
  for (let waited = 0; ; waited += PAGE_WAIT_MS) {
    try {
      return OutputLock.acquire(lock, file);
    } catch (err) {
      if (!(err instanceof LabelError) || err.code !== 'OUTPUT_LOCKED' || waited >= PAGE_WAIT_LIMIT_MS) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, PAGE_WAIT_MS));
  }
}

/** A page to a device, a FIFO or this process's own descriptor: appended, as -o writes them. */
async function writeSpecial(target: Extract<OutputTarget, { kind: 'special' }>, text: string, what: string): Promise<void> {
  const stream = specialStream(target.path, target.fd);
  await new Promise<void>((resolve, reject) => {
    stream.once('error', reject);
    stream.end(text, () => resolve());
  }).catch((err: NodeJS.ErrnoException) => {
    stream.destroy();
    throw new LabelError('OUTPUT_FAILED', `the ${what} could not be written: ${writeErrorText(err)}`, { file: target.path });
  });
}

/**
 * A write stream to a device, FIFO or socket, in append mode (a `>>` redirect behind /dev/stdout
 * keeps what it had), opened asynchronously so that a FIFO nobody reads yet does not block the
 * process. A descriptor of this process (`fd`, as /dev/stdout is) is borrowed: a stream that is
 * destroyed closes its descriptor, also with autoClose off, so this one's close does nothing;
 * else a discarded `-o /dev/stdout` closed the process's stdout and handed fd 1 to the next open.
 */
function specialStream(file: string, fd?: number): fs.WriteStream {
  if (fd === undefined) return fs.createWriteStream(file, { flags: 'a', highWaterMark: 1024 * 1024 });
  const borrowed = { write: fs.write, writev: fs.writev, close: (_fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => cb(null) };
  return fs.createWriteStream('', { fd, autoClose: false, highWaterMark: 1024 * 1024, fs: borrowed });
}

/**
 * A device, FIFO or socket named by -o (`/dev/null`, `/dev/stdout`, a named pipe): written
 * directly (specialStream), never replaced.
 */
export function specialOutput(file: string, fd?: number): Output {
  const stream = specialStream(file, fd);
  const inner = streamOutput(stream, file);
  const ended = () =>
    new Promise<void>((resolve, reject) => {
      stream.once('error', reject);
      stream.end(() => resolve());
    });
  return {
    ...inner,
    stream,
    async commit(writer) {
      await inner.commit(writer);
      await ended().catch((err: Error) => {
        throw new LabelError('OUTPUT_FAILED', `the output could not be written: ${err.message}`, { file });
      });
    },
    async abandon(writer) {
      await inner.abandon(writer);
      await ended().catch(() => undefined);
    },
    discard: () => stream.destroy(),
  };
}

/** What a file output does around the rename: the state file's last line, and the clean-up after. */
export interface FileOutputHooks {
  /** Bytes of an existing partial to keep, rows appended after them (a resume); undefined: a new partial. */
  resumeAt?: number;
  /** Called with the partial's final size once it is closed, before the rename. */
  beforeRename?: (size: number) => void;
  /** Called once the partial is renamed into place. */
  afterRename?: () => void;
}

/**
 * A regular file written through `partial` (next to `final`, the file -o names or, for a symlink,
 * its target), created now so that an unwritable folder fails before any work (exit 2), and
 * renamed onto `final` only when the run completes. A run that stops early keeps the partial, its
 * rows flushed (`--resume` continues it); set-up and bad-input failures remove it (remove()).
 */
export function fileOutput(
  file: string,
  partial: string,
  final: string,
  hooks: FileOutputHooks = {},
): Output & { sync(writer: RowWriter): Promise<number>; remove(): void } {
  let fd: number;
  try {
    fd = fs.openSync(partial, hooks.resumeAt === undefined ? 'w' : 'r+');
    if (hooks.resumeAt !== undefined) fs.ftruncateSync(fd, hooks.resumeAt);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? `no such folder '${path.dirname(partial)}'` : e.code === 'EACCES' ? 'permission denied' : e.message;
    throw new LabelError('OUTPUT_UNWRITABLE', `cannot write output: ${why}`, { file });
  }
  // Large writes: fewer round trips to the disk, fewer waits for 'drain' on the main thread.
  // The stream owns the descriptor from here on: destroy() closes it (also with autoClose off) once
  // the write in flight is done, and a second destroy() does nothing. It is never closed here as
  // well: that second close failed (EBADF) or, worse, closed the file the number was given to since.
  const stream = fs.createWriteStream(partial, { fd, start: hooks.resumeAt ?? 0, highWaterMark: 1024 * 1024, autoClose: false });
  const inner = streamOutput(stream, file);
  /** Closes the descriptor through the stream, and waits until it is closed. */
  const released = () =>
    new Promise<void>((resolve, reject) => {
      if (stream.closed) return resolve();
      stream.once('close', () => resolve());
      stream.once('error', reject);
      stream.destroy();
    });
  let closing: Promise<void> | undefined;
  /** Ends the stream (every row flushed), then closes the descriptor: once, however often it is called. */
  const close = () =>
    (closing ??= new Promise<void>((resolve, reject) => {
      stream.once('error', reject);
      stream.end((err?: Error | null) => (err ? reject(err) : resolve()));
    }).finally(released));
  return {
    stream,
    write: inner.write,
    async sync(writer) {
      await writer.sync();
      return fs.fstatSync(fd).size;
    },
    async commit(writer) {
      await inner.commit(writer);
      await close().catch((err: Error) => {
        throw new LabelError('OUTPUT_FAILED', `the output could not be written: ${writeErrorText(err)}`, { file });
      });
      hooks.beforeRename?.(fs.statSync(partial).size);
      fs.renameSync(partial, final);
      hooks.afterRename?.();
    },
    async abandon(writer) {
      // whole rows, flushed: the partial is what --resume continues
      await inner.abandon(writer);
      await close().catch(() => undefined);
    },
    discard() {
      // what is still buffered is dropped; the descriptor is closed once the write in flight is done
      stream.destroy();
    },
    remove() {
      stream.destroy();
      fs.rmSync(partial, { force: true });
    },
  };
}
