import type { ErrorCode } from '../errors';

/**
 * A row that cannot be used, thrown by a reader (a field that is not UTF-8) or a writer (a row the
 * output format cannot hold); the run turns it into a BadRow at the record's line, which the
 * --on-error policy then handles.
 */
export class RowProblem extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}
