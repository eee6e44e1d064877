import * as v8 from 'node:v8';
import * as vm from 'node:vm';

/**
 * Keeps the main thread's heap from growing with the length of the run.
 *
 * Every row passes through the main thread (parsed, tokenized, held in a window until its batch
 * comes back, then written), so rows outlive the young generation and die in the old one. V8 lets
 * that garbage pile up until the old generation reaches a limit it raises as the run goes on: on a
 * 200,000-row file the main heap swung between ~55 and ~110 MB, and the peak resident memory of a
 * long run rose with it (bench/README.md, "Memory"). A full collection every few seconds keeps the
 * heap at its live size (a window or two of rows) for well under 1% of the time.
 *
 * Node has no API to ask for a collection without `--expose-gc`; setting the flag at run time and
 * taking `gc` from a fresh context is the documented way to get it without a command-line flag.
 * If that ever fails, nothing is collected and nothing else changes.
 */
export class HeapKeeper {
  private gc: (() => void) | null | undefined;
  private last = performance.now();
  private count = 0;

  constructor(private readonly everyMs = 2000) {}

  /** Call once per row; collects at most once every `everyMs`. */
  tick(): void {
    if (++this.count % 256 !== 0) return;
    const now = performance.now();
    if (now - this.last < this.everyMs) return;
    this.last = now;
    this.collect();
  }

  private collect(): void {
    if (this.gc === undefined) {
      try {
        v8.setFlagsFromString('--expose-gc');
        this.gc = vm.runInNewContext('gc') as () => void;
      } catch {
        this.gc = null;
      }
    }
    this.gc?.();
  }
}
