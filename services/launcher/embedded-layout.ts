import { join } from "node:path";
import type { NatsUser } from "../../shared/nats/index.ts";
import { embeddedClientFile } from "../../shared/nats/index.ts";

/**
 * Where `npm start` keeps its state, all under the configured state folder:
 *
 *   <state>/launcher.pid               the running launcher's process id (one launcher per folder)
 *   <state>/client.json                how a client on this machine reaches it (embedded-client.ts)
 *   <state>/credentials/<user>.cred    one NATS user and password per service and the operator, 0600
 *   <state>/nats/nats-server.conf      written at every start from shared/nats/permissions.ts, 0600
 *   <state>/nats/nats-server.pid       the embedded nats-server's process id
 *   <state>/nats/jetstream/            JetStream's store (streams, consumers, the lease bucket)
 *   <state>/sim/                       the simulated tape library, when no changer is configured
 */
export interface EmbeddedLayout {
  readonly stateDir: string;
  readonly lockFile: string;
  readonly clientFile: string;
  readonly credentialsDir: string;
  credentialsFile(user: NatsUser): string;
  /** JetStream's store_dir (nats-server adds `jetstream/` inside). */
  readonly natsDir: string;
  readonly natsConfigFile: string;
  readonly natsPidFile: string;
  readonly simulatorDir: string;
}

export function embeddedLayout(stateDir: string): EmbeddedLayout {
  const credentialsDir = join(stateDir, "credentials");
  const natsDir = join(stateDir, "nats");
  return {
    stateDir,
    lockFile: join(stateDir, "launcher.pid"),
    clientFile: embeddedClientFile(stateDir),
    credentialsDir,
    credentialsFile: (user) => join(credentialsDir, `${user}.cred`),
    natsDir,
    natsConfigFile: join(natsDir, "nats-server.conf"),
    natsPidFile: join(natsDir, "nats-server.pid"),
    simulatorDir: join(stateDir, "sim"),
  };
}
