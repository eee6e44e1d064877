import { LabelError, type ErrorCode } from '../errors';

export interface RawLine {
  /** 1-based line number. */
  line: number;
  /** The line without its LF; a CR before the LF is kept (the caller decides what it means). */
  bytes: Buffer;
}

/**
 * Splits a byte stream into lines without decoding it. Hand-written because readline decodes
 * as it goes and silently replaces invalid UTF-8, and we must report such bytes with their line.
 * A last line without a newline is still yielded.
 */
export async function* splitLines(
  chunks: AsyncIterable<Buffer | string>,
  opts: { maxLineBytes: number; file: string; code?: ErrorCode },
): AsyncGenerator<RawLine> {
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let line = 0;
  const tooLarge = () =>
    new LabelError(opts.code ?? 'CSV_RECORD_TOO_LARGE', `line is longer than ${opts.maxLineBytes} bytes (--max-record-size)`, {
      file: opts.file,
      line: line + 1,
    });
  const finish = (piece: Buffer): RawLine => {
    // a line that arrived whole inside one chunk is checked here (the carry check sees only lines split across chunks)
    if (carryBytes + piece.length > opts.maxLineBytes) throw tooLarge();
    const whole = carry.length > 0 ? Buffer.concat([...carry, piece]) : piece;
    carry = [];
    carryBytes = 0;
    line += 1;
    return { line, bytes: whole };
  };
  for await (const c of chunks) {
    const chunk = typeof c === 'string' ? Buffer.from(c) : c;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl === -1) {
        if (start < chunk.length) {
          carry.push(chunk.subarray(start));
          carryBytes += chunk.length - start;
          if (carryBytes > opts.maxLineBytes) throw tooLarge();
        }
        break;
      }
      yield finish(chunk.subarray(start, nl));
      start = nl + 1;
    }
  }
  if (carryBytes > 0) yield finish(Buffer.alloc(0));
}

/** The line without a trailing CR (a CRLF line end). */
export function withoutCr(bytes: Buffer): Buffer {
  return bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.subarray(0, bytes.length - 1) : bytes;
}
