import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { LabelError } from '../errors';
import { splitLines, withoutCr } from './lines';

/** One output row's prediction as written: null where the field is empty (JSON null). */
export interface WrittenPrediction {
  label: string | null;
  confidence: number | null;
}

export interface ReadBackOptions {
  labelName: string;
  confidenceName: string;
  /** Read only the first this many bytes (the rows a checkpoint counted); undefined: all of the file. */
  bytes?: number;
  maxRecordSize: number;
}

/** What a format's read-back is handed: the file's bytes, and how to report a row it cannot read. */
interface ReadBackContext {
  stream: Readable;
  file: string;
  opts: ReadBackOptions;
  bad(line: number, why: string): LabelError;
  confidenceOf(v: unknown, line: number): number | null;
}

/**
 * Reads back the label and confidence of every row an output file holds (its first `bytes` bytes,
 * or all of it): for a resumed run, whose earlier rows are only in the file. Streams: memory does
 * not grow with the file. `rows` reads one format as our writers write it (readBackJsonl,
 * readBackDelimited); a format that cannot be continued (Parquet) has none.
 */
async function* readBack(
  file: string,
  opts: ReadBackOptions,
  rows: (ctx: ReadBackContext) => AsyncGenerator<WrittenPrediction>,
): AsyncGenerator<WrittenPrediction> {
  if (opts.bytes === 0) return;
  const stream = fs.createReadStream(file, opts.bytes !== undefined ? { start: 0, end: opts.bytes - 1 } : {});
  const bad = (line: number, why: string) => new LabelError('OUTPUT_FAILED', `cannot read back the output written so far: ${why}`, { file, line });
  const confidenceOf = (v: unknown, line: number): number | null => {
    if (v === null || v === undefined || v === '') return null;
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isFinite(n)) throw bad(line, `the confidence '${String(v)}' is not a number`);
    return n;
  };
  try {
    yield* rows({ stream, file, opts, bad, confidenceOf });
  } finally {
    stream.destroy();
  }
}

/** JSON lines: the label and confidence keys of each object. */
export function readBackJsonl(file: string, opts: ReadBackOptions): AsyncGenerator<WrittenPrediction> {
  return readBack(file, opts, async function* ({ stream, bad, confidenceOf }) {
    for await (const { line, bytes } of splitLines(stream, { maxLineBytes: opts.maxRecordSize * 2, file })) {
      const text = withoutCr(bytes).toString('utf8');
      if (text.trim() === '') continue;
      let obj: Record<string, unknown>;
      try {
        obj = JSON.parse(text);
      } catch {
        throw bad(line, 'not a JSON object');
      }
      const label = obj[opts.labelName];
      yield { label: label === null || label === undefined || label === '' ? null : String(label), confidence: confidenceOf(obj[opts.confidenceName], line) };
    }
  });
}

/** CSV, plain or quoted TSV: the label and confidence columns the header names. `quoted` false: plain TSV, written without quotes (a quote character is data there). */
export function readBackDelimited(file: string, opts: ReadBackOptions, delimiter: string, quoted: boolean): AsyncGenerator<WrittenPrediction> {
  return readBack(file, opts, async function* ({ stream, bad, confidenceOf }) {
    const parser = stream.pipe(parse({ delimiter, bom: true, relax_column_count: true, quote: quoted ? '"' : false }));
    let labelAt = -1;
    let confidenceAt = -1;
    let record = 0;
    for await (const fields of parser as AsyncIterable<string[]>) {
      record += 1;
      if (record === 1) {
        // The added columns come last, after the input's own (which never share their names).
        labelAt = fields.lastIndexOf(opts.labelName);
        confidenceAt = fields.lastIndexOf(opts.confidenceName);
        if (labelAt < 0 || confidenceAt < 0) throw bad(1, `the header has no '${opts.labelName}' and '${opts.confidenceName}' columns`);
        continue;
      }
      const label = fields[labelAt] ?? '';
      yield { label: label === '' ? null : label, confidence: confidenceOf(fields[confidenceAt], record) };
    }
  });
}
