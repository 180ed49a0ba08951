import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureStreams } from "../../../shared/nats/ensure-jetstream.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";

/* A NATS server started without JetStream: the services' set-up says so instead of hanging. */

let server: TestNatsServer;
let nc: NatsConnection;

beforeAll(async () => {
  server = await startNatsServer({ jetstream: false });
  nc = await connect({ servers: server.url });
});

afterAll(async () => {
  await nc?.drain();
  await server?.dispose();
});

describe("setting up the library's streams", () => {
  it("is NATS_JETSTREAM_UNAVAILABLE on a server without JetStream, saying how to enable it", async () => {
    const jsm = await jetstreamManager(nc, { checkAPI: false, timeout: 2_000 });
    await expect(ensureStreams(jsm, "lib1")).rejects.toMatchObject({
      code: "NATS_JETSTREAM_UNAVAILABLE",
      hint: "Check that the NATS server runs with JetStream enabled (nats-server -js -sd <folder>).",
    });
  });
});
