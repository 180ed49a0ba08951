import { PytarchiveError } from "../errors/index.ts";

/** One thing wrong with a message: `field` is a dotted path ("args.folder"), "" for the whole message. */
export interface MessageProblem {
  readonly field: string;
  readonly problem: string;
}

/**
 * A message that does not match its schema, on either end (encode or decode).
 * `problems` lists each field and what is wrong with it; the message names the first ones.
 */
export class MessageSchemaError extends PytarchiveError {
  readonly messageName: string;
  readonly problems: readonly MessageProblem[];

  constructor(
    messageName: string,
    problems: readonly MessageProblem[],
    options: { cause?: unknown } = {},
  ) {
    const shown = problems
      .slice(0, 3)
      .map(({ field, problem }) => (field === "" ? problem : `${field}: ${problem}`))
      .join("; ");
    const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : "";
    super("MESSAGE_SCHEMA_INVALID", `Invalid ${messageName} message: ${shown}${more}.`, {
      hint: "The sender and receiver disagree on this message; check that every pytarchive service runs the same version.",
      cause: options.cause,
    });
    this.name = "MessageSchemaError";
    this.messageName = messageName;
    this.problems = problems;
  }
}
