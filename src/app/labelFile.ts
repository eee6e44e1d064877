import type { Readable, Writable } from 'node:stream';
import { scanJsonlKeys } from '../io/jsonlKeys';
import { fileOutput, streamOutput } from '../io/output';
import { addedColumns, checkOutputNames, createRowWriter, outputNames } from '../io/writers';
import { normalizeLabelFileOptions, type LabelFileOptions } from './options';
import { inputName, runRows, type RunInput, type RunSummary } from './run';

/** A path, or a stream with a name for messages. */
export type InputSpec = string | Readable | { stream: Readable; name: string };

function toRunInput(input: InputSpec): RunInput {
  if (typeof input === 'string') return input;
  if ('stream' in input) return input;
  return { stream: input, name: '<stream>' };
}

/**
 * Labels every row of a table (CSV, TSV, JSONL) into `output`: every input row exactly once, in
 * input order, fields unchanged, plus the label and confidence (and the score columns). `output` is
 * a path (written to a temporary file, renamed into place when the run completes) or a stream (not
 * ended: stdout). Resolves to the summary; rejects with a LabelError (its `code` and `exitCode`).
 */
export async function labelFile(input: InputSpec, output: string | Writable, options: LabelFileOptions = {}): Promise<RunSummary> {
  const runInput = toRunInput(input);
  const inputPath = typeof runInput === 'string' ? runInput : undefined;
  const config = normalizeLabelFileOptions(options, inputPath, typeof output === 'string' ? output : undefined);
  // Before any work: a bad output path is a set-up error (exit 2), not a failure after the labelling.
  const out = typeof output === 'string' ? fileOutput(output) : streamOutput(output);
  const file = inputName(runInput);
  try {
    return await runRows({
      input: runInput,
      config,
      hooks: options,
      // The score keys are known once the model is loaded, before the reader opens.
      reservedKeys: (info) => addedColumns(outputNames(config, info.id2label)),
      makeSink: async ({ info, reader }) => {
        const names = outputNames(config, info.id2label);
        checkOutputNames(names, reader.columns, file);
        let inputColumns = reader.columns;
        // JSONL to CSV/TSV: the header must hold every key of every object; a file can be read twice.
        if (config.format === 'jsonl' && config.outputFormat !== 'jsonl' && inputPath !== undefined) {
          inputColumns = await scanJsonlKeys(inputPath, config.maxRecordSize);
          checkOutputNames(names, inputColumns, file);
        }
        const writer = createRowWriter(out.stream, { format: config.outputFormat, inputColumns, id2label: info.id2label, names });
        return {
          accept: (lr) => out.write(writer, lr),
          finish: () => out.commit(writer),
          abandon: () => out.abandon(writer),
        };
      },
    });
  } finally {
    out.discard();
  }
}
