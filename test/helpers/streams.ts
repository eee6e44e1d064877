import { Readable, Writable } from 'node:stream';
import type { ReadItem } from '../../src/types';
import { openReader, type ReaderOptions } from '../../src/io/formats';

/** A stream that yields the given chunks (strings or bytes) one by one. */
export function streamOf(...chunks: (string | Buffer)[]): Readable {
  return Readable.from(
    chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)),
    { objectMode: false },
  );
}

export async function readAll(input: string | Buffer | Readable, opts: Partial<ReaderOptions> = {}) {
  const stream = input instanceof Readable ? input : streamOf(input);
  const reader = await openReader(stream, { format: 'csv', file: 'in.csv', textColumn: 'text', maxRecordBytes: 1 << 20, ...opts });
  const items: ReadItem[] = [];
  for await (const item of reader.items) items.push(item);
  return { columns: reader.columns, items, stats: reader.stats };
}

/** A writable that collects what is written. */
export class Collect extends Writable {
  chunks: Buffer[] = [];
  _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.chunks.push(Buffer.from(chunk));
    cb();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/**
 * Asserts that `fn` fails with a LabelError of this code (and its documented exit code), at this
 * file and line where given; as csv-parse's assert_error. Returns the error for further checks.
 */
export async function expectLabelError(
  fn: () => Promise<unknown> | unknown,
  code: import('../../src/errors').ErrorCode,
  where: { file?: string; line?: number; exitCode?: number; message?: string | RegExp } = {},
) {
  const { LabelError } = await import('../../src/errors');
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  if (!(err instanceof LabelError))
    throw new Error(`expected a LabelError ${code}, got ${err === undefined ? 'no error' : String((err as Error).stack ?? err)}`);
  expect(err.code).toBe(code);
  if ('file' in where) expect(err.file).toBe(where.file);
  if ('line' in where) expect(err.line).toBe(where.line);
  if (where.exitCode !== undefined) expect(err.exitCode).toBe(where.exitCode);
  if (where.message !== undefined) expect(err.message).toMatch(where.message);
  return err;
}
