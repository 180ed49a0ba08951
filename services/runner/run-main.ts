import { PytarchiveError } from "../../shared/errors/index.ts";
import { SERVICE_REGISTRY } from "./registry.ts";

/** The options of every entry point that runs services (parseArgs), beside its own. */
export const SERVICE_RUN_OPTIONS = {
  only: { type: "string" },
  config: { type: "string" },
  help: { type: "boolean", short: "h", default: false },
} as const;

/** The last line of their usage. */
export const KNOWN_SERVICES = `Known services: ${SERVICE_REGISTRY.map((service) => service.name).join(", ")}`;

/**
 * Runs a process's `main` and sets its exit code: main's own, or 1 after saying what went wrong
 * on stderr — a PytarchiveError with its code and hint, a wrong option with the usage, anything
 * else (a bug) with its stack.
 *
 * @example
 * runMain(() => main(process.argv.slice(2)), USAGE);
 */
export function runMain(main: () => Promise<number>, usage: string): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(describeStartError(error, usage));
      process.exitCode = 1;
    },
  );
}

function describeStartError(error: unknown, usage: string): string {
  if (error instanceof PytarchiveError) return `error [${error.code}]: ${error.describe()}\n`;
  // node:util parseArgs throws TypeErrors with codes like ERR_PARSE_ARGS_UNKNOWN_OPTION.
  if (
    error instanceof TypeError &&
    (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")
  ) {
    return `error: ${error.message}\n\n${usage}\n`;
  }
  return `unexpected error: ${(error as Error)?.stack ?? String(error)}\n`;
}
