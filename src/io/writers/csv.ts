import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { stringify, type Stringifier } from 'csv-stringify';
import { TableWriter, taken, type WriterOptions } from './common';

/** CSV, and TSV with CSV-style quotes (`tsv-quoted`), through csv-stringify. */
export class CsvWriter extends TableWriter {
  private readonly csv: Stringifier;
  private full = false;

  constructor(out: Writable, opts: WriterOptions, delimiter: string) {
    super(out, opts);
    // A lone CR is a line break to Python's csv module and to pandas: quote it like LF.
    this.csv = stringify({ delimiter, record_delimiter: 'unix', quoted_match: /\r/ });
    this.csv.pipe(out, { end: false });
  }

  protected writeFields(fields: string[]): boolean {
    const ok = this.csv.write(fields);
    if (!ok) this.full = true;
    return ok;
  }

  async drain(): Promise<void> {
    if (this.full) {
      await Promise.race([once(this.csv, 'drain'), this.failed]);
      this.full = false;
    }
  }

  async flush(): Promise<void> {
    this.header();
    const ended = once(this.csv, 'end');
    this.csv.end();
    await Promise.race([ended, this.failed]);
    await taken(this.out, this.failed);
  }

  async sync(): Promise<void> {
    // the stringifier hands its rows on as it gets them; wait out anything it still holds
    while (this.csv.writableLength > 0 || this.csv.readableLength > 0) await new Promise((r) => setImmediate(r));
    await taken(this.out, this.failed);
  }
}
