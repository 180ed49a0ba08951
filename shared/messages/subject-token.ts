import { PytarchiveError } from "../errors/index.ts";

/**
 * Characters allowed in one subject token that we build from names (library id, service, verb, step).
 * NATS itself allows more, but these also fit stream names, consumer names and KV bucket names,
 * and never collide with the wildcards `*` and `>` or the separator `.`.
 */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** True when `value` can be used as one token of a subject and inside stream and bucket names. */
export function isSubjectToken(value: string): boolean {
  return TOKEN_PATTERN.test(value);
}

/**
 * Returns `value` when it is a valid token, or throws INVALID_SUBJECT_TOKEN naming what it is for.
 *
 * @example
 * subjectTokenOrThrow("archive", "command verb"); // "archive"
 * subjectTokenOrThrow("a.b", "command verb"); // throws PytarchiveError INVALID_SUBJECT_TOKEN
 */
export function subjectTokenOrThrow(value: string, what: string): string {
  if (isSubjectToken(value)) return value;
  throw new PytarchiveError(
    "INVALID_SUBJECT_TOKEN",
    `The ${what} ${JSON.stringify(value)} cannot be used in a NATS subject: ` +
      "use 1 to 64 letters, digits, '-' or '_' (no dots, spaces or wildcards).",
  );
}

/**
 * Returns the library id when it is valid, or throws INVALID_LIBRARY_ID with the fix.
 *
 * @example
 * libraryIdOrThrow("lib1"); // "lib1"
 */
export function libraryIdOrThrow(libraryId: string): string {
  if (isSubjectToken(libraryId)) return libraryId;
  throw new PytarchiveError(
    "INVALID_LIBRARY_ID",
    `The library id ${JSON.stringify(libraryId)} cannot be used in NATS subjects and stream names.`,
    {
      hint: "Set `[NATS] library_id` in the configuration to 1 to 64 letters, digits, '-' or '_', e.g. lib1.",
    },
  );
}
