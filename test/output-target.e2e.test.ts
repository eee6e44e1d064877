import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BIN, ROOT, runCli, SAMPLES, TINY_BERT } from './helpers/cli';

/**
 * `-o` never replaces what it names (issue #23, item 2): devices, FIFOs and this process's own
 * streams are written directly; a symlink is followed, the rename goes next to its target. All in a
 * temporary folder (the device node made with mknod there), never the real /dev.
 */
const model = ['--model', TINY_BERT, '--no-progress'];
const sample = path.join(SAMPLES, 'sample.csv');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'el-target-'));
let expected: string;

beforeAll(async () => {
  const r = await runCli([sample, ...model]);
  expect(r.code).toBe(0);
  expected = r.stdout;
});

describe('-o naming something other than a regular file', () => {
  test('a FIFO is written to, not replaced: the reader gets every row, the FIFO stays a FIFO', async () => {
    const d = tmp();
    const fifo = path.join(d, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'inherit'] });
    let got = '';
    reader.stdout.on('data', (c: Buffer) => (got += c.toString()));
    const readerDone = new Promise((resolve) => reader.on('close', resolve));
    const r = await runCli([sample, '-o', fifo, ...model]);
    await readerDone;
    expect(r.code).toBe(0);
    expect(got).toBe(expected);
    expect(fs.lstatSync(fifo).isFIFO()).toBe(true);
    expect(fs.readdirSync(d)).toEqual(['pipe']);
  });

  test('a character device (mknod c 1 3, a null device, in a temporary folder) stays a device', async () => {
    const d = tmp();
    const dev = path.join(d, 'null');
    execFileSync('mknod', [dev, 'c', '1', '3']); // the tests run as root here; a device node needs it
    const r = await runCli([sample, '-o', dev, ...model]);
    expect(r.code).toBe(0);
    expect(fs.lstatSync(dev).isCharacterDevice()).toBe(true);
    expect(fs.readdirSync(d)).toEqual(['null']);
    // nothing to resume on a device
    const resume = await runCli([sample, '-o', dev, '--resume', ...model]);
    expect(resume.code).toBe(2);
    expect(resume.stderr).toMatch(/written directly: there is no partial output to resume/);
  });

  test("a link to this process's stdout (as /dev/stdout is) writes to stdout, appending behind a >> redirect", async () => {
    const d = tmp();
    const link = path.join(d, 'stdout');
    fs.symlinkSync('/proc/self/fd/1', link);
    const r = await runCli([sample, '-o', link, ...model]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(expected);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    // `>> log`: what the log held is kept
    const log = path.join(d, 'log');
    fs.writeFileSync(log, 'before\n');
    execFileSync('bash', ['-c', `"${process.execPath}" "${BIN}" "${sample}" -o "${link}" ${model.join(' ')} >> "${log}"`], { cwd: ROOT });
    expect(fs.readFileSync(log, 'utf8')).toBe('before\n' + expected);
    expect(fs.readdirSync(d).sort()).toEqual(['log', 'stdout']);
  });

  test('a symlink is followed: the target gets the output, the link stays a link, the partial went next to the target', async () => {
    const d = tmp();
    const real = path.join(d, 'data');
    fs.mkdirSync(real);
    fs.writeFileSync(path.join(real, 'out.csv'), 'old content\n');
    const link = path.join(d, 'link.csv');
    fs.symlinkSync(path.join('data', 'out.csv'), link);
    const r = await runCli([sample, '-o', link, ...model]);
    expect(r.code).toBe(0);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(path.join(real, 'out.csv'), 'utf8')).toBe(expected);
    expect(fs.readdirSync(d).sort()).toEqual(['data', 'link.csv']);
    expect(fs.readdirSync(real)).toEqual(['out.csv']);
    // a dangling link: its target is created
    const dangling = path.join(d, 'dangling.csv');
    fs.symlinkSync(path.join('data', 'new.csv'), dangling);
    expect((await runCli([sample, '-o', dangling, ...model])).code).toBe(0);
    expect(fs.lstatSync(dangling).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(path.join(real, 'new.csv'), 'utf8')).toBe(expected);
  });

  test('a symlink to the input is the input: exit 2, the input untouched', async () => {
    const d = tmp();
    const input = path.join(d, 'in.csv');
    fs.copyFileSync(sample, input);
    fs.symlinkSync('in.csv', path.join(d, 'out.csv'));
    const r = await runCli([input, '-o', path.join(d, 'out.csv'), ...model]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the output is the input file/);
    expect(fs.readFileSync(input).equals(fs.readFileSync(sample))).toBe(true);
  });
});
