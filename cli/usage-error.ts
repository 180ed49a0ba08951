import { PytarchiveError } from "../shared/errors/index.ts";

/** The command line itself is wrong (unknown option, missing value): exit code 2. */
export class CliUsageError extends PytarchiveError {
  /** The verb whose usage was wrong, for the "see --help" hint; null for the program. */
  readonly verb: string | null;

  constructor(verb: string | null, message: string, options: { hint?: string } = {}) {
    super("CLI_USAGE", message, {
      hint: options.hint ?? `Run \`pytarchive ${verb ? `${verb} ` : ""}--help\` for usage.`,
    });
    this.name = "CliUsageError";
    this.verb = verb;
  }
}
