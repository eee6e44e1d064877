import { SingleBar } from 'cli-progress';

/** "1m 05s" */
function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '…';
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/**
 * Rows done and rows/s on stderr; percent and ETA come from the input bytes consumed when the
 * input is a file of known size. Only drawn when stderr is a terminal.
 */
export class Progress {
  private bar?: SingleBar;
  private rows = 0;
  private readonly started = Date.now();

  constructor(
    enabled: boolean,
    private readonly totalBytes: number | undefined,
    private readonly bytesDone: () => number,
  ) {
    if (!enabled) return;
    const format =
      totalBytes !== undefined
        ? 'labelling {bar} {percentage}% | {rows} rows | {rate} rows/s | ETA {remaining}'
        : 'labelling {rows} rows | {rate} rows/s';
    this.bar = new SingleBar({ format, stream: process.stderr, fps: 5, hideCursor: true, clearOnComplete: false });
    this.bar.start(Math.max(1, totalBytes ?? 1), 0, { rows: 0, rate: 0, remaining: '…' });
  }

  tick(rows = 1): void {
    this.rows += rows;
    if (!this.bar) return;
    const seconds = (Date.now() - this.started) / 1000;
    const rate = seconds > 0 ? Math.round(this.rows / seconds) : 0;
    const done = this.totalBytes !== undefined ? this.bytesDone() : 0;
    const eta = this.totalBytes !== undefined && done > 0 ? duration((seconds * (this.totalBytes - done)) / done) : '…';
    this.bar.update(done, { rows: this.rows, rate, remaining: eta });
  }

  /** Draws the final state and releases the terminal; later calls do nothing. */
  stop(): void {
    if (!this.bar) return;
    this.tick(0);
    this.bar.stop();
    this.bar = undefined;
  }
}
