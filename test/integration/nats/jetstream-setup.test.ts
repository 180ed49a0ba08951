import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { streamNames } from "../../../shared/messages/index.ts";
import { ensureConsumer, ensureKv, ensureStreams } from "../../../shared/nats/ensure-jetstream.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";

/*
 * The services' set-up of streams, consumers and the lease bucket on servers that cannot take
 * them: it says what failed and what to check instead of hanging or crashing.
 */

const servers: TestNatsServer[] = [];
const connections: NatsConnection[] = [];

/** A connection to a new server, closed after the file's tests. */
async function connectToNewServer(options: { jetstream: boolean }): Promise<NatsConnection> {
  const server = await startNatsServer(options);
  servers.push(server);
  const nc = await connect({ servers: server.url });
  connections.push(nc);
  return nc;
}

afterAll(async () => {
  for (const nc of connections) await nc.drain();
  for (const server of servers) await server.dispose();
});

describe("on a server without JetStream", () => {
  let nc: NatsConnection;
  beforeAll(async () => {
    nc = await connectToNewServer({ jetstream: false });
  });

  it("is NATS_JETSTREAM_UNAVAILABLE, saying how to enable it", async () => {
    const jsm = await jetstreamManager(nc, { checkAPI: false, timeout: 2_000 });
    await expect(ensureStreams(jsm, "lib1")).rejects.toMatchObject({
      code: "NATS_JETSTREAM_UNAVAILABLE",
      hint: "Check that the NATS server runs with JetStream enabled (nats-server -js -sd <folder>).",
    });
  });
});

describe("on a server whose streams get in the way", () => {
  let nc: NatsConnection;
  beforeAll(async () => {
    nc = await connectToNewServer({ jetstream: true });
  });

  it("is NATS_STREAM_SETUP_FAILED when another stream already takes the library's subjects", async () => {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: "SOMEONE_ELSE", subjects: ["pyt.lib2.>"] });
    await expect(ensureStreams(jsm, "lib2")).rejects.toMatchObject({
      code: "NATS_STREAM_SETUP_FAILED",
      message: expect.stringMatching(/could not be created or updated: .*overlap/i),
    });
  });

  it("is NATS_CONSUMER_SETUP_FAILED for a consumer that reads outside its stream", async () => {
    const jsm = await jetstreamManager(nc);
    await ensureStreams(jsm, "lib3");
    const stream = streamNames("lib3").work;
    await expect(
      ensureConsumer(jsm, {
        stream,
        durable: "stray",
        filterSubject: "elsewhere.>",
        ackWaitMs: 30_000,
        maxDeliver: 5,
        maxAckPending: 1,
      }),
    ).rejects.toMatchObject({
      code: "NATS_CONSUMER_SETUP_FAILED",
      message: expect.stringContaining(`The consumer stray of stream ${stream} could not be`),
    });
  });

  it("is NATS_KV_SETUP_FAILED when a stream already takes the key-value subjects", async () => {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: "ALL_KV", subjects: ["$KV.>"] });
    await expect(ensureKv(jsm, "lib4")).rejects.toMatchObject({
      code: "NATS_KV_SETUP_FAILED",
      message: expect.stringContaining("The key-value bucket pyt_lib4_leases could not be opened"),
    });
  });
});
