import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { type NatsConnection, PermissionViolationError } from "@nats-io/nats-core";
import {
  ensureLibraryCredentials,
  libraryCredentialsFile,
} from "../../../infra/nats/library-credentials.ts";
import { formatNatsServerConfig } from "../../../infra/nats/nats-server-config.ts";
import { streamNames, subjects } from "../../../shared/messages/index.ts";
import { connectNats, ensureConsumer } from "../../../shared/nats/index.ts";
import type { NatsUser } from "../../../shared/nats/nats-users.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";

/**
 * A nats-server running the generated configuration for one library or several, with a
 * credentials file per user (infra/nats/library-credentials.ts).
 */
export interface AuthorisedServer {
  readonly server: TestNatsServer;
  /** The first library's id. */
  readonly libraryId: string;
  /** Every user's password, by its name on the server (`ltfs`, `ltfs-zeus`). */
  readonly passwords: Readonly<Record<string, string>>;
  /** The credentials file (0600) of `user` of the first library, or of `libraryId`. */
  credentialsFile(user: NatsUser, libraryId?: string): string;
  /** Connects as `user` (of the first library, or of `libraryId`); closed by dispose(). */
  connectAs(user: NatsUser, libraryId?: string): Promise<NatsConnection>;
  dispose(): Promise<void>;
}

export async function startAuthorisedServer(
  libraryIds: string | readonly string[] = "default",
): Promise<AuthorisedServer> {
  const ids = typeof libraryIds === "string" ? [libraryIds] : libraryIds;
  const [libraryId = "default"] = ids;
  const folder = mkdtempSync(join(tmpdir(), "pyt-auth-"));
  const credentials = join(folder, "credentials");
  const passwords = ensureLibraryCredentials(credentials, ids);
  const configText = formatNatsServerConfig({
    libraryIds: ids,
    storeDir: join(folder, "store"),
    // The test helper passes its own address and port on the command line; those win.
    host: "127.0.0.1",
    port: 4222,
    passwords,
  });
  // JetStream is enabled by the configuration itself (the helper's -js -sd would clash with it).
  const server = await startNatsServer({ configText, jetstream: false });
  const credentialsFile = (user: NatsUser, library = libraryId) =>
    libraryCredentialsFile(credentials, ids, library, user);
  const connections: NatsConnection[] = [];
  return {
    server,
    libraryId,
    passwords,
    credentialsFile,
    connectAs: async (user, library = libraryId) => {
      const nc = await connectNats({
        url: server.url,
        credentialsFile: credentialsFile(user, library),
        name: `test-${user}-${library}`,
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

/**
 * The moves waiting for `library`'s changer, taken (and acknowledged) through the changer's
 * durable consumer by `changer`, a connection of the changer's user.
 */
export async function takeMoves(changer: NatsConnection, library: string): Promise<string[]> {
  await ensureConsumer(await jetstreamManager(changer), {
    stream: streamNames(library).changer,
    durable: "changer",
    filterSubject: subjects(library).changerMove,
    ackWaitMs: 30_000,
    maxDeliver: 5,
    maxAckPending: 1,
  });
  const consumer = await jetstream(changer).consumers.get(streamNames(library).changer, "changer");
  const barcodes: string[] = [];
  for (;;) {
    const message = await consumer.next({ expires: 1_000 });
    if (message === null) break;
    barcodes.push(message.json<{ barcode: string }>().barcode);
    await message.ackAck();
  }
  return barcodes;
}
