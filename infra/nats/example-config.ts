/**
 * Prints infra/nats/nats-server.conf, the documented example for library `default`:
 *
 *   npx tsx infra/nats/example-config.ts > infra/nats/nats-server.conf
 *
 * A test checks that the committed file is exactly this output.
 */
import { pathToFileURL } from "node:url";
import { NATS_USERS, type NatsUser } from "../../shared/nats/index.ts";
import { formatNatsServerConfig } from "./nats-server-config.ts";

/** The example's placeholder passwords: `CHANGE-ME-<user>`. */
export const EXAMPLE_PASSWORDS = Object.fromEntries(
  NATS_USERS.map((user) => [user, `CHANGE-ME-${user}`]),
) as Record<NatsUser, string>;

/** The text of infra/nats/nats-server.conf. */
export function exampleNatsServerConfig(): string {
  return formatNatsServerConfig({
    libraryId: "default",
    storeDir: "/var/lib/nats-server",
    host: "0.0.0.0",
    port: 4222,
    passwords: EXAMPLE_PASSWORDS,
    preface: [
      "EXAMPLE for a NATS server shared by several hosts (systemd's nats-server, or docker-compose).",
      "`npm start` does not use this file: it writes its own into <state_dir>/nats/ with generated",
      "passwords. To use this one: replace every CHANGE-ME password (e.g. `openssl rand -base64 24`),",
      "put each user's name and password into a 0600 credentials file on the host that runs it",
      "(`user = …` / `password = …`, named by `[NATS] credentials_file`), and for another library id",
      "regenerate it: every subject and stream name carries the id. Across a network, add TLS.",
      "Regenerate: npx tsx infra/nats/example-config.ts > infra/nats/nats-server.conf",
    ],
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.stdout.write(exampleNatsServerConfig());
}
