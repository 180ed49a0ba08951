/**
 * Writes what docker-compose.yml needs from the host before its first start:
 * `infra/compose/secrets/<user>.cred` for every NATS user (0600; a file written before is kept, so
 * passwords survive a re-run) and `infra/compose/secrets/nats-server.conf`, the NATS users and
 * permissions with those passwords (the same generator `npm start` uses).
 *
 *   npx tsx infra/compose/write-secrets.ts [--library-id ID] [--dir DIR]
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { libraryIdOrThrow } from "../../shared/messages/index.ts";
import {
  NATS_USERS,
  type NatsUser,
  readCredentialsFile,
  writeCredentialsFile,
} from "../../shared/nats/index.ts";
import { writeNatsServerConfig } from "../nats/nats-server-config.ts";

/** Where docker-compose.yml expects the files: beside this script, in `secrets/` (gitignored). */
export const DEFAULT_SECRETS_DIR = fileURLToPath(new URL("./secrets", import.meta.url));

/** JetStream store inside the nats container (a named volume in docker-compose.yml). */
const NATS_STORE_IN_CONTAINER = "/data";

export interface WrittenSecrets {
  readonly credentialFiles: Readonly<Record<NatsUser, string>>;
  readonly natsServerConfig: string;
}

/** Writes (or keeps) every credentials file and rewrites the nats-server configuration. */
export function writeComposeSecrets(dir: string, libraryId: string): WrittenSecrets {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const passwords = {} as Record<NatsUser, string>;
  const credentialFiles = {} as Record<NatsUser, string>;
  for (const user of NATS_USERS) {
    const file = join(dir, `${user}.cred`);
    if (existsSync(file)) {
      passwords[user] = readCredentialsFile(file).password;
    } else {
      passwords[user] = randomBytes(24).toString("base64url");
      writeCredentialsFile(file, { user, password: passwords[user] });
    }
    credentialFiles[user] = file;
  }
  const natsServerConfig = writeNatsServerConfig({
    file: join(dir, "nats-server.conf"),
    libraryId,
    storeDir: NATS_STORE_IN_CONTAINER,
    host: "0.0.0.0",
    port: 4222,
    passwords,
    preface: [
      "Written by infra/compose/write-secrets.ts for docker-compose.yml; passwords as in the .cred files beside it.",
    ],
  });
  return { credentialFiles, natsServerConfig };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values } = parseArgs({
    options: {
      "library-id": { type: "string", default: "default" },
      dir: { type: "string", default: DEFAULT_SECRETS_DIR },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(
      "usage: npx tsx infra/compose/write-secrets.ts [--library-id ID] [--dir DIR]\n" +
        "Writes one NATS credentials file per service and the nats-server.conf that docker-compose.yml mounts.\n",
    );
  } else {
    const written = writeComposeSecrets(
      resolve(values.dir),
      libraryIdOrThrow(values["library-id"]),
    );
    process.stdout.write(
      `wrote ${written.natsServerConfig} and ${NATS_USERS.length} credentials files\n`,
    );
  }
}
