import { readFileSync, statSync } from "node:fs";
import { PytarchiveError } from "../errors/index.ts";

/** User and password of one NATS client. */
export interface NatsCredentials {
  readonly user: string;
  readonly password: string;
}

/**
 * Reads a NATS credentials file. The format is the configuration's own, `key = value` lines:
 *
 * ```
 * # /etc/pytarchive/nats-operator.cred   (chmod 600, owned by root)
 * user = operator
 * password = s3cret with spaces is fine
 * ```
 *
 * Blank lines and lines starting with `#` or `;` are ignored; the value is everything after the
 * first `=`, trimmed (so a password may contain `=` or `#`). The file must not be readable or
 * writable by group or others, since it holds a password.
 *
 * @example
 * const { user, password } = readCredentialsFile("/etc/pytarchive/nats-operator.cred");
 */
export function readCredentialsFile(path: string): NatsCredentials {
  let mode: number;
  let text: string;
  try {
    mode = statSync(path).mode;
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new PytarchiveError(
      "NATS_CREDENTIALS_UNREADABLE",
      `The NATS credentials file ${path} cannot be read: ${(cause as Error).message}.`,
      {
        hint: "Check the credentials file named in the configuration; run the command as the user that owns it (usually root).",
        cause,
      },
    );
  }
  if ((mode & 0o077) !== 0) {
    const shown = (mode & 0o777).toString(8).padStart(4, "0");
    throw new PytarchiveError(
      "NATS_CREDENTIALS_TOO_OPEN",
      `The NATS credentials file ${path} can be accessed by other users (mode ${shown}); it holds a password.`,
      { hint: `Restrict it to its owner: chmod 600 ${path}` },
    );
  }
  return parseCredentials(path, text);
}

function parseCredentials(path: string, text: string): NatsCredentials {
  const values = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const equals = line.indexOf("=");
    if (equals <= 0) {
      throw new PytarchiveError(
        "NATS_CREDENTIALS_INVALID",
        `Line ${index + 1} of the NATS credentials file ${path} is not "key = value".`,
        { hint: "The file holds two lines: `user = NAME` and `password = SECRET`." },
      );
    }
    values.set(line.slice(0, equals).trim().toLowerCase(), line.slice(equals + 1).trim());
  }
  const user = values.get("user");
  const password = values.get("password");
  const missing = [user ? null : "user", password ? null : "password"].filter(
    (key) => key !== null,
  );
  if (user === undefined || user === "" || password === undefined || password === "") {
    throw new PytarchiveError(
      "NATS_CREDENTIALS_INVALID",
      `The NATS credentials file ${path} has no ${missing.join(" and no ")}.`,
      { hint: "The file holds two lines: `user = NAME` and `password = SECRET`." },
    );
  }
  return { user, password };
}
