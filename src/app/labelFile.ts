import * as fs from 'node:fs';
import type { Writable } from 'node:stream';
import type { ModelInfo } from '../infer/modelDir';
import { REGISTRY } from '../io/formats';
import { scanJsonlKeys } from '../io/jsonlKeys';
import { checkOutputPath, fileOutput, parquetOutputPath, streamOutput } from '../io/output';
import type { TableReader } from '../io/readers';
import { RunStats } from '../metrics';
import { addedColumns, checkDistinctColumns, checkOutputNames, createRowWriter, outputNames } from '../io/writers';
import { normalizeLabelFileOptions, type LabelFileConfig, type LabelFileOptions } from './options';
import { inputName, runRows, toRunInput, type InputSpec, type RowSink, type RunSummary } from './run';

/** A regular file (after symlinks), which can be read twice; anything else, or a path that cannot be stat'ed (the run reports it), is not. */
function isRegularFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Labels every row of a table (CSV, TSV, JSONL, Parquet) into `output`: every input row exactly
 * once, in input order, fields unchanged, plus the label and confidence (and the score columns).
 * `output` is a path (written to a temporary file, renamed into place when the run completes) or a
 * stream (not ended: stdout; not for Parquet, whose footer comes last). Resolves to the summary;
 * rejects with a LabelError (its `code` and `exitCode`).
 */
export async function labelFile(input: InputSpec, output: string | Writable, options: LabelFileOptions = {}): Promise<RunSummary> {
  const runInput = toRunInput(input);
  const inputPath = typeof runInput === 'string' ? runInput : undefined;
  // A path that can be read only once (a pipe, FIFO, `<(…)`, a character device) is read as stdin
  // is: a first pass for JSONL's keys would use it up, and the rows would be lost with exit 0.
  const seekable = inputPath !== undefined && isRegularFile(inputPath);
  const config = normalizeLabelFileOptions(options, inputPath, typeof output === 'string' ? output : undefined);
  const file = inputName(runInput);
  const outputName = typeof output === 'string' ? output : output === process.stdout ? '<stdout>' : '<stream>';

  /** The input's columns as the output has them: JSONL to a table needs every key of every object (a file can be read twice). */
  const inputColumns = async (reader: TableReader, info: ModelInfo): Promise<string[] | undefined> => {
    const names = outputNames(config, info.id2label);
    checkOutputNames(names, reader.columns, file);
    checkDistinctColumns(reader.columns, config.outputFormat, file);
    // Only a format that knows its columns from its objects' keys (JSONL) written as one that needs them up front.
    if (REGISTRY[config.format].columns !== 'keys' || REGISTRY[config.outputFormat].columns === 'keys' || !seekable) return reader.columns;
    const keys = await scanJsonlKeys(inputPath!, config.maxRecordSize);
    checkOutputNames(names, keys, file);
    return keys;
  };
  const run = async (makeSink: (reader: TableReader, info: ModelInfo) => Promise<RowSink>) => {
    let below = 0;
    const min = config.minConfidence;
    let stats: RunStats | undefined;
    const summary = await runRows({
      input: runInput,
      config,
      hooks: options,
      // The score keys are known once the model is loaded, before the reader opens.
      reservedKeys: (info) => addedColumns(outputNames(config, info.id2label)),
      makeSink: async ({ info, reader }) => {
        const sink = await makeSink(reader, info);
        const gathered = (stats = new RunStats(info.id2label, min));
        return {
          ...sink,
          async accept(lr) {
            const p = lr.prediction;
            // a doubtful row keeps its confidence (and scores) but not its label
            if (min !== undefined && p.labelId >= 0 && p.confidence < min) p.abstained = true;
            const bad = await sink.accept(lr);
            if (bad) return bad;
            if (p.abstained) below += 1;
            gathered.add(p.labelId, p.confidence, p.abstained);
          },
        };
      },
    });
    if (min !== undefined) summary.belowMinConfidence = below;
    summary.output = outputName;
    summary.stats = stats?.report();
    return summary;
  };

  if (REGISTRY[config.outputFormat].needsPath) return labelToParquet(config, parquetOutputPath(typeof output === 'string' ? output : undefined), run, inputColumns);

  // Before any work: a bad output path is a set-up error (exit 2), not a failure after the labelling.
  const out = typeof output === 'string' ? fileOutput(output) : streamOutput(output);
  try {
    return await run(async (reader, info) => {
      const writer = createRowWriter(out.stream, {
        format: config.outputFormat,
        inputColumns: await inputColumns(reader, info),
        id2label: info.id2label,
        names: outputNames(config, info.id2label),
      });
      return {
        accept: (lr) => out.write(writer, lr),
        finish: () => out.commit(writer),
        abandon: () => out.abandon(writer),
      };
    });
  } finally {
    out.discard();
  }
}

/** Parquet out: the writer keeps a Parquet input's column types (its Arrow schema) and writes other inputs' columns as strings. */
async function labelToParquet(
  config: LabelFileConfig,
  target: string,
  run: (makeSink: (reader: TableReader, info: ModelInfo) => Promise<RowSink>) => Promise<RunSummary>,
  inputColumns: (reader: TableReader, info: ModelInfo) => Promise<string[] | undefined>,
): Promise<RunSummary> {
  checkOutputPath(target);
  // Loaded only for Parquet output: parquet-wasm and apache-arrow cost memory in every run that loads them (bench/README.md, "Parquet loaded only when used").
  const { createParquetWriter } = await import('../io/writers/parquet');
  return run(async (reader, info) => {
    const writer = createParquetWriter({
      path: target,
      inputSchema: reader.schema,
      inputColumns: reader.schema ? undefined : await inputColumns(reader, info),
      id2label: info.id2label,
      names: outputNames(config, info.id2label),
    });
    return {
      async accept(lr) {
        if (!writer.write(lr)) await writer.drain();
      },
      finish: () => writer.end(),
      abandon: () => writer.abort(),
    };
  });
}
