// First: ONNX Runtime's telemetry off before anything can load the runtime.
import '../util/telemetry';
import { Command, CommanderError } from 'commander';
import type { Readable, Writable } from 'node:stream';
import { evaluateWithSummary } from '../app/evaluate';
import { labelFile } from '../app/labelFile';
import type { RunSummary } from '../app/run';
import { EXIT, LabelError } from '../errors';
import * as path from 'node:path';
import { textFileOutput, type TextFileOutput } from '../io/output';
import { formatReport } from '../metrics';
import { renderEvalPage, renderRunPage } from '../report';
import { commonOptions, evalOptions, labelOptions, type EvalCliOptions, type LabelCliOptions } from './options';
import { HeapKeeper } from './heap';
import { fileKey, partialPaths } from '../io/target';
import { Progress } from './progress';

/** How long a signalled run may go without handing a row to its output before it exits regardless. */
const SIGNAL_GRACE_MS = 10_000;

// package.json is outside src/ (tsc's rootDir), so it is read at run time rather than imported.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const VERSION: string = require('../../package.json').version;

/** The exit codes, as `--help` prints them; README.md's exit-code table is checked against this list (test/docs.test.ts). */
export const EXIT_CODE_HELP: readonly (readonly [string, string])[] = [
  [`${EXIT.OK}`, 'every row labelled (or, for eval, scored)'],
  [`${EXIT.BAD_INPUT}`, 'bad input: a bad row with --on-error fail, rows rejected with --on-error skip, or (eval) nothing to score'],
  [
    `${EXIT.USAGE}`,
    "usage or set-up error (bad option, missing file, unreadable model, missing or duplicated column, unwritable -o or --report, -o naming the input or the rejects file, a partial output found without --resume or --restart or not this run's, -o in use); nothing written",
  ],
  [`${EXIT.RUNTIME}`, 'runtime failure (a worker crashed twice on the same rows, the output could not be written)'],
  [`${EXIT.SIGHUP}`, 'hung up (SIGHUP, the terminal closed): as SIGTERM'],
  [
    `${EXIT.SIGINT}`,
    'interrupted (SIGINT): the rows read so far were finished and written (with -o: to FILE.partial, for --resume); a second signal stops at once, the process killed by it (a shell shows the same code)',
  ],
  [`${EXIT.SIGQUIT}`, 'SIGQUIT is not handled: the process ends at once, nothing finished (a core dump where enabled)'],
  [`${EXIT.SIGTERM}`, 'terminated (SIGTERM): as SIGINT'],
];

const EXIT_CODES_HELP = `\nExit codes:\n${EXIT_CODE_HELP.map(([code, meaning]) => `  ${code.padEnd(5)}${meaning}`).join('\n')}`;

/** The process's streams and terminal facts, passed in so that the program can run on others. */
export interface CliIO {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  stderrIsTTY: boolean;
  stdoutIsTTY: boolean;
  /** Called whenever a row is handed to the output; the signal watchdog listens. */
  beat?: () => void;
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** `read N, labelled M, rejected K; …`: N = M + K + the empty texts. */
export function summaryLine(r: RunSummary): string {
  const extra = [
    r.empty ? `${plural(r.empty, 'empty text')} left unlabelled` : '',
    r.unscored ? `${plural(r.unscored, 'row')} without a gold label not scored` : '',
    r.belowMinConfidence ? `${r.belowMinConfidence} below --min-confidence (label left empty)` : '',
    r.blankLines ? `${plural(r.blankLines, 'blank line')} skipped` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const stopped = r.stoppedBy ? `stopped by ${r.stoppedBy} (the rows read before it were all finished): ` : '';
  return `emotion-label: ${stopped}read ${r.read}, labelled ${r.labelled}, rejected ${r.rejected}${extra ? `; ${extra}` : ''}\n`;
}

/** How a run ended, as the one function that turns it into an exit code sees it. */
export interface Outcome {
  summary?: RunSummary;
  error?: unknown;
  /** The signal that stopped the run. */
  signal?: 'SIGINT' | 'SIGTERM' | 'SIGHUP';
  /** The reader of stdout went away (`| head`): not an error. */
  pipeClosed?: boolean;
}

/** The exit code of a run (see EXIT_CODE_HELP). */
export function exitCodeFor(o: Outcome): number {
  if (o.pipeClosed) return EXIT.OK;
  if (o.signal) return EXIT[o.signal];
  if (o.error !== undefined) {
    const err = o.error;
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    return err instanceof LabelError ? err.exitCode : EXIT.RUNTIME;
  }
  return o.summary && o.summary.rejected > 0 ? EXIT.BAD_INPUT : EXIT.OK;
}

/** Help to stdout; commander's own errors (unknown option, missing value) in the form of ours. */
function output(io: CliIO) {
  return {
    writeOut: (s: string) => io.stdout.write(s),
    writeErr: (s: string) => io.stderr.write(s),
    outputError: (s: string, write: (s: string) => void) => write(`emotion-label: USAGE: ${s.replace(/^error: /, '')}`),
  };
}

/** The --report page's file, checked before any work so that an unwritable path is exit 2 with nothing done (written at the end). */
function openReport(report: string | undefined, output?: string, others: { input?: string; rejects?: string } = {}): TextFileOutput | undefined {
  if (report === undefined) return undefined;
  // as device and inode where they exist, so that a symlink or another spelling of one file is caught
  const sameFile = (a: string, b: string) => path.resolve(a) === path.resolve(b) || fileKey(a) === fileKey(b);
  const same = (other: string | undefined) => other !== undefined && sameFile(report, other);
  if (same(output)) throw new LabelError('USAGE', `--report and -o name the same file '${report}'`);
  // each is written through FILE.partial under FILE.partial.lock: neither may be one of the other's
  const aside = (file: string) => Object.values(partialPaths(file));
  if (output !== undefined && (aside(output).some(same) || aside(report).some((p) => sameFile(p, output))))
    throw new LabelError('USAGE', `--report '${report}' and -o '${output}' would share a temporary file: give the report another name`);
  if (same(others.input)) throw new LabelError('USAGE', `--report names the input file '${report}'`);
  if (same(others.rejects)) throw new LabelError('USAGE', `--report and --rejects name the same file '${report}'`);
  return textFileOutput(report, 'report');
}

function inputOf(arg: string | undefined, io: CliIO) {
  return arg === undefined || arg === '-' ? { stream: io.stdin, name: '<stdin>' } : arg;
}

/**
 * The commander program: parses argv, runs the library's labelFile / evaluate, draws the progress
 * bar and writes the summary. `onSummary` receives the run's summary for the exit code.
 */
export function createProgram(io: CliIO, signal: AbortSignal, onSummary: (s: RunSummary) => void): Command {
  const program = new Command('emotion-label')
    .description('Label every row of a CSV, TSV, JSONL or Parquet file (or stdin) with an emotion and its confidence.')
    .version(VERSION)
    .argument('[input]', 'input file; - or nothing for stdin')
    .addHelpText('after', EXIT_CODES_HELP)
    .configureOutput(output(io))
    .helpCommand('help [command]', 'show help for emotion-label or for a command')
    // `eval` has the same options as the top level; they belong to whichever command they follow.
    .enablePositionalOptions()
    .exitOverride();
  for (const o of [...commonOptions(), ...labelOptions()]) program.addOption(o);
  program.action(async (input: string | undefined, opts: LabelCliOptions) => {
    const toFile = opts.output !== undefined && opts.output !== '-';
    // No bar when the data goes to the same terminal: it would draw into the rows.
    const report = openReport(opts.report, toFile ? opts.output : undefined, { input: input === '-' ? undefined : input, rejects: opts.rejects });
    const progress = new Progress(opts.progress && io.stderrIsTTY && (toFile || !io.stdoutIsTTY));
    signal.addEventListener('abort', () => progress.stop(), { once: true });
    try {
      const summary = await labelFile(inputOf(input, io), toFile ? opts.output! : io.stdout, {
        ...opts,
        signal,
        onProgress: progress.update,
        onRow: io.beat,
        onWarning: (m) => io.stderr.write(`emotion-label: note: ${m}\n`),
      });
      if (!toFile) summary.output = '<stdout>';
      progress.stop(!summary.stoppedBy);
      await report?.write(renderRunPage(summary));
      io.stderr.write(summaryLine(summary));
      onSummary(summary);
    } finally {
      progress.stop();
    }
  });

  const evalCmd = new Command('eval')
    .description('Label a file that has gold labels and print accuracy, macro- and weighted-F1, per-label metrics and the confusion matrix.')
    .argument('[input]', 'labelled input file; - or nothing for stdin')
    .addHelpText('after', EXIT_CODES_HELP)
    .configureOutput(output(io))
    .exitOverride();
  for (const o of [...commonOptions(), ...evalOptions()]) evalCmd.addOption(o);
  evalCmd.action(async (input: string | undefined, opts: EvalCliOptions) => {
    const page = openReport(opts.report);
    const progress = new Progress(opts.progress && io.stderrIsTTY);
    signal.addEventListener('abort', () => progress.stop(), { once: true });
    try {
      const { report, summary } = await evaluateWithSummary(inputOf(input, io), { ...opts, signal, onProgress: progress.update, onRow: io.beat });
      progress.stop(!summary.stoppedBy);
      if (report) io.stdout.write(opts.json ? JSON.stringify(report) + '\n' : formatReport(report));
      if (report) await page?.write(renderEvalPage(report, summary));
      io.stderr.write(summaryLine(summary));
      onSummary(summary);
    } finally {
      progress.stop();
    }
  });
  program.addCommand(evalCmd);
  return program;
}

/** The signals that stop a run the orderly way (SIGHUP: the terminal went away, as SIGTERM). */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type StopSignal = (typeof STOP_SIGNALS)[number];

/**
 * Ends the process at once, killed by `name` itself: the listener goes, so the signal's default
 * action (terminate) applies, and the shell sees 128 + its number (130, 143, 129), the documented
 * code. process.exit() cannot stop at once: it first stops the worker threads, and one stopped
 * inside onnxruntime's native code aborts the process ("terminate called after throwing an
 * instance of 'Napi::Error'", exit 134); then it waits for libuv's thread pool, where an open() of
 * a FIFO nobody writes to blocks for ever. A kernel kill does neither. Nothing is cleaned up.
 */
function dieBy(name: StopSignal): never {
  process.removeAllListeners(name);
  process.kill(process.pid, name);
  // Not reached: the signal ends the process before kill() returns to a thread that does not block it.
  process.exit(exitCodeFor({ signal: name }));
}

/**
 * Runs the CLI on the real process. Exit codes are set, never forced: the process ends when stdout
 * has drained and the workers are gone.
 */
export async function main(argv: string[]): Promise<void> {
  const controller = new AbortController();
  const outcome: Outcome = {};
  let lastBeat = Date.now();
  let watchdog: NodeJS.Timeout | undefined;
  const onSignal = (name: StopSignal) => () => {
    if (outcome.signal !== undefined) dieBy(name); // a second signal: stop now
    outcome.signal = name;
    // First the abort, which takes the progress bar down, so that it is not drawn again below this line.
    controller.abort(name);
    process.stderr.write(`\nemotion-label: ${name}: stopping; finishing and writing the rows already read (again to stop at once)\n`);
    // The rows in flight take seconds at most; an output that takes nothing for that long (a
    // stalled reader of stdout) must not keep the process alive.
    lastBeat = Date.now();
    watchdog = setInterval(() => {
      if (Date.now() - lastBeat > SIGNAL_GRACE_MS) {
        process.stderr.write(`emotion-label: ${name}: nothing written for ${SIGNAL_GRACE_MS / 1000} s since; stopping now\n`);
        dieBy(name);
      }
    }, 500);
    watchdog.unref();
  };
  for (const name of STOP_SIGNALS) process.on(name, onSignal(name));
  // A closed stdout (`| head`) is not an error: the run stops at the next row and exits 0. Other
  // write errors (a full disk) fail the next write with OUTPUT_FAILED, reported as such.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') outcome.pipeClosed = true;
  });

  // A full collection now and then, when the bin script started node with --expose-gc (heap.ts).
  const heap = new HeapKeeper();
  const io: CliIO = {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    stderrIsTTY: Boolean(process.stderr.isTTY),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    beat: () => {
      lastBeat = Date.now();
      heap.tick();
    },
  };
  const program = createProgram(io, controller.signal, (s) => (outcome.summary = s));
  try {
    await program.parseAsync(argv);
  } catch (err) {
    outcome.error = err;
    const code = exitCodeFor({ error: err });
    if (!outcome.pipeClosed && code !== EXIT.OK && !(err instanceof CommanderError)) {
      process.stderr.write(`emotion-label: ${err instanceof LabelError ? err.format() : `internal error: ${(err as Error).stack ?? err}`}\n`);
    }
  }
  clearInterval(watchdog);
  process.exitCode = exitCodeFor(outcome);
  for (const name of STOP_SIGNALS) process.removeAllListeners(name);
}
