import { jetstreamManager } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { holdLibraryLease } from "../../../services/changer/library-lease.ts";
import { createLogger } from "../../../shared/logging/index.ts";
import { ensureKv } from "../../../shared/nats/ensure-jetstream.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";

/* The changer's hold on the library after it gave it back: no move may be fenced with it. */

let server: TestNatsServer;
let nc: NatsConnection;
let kv: KV;

beforeAll(async () => {
  server = await startNatsServer();
  nc = await connect({ servers: server.url });
  kv = await ensureKv(await jetstreamManager(nc), "lease1");
});

afterAll(async () => {
  await nc?.drain();
  await server?.dispose();
});

describe("the changer's library lease", () => {
  it("fences moves while held, and refuses with LEASE_RELEASED once given back", async () => {
    const log = createLogger({ service: "changer", stream: { write: () => true } });
    const lease = await holdLibraryLease(kv, {
      key: "changer.lease1",
      holder: "changer@test",
      ttlMs: 30_000,
      log,
    });
    await expect(lease.fence()).resolves.toMatchObject({ holder: "changer@test" });
    await lease.release();
    await expect(lease.fence()).rejects.toMatchObject({
      code: "LEASE_RELEASED",
      message: "The lease changer.lease1 was released.",
    });
  });
});
