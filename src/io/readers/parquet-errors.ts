import { EXIT, LabelError, type ErrorCode } from '../../errors';

/**
 * Error codes the Parquet reader/writer add (to be merged into ErrorCode in src/errors.ts):
 *   PARQUET_INVALID  exit 2: not a Parquet file, corrupt or truncated (footer, page or row group
 *                    that cannot be decoded), or a type the reader cannot decode. Names the file
 *                    and, where known, the row group and its first row number.
 *   COLUMN_TYPE      exit 2: the text (or label) column exists but is not a string column.
 */
export const PARQUET_INVALID = 'PARQUET_INVALID';
export const COLUMN_TYPE = 'COLUMN_TYPE';
export type ParquetErrorCode = typeof PARQUET_INVALID | typeof COLUMN_TYPE;

const EXIT_BY_PARQUET_CODE: Record<ParquetErrorCode, number> = {
  PARQUET_INVALID: EXIT.USAGE,
  COLUMN_TYPE: EXIT.USAGE,
};

/** A LabelError with one of the new codes; its exit code is right before ErrorCode knows them. */
export class ParquetError extends LabelError {
  constructor(code: ParquetErrorCode, message: string, where: { file?: string; line?: number } = {}) {
    super(code as unknown as ErrorCode, message, where);
  }

  override get exitCode(): number {
    return EXIT_BY_PARQUET_CODE[this.code as unknown as ParquetErrorCode] ?? super.exitCode;
  }
}

/** parquet-wasm throws strings or Errors; one line of text either way. */
export function messageOf(err: unknown): string {
  const s = err instanceof Error ? err.message : String(err);
  return s.replace(/\s+/g, ' ').trim();
}
