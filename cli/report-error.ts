import { PytarchiveError } from "../shared/errors/index.ts";
import { escapeControlCharacters } from "../shared/format/index.ts";
import type { CliIo } from "./command.ts";
import { CliUsageError } from "./usage-error.ts";

export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** node:util parseArgs throws TypeErrors with codes like ERR_PARSE_ARGS_UNKNOWN_OPTION. */
function isParseArgsError(error: unknown): error is TypeError & { code: string } {
  if (!(error instanceof TypeError)) return false;
  const code: unknown = (error as { code?: unknown }).code;
  return typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_");
}

/**
 * Prints an error for a person at a terminal and returns the exit code. Known errors
 * (PytarchiveError) print `error: <message>` and `hint: <hint>`, never a stack; anything else
 * is a bug, so its stack is printed for the report. A message may quote a file name or a tool's
 * output: its control characters are shown escaped, each on the one line it belongs to.
 */
export function reportError(error: unknown, io: CliIo, verb: string | null): number {
  if (isParseArgsError(error)) {
    return reportError(new CliUsageError(verb, error.message), io, verb);
  }
  if (error instanceof PytarchiveError) {
    io.stderr(`error: ${escapeControlCharacters(error.message)}\n`);
    if (error.hint) io.stderr(`hint: ${escapeControlCharacters(error.hint)}\n`);
    return error instanceof CliUsageError ? EXIT_USAGE : EXIT_FAILED;
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.stderr(`error: unexpected failure (a bug in pytarchive; please report it):\n${stack}\n`);
  return EXIT_FAILED;
}
