import path from "node:path";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { CliUsageError } from "../usage-error.ts";

/*
 * Checks of the command line that need no server. Every one throws a CliUsageError (exit 2)
 * before anything connects, so a wrong command line never reaches the gateway.
 */

type OptionSpecs = NonNullable<ParseArgsConfig["options"]>;

/** `--json` is accepted by every verb that asks the service. */
const JSON_OPTION = { json: { type: "boolean", default: false } } as const satisfies OptionSpecs;

export interface ParsedCommandLine {
  readonly values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  readonly positionals: string[];
  /** parseArgs' tokens, for verbs where the order of options and positionals matters. */
  readonly tokens: NonNullable<ReturnType<typeof parseArgs>["tokens"]>;
  readonly json: boolean;
}

/**
 * parseArgs with `--json` added and `strict: true`. Options named in `numericOptions` take a
 * following negative number as their value (`--priority -5`, `-t -5`), as the original's argparse
 * did; node's parseArgs would call that ambiguous, and the checks below say what is wrong instead.
 *
 * @example parseCommandLine(["/x", "--priority", "5"], { priority: { type: "string" } }, ["priority"])
 */
export function parseCommandLine(
  argv: readonly string[],
  options: OptionSpecs,
  numericOptions: readonly string[] = [],
): ParsedCommandLine {
  const args = joinNegativeNumbers(argv, options, numericOptions);
  const { values, positionals, tokens } = parseArgs({
    args,
    options: { ...options, ...JSON_OPTION },
    allowPositionals: true,
    strict: true,
    tokens: true,
  });
  return { values, positionals, tokens, json: values.json === true };
}

function joinNegativeNumbers(
  argv: readonly string[],
  options: OptionSpecs,
  numericOptions: readonly string[],
): string[] {
  const spellings = new Map<string, string>();
  for (const name of numericOptions) {
    spellings.set(`--${name}`, name);
    const short = options[name]?.short;
    if (short !== undefined) spellings.set(`-${short}`, name);
  }
  const args: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string;
    if (arg === "--") {
      args.push(...argv.slice(index));
      break;
    }
    const name = spellings.get(arg);
    const next = argv[index + 1];
    if (name !== undefined && next !== undefined && /^-\d/.test(next)) {
      args.push(`--${name}=${next}`);
      index++;
    } else {
      args.push(arg);
    }
  }
  return args;
}

/**
 * Exactly the positional arguments named in `names` (e.g. ["FOLDER", "TAPE"]).
 *
 * @example const [folder, tape] = exactPositionals("archive", positionals, ["FOLDER", "TAPE"]);
 */
export function exactPositionals(
  verb: string,
  positionals: readonly string[],
  names: readonly string[],
): string[] {
  if (positionals.length < names.length) {
    const missing = names.slice(positionals.length);
    throw new CliUsageError(
      verb,
      `pytarchive ${verb} needs ${names.join(" and ")}; ${missing.join(" and ")} ${missing.length === 1 ? "is" : "are"} missing.`,
    );
  }
  if (positionals.length > names.length) {
    throw new CliUsageError(
      verb,
      `Unexpected argument '${positionals[names.length]}': pytarchive ${verb} takes ${names.join(" and ")}${names.length === 0 ? "no arguments" : ""}.`,
      {
        hint: `Put a value with spaces in quotes, e.g. "my description". Run \`pytarchive ${verb} --help\` for usage.`,
      },
    );
  }
  return [...positionals];
}

/**
 * The path without repeated or trailing slashes, or a usage error when it is relative or has
 * `.` or `..` parts: the service runs elsewhere, with another working directory, so only full
 * real paths are accepted (as the original required).
 *
 * @example absolutePathOrThrow("archive", "FOLDER", "/data//x/", "/home/op") // "/data/x"
 */
export function absolutePathOrThrow(
  verb: string,
  what: string,
  value: string,
  cwd: string,
): string {
  if (value.trim() === "") {
    throw new CliUsageError(verb, `${what} is empty: give the full path of a folder.`);
  }
  if (!value.startsWith("/")) {
    throw new CliUsageError(
      verb,
      `${what} must be a full path starting with /, e.g. /full/path/to/folder; '${value}' is a relative path.`,
      {
        hint: `Give the full path (from ${cwd} that would be ${path.posix.resolve(cwd, value)}).`,
      },
    );
  }
  const parts = value.split("/").filter((part) => part !== "");
  if (parts.some((part) => part === "." || part === "..")) {
    throw new CliUsageError(
      verb,
      `${what} '${value}' has '.' or '..' parts; give the folder's real full path.`,
      {
        hint: `Without the dots it is ${path.posix.resolve(value)} (\`realpath\` prints a folder's real path).`,
      },
    );
  }
  return `/${parts.join("/")}`;
}

const INTEGER = /^[+-]?\d+$/;

/**
 * The value of `--priority` as an integer, or undefined when not given (the service then uses
 * the verb's default). Lower runs first.
 *
 * @example priorityOrThrow("archive", "50", 100) // 50
 */
export function priorityOrThrow(
  verb: string,
  value: string | undefined,
  defaultPriority: number,
): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  const parsed = Number(trimmed);
  if (!INTEGER.test(trimmed) || !Number.isSafeInteger(parsed)) {
    throw new CliUsageError(verb, `--priority must be an integer, not '${value}'.`, {
      hint: `Lower runs first; the default for ${verb} is ${defaultPriority}. Example: --priority ${Math.max(defaultPriority - 10, 0)}.`,
    });
  }
  return parsed;
}

/**
 * The value of `-t/--time` as whole seconds greater than 0, or undefined when not given.
 *
 * @example positiveSecondsOrThrow("explore", "3600", 600) // 3600
 */
export function positiveSecondsOrThrow(
  verb: string,
  value: string | undefined,
  defaultSeconds: number,
): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  const parsed = Number(trimmed);
  if (!/^\+?\d+$/.test(trimmed) || !Number.isSafeInteger(parsed) || parsed <= 0) {
    throw new CliUsageError(
      verb,
      `--time must be a whole number of seconds greater than 0, not '${value}'.`,
      {
        hint: `Example: -t 3600 keeps the tape exported for an hour; the default is ${defaultSeconds} s.`,
      },
    );
  }
  return parsed;
}

const JOB_ID = /^[0-9a-f]{8}$/;

/**
 * Task ids from the command line: several arguments and/or comma-separated lists
 * (`a1b2c3d4,deadbeef`, as the original accepted), lower-cased, each 8 hex digits, without
 * repeats.
 *
 * @example jobIdsOrThrow("requeue", ["A1B2C3D4,deadbeef"]) // ["a1b2c3d4", "deadbeef"]
 */
export function jobIdsOrThrow(verb: string, values: readonly string[]): string[] {
  const ids: string[] = [];
  for (const value of values) {
    for (const part of value.split(",")) {
      const id = part.trim().toLowerCase();
      if (id === "") continue;
      if (!JOB_ID.test(id)) {
        throw new CliUsageError(
          verb,
          `'${part.trim()}' is not a task id: task ids are 8 hex digits, like 3fa2b1c0.`,
          { hint: "`pytarchive queue` lists every task with its id in brackets." },
        );
      }
      if (!ids.includes(id)) ids.push(id);
    }
  }
  return ids;
}

/**
 * A tape barcode as `mtx status` shows it (no spaces, at most 32 characters). A value with `/`
 * is a path given where a tape was expected.
 *
 * @example barcodeOrThrow("archive", "AAK788L9") // "AAK788L9"
 */
export function barcodeOrThrow(verb: string, value: string): string {
  if (value.includes("/")) {
    throw new CliUsageError(
      verb,
      `TAPE must be a tape barcode like AAK788L9, not a path ('${value}').`,
      { hint: "`pytarchive tapes` lists the tapes of the library." },
    );
  }
  if (!/^\S{1,32}$/.test(value)) {
    throw new CliUsageError(
      verb,
      `'${value}' is not a tape barcode: barcodes have 1 to 32 characters and no spaces, like AAK788L9.`,
      { hint: "`pytarchive tapes` lists the tapes of the library." },
    );
  }
  return value;
}

/**
 * A folder name on tape (`archive -t NAME`): one path part, not `.` or `..`, no `/` or NUL.
 *
 * @example nameOnTapeOrThrow("archive", "project_x_2024") // "project_x_2024"
 */
export function nameOnTapeOrThrow(verb: string, value: string): string {
  if (
    value.trim() === "" ||
    value === "." ||
    value === ".." ||
    value.includes("/") ||
    value.includes("\0")
  ) {
    throw new CliUsageError(
      verb,
      `--targetname '${value}' cannot be a folder name on tape: give one name without '/', not '.' or '..'.`,
      {
        hint: "Example: -t project_x_2024. Without -t the name is the folder's last three path parts joined by '_'.",
      },
    );
  }
  return value;
}

/**
 * A subfolder of an archived folder (`restore -s SUB`): relative to that folder, without `..`.
 *
 * @example subfolderOrThrow("restore", "data/raw") // "data/raw"
 */
export function subfolderOrThrow(verb: string, value: string): string {
  const parts = value.split("/");
  if (value.trim() === "" || value.includes("\0") || parts.includes("..")) {
    throw new CliUsageError(
      verb,
      `--subfolder '${value}' is not a subfolder of the archived folder: give its path inside that folder, without '..'.`,
      { hint: "Example: -s results/2024 restores /full/path/to/folder/results/2024 only." },
    );
  }
  return value;
}

/**
 * An e-mail address for `explore -e`: something@somewhere, no spaces.
 *
 * @example emailOrThrow("explore", "op@example.org") // "op@example.org"
 */
export function emailOrThrow(verb: string, value: string): string {
  if (!/^[^@\s]+@[^@\s]+$/.test(value)) {
    throw new CliUsageError(verb, `--email '${value}' is not an e-mail address.`, {
      hint: "Example: -e operator@example.org (the address that is told where to mount the tape).",
    });
  }
  return value;
}
