import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { LabelledRow } from '../../types';
import { failureOf, predictionValues, taken, type RowWriter, type WriterOptions } from './common';
import { addedColumns } from './outputNames';

/** JSON lines: a JSONL input's line kept byte for byte with the added keys spliced in; other inputs' rows as objects of their columns. */
export class JsonlWriter implements RowWriter {
  private readonly keys: string[];
  private readonly failed: Promise<never>;

  constructor(
    private readonly out: Writable,
    private readonly opts: WriterOptions,
  ) {
    this.failed = failureOf(out);
    this.keys = addedColumns(opts.names);
  }

  write(lr: LabelledRow): boolean {
    const values = predictionValues(lr, this.opts);
    const added = this.keys.map((k, i) => `${JSON.stringify(k)}:${JSON.stringify(values[i])}`).join(',');
    let line: string;
    if (lr.row.raw !== undefined) {
      // Keep the original line byte for byte: splice the new keys in before its closing brace;
      // what follows the brace (spaces, the CR of a CRLF line end) stays after it.
      const raw = lr.row.raw;
      const close = raw.lastIndexOf('}');
      line = `${raw.slice(0, close)}${Object.keys(lr.row.object ?? {}).length > 0 ? ',' : ''}${added}${raw.slice(close)}`;
    } else {
      const cols = this.opts.inputColumns ?? [];
      const pairs = cols.map((c, i) => `${JSON.stringify(c)}:${JSON.stringify(lr.row.fields?.[i] ?? '')}`);
      line = `{${[...pairs, added].join(',')}}`;
    }
    return this.out.write(line + '\n');
  }

  async drain(): Promise<void> {
    if (this.out.writableNeedDrain) await Promise.race([once(this.out, 'drain'), this.failed]);
  }

  async flush(): Promise<void> {
    await taken(this.out, this.failed);
  }

  async sync(): Promise<void> {
    await taken(this.out, this.failed);
  }
}
