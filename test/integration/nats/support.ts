import { randomBytes } from "node:crypto";
import {
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { createLogger, type Logger } from "../../../shared/logging/index.ts";
import { ensureStreams } from "../../../shared/nats/index.ts";

/** A library id no other test uses, so each test has its own streams on a shared server. */
export function uniqueLibraryId(): string {
  return `t${randomBytes(4).toString("hex")}`;
}

/** A logger whose lines are kept (parsed) for assertions. */
export function captureLogger(service = "test"): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({
    service,
    level: "debug",
    stream: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { log, lines };
}

export interface Client {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
}

/** Connects with fast reconnects (tests restart the server) and ensures the library's streams. */
export async function connectClient(url: string, libraryId?: string): Promise<Client> {
  const nc = await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
  const jsm = await jetstreamManager(nc);
  if (libraryId !== undefined) await ensureStreams(jsm, libraryId);
  return { nc, js: jetstream(nc), jsm };
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Resolves at the connection's next "reconnect" status; call before restarting the server. */
export function nextReconnect(nc: NatsConnection): Promise<void> {
  const statuses = nc.status();
  return (async () => {
    // Leaving the loop ends this status iterator.
    for await (const status of statuses) {
      if (status.type === "reconnect") return;
    }
  })();
}
