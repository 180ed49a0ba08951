import { GATEWAY_ERROR_CODES as CODES, gatewayError } from "./gateway-errors.ts";

/*
 * Pure checks of command arguments: each returns the normalised value or throws a PytarchiveError
 * whose message names the argument and what was wrong, and whose hint says what to type instead.
 */

/** Priorities are stored as PostgreSQL integers; this bound keeps a typo from overflowing them. */
export const PRIORITY_LIMIT = 1_000_000;

/** LTFS, like most file systems, limits one name to 255 bytes. */
const NAME_MAX_BYTES = 255;

/**
 * An absolute path without `.` or `..` parts; repeated and trailing slashes are dropped.
 *
 * @example
 * absolutePathOrThrow("/srv/projects//alpha/", "folder"); // "/srv/projects/alpha"
 * absolutePathOrThrow("projects/alpha", "folder"); // throws PATH_NOT_ABSOLUTE
 */
export function absolutePathOrThrow(value: string, what: string): string {
  if (value.includes("\0")) {
    throw gatewayError(
      CODES.invalidArgument,
      `The ${what} contains a NUL character, which no path can hold.`,
      "Check how the path was typed or pasted.",
    );
  }
  if (!value.startsWith("/")) {
    throw gatewayError(
      CODES.pathNotAbsolute,
      `The ${what} ${JSON.stringify(value)} is not an absolute path.`,
      "Give the full path, starting with / (`realpath DIR` prints it), e.g. /srv/projects/alpha.",
    );
  }
  const parts = value.split("/").filter((part) => part !== "");
  if (parts.some((part) => part === "." || part === "..")) {
    throw gatewayError(
      CODES.pathNotAbsolute,
      `The ${what} ${JSON.stringify(value)} contains "." or ".." parts.`,
      "Give the folder's real path without . or .. (`realpath DIR` prints it).",
    );
  }
  return `/${parts.join("/")}`;
}

/**
 * A folder name on tape: not empty, no `/`, not `.` or `..`, no NUL, at most 255 bytes.
 *
 * @example
 * nameOrThrow("projects_2021_alpha"); // "projects_2021_alpha"
 * nameOrThrow("../etc"); // throws INVALID_NAME
 */
export function nameOrThrow(name: string): string {
  const problem =
    name === ""
      ? "is empty"
      : name.includes("/")
        ? "contains /"
        : name === "." || name === ".."
          ? `is ${JSON.stringify(name)}`
          : name.includes("\0")
            ? "contains a NUL character"
            : Buffer.byteLength(name) > NAME_MAX_BYTES
              ? `is longer than ${NAME_MAX_BYTES} bytes`
              : null;
  if (problem === null) return name;
  throw gatewayError(
    CODES.invalidName,
    `The name on tape ${JSON.stringify(name)} ${problem}; it must be one folder name.`,
    "Give a plain name with -t, e.g. `-t projects_2021_alpha`, or leave -t out for the default (the last three parts of the path joined by _).",
  );
}

/**
 * A subfolder of an archived folder, relative to it: `a/b`; no `.` or `..` parts, no NUL.
 *
 * @example
 * subfolderOrThrow("2021/alpha/"); // "2021/alpha"
 */
export function subfolderOrThrow(value: string): string {
  const parts = value.split("/").filter((part) => part !== "");
  const problem = value.startsWith("/")
    ? "starts with /"
    : parts.length === 0
      ? "is empty"
      : parts.some((part) => part === "." || part === "..")
        ? 'contains "." or ".." parts'
        : value.includes("\0")
          ? "contains a NUL character"
          : null;
  if (problem === null) return parts.join("/");
  throw gatewayError(
    CODES.invalidName,
    `The subfolder ${JSON.stringify(value)} ${problem}; it must be a path inside the archived folder.`,
    "Give it relative to the archived folder, e.g. `-s 2021/alpha`.",
  );
}

/** A barcode as the library prints it: trimmed and in capitals (`aak788l9` → `AAK788L9`). */
export function barcodeOf(value: string): string {
  const barcode = value.trim().toUpperCase();
  if (barcode !== "" && !barcode.includes("\0")) return barcode;
  throw gatewayError(
    CODES.invalidArgument,
    `${JSON.stringify(value)} is not a tape barcode.`,
    "Give the barcode as the library shows it, e.g. AAK788L9 (`pytarchive tapes` lists them).",
  );
}

/** A priority the queue can store: a whole number within ±1,000,000 (the schema made it whole). */
export function priorityOrThrow(priority: number | undefined): number | undefined {
  if (priority === undefined || Math.abs(priority) <= PRIORITY_LIMIT) return priority;
  throw gatewayError(
    CODES.invalidArgument,
    `The priority ${priority} is out of range: use a whole number from -${PRIORITY_LIMIT} to ${PRIORITY_LIMIT}.`,
    "Lower runs first: prepare 0, explore 20, archive/restore/verify 100, inventory 200.",
  );
}

/** Text that PostgreSQL can store: no NUL characters. */
export function textOrThrow(value: string, what: string): string {
  if (!value.includes("\0")) return value;
  throw gatewayError(
    CODES.invalidArgument,
    `The ${what} contains a NUL character.`,
    "Check how it was typed or pasted.",
  );
}

/** One mail address, loosely: something@somewhere without spaces. */
export function emailOrThrow(value: string): string {
  const email = value.trim();
  if (/^[^\s@]+@[^\s@]+$/.test(email)) return email;
  throw gatewayError(
    CODES.invalidArgument,
    `${JSON.stringify(value)} is not a mail address.`,
    "Give one address with -e, e.g. `-e alice@example.org`.",
  );
}
