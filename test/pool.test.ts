import * as path from 'node:path';
import { threadId } from 'node:worker_threads';
import { PoolError, WorkerPool } from '../src/pipeline/pool';

/** The generic pool with tiny fixture workers (test/fixtures/workers): no model, no fault switches in src/. */
const script = path.join(__dirname, 'fixtures', 'workers', 'behaviours.js');
type Out = { doubled: number; thread: number };
const start = (workerData: object, size = 2) => WorkerPool.start<number, Out>({ script, workerData, size });

describe('WorkerPool', () => {
  test('every task once, each result to its own caller, across workers', async () => {
    const pool = await start({ behaviour: 'echo' }, 3);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => pool.run(i)));
    expect(results.map((r) => r.doubled)).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
    expect(new Set(results.map((r) => r.thread)).size).toBeGreaterThan(1);
    await pool.close();
  });

  test("a handler's error fails that task only (kind 'task'), not retried, and the pool goes on", async () => {
    const pool = await start({ behaviour: 'throw' }, 1);
    await expect(pool.run(1)).rejects.toMatchObject({ kind: 'task', message: 'refused 1' });
    await expect(pool.run(2)).rejects.toMatchObject({ kind: 'task', message: 'refused 2' });
    await pool.close();
  });

  test('a worker that exits on a task is replaced and the task retried once on the new worker; no task lost or doubled', async () => {
    // only the first two threads (this thread's id + the two workers) exit on task 5; their replacements do not
    const pool = await start({ behaviour: 'exit-once', n: 5, firstThreads: threadId + 2 }, 2);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.run(i)));
    expect(results.map((r) => r.doubled)).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    expect(pool.threads.length).toBe(2);
    await pool.close();
  });

  test("a task whose worker dies on every attempt fails with kind 'crash'; the others still finish", async () => {
    const pool = await start({ behaviour: 'exit-on', n: 3 }, 2);
    const runs = Array.from({ length: 8 }, (_, i) =>
      pool.run(i).then(
        (r) => r.doubled,
        (e: PoolError) => e,
      ),
    );
    const out = await Promise.all(runs);
    expect(out[3]).toBeInstanceOf(PoolError);
    expect(out[3]).toMatchObject({ kind: 'crash', message: expect.stringContaining('exited unexpectedly with code 7 (task tried 2 times)') });
    expect(out.filter((_, i) => i !== 3)).toEqual([0, 2, 4, 8, 10, 12, 14]);
    await pool.close();
  });

  test('terminate() on a live worker mid-task: replaced, its task retried, every result once', async () => {
    const pool = await start({ behaviour: 'slow' }, 2);
    const runs = Array.from({ length: 6 }, () => pool.run(200));
    await new Promise((r) => setTimeout(r, 50));
    await pool.threads[0].terminate();
    const results = await Promise.all(runs);
    expect(results.map((r) => r.doubled)).toEqual(Array(6).fill(400));
    await pool.close();
  });

  test('a worker whose script fails to start: start() rejects with kind start, nothing left running', async () => {
    const bad = WorkerPool.start({ script: path.join(__dirname, 'fixtures', 'workers', 'no-such.js'), workerData: {}, size: 2 });
    await expect(bad).rejects.toMatchObject({ kind: 'start' });
  });

  test('close() fails what is still queued with kind closed and run() afterwards', async () => {
    const pool = await start({ behaviour: 'slow' }, 1);
    const queued = [pool.run(300), pool.run(300), pool.run(300)].map((p) => p.catch((e: PoolError) => e.kind));
    await new Promise((r) => setTimeout(r, 20));
    await pool.close();
    const kinds = await Promise.all(queued);
    expect(kinds.slice(1)).toEqual(['closed', 'closed']);
    await expect(pool.run(1)).rejects.toMatchObject({ kind: 'closed' });
  });
});
