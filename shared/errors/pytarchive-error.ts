import type { ErrorCode } from "./catalogue.ts";

/**
 * The one error type shown to users. `code` is stable (scripts and tests match on it) and listed
 * in the catalogue (so an unlisted code fails typecheck), `message` says what went wrong, `hint`
 * says what to do about it in this case (the catalogue's hint is the general advice, in
 * docs/errors.md).
 */
export class PytarchiveError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "PytarchiveError";
    this.code = code;
    this.hint = options.hint;
  }

  /** Message and hint as one text for a terminal or a mail. */
  describe(): string {
    return this.hint ? `${this.message}\n${this.hint}` : this.message;
  }
}
