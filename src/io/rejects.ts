import * as fs from 'node:fs';
import { once } from 'node:events';
import { stringify } from 'csv-stringify';
import type { BadRow } from '../types';

/** Bad rows under --on-error skip: line, code, reason and the raw record, as CSV. */
export class RejectsWriter {
  private readonly csv = stringify({ header: true, columns: ['line', 'code', 'reason', 'raw'], quoted_match: /\r/ });
  private readonly out: fs.WriteStream;
  private closed = false;

  constructor(file: string) {
    this.out = fs.createWriteStream(file);
    this.csv.pipe(this.out);
  }

  async write(bad: BadRow): Promise<void> {
    if (!this.csv.write([bad.line, bad.code, bad.reason, bad.raw])) await once(this.csv, 'drain');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.csv.end();
    await once(this.out, 'close');
  }
}
