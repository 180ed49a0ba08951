import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type NatsConnection, PermissionViolationError } from "@nats-io/nats-core";
import { formatNatsServerConfig } from "../../../infra/nats/nats-server-config.ts";
import { connectNats } from "../../../shared/nats/index.ts";
import { NATS_USERS, type NatsUser } from "../../../shared/nats/nats-users.ts";
import { writeCredentialsFile } from "../../../shared/nats/write-credentials-file.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";

/** A nats-server running the generated configuration, with a credentials file per user. */
export interface AuthorisedServer {
  readonly server: TestNatsServer;
  readonly libraryId: string;
  readonly passwords: Record<NatsUser, string>;
  /** `<folder>/<user>.cred`, mode 0600. */
  credentialsFile(user: NatsUser): string;
  /** Connects as `user` with its credentials file; closed by dispose(). */
  connectAs(user: NatsUser): Promise<NatsConnection>;
  dispose(): Promise<void>;
}

export async function startAuthorisedServer(libraryId = "default"): Promise<AuthorisedServer> {
  const folder = mkdtempSync(join(tmpdir(), "pyt-auth-"));
  const passwords = Object.fromEntries(
    NATS_USERS.map((user) => [user, randomBytes(18).toString("base64url")]),
  ) as Record<NatsUser, string>;
  const configText = formatNatsServerConfig({
    libraryId,
    storeDir: join(folder, "store"),
    // The test helper passes its own address and port on the command line; those win.
    host: "127.0.0.1",
    port: 4222,
    passwords,
  });
  // JetStream is enabled by the configuration itself (the helper's -js -sd would clash with it).
  const server = await startNatsServer({ configText, jetstream: false });
  const credentialsFile = (user: NatsUser) => join(folder, `${user}.cred`);
  for (const user of NATS_USERS) {
    writeCredentialsFile(credentialsFile(user), { user, password: passwords[user] });
  }
  const connections: NatsConnection[] = [];
  return {
    server,
    libraryId,
    passwords,
    credentialsFile,
    connectAs: async (user) => {
      const nc = await connectNats({
        url: server.url,
        credentialsFile: credentialsFile(user),
        name: `test-${user}`,
        reconnect: false,
      });
      connections.push(nc);
      return nc;
    },
    dispose: async () => {
      await Promise.allSettled(connections.map((nc) => nc.close()));
      await server.dispose();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/**
 * The next permission violation the server reports on this connection (nats.js puts publish and
 * subscribe violations on the status stream as `{ type: "error" }`). Call before the action.
 */
export function nextPermissionViolation(
  nc: NatsConnection,
  timeoutMs = 5_000,
): Promise<PermissionViolationError> {
  const statuses = nc.status();
  // nats.js's status iterator can be stopped, though its declared type does not say so.
  const stop = () => (statuses as Partial<{ stop(): void }>).stop?.();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      stop();
      reject(new Error(`no permission violation within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  const violation = (async () => {
    for await (const status of statuses) {
      if (status.type === "error" && status.error instanceof PermissionViolationError) {
        return status.error;
      }
    }
    throw new Error("the connection closed without a permission violation");
  })();
  return Promise.race([violation, timeout]).finally(() => {
    clearTimeout(timer);
    stop();
  });
}

/**
 * Awaits an action the server must refuse and returns the PermissionViolationError behind the
 * refusal. nats.js 3 rejects a request (JetStream publish, API call, KV put) with a RequestError
 * whose `cause` is the PermissionViolationError; the violation is looked for in the cause chain.
 */
export async function refusalOf(action: Promise<unknown>): Promise<PermissionViolationError> {
  try {
    await action;
  } catch (error) {
    for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
      if (cause instanceof PermissionViolationError) return cause;
    }
    throw error;
  }
  throw new Error("the server allowed what it should have refused");
}
