/**
 * One error type for everything a user can see, mapped to an exit code in the CLI only.
 * Exit codes (documented in README):
 *   0   every row labelled
 *   1   bad input data: a bad row with --on-error fail, or rows rejected with --on-error skip
 *   2   usage or set-up error (bad option, missing file, unreadable model, missing column), before any output
 *   3   runtime failure (a worker crashed, output could not be written)
 *   130 interrupted by SIGINT, 143 terminated by SIGTERM, 129 hung up (SIGHUP)
 */
export const EXIT = {
  OK: 0,
  BAD_INPUT: 1,
  USAGE: 2,
  RUNTIME: 3,
  SIGINT: 130,
  SIGTERM: 143,
  SIGHUP: 129,
  /** Not handled: the signal's default action; listed for the documentation. */
  SIGQUIT: 131,
} as const;

export type ErrorCode =
  | 'USAGE'
  | 'INPUT_NOT_FOUND'
  | 'MODEL_INVALID'
  | 'MISSING_COLUMN'
  | 'COLUMN_CONFLICT'
  | 'COLUMN_DUPLICATE'
  | 'JSON_KEY_CONFLICT'
  | 'CSV_QUOTE_NOT_CLOSED'
  | 'CSV_RECORD_TOO_LARGE'
  | 'CSV_PARSE'
  | 'CSV_FIELD_COUNT'
  | 'INVALID_UTF8'
  | 'NUL_BYTE'
  | 'JSON_INVALID'
  | 'JSON_NOT_OBJECT'
  | 'TEXT_MISSING'
  | 'TEXT_NOT_STRING'
  | 'JSON_KEY_UNLISTED'
  | 'JSON_TOO_DEEP'
  | 'JSON_LINE_TOO_LARGE'
  | 'TSV_UNREPRESENTABLE'
  | 'LABEL_UNKNOWN'
  | 'NOTHING_TO_SCORE'
  | 'OUTPUT_UNWRITABLE'
  | 'OUTPUT_PARTIAL'
  | 'OUTPUT_LOCKED'
  | 'PARQUET_INVALID'
  | 'COLUMN_TYPE'
  | 'WORKER_FAILED'
  | 'OUTPUT_FAILED';

const EXIT_BY_CODE: Record<ErrorCode, number> = {
  USAGE: EXIT.USAGE,
  INPUT_NOT_FOUND: EXIT.USAGE,
  MODEL_INVALID: EXIT.USAGE,
  MISSING_COLUMN: EXIT.USAGE,
  COLUMN_CONFLICT: EXIT.USAGE,
  COLUMN_DUPLICATE: EXIT.USAGE,
  JSON_KEY_CONFLICT: EXIT.BAD_INPUT,
  CSV_QUOTE_NOT_CLOSED: EXIT.BAD_INPUT,
  CSV_RECORD_TOO_LARGE: EXIT.BAD_INPUT,
  CSV_PARSE: EXIT.BAD_INPUT,
  CSV_FIELD_COUNT: EXIT.BAD_INPUT,
  INVALID_UTF8: EXIT.BAD_INPUT,
  NUL_BYTE: EXIT.BAD_INPUT,
  JSON_INVALID: EXIT.BAD_INPUT,
  JSON_NOT_OBJECT: EXIT.BAD_INPUT,
  TEXT_MISSING: EXIT.BAD_INPUT,
  TEXT_NOT_STRING: EXIT.BAD_INPUT,
  JSON_KEY_UNLISTED: EXIT.BAD_INPUT,
  JSON_TOO_DEEP: EXIT.BAD_INPUT,
  JSON_LINE_TOO_LARGE: EXIT.BAD_INPUT,
  TSV_UNREPRESENTABLE: EXIT.BAD_INPUT,
  LABEL_UNKNOWN: EXIT.BAD_INPUT,
  NOTHING_TO_SCORE: EXIT.BAD_INPUT,
  OUTPUT_UNWRITABLE: EXIT.USAGE,
  OUTPUT_PARTIAL: EXIT.USAGE,
  OUTPUT_LOCKED: EXIT.USAGE,
  PARQUET_INVALID: EXIT.USAGE,
  COLUMN_TYPE: EXIT.USAGE,
  WORKER_FAILED: EXIT.RUNTIME,
  OUTPUT_FAILED: EXIT.RUNTIME,
};

/** Every error code, for tests and documentation. */
export const ERROR_CODES = Object.keys(EXIT_BY_CODE) as ErrorCode[];

/** An error's message on one line, whatever was thrown (parquet-wasm throws strings as well as Errors). */
export function messageOf(err: unknown): string {
  const s = err instanceof Error ? err.message : String(err);
  return s.replace(/\s+/g, ' ').trim();
}

export class LabelError extends Error {
  readonly code: ErrorCode;
  readonly file?: string;
  readonly line?: number;

  constructor(code: ErrorCode, message: string, where: { file?: string; line?: number } = {}) {
    super(message);
    this.name = 'LabelError';
    this.code = code;
    this.file = where.file;
    this.line = where.line;
  }

  get exitCode(): number {
    return EXIT_BY_CODE[this.code];
  }

  /** `FILE:LINE: CODE: message`, the form every error takes on stderr. */
  format(): string {
    const where = [this.file, this.line].filter((x) => x !== undefined).join(':');
    return `${where ? `${where}: ` : ''}${this.code}: ${this.message}`;
  }
}
