/**
 * Keeps the CLI's main-thread heap from growing with the length of the run.
 *
 * Every row passes through the main thread (parsed, tokenized, held in a window until its batch
 * comes back, then written), so rows outlive the young generation and die in the old one. V8 lets
 * that garbage pile up until the old generation reaches a limit it raises as the run goes on, so
 * peak RSS would grow with the input; a full collection every 2 s keeps it near flat (measured in
 * bench/README.md, "Memory").
 *
 * The collection needs `gc`, which Node exposes only when started with `--expose-gc`: the bin script
 * asks for it in its `#!` line. Started without it (`node bin/emotion-label.js`), nothing is
 * collected and nothing else changes. This is the CLI's business only: a program using the library
 * owns its process's flags and its heap.
 */
export class HeapKeeper {
  private readonly gc: (() => void) | undefined;
  private last = performance.now();
  private count = 0;

  constructor(private readonly everyMs = 2000) {
    const gc = (globalThis as { gc?: unknown }).gc;
    this.gc = typeof gc === 'function' ? (gc as () => void) : undefined;
  }

  /** Call once per row; collects at most once every `everyMs`. */
  tick(): void {
    if (this.gc === undefined || ++this.count % 256 !== 0) return;
    const now = performance.now();
    if (now - this.last < this.everyMs) return;
    this.last = now;
    this.gc();
  }
}
