import { Command, CommanderError } from 'commander';
import { EXIT, LabelError } from '../errors';
import { evalCommand } from './eval';
import { labelCommand } from './label';
import { commonOptions, evalOptions, labelOptions, type EvalCommandOptions, type LabelCommandOptions } from './options';
import type { CliIO, RunResult } from './run';

/** How long a signalled run may take to write its finished rows before it exits regardless. */
const SIGNAL_GRACE_MS = 10_000;

const VERSION: string = require('../../package.json').version;

const EXIT_CODES_HELP = `
Exit codes:
  0    every row labelled (or, for eval, scored)
  1    bad input: a bad row with --on-error fail, or rows rejected with --on-error skip
  2    usage or set-up error (bad option, missing file, unreadable model, missing column); nothing written
  3    runtime failure (a worker crashed, the output could not be written)
  130  interrupted (SIGINT); 143 terminated (SIGTERM): the rows finished so far were written`;

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** `read N, labelled M, rejected K; …`: N = M + K + the empty texts (and, for eval, M counts scored and unscored rows). */
export function summary(r: RunResult, unscored = 0): string {
  const extra = [
    r.empty ? `${plural(r.empty, 'empty text')} left unlabelled` : '',
    unscored ? `${plural(unscored, 'row')} without a gold label not scored` : '',
    r.blankLines ? `${plural(r.blankLines, 'blank line')} skipped` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const stopped = r.stoppedBy ? `stopped by ${r.stoppedBy} (the rows read before it were all finished): ` : '';
  return `emotion-label: ${stopped}read ${r.read}, labelled ${r.labelled}, rejected ${r.rejected}${extra ? `; ${extra}` : ''}\n`;
}

/** Help to stdout; commander's own errors (unknown option, missing value) in the form of ours. */
function output(io: CliIO) {
  return {
    writeOut: (s: string) => io.stdout.write(s),
    writeErr: (s: string) => io.stderr.write(s),
    outputError: (s: string, write: (s: string) => void) => write(`emotion-label: USAGE: ${s.replace(/^error: /, '')}`),
  };
}

/** The commander program. */
export function createProgram(io: CliIO, signal: AbortSignal, setExit: (code: number) => void): Command {
  const program = new Command('emotion-label')
    .description('Label every row of a CSV, TSV or JSONL file (or stdin) with an emotion and its confidence.')
    .version(VERSION)
    .argument('[input]', 'input file; - or nothing for stdin')
    .addHelpText('after', EXIT_CODES_HELP)
    .configureOutput(output(io))
    .helpCommand('help [command]', 'show help for emotion-label or for a command')
    // `eval` has the same options as the top level; they belong to whichever command they follow.
    .enablePositionalOptions()
    .exitOverride();
  for (const o of [...commonOptions(), ...labelOptions()]) program.addOption(o);
  program.action(async (input: string | undefined, opts: LabelCommandOptions) => {
    const r = await labelCommand(input, opts, io, signal);
    io.stderr.write(summary(r));
    setExit(r.rejected > 0 ? EXIT.BAD_INPUT : EXIT.OK);
  });

  const evalCmd = new Command('eval')
    .description('Label a file that has gold labels and print accuracy, macro- and weighted-F1, per-label metrics and the confusion matrix.')
    .argument('[input]', 'labelled input file; - or nothing for stdin')
    .addHelpText('after', EXIT_CODES_HELP)
    .configureOutput(output(io))
    .exitOverride();
  for (const o of [...commonOptions(), ...evalOptions()]) evalCmd.addOption(o);
  evalCmd.action(async (input: string | undefined, opts: EvalCommandOptions) => {
    const { result, unscored } = await evalCommand(input, opts, io, signal);
    io.stderr.write(summary(result, unscored));
    setExit(result.rejected > 0 ? EXIT.BAD_INPUT : EXIT.OK);
  });
  program.addCommand(evalCmd);
  return program;
}

/**
 * Runs the CLI on the real process. Exit codes are set, never forced: the process ends when stdout
 * has drained and the workers are gone.
 */
export async function main(argv: string[]): Promise<void> {
  const controller = new AbortController();
  let signalExit: number | undefined;
  let pipeClosed = false;
  let lastBeat = Date.now();
  let watchdog: NodeJS.Timeout | undefined;
  const onSignal = (name: 'SIGINT' | 'SIGTERM') => () => {
    const code = name === 'SIGINT' ? EXIT.SIGINT : EXIT.SIGTERM;
    if (signalExit !== undefined) process.exit(code); // a second signal: stop now
    signalExit = code;
    process.stderr.write(`\nemotion-label: ${name}: stopping; finishing and writing the rows already read (again to stop at once)\n`);
    controller.abort(name);
    // The rows in flight take seconds at most; an output that takes nothing for that long (a
    // stalled reader of stdout) must not keep the process alive.
    lastBeat = Date.now();
    watchdog = setInterval(() => {
      if (Date.now() - lastBeat > SIGNAL_GRACE_MS) process.exit(code);
    }, 500);
    watchdog.unref();
  };
  process.on('SIGINT', onSignal('SIGINT'));
  process.on('SIGTERM', onSignal('SIGTERM'));
  // A closed stdout (`| head`) is not an error: the run stops at the next row and exits 0. Other
  // write errors (a full disk) fail the next write with OUTPUT_FAILED, reported as such.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') pipeClosed = true;
  });

  const io: CliIO = {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    stderrIsTTY: Boolean(process.stderr.isTTY),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    beat: () => (lastBeat = Date.now()),
  };
  let exitCode: number = EXIT.OK;
  const program = createProgram(io, controller.signal, (c) => (exitCode = c));
  try {
    await program.parseAsync(argv);
  } catch (err) {
    exitCode = exitCodeOf(err, pipeClosed);
    if (exitCode !== EXIT.OK && !(err instanceof CommanderError)) {
      process.stderr.write(`emotion-label: ${err instanceof LabelError ? err.format() : `internal error: ${(err as Error).stack ?? err}`}\n`);
    }
  }
  clearInterval(watchdog);
  if (pipeClosed) exitCode = EXIT.OK;
  else if (signalExit !== undefined) exitCode = signalExit;
  process.exitCode = exitCode;
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
}

function exitCodeOf(err: unknown, pipeClosed: boolean): number {
  if (pipeClosed) return EXIT.OK;
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) return EXIT.OK;
    return EXIT.USAGE;
  }
  if (err instanceof LabelError) return err.exitCode;
  return EXIT.RUNTIME;
}
