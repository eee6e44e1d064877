import type { Readable, Writable } from 'node:stream';
import type { InputRow } from '../../types';
import type { ReadBackOptions, WrittenPrediction } from '../readBack';
import type { ReaderOptions, TableReader } from '../readers/common';
import type { PathRowWriter, PathWriterOptions, RowWriter, WriterOptions } from '../writers/common';
import type { Format } from './index';

/** What every format says of itself. */
interface FormatFacts {
  /** How messages name it. */
  readonly title: string;
  /** How `--help` lists it among the formats. */
  readonly help: string;
  /** Other names --format and --output-format take for it (not listed by the help). */
  readonly aliases?: readonly string[];
  /** Extensions that select it when --format is not given (lower case, matched case-insensitively). */
  readonly extensions: readonly string[];
  /**
   * How the input's columns are known before the rows: a header line (CSV, TSV), the file's schema
   * (Parquet), or the keys of the objects (JSONL: none until they are read).
   */
  readonly columns: 'header' | 'schema' | 'keys';
  /** Its output tells columns apart by name only (JSON keys, Parquet fields): it cannot hold a name twice. */
  readonly uniqueNames: boolean;
  /** Field delimiter of the delimited formats. */
  readonly delimiter?: string;
  /**
   * A variant of another format that shares its extensions (quoted TSV of TSV): chosen only by
   * name, and an output whose extension names the other keeps this one when the input is in it.
   */
  readonly variantOf?: Format;
  /** An input record as text, for a rejects file (a line as read, or the fields written back). */
  recordText(row: InputRow): string;
}

/** A format read from a stream (stdin, a pipe, a file) and written to one (stdout, a file). */
export interface StreamFormat extends FormatFacts {
  readonly needsPath: false;
  /** Resolves once the header is read and the needed columns are checked (JSONL: at once). */
  open(input: Readable, opts: ReaderOptions): Promise<TableReader>;
  createWriter(out: Writable, opts: WriterOptions): RowWriter;
  /** The predictions an output of this format holds, read back for a resumed run. */
  readBack(file: string, opts: ReadBackOptions): AsyncGenerator<WrittenPrediction>;
}

/**
 * A format with random access (Parquet, whose footer comes last): read from a regular file only
 * (never stdin or a pipe), written to a file only (never stdout), and never resumed.
 */
export interface PathFormat extends FormatFacts {
  readonly needsPath: true;
  /** Why, for messages: reading needs the end first, writing ends with it, and the file is whole only then. */
  readonly why: { readonly read: string; readonly write: string; readonly whole: string };
  /** Resolves once the footer is read and the needed columns are checked. */
  open(path: string, opts: ReaderOptions): Promise<TableReader>;
  createWriter(opts: PathWriterOptions): Promise<PathRowWriter>;
}

/** What the rest of the program knows about a format: one descriptor per format, one file each (io/formats/*.ts). */
export type FormatDescriptor = StreamFormat | PathFormat;
