import { SingleBar } from 'cli-progress';

/** "1m 05s" */
function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '…';
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** How often the bar is redrawn, whether or not rows finished meanwhile (rate and ETA move on). */
const REDRAW_MS = 500;

/**
 * Rows labelled and rows/s on stderr; for a file of known size, percent and ETA from the input
 * bytes of the rows labelled so far (not of the rows read, which run a window or two ahead). Only
 * drawn when stderr is a terminal and the data does not go to the same terminal.
 */
export class Progress {
  private bar?: SingleBar;
  private timer?: NodeJS.Timeout;
  private rows = 0;
  private bytes = 0;
  private totalBytes?: number;
  private readonly started = Date.now();
  private stopped = false;

  constructor(private readonly enabled: boolean) {}

  /** Rows finished so far (labelled, or needing no model), their input bytes, and the input's size if known. */
  readonly update = (p: { rows: number; bytes: number; totalBytes?: number }): void => {
    this.rows = p.rows;
    this.bytes = p.bytes;
    if (!this.bar && this.enabled && !this.stopped) this.start(p.totalBytes);
  };

  private start(totalBytes: number | undefined): void {
    this.totalBytes = totalBytes;
    const format =
      totalBytes !== undefined
        ? 'labelling {bar} {percentage}% | {rows} rows labelled | {rate} rows/s | ETA {remaining}'
        : 'labelling {rows} rows labelled | {rate} rows/s';
    this.bar = new SingleBar({ format, stream: process.stderr, fps: 5, hideCursor: true, clearOnComplete: false });
    this.bar.start(Math.max(1, totalBytes ?? 1), 0, { rows: 0, rate: 0, remaining: '…' });
    this.timer = setInterval(() => this.draw(), REDRAW_MS);
    this.timer.unref();
  }

  private draw(): void {
    if (!this.bar) return;
    const seconds = (Date.now() - this.started) / 1000;
    const rate = seconds > 0 ? Math.round(this.rows / seconds) : 0;
    const done = this.totalBytes !== undefined ? Math.min(this.bytes, this.totalBytes) : 0;
    const eta = this.totalBytes !== undefined && done > 0 ? duration((seconds * (this.totalBytes - done)) / done) : '…';
    this.bar.update(done, { rows: this.rows, rate, remaining: eta });
  }

  /** Draws the final state (100% when `complete`) and releases the terminal; later calls do nothing. */
  stop(complete = false): void {
    this.stopped = true;
    if (!this.bar) return;
    clearInterval(this.timer);
    if (complete && this.totalBytes !== undefined) this.bytes = this.totalBytes;
    this.draw();
    this.bar.stop();
    this.bar = undefined;
  }
}
