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
    const file = layout.credentialsFile(user);
    if (existsSync(file)) {
      const stored = readCredentialsFile(file);
      if (stored.user !== user) {
        throw new PytarchiveError(
          "EMBEDDED_CREDENTIALS_MISMATCH",
          `${file} holds the credentials of user "${stored.user}", not "${user}".`,
          { hint: `Delete ${file}; the next \`npm start\` writes a new one.` },
        );
      }
      passwords[user] = stored.password;
    } else {
      const password = randomBytes(24).toString("base64url");
      writeCredentialsFile(file, { user, password });
      passwords[user] = password;
    }
  }
  return passwords as Record<NatsUser, string>;
}
