import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Writable } from 'node:stream';
import { LabelError } from '../errors';
import { resolveFormat } from '../io/formats';
import { createRowWriter, outputNames } from '../io/writers';
import type { LabelCommandOptions } from './options';
import { runRows, type CliIO, type RowSink, type RunResult } from './run';

/** `emotion-label [input]`: every row back, in order, with its label and confidence. */
export async function labelCommand(
  input: string | undefined,
  opts: LabelCommandOptions,
  io: CliIO,
  signal: AbortSignal,
  faultInjection?: 'throw-on-batch' | 'exit-on-batch',
): Promise<RunResult> {
  const inputFormat = resolveFormat(opts.format, input);
  const outputFormat = opts.outputFormat !== undefined ? resolveFormat(opts.outputFormat, undefined) : inputFormat;
  // Score keys are known only once the model is loaded; the label and confidence keys are the ones that clash in practice.
  const reservedKeys = [opts.labelName, opts.confidenceName];
  return runRows({
    reservedKeys,
    input,
    opts,
    io,
    signal,
    faultInjection,
    makeSink: ({ info, reader }) => {
      const names = outputNames(opts, info.id2label);
      const added = [names.label, names.confidence, ...names.scores];
      const clash = reader.columns?.find((c) => added.includes(c));
      if (clash !== undefined) {
        throw new LabelError(
          'COLUMN_CONFLICT',
          `the input already has a column '${clash}'; name the added columns with --label-name / --confidence-name`,
          { file: input ?? '<stdin>', line: 1 },
        );
      }
      return fileOrStdoutSink(opts.output, io, (out) =>
        createRowWriter(out, { format: outputFormat, inputColumns: reader.columns, id2label: info.id2label, names }),
      signal);
    },
  });
}

/**
 * With -o, rows go to a temporary file beside the target, renamed into place only when the run
 * completes, so an interrupted run never leaves a complete-looking file.
 */
function fileOrStdoutSink(
  output: string | undefined,
  io: CliIO,
  makeWriter: (out: Writable) => ReturnType<typeof createRowWriter>,
  signal: AbortSignal,
): RowSink {
  let out: Writable = io.stdout;
  let temp: string | undefined;
  if (output !== undefined && output !== '-') {
    temp = path.join(path.dirname(output), `.${path.basename(output)}.${process.pid}.partial`);
    try {
      out = fs.createWriteStream(temp, { flags: 'wx' });
    } catch (err) {
      throw new LabelError('OUTPUT_FAILED', `cannot write output: ${(err as Error).message}`, { file: output });
    }
    out.on('error', () => undefined); // surfaced by end(), which awaits the stream
  }
  const writer = makeWriter(out);
  let broken = false;
  out.on('error', () => (broken = true));
  return {
    async accept(lr) {
      if (!writer.write(lr)) await writer.drain(signal);
    },
    async finish() {
      await writer.end();
      if (temp !== undefined) fs.renameSync(temp, output!);
    },
    async abandon() {
      if (temp === undefined) {
        // stdout: hand over what is finished (an in-order prefix of whole rows) and let it drain,
        // unless the reader of stdout is gone (`| head`), when there is nothing left to drain into.
        if (!broken) await writer.end().catch(() => undefined);
        return;
      }
      out.destroy();
      fs.rmSync(temp, { force: true });
    },
  };
}
