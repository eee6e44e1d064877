import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileOutput, specialOutput } from '../src/io/output';

/**
 * Who closes an output's descriptor. A write stream that is destroyed closes its descriptor (also
 * with autoClose off): a second close of the same number by hand failed with EBADF ("internal
 * error: EBADF: bad file descriptor, close", exit 3, the partials left behind) or, when the other
 * close came first, closed whatever file was opened in between. The file opened right after the
 * clean-up must keep its descriptor, and a descriptor the output only borrowed must stay open.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-output-'));
const closedEvent = (s: fs.WriteStream) => new Promise<void>((resolve) => (s.closed ? resolve() : s.once('close', () => resolve())));
/** The descriptor a write stream holds (null once closed); @types/node does not declare it. */
const fdOf = (s: unknown) => (s as { fd: number }).fd;
const isOpen = (fd: number) => {
  try {
    fs.fstatSync(fd);
    return true;
  } catch {
    return false;
  }
};

describe('fileOutput closes its descriptor once', () => {
  test.each([
    ['remove() then discard() (a bad row, a set-up error: labelToFile)', (o: ReturnType<typeof fileOutput>) => (o.remove(), o.discard())],
    ['discard() twice', (o: ReturnType<typeof fileOutput>) => (o.discard(), o.discard())],
  ])('%s: no EBADF, and a file opened right after keeps its descriptor', async (_what, cleanUp) => {
    const final = path.join(dir, `out-${Math.random().toString(36).slice(2)}.csv`);
    const out = fileOutput(final, `${final}.partial`, final);
    const stream = out.stream as fs.WriteStream;
    const fd = fdOf(stream);
    out.stream.write('text,label\n');
    expect(() => cleanUp(out)).not.toThrow();
    const other = fs.openSync(path.join(dir, 'other'), 'w');
    await closedEvent(stream);
    await new Promise((r) => setTimeout(r, 20));
    expect(isOpen(other)).toBe(true);
    fs.closeSync(other);
    expect(isOpen(fd)).toBe(false); // not leaked either
  });

  test('abandon() (a signal), then remove() and discard(): the partial is gone, the descriptor closed once', async () => {
    const final = path.join(dir, 'abandoned.csv');
    const out = fileOutput(final, `${final}.partial`, final);
    const fd = fdOf(out.stream);
    const writer = { flush: async () => undefined } as never;
    await out.abandon(writer);
    out.remove();
    out.discard();
    const other = fs.openSync(path.join(dir, 'other2'), 'w');
    await new Promise((r) => setTimeout(r, 20));
    expect(isOpen(other)).toBe(true);
    fs.closeSync(other);
    expect(isOpen(fd)).toBe(false);
    expect(fs.existsSync(`${final}.partial`)).toBe(false);
  });
});

test("specialOutput leaves a descriptor it borrowed (-o /dev/stdout: this process's fd 1) open", async () => {
  const fd = fs.openSync(path.join(dir, 'borrowed'), 'a');
  const out = specialOutput(path.join(dir, 'borrowed'), fd);
  out.stream.write('row\n');
  out.discard();
  await closedEvent(out.stream as fs.WriteStream);
  await new Promise((r) => setTimeout(r, 20));
  expect(isOpen(fd)).toBe(true);
  fs.writeSync(fd, 'still mine\n');
  fs.closeSync(fd);
  expect(fs.readFileSync(path.join(dir, 'borrowed'), 'utf8')).toContain('still mine');
});
