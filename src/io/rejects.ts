import * as fs from 'node:fs';
import { once } from 'node:events';
import { stringify } from 'csv-stringify';
import { LabelError } from '../errors';
import type { BadRow } from '../types';
import { checkOutputPath, writeErrorText } from './output';

/**
 * Bad rows under --on-error skip: line, code, reason and the raw record, as CSV. A file that cannot
 * be written (a full disk) fails the run with OUTPUT_FAILED naming it, never as an unhandled
 * 'error' event; a folder that does not exist is OUTPUT_UNWRITABLE before any work. A new file
 * starts with the header; `at` (a resumed run) keeps that many bytes of the existing file and appends.
 */
export class RejectsWriter {
  private readonly csv;
  private readonly out: fs.WriteStream;
  private readonly fd: number;
  private closed = false;
  private failure?: LabelError;
  private readonly failed: Promise<never>;

  constructor(
    private readonly file: string,
    at?: number,
  ) {
    checkOutputPath(file);
    try {
      this.fd = fs.openSync(file, at === undefined ? 'w' : 'r+');
      if (at !== undefined) fs.ftruncateSync(this.fd, at);
    } catch (err) {
      throw new LabelError('OUTPUT_UNWRITABLE', `cannot write the rejects file: ${writeErrorText(err as NodeJS.ErrnoException)}`, { file });
    }
    this.csv = stringify({ header: !at, columns: ['line', 'code', 'reason', 'raw'], quoted_match: /\r/ });
    this.out = fs.createWriteStream(file, { fd: this.fd, start: at ?? 0 });
    let reject!: (err: LabelError) => void;
    this.failed = new Promise<never>((_, r) => (reject = r));
    this.failed.catch(() => undefined);
    const fail = (err: NodeJS.ErrnoException) => {
      if (this.failure) return;
      this.failure = new LabelError('OUTPUT_FAILED', `the rejects file could not be written: ${writeErrorText(err)}`, { file });
      reject(this.failure);
    };
    this.out.on('error', fail);
    this.csv.on('error', fail);
    this.csv.pipe(this.out);
  }

  async write(bad: BadRow): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.csv.write([bad.line, bad.code, bad.reason, bad.raw])) await Promise.race([once(this.csv, 'drain'), this.failed]);
  }

  /** Waits until every record written so far is in the file; resolves to the file's size. */
  async sync(): Promise<number> {
    while (this.csv.writableLength > 0 || this.csv.readableLength > 0) await new Promise((r) => setImmediate(r));
    await new Promise<void>((resolve, reject) => this.out.write('', (err) => (err ? reject(err) : resolve())));
    return fs.fstatSync(this.fd).size;
  }

  async close(): Promise<void> {
    if (this.closed) {
      if (this.failure) throw this.failure;
      return;
    }
    this.closed = true;
    if (!this.failure) this.csv.end();
    if (!this.out.closed) await Promise.race([once(this.out, 'close'), this.failed]).catch(() => undefined);
    if (this.failure) throw this.failure;
  }
}
