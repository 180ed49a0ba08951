import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ensureCredentialsFile } from "../../services/launcher/embedded-credentials.ts";
import { PytarchiveError } from "../../shared/errors/index.ts";
import { libraryNatsUsers, type NatsUser } from "../../shared/nats/index.ts";

/**
 * Where the credentials files of the users of `libraryIds` go in `folder`: the first library's
 * in `<folder>/<user>.cred` (where a server of one library has them, so a site that adds a
 * library keeps its files), every other's in `<folder>/<library id>/<user>.cred`. Each file
 * holds the user's name on the server (`ltfs`, or `ltfs-zeus`).
 *
 * @example
 * libraryCredentialsFile("/root/nats/credentials", ["hera", "zeus"], "zeus", "ltfs");
 * // "/root/nats/credentials/zeus/ltfs.cred"
 */
export function libraryCredentialsFile(
  folder: string,
  libraryIds: readonly string[],
  libraryId: string,
  user: NatsUser,
): string {
  return libraryId === libraryIds[0]
    ? path.join(folder, `${user}.cred`)
    : path.join(folder, libraryId, `${user}.cred`);
}

/**
 * Makes sure every user of every library in `libraryIds` has its credentials file in `folder`
 * (see {@link libraryCredentialsFile}; 0600, folders 0700) and returns the passwords by user
 * name on the server, as formatNatsServerConfig takes them. A file already there is kept, so
 * passwords stay the same when the configuration is written again (a node or a library added).
 *
 * @example
 * const passwords = ensureLibraryCredentials("/root/nats/credentials", ["hera", "zeus"]);
 * passwords["ltfs-zeus"]; // the password in /root/nats/credentials/zeus/ltfs.cred
 */
export function ensureLibraryCredentials(
  folder: string,
  libraryIds: readonly string[],
): Record<string, string> {
  const users = libraryNatsUsers(libraryIds);
  checkLibraryOrder(folder, libraryIds);
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const passwords: Record<string, string> = {};
  for (const { libraryId, user, name } of users) {
    passwords[name] = ensureCredentialsFile(
      libraryCredentialsFile(folder, libraryIds, libraryId, user),
      name,
      "writing the configuration again writes a new one",
    );
  }
  writeFileSync(path.join(folder, LIBRARIES_FILE), `${libraryIds.join("\n")}\n`, { mode: 0o600 });
  return passwords;
}

/** Beside the credentials: the library ids they were written for, in order, one a line. */
const LIBRARIES_FILE = "libraries";

/**
 * The first library's users have the plain service names whatever its id, so libraries given in
 * another order would hand one library's passwords to another: the order of an earlier run (the
 * `libraries` file) must be kept, new libraries added last.
 */
function checkLibraryOrder(folder: string, libraryIds: readonly string[]): void {
  const file = path.join(folder, LIBRARIES_FILE);
  if (!existsSync(file)) return;
  const before = readFileSync(file, "utf8").split("\n").filter(Boolean);
  if (before.every((id, index) => libraryIds[index] === id)) return;
  throw new PytarchiveError(
    "NATS_CONFIG_INVALID",
    `The credentials in ${folder} were written for the libraries ${before.join(", ")}, in that order; ${libraryIds.join(", ")} were given.`,
    {
      hint: `Give the libraries in the same order as before and new ones last (--library-id ${before.join(" --library-id ")} …): the first library's users have the plain service names, so another order would give its passwords to another library.`,
    },
  );
}
