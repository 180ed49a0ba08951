import { type ErrorCode, PytarchiveError } from "../errors/index.ts";
import type { ErrorInfo } from "../messages/index.ts";

/**
 * Thrown by a work handler when trying again cannot help (bad arguments, a tape that does not
 * exist): the message goes to the dead-letter subject at once.
 *
 * @example
 * throw new PermanentWorkError("TAPE_NOT_IN_LIBRARY", `Tape ${barcode} is not in the library.`, { hint: "…" });
 */
export class PermanentWorkError extends PytarchiveError {
  constructor(code: ErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(code, message, options);
    this.name = "PermanentWorkError";
  }
}

/**
 * Thrown by a work handler to be tried again after `delayMs` (a drive that is busy for a while).
 * Any other error is also retried, after the consumer's back-off.
 *
 * @example
 * throw new RetryWorkError("MTX_DEVICE_BUSY", "The library is busy.", { delayMs: 30_000 });
 */
export class RetryWorkError extends PytarchiveError {
  readonly delayMs: number;

  constructor(
    code: ErrorCode,
    message: string,
    options: { delayMs: number; hint?: string; cause?: unknown },
  ) {
    super(code, message, options);
    this.name = "RetryWorkError";
    this.delayMs = options.delayMs;
  }
}

/**
 * The code, message and hint of any thrown value, as clients and dead letters carry them.
 *
 * @example
 * errorInfoOf(new PytarchiveError("TAPE_TOO_FULL", "Tape AAK788L9 is full.")); // { code: "TAPE_TOO_FULL", message: "Tape AAK788L9 is full." }
 */
export function errorInfoOf(error: unknown): ErrorInfo {
  if (error instanceof PytarchiveError) {
    return error.hint === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, hint: error.hint };
  }
  if (error instanceof Error)
    return { code: "UNEXPECTED_ERROR", message: `${error.name}: ${error.message}` };
  return { code: "UNEXPECTED_ERROR", message: String(error) };
}
