import { hasControlCharacters } from "../../shared/format/index.ts";
import { GATEWAY_ERROR_CODES as CODES, gatewayError } from "./gateway-errors.ts";

/*
 * Pure checks of command arguments: each returns the normalised value or throws a PytarchiveError
 * whose message names the argument and what was wrong, and whose hint says what to type instead.
 */

/** Priorities run from 0 (first) to this; the defaults are 0, 20, 100 and 200. */
export const PRIORITY_MAX = 1_000;

/** LTFS, like most file systems, limits one name to 255 bytes. */
const NAME_MAX_BYTES = 255;

/** Linux's PATH_MAX: no path longer than this can be opened. */
export const PATH_MAX_BYTES = 4_096;

/** A folder's description is a line in `summary` and in mails, not a document. */
export const DESCRIPTION_MAX_CHARS = 1_000;

/** Barcodes are 6-8 characters on LTO labels; mtx reports volume tags of up to 32. */
const BARCODE_MAX_CHARS = 32;

/** RFC 5321's limit on a mail address. */
const EMAIL_MAX_CHARS = 254;

/** How long `explore` may export a tape when `[Export] max_seconds` does not say: 7 days. */
export const DEFAULT_EXPLORE_MAX_SECONDS = 7 * 24 * 3600;

/** Drive element numbers are 16-bit in SCSI. */
const DRIVE_MAX = 65_535;

/** A value as messages quote it: JSON-escaped (control characters visible) and cut to 80 characters. */
export function quoted(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

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
  if (Buffer.byteLength(value) > PATH_MAX_BYTES) {
    throw gatewayError(
      CODES.invalidArgument,
      `The ${what} ${quoted(value)} is longer than ${PATH_MAX_BYTES} bytes, the longest path Linux can open.`,
      "Check how the path was typed or pasted.",
    );
  }
  if (!value.startsWith("/")) {
    throw gatewayError(
      CODES.pathNotAbsolute,
      `The ${what} ${quoted(value)} is not an absolute path.`,
      "Give the full path, starting with / (`realpath DIR` prints it), e.g. /srv/projects/alpha.",
    );
  }
  const parts = value.split("/").filter((part) => part !== "");
  if (parts.some((part) => part === "." || part === "..")) {
    throw gatewayError(
      CODES.pathNotAbsolute,
      `The ${what} ${quoted(value)} contains "." or ".." parts.`,
      "Give the folder's real path without . or .. (`realpath DIR` prints it).",
    );
  }
  const long = parts.find((part) => Buffer.byteLength(part) > NAME_MAX_BYTES);
  if (long !== undefined) {
    throw gatewayError(
      CODES.invalidArgument,
      `The ${what} has a part longer than ${NAME_MAX_BYTES} bytes (${quoted(long)}), which no folder name can be.`,
      "Check how the path was typed or pasted.",
    );
  }
  return `/${parts.join("/")}`;
}

/**
 * A path pytarchive will create (a restore target): besides {@link absolutePathOrThrow}'s rules,
 * no control characters, so that no one is left with a folder whose name moves the cursor.
 */
export function newPathOrThrow(value: string, what: string): string {
  const path = absolutePathOrThrow(value, what);
  if (!hasControlCharacters(path)) return path;
  throw gatewayError(
    CODES.invalidArgument,
    `The ${what} ${quoted(value)} contains control characters; pytarchive does not create such names.`,
    "Give a path of printable characters, e.g. /srv/restore/alpha.",
  );
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
            : hasControlCharacters(name)
              ? "contains control characters"
              : Buffer.byteLength(name) > NAME_MAX_BYTES
                ? `is longer than ${NAME_MAX_BYTES} bytes`
                : null;
  if (problem === null) return name;
  throw gatewayError(
    CODES.invalidName,
    `The name on tape ${quoted(name)} ${problem}; it must be one folder name.`,
    "Give a plain name with -t, e.g. `-t projects_2021_alpha`, or leave -t out for the default (the last three parts of the path joined by _).",
  );
}

/**
 * A subfolder of an archived folder, relative to it: `a/b`; no `.` or `..` parts, no NUL. A
 * leading `/` is dropped, as the original accepted `-s /a/b` for `a/b`.
 *
 * @example
 * subfolderOrThrow("/2021/alpha/"); // "2021/alpha"
 */
export function subfolderOrThrow(value: string): string {
  const parts = value.split("/").filter((part) => part !== "");
  const problem =
    parts.length === 0
      ? "is empty"
      : parts.some((part) => part === "." || part === "..")
        ? 'contains "." or ".." parts'
        : value.includes("\0")
          ? "contains a NUL character"
          : hasControlCharacters(value)
            ? "contains control characters"
            : Buffer.byteLength(value) > PATH_MAX_BYTES
              ? `is longer than ${PATH_MAX_BYTES} bytes`
              : null;
  if (problem === null) return parts.join("/");
  throw gatewayError(
    CODES.invalidName,
    `The subfolder ${quoted(value)} ${problem}; it must be a path inside the archived folder.`,
    "Give it relative to the archived folder, e.g. `-s 2021/alpha`.",
  );
}

/** A barcode as the library prints it: trimmed and in capitals (`aak788l9` → `AAK788L9`). */
export function barcodeOf(value: string): string {
  const barcode = value.trim().toUpperCase();
  // Labels are printable ASCII without spaces: anything else cannot be a barcode.
  if (/^[\x21-\x7e]+$/.test(barcode) && barcode.length <= BARCODE_MAX_CHARS) return barcode;
  throw gatewayError(
    CODES.invalidArgument,
    `${quoted(value)} is not a tape barcode (up to ${BARCODE_MAX_CHARS} letters and digits).`,
    "Give the barcode as the library shows it, e.g. AAK788L9 (`pytarchive tapes` lists them).",
  );
}

/** A priority from 0 to {@link PRIORITY_MAX} (the schema made it whole). */
export function priorityOrThrow(priority: number | undefined): number | undefined {
  if (priority === undefined || (priority >= 0 && priority <= PRIORITY_MAX)) return priority;
  throw gatewayError(
    CODES.invalidArgument,
    `The priority ${priority} is out of range: use a whole number from 0 to ${PRIORITY_MAX}.`,
    "Lower runs first: prepare 0, explore 20, archive/restore/verify 100, inventory 200.",
  );
}

/** Text that PostgreSQL can store (no NUL characters), of at most `maxBytes` bytes. */
export function textOrThrow(value: string, what: string, maxBytes = PATH_MAX_BYTES): string {
  if (value.includes("\0")) {
    throw gatewayError(
      CODES.invalidArgument,
      `The ${what} contains a NUL character.`,
      "Check how it was typed or pasted.",
    );
  }
  if (Buffer.byteLength(value) <= maxBytes) return value;
  throw gatewayError(
    CODES.invalidArgument,
    `The ${what} ${quoted(value)} is longer than ${maxBytes} bytes.`,
    "Check how it was typed or pasted.",
  );
}

/** One line of text (a path prefix…): no control characters, at most {@link PATH_MAX_BYTES} bytes. */
export function lineOrThrow(value: string, what: string): string {
  if (!hasControlCharacters(value)) return textOrThrow(value, what);
  throw gatewayError(
    CODES.invalidArgument,
    `The ${what} ${quoted(value)} contains control characters.`,
    "Check how it was typed or pasted.",
  );
}

/** A folder's description: one line of at most {@link DESCRIPTION_MAX_CHARS} characters. */
export function descriptionOrThrow(value: string): string {
  if (hasControlCharacters(value)) {
    throw gatewayError(
      CODES.invalidArgument,
      `The description ${quoted(value)} contains control characters (a line break, a tab, an escape…).`,
      'Give it as one line of plain text, e.g. "Project alpha, 2019-2021, PI Smith".',
    );
  }
  if (value.length <= DESCRIPTION_MAX_CHARS) return value;
  throw gatewayError(
    CODES.invalidArgument,
    `The description is ${value.length} characters long; at most ${DESCRIPTION_MAX_CHARS} fit.`,
    "Keep it to a line or two: what the folder is, whose, which years.",
  );
}

/** How long `explore` exports a tape: 1 s to `maxSeconds` (`[Export] max_seconds`). */
export function exploreSecondsOrThrow(seconds: number, maxSeconds: number): number {
  if (Number.isSafeInteger(seconds) && seconds >= 1 && seconds <= maxSeconds) return seconds;
  throw gatewayError(
    CODES.invalidArgument,
    `The time ${seconds} s is out of range: a tape is exported for 1 to ${maxSeconds} seconds.`,
    "Give -t in seconds, e.g. `-t 3600` for an hour; [Export] max_seconds in pytarchive.conf sets the longest.",
  );
}

/** A drive's element number as `pytarchive tapes` shows it (the schema made it whole and ≥ 0). */
export function driveOrThrow(drive: number): number {
  if (drive <= DRIVE_MAX) return drive;
  throw gatewayError(
    CODES.invalidArgument,
    `There is no drive ${drive}: drive numbers go up to ${DRIVE_MAX}.`,
    "`pytarchive tapes` and the failed task's error name the drive, e.g. `pytarchive clear-drive 0`.",
  );
}

/**
 * A task id as `pytarchive queue` prints it: 8 hex digits.
 *
 * @example
 * jobIdOrThrow(" 3FA2B1C0 "); // "3fa2b1c0"
 */
export function jobIdOrThrow(value: string): string {
  const id = value.trim().toLowerCase();
  if (/^[0-9a-f]{8}$/.test(id)) return id;
  throw gatewayError(
    CODES.invalidArgument,
    `${quoted(value)} is not a task id (8 hex digits).`,
    "`pytarchive queue` lists the tasks with their ids, e.g. 3fa2b1c0.",
  );
}

/** A list the user gave, of at most `max` items (each is checked on its own). */
export function listOrThrow<T>(values: readonly T[], what: string, max: number): readonly T[] {
  if (values.length <= max) return values;
  throw gatewayError(
    CODES.invalidArgument,
    `${values.length} ${what} were given; at most ${max} fit in one command.`,
    "Split them over several commands.",
  );
}

/** One mail address, loosely: something@somewhere without spaces or control characters. */
export function emailOrThrow(value: string): string {
  const email = value.trim();
  if (
    email.length <= EMAIL_MAX_CHARS &&
    !hasControlCharacters(email) &&
    /^[^\s@]+@[^\s@]+$/.test(email)
  ) {
    return email;
  }
  throw gatewayError(
    CODES.invalidArgument,
    `${quoted(value)} is not a mail address.`,
    "Give one address with -e, e.g. `-e alice@example.org`.",
  );
}
