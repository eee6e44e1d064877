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

function summary(r: RunResult): string {
  const extra = [r.empty ? `${r.empty} empty text${r.empty === 1 ? '' : 's'} left unlabelled` : '', r.blankLines ? `${r.blankLines} blank line${r.blankLines === 1 ? '' : 's'} skipped` : '']
    .filter(Boolean)
    .join(', ');
  return `emotion-label: read ${r.read}, labelled ${r.labelled + r.empty}, rejected ${r.rejected}${extra ? ` (${extra})` : ''}\n`;
}

/** The commander program; exported so that tests can parse argv in-process. */
export function createProgram(io: CliIO, signal: AbortSignal, setExit: (code: number) => void): Command {
  const program = new Command('emotion-label')
    .description('Label every row of a CSV, TSV or JSONL file (or stdin) with an emotion and its confidence.')
    .version(VERSION)
    .argument('[input]', 'input file; - or nothing for stdin')
    .addHelpText('after', EXIT_CODES_HELP)
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
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
    .exitOverride();
  for (const o of [...commonOptions(), ...evalOptions()]) evalCmd.addOption(o);
  evalCmd.action(async (input: string | undefined, opts: EvalCommandOptions) => {
    const { result } = await evalCommand(input, opts, io, signal);
    io.stderr.write(summary(result));
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
  const onSignal = (name: 'SIGINT' | 'SIGTERM') => () => {
    if (signalExit !== undefined) process.exit(name === 'SIGINT' ? EXIT.SIGINT : EXIT.SIGTERM); // a second signal: stop now
    const code = name === 'SIGINT' ? EXIT.SIGINT : EXIT.SIGTERM;
    signalExit = code;
    process.stderr.write(`emotion-label: ${name}: stopping; writing the rows finished so far\n`);
    controller.abort();
    // If the output cannot drain (a stalled reader of stdout), do not outlive the signal for long.
    setTimeout(() => process.exit(code), SIGNAL_GRACE_MS).unref();
  };
  process.on('SIGINT', onSignal('SIGINT'));
  process.on('SIGTERM', onSignal('SIGTERM'));
  // A closed stdout (`| head`) is not an error: stop reading and exit 0.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') {
      pipeClosed = true;
      controller.abort();
    } else {
      process.stderr.write(`emotion-label: OUTPUT_FAILED: ${err.message}\n`);
      process.exitCode = EXIT.RUNTIME;
      controller.abort();
    }
  });

  const io: CliIO = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, stderrIsTTY: Boolean(process.stderr.isTTY) };
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
  if (pipeClosed) exitCode = EXIT.OK;
  else if (signalExit !== undefined) exitCode = signalExit;
  process.exitCode = process.exitCode && process.exitCode !== 0 ? process.exitCode : exitCode;
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
