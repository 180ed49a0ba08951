import { PytarchiveError } from "../../shared/errors/index.ts";
import type { MoveFailureCode } from "../../shared/messages/index.ts";

/**
 * The changer will not do a move: the library is not in a state where it is safe or possible.
 * Retrying the same move later may succeed once that changed (a tape unmounted, a drive cleared).
 */
export class MoveRefusedError extends PytarchiveError {
  /** The drive the refusal is about, when there is one. */
  readonly drive: number | null;

  constructor(
    code: MoveFailureCode,
    message: string,
    options: { hint: string; drive?: number | null; cause?: unknown },
  ) {
    super(code, message, { hint: options.hint, cause: options.cause });
    this.name = "MoveRefusedError";
    this.drive = options.drive ?? null;
  }
}
