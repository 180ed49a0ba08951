import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Type } from "@sinclair/typebox";
import { PytarchiveError } from "../errors/index.ts";
import { defineMessage, type MessageType } from "../messages/index.ts";

/** Name of the file, in the state folder, where `npm start` tells clients how to reach it. */
export const EMBEDDED_CLIENT_FILE = "client.json";

/**
 * What a client on this machine needs to reach the embedded NATS server started by `npm start`:
 *
 * ```json
 * { "natsUrl": "nats://127.0.0.1:14222",
 *   "credentialsFile": "/var/lib/pytarchive/credentials/operator.cred",
 *   "libraryId": "default", "launcherPid": 4242, "startedAt": "2026-11-26T10:00:00.000Z",
 *   "simulatedLibrary": "/var/lib/pytarchive/sim" }
 * ```
 *
 * `credentialsFile` is the operator's (0600, owned by whoever ran `npm start`);
 * `simulatedLibrary` is the simulated tape library's folder, or null when a real changer is used.
 */
export const EmbeddedClientSettings = defineMessage(
  "embedded client settings",
  Type.Object({
    natsUrl: Type.String({ minLength: 1 }),
    credentialsFile: Type.String({ minLength: 1 }),
    libraryId: Type.String({ minLength: 1 }),
    launcherPid: Type.Integer({ minimum: 1 }),
    startedAt: Type.String({ minLength: 1 }),
    simulatedLibrary: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
  }),
);
export type EmbeddedClientSettings = MessageType<typeof EmbeddedClientSettings>;

/** `<stateDir>/client.json`. */
export function embeddedClientFile(stateDir: string): string {
  return join(stateDir, EMBEDDED_CLIENT_FILE);
}

/**
 * Writes `<stateDir>/client.json` (mode 0644: it names the credentials file but holds no
 * secret), replacing it in one step. Returns the file name.
 *
 * @example
 * writeEmbeddedClientSettings(config.paths.stateDir, { natsUrl, credentialsFile, libraryId, launcherPid: process.pid, startedAt, simulatedLibrary: null });
 */
export function writeEmbeddedClientSettings(
  stateDir: string,
  settings: EmbeddedClientSettings,
): string {
  const file = embeddedClientFile(stateDir);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o644 });
  renameSync(temporary, file);
  return file;
}

/**
 * Reads `<stateDir>/client.json`, or returns null when there is none (`npm start` never ran with
 * this state folder). A CLI uses it when the configuration names no NATS URL. The file stays
 * after `npm start` stops, so a connection can still fail: say then that pytarchive is not
 * running and that `npm start` starts it.
 *
 * @example
 * const embedded = readEmbeddedClientSettings(config.paths.stateDir);
 * if (embedded) nc = await connectNats({ url: embedded.natsUrl, credentialsFile: embedded.credentialsFile, name: "pytarchive-cli", reconnect: false });
 */
export function readEmbeddedClientSettings(stateDir: string): EmbeddedClientSettings | null {
  const file = embeddedClientFile(stateDir);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new PytarchiveError(
      "EMBEDDED_CLIENT_UNREADABLE",
      `${file} cannot be read: ${(cause as Error).message}.`,
      { hint: "Run the command as the user that ran `npm start` (usually root).", cause },
    );
  }
  try {
    return EmbeddedClientSettings.decode(bytes);
  } catch (cause) {
    throw new PytarchiveError(
      "EMBEDDED_CLIENT_INVALID",
      `${file} is not what \`npm start\` writes: ${(cause as Error).message}.`,
      { hint: `Restart pytarchive with \`npm start\`; it rewrites ${file}.`, cause },
    );
  }
}
