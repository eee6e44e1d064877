import { SingleBar } from 'cli-progress';

/**
 * Rows done and rows/s on stderr; percent and ETA come from the bytes read when the input is a
 * file of known size. Only drawn when stderr is a terminal.
 */
export class Progress {
  private readonly bar?: SingleBar;
  private rows = 0;
  private readonly started = Date.now();

  constructor(
    enabled: boolean,
    private readonly totalBytes: number | undefined,
    private readonly bytesRead: () => number,
  ) {
    if (!enabled) return;
    const format =
      totalBytes !== undefined
        ? 'labelling {bar} {percentage}% | {rows} rows | {rate} rows/s | ETA {eta_formatted}'
        : 'labelling {rows} rows | {rate} rows/s';
    this.bar = new SingleBar({ format, stream: process.stderr, fps: 5, hideCursor: true, clearOnComplete: false, etaBuffer: 50 });
    this.bar.start(totalBytes ?? 1, 0, { rows: 0, rate: 0 });
  }

  tick(rows = 1): void {
    this.rows += rows;
    if (!this.bar) return;
    const seconds = (Date.now() - this.started) / 1000;
    const rate = seconds > 0 ? Math.round(this.rows / seconds) : 0;
    this.bar.update(this.totalBytes !== undefined ? this.bytesRead() : 0, { rows: this.rows, rate });
  }

  stop(): void {
    if (!this.bar) return;
    if (this.totalBytes !== undefined) this.bar.update(this.bytesRead());
    this.bar.stop();
  }
}
