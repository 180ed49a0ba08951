import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { PytarchiveError } from "../../shared/errors/index.ts";
import {
  NATS_USERS,
  type NatsUser,
  readCredentialsFile,
  writeCredentialsFile,
} from "../../shared/nats/index.ts";
import type { EmbeddedLayout } from "./embedded-layout.ts";

/**
 * Makes sure every NATS user has a credentials file in `<state>/credentials/` (0600, folder
 * 0700) and returns every password. A file written by an earlier start is kept, so passwords stay
 * the same across restarts and a CLI that read the operator's file keeps working; a missing one
 * gets a new random password (24 random bytes, base64url).
 *
 * @example
 * const passwords = ensureEmbeddedCredentials(embeddedLayout("/var/lib/pytarchive"));
 */
export function ensureEmbeddedCredentials(layout: EmbeddedLayout): Record<NatsUser, string> {
  mkdirSync(layout.credentialsDir, { recursive: true, mode: 0o700 });
  const passwords: Partial<Record<NatsUser, string>> = {};
  for (const user of NATS_USERS) {
    passwords[user] = ensureCredentialsFile(
      layout.credentialsFile(user),
      user,
      "the next `npm start` writes a new one",
    );
  }
  return passwords as Record<NatsUser, string>;
}

/**
 * The password of NATS user `name` from its credentials `file`, kept when the file exists, or a
 * new random one (24 random bytes, base64url) written there (0600, folders 0700). A file that
 * holds another user's credentials is refused (EMBEDDED_CREDENTIALS_MISMATCH); `rewrite` says
 * what writes a new one once it is deleted.
 *
 * @example
 * ensureCredentialsFile("/root/nats/credentials/zeus/ltfs.cred", "ltfs-zeus", "running the script again writes a new one");
 */
export function ensureCredentialsFile(file: string, name: string, rewrite: string): string {
  if (existsSync(file)) {
    const stored = readCredentialsFile(file);
    if (stored.user !== name) {
      throw new PytarchiveError(
        "EMBEDDED_CREDENTIALS_MISMATCH",
        `${file} holds the credentials of user "${stored.user}", not "${name}".`,
        { hint: `Delete ${file}; ${rewrite}.` },
      );
    }
    return stored.password;
  }
  const password = randomBytes(24).toString("base64url");
  writeCredentialsFile(file, { user: name, password });
  return password;
}
