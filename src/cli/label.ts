import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Writable } from 'node:stream';
import { LabelError } from '../errors';
import { resolveFormat } from '../io/formats';
import { scanJsonlKeys } from '../io/jsonlKeys';
import { addedColumns, checkOutputNames, createRowWriter, outputNames, type RowWriter } from '../io/writers';
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
  const file = input ?? '<stdin>';
  // Before any work: a bad -o is a set-up error (exit 2), not a failure after the labelling.
  const output = openOutput(opts.output, io);
  try {
    return await runRows({
      // The score keys are known once the model is loaded, before the reader opens.
      reservedKeys: (info) => addedColumns(outputNames(opts, info.id2label)),
      input,
      opts,
      io,
      signal,
      faultInjection,
      progressAllowed: output.file !== undefined || !io.stdoutIsTTY,
      makeSink: async ({ info, reader }) => {
        const names = outputNames(opts, info.id2label);
        checkOutputNames(names, reader.columns, file);
        let inputColumns = reader.columns;
        // JSONL to CSV/TSV: the header must hold every key of every object; a file can be read twice.
        if (inputFormat === 'jsonl' && outputFormat !== 'jsonl' && input !== undefined && input !== '-') {
          inputColumns = await scanJsonlKeys(input, opts.maxRecordSize);
          checkOutputNames(names, inputColumns, file);
        }
        return output.sink(createRowWriter(output.stream, { format: outputFormat, inputColumns, id2label: info.id2label, names }));
      },
    });
  } finally {
    output.discard();
  }
}

interface Output {
  stream: Writable;
  /** The final path with -o; undefined for stdout. */
  file?: string;
  sink(writer: RowWriter): RowSink;
  /** Removes the temporary file unless the run renamed it into place. */
  discard(): void;
}

/**
 * With -o, rows go to a temporary file beside the target, created now (so that a missing folder or
 * a directory given as -o fails before any work) and renamed into place only when the run
 * completes, so an interrupted run never leaves a complete-looking file.
 */
function openOutput(output: string | undefined, io: CliIO): Output {
  let broken = false;
  const failed = (err: Error): never => {
    throw new LabelError('OUTPUT_FAILED', `the output could not be written: ${err.message}`, { file: output });
  };
  const sinkFor = (out: Writable, done: () => Promise<void>, abandon: () => Promise<void>) => (writer: RowWriter): RowSink => ({
    async accept(lr) {
      if (broken) throw new LabelError('OUTPUT_FAILED', 'the output could not be written', { file: output });
      if (!writer.write(lr)) await writer.drain().catch(failed);
    },
    async finish() {
      await writer.flush().catch(failed);
      await done();
    },
    async abandon() {
      // stdout: hand over what is finished (an in-order prefix of whole rows), unless its reader is gone.
      if (!broken) await writer.flush().catch(() => undefined);
      await abandon();
    },
  });

  if (output === undefined || output === '-') {
    io.stdout.on('error', () => (broken = true));
    return { stream: io.stdout, sink: sinkFor(io.stdout, async () => undefined, async () => undefined), discard: () => undefined };
  }
  if (fs.existsSync(output) && fs.statSync(output).isDirectory()) {
    throw new LabelError('OUTPUT_UNWRITABLE', 'cannot write output: it is a directory', { file: output });
  }
  const temp = path.join(path.dirname(output), `.${path.basename(output)}.${process.pid}.partial`);
  let fd: number;
  try {
    fd = fs.openSync(temp, 'wx');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? `no such folder '${path.dirname(output)}'` : e.code === 'EACCES' ? 'permission denied' : e.message;
    throw new LabelError('OUTPUT_UNWRITABLE', `cannot write output: ${why}`, { file: output });
  }
  const stream = fs.createWriteStream(temp, { fd });
  stream.on('error', () => (broken = true));
  let renamed = false;
  const closed = async () => {
    if (!stream.closed) await new Promise<void>((resolve) => stream.end(() => resolve()));
  };
  return {
    stream,
    file: output,
    sink: sinkFor(
      stream,
      async () => {
        await closed();
        if (broken) throw new LabelError('OUTPUT_FAILED', 'the output could not be written', { file: output });
        fs.renameSync(temp, output);
        renamed = true;
      },
      async () => {
        stream.destroy();
      },
    ),
    discard: () => {
      if (renamed) return;
      stream.destroy();
      fs.rmSync(temp, { force: true });
    },
  };
}
