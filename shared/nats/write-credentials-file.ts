import { chmodSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { NatsCredentials } from "./credentials-file.ts";

/**
 * The text of a credentials file as {@link readCredentialsFile} reads it.
 *
 * @example
 * formatCredentialsFile({ user: "operator", password: "s3cret" });
 * // "# NATS credentials of user operator (pytarchive); keep this file 0600.\nuser = operator\npassword = s3cret\n"
 */
export function formatCredentialsFile(credentials: NatsCredentials): string {
  return [
    `# NATS credentials of user ${credentials.user} (pytarchive); keep this file 0600.`,
    `user = ${credentials.user}`,
    `password = ${credentials.password}`,
    "",
  ].join("\n");
}

/**
 * Writes a credentials file with mode 0600 (its folder is created 0700 when missing), replacing
 * any earlier one in one step so a reader never sees half a file.
 *
 * @example
 * writeCredentialsFile("/var/lib/pytarchive/credentials/operator.cred", { user: "operator", password });
 */
export function writeCredentialsFile(path: string, credentials: NatsCredentials): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, formatCredentialsFile(credentials), { mode: 0o600 });
  // writeFileSync's mode applies only when it creates the file; a leftover temporary keeps its own.
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}
