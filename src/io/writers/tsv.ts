import { once } from 'node:events';
import { RowProblem } from '../rowProblem';
import { TableWriter, taken } from './common';

/** IANA TSV: fields joined by tabs, no quoting; a field holding a tab or line break cannot be written. */
export class TsvWriter extends TableWriter {
  protected writeFields(fields: string[]): boolean {
    const bad = fields.findIndex((f) => /[\t\n\r]/.test(f));
    if (bad >= 0) {
      throw new RowProblem(
        'TSV_UNREPRESENTABLE',
        `field ${bad + 1} holds a tab or line break, which TSV cannot represent; write CSV, JSONL or --output-format tsv-quoted`,
      );
    }
    return this.out.write(fields.join('\t') + '\n');
  }

  async drain(): Promise<void> {
    if (this.out.writableNeedDrain) await Promise.race([once(this.out, 'drain'), this.failed]);
  }

  async flush(): Promise<void> {
    this.header();
    await taken(this.out, this.failed);
  }

  async sync(): Promise<void> {
    await taken(this.out, this.failed);
  }
}
