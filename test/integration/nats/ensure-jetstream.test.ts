import { AckPolicy, RetentionPolicy } from "@nats-io/jetstream";
import { nanos } from "@nats-io/nats-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kvBucketNames, streamNames, subjects } from "../../../shared/messages/index.ts";
import {
  ensureConsumer,
  ensureKv,
  ensureStream,
  ensureStreams,
} from "../../../shared/nats/index.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import { type Client, connectClient, uniqueLibraryId } from "./support.ts";

let server: TestNatsServer;
let client: Client;

beforeAll(async () => {
  server = await startNatsServer();
  client = await connectClient(server.url);
});

afterAll(async () => {
  await client?.nc.close();
  await server?.dispose();
});

describe("ensureStreams", () => {
  it("creates the four streams of a library with their subjects and retention", async () => {
    const lib = uniqueLibraryId();
    await ensureStreams(client.jsm, lib);
    const names = streamNames(lib);
    const work = await client.jsm.streams.info(names.work);
    const changer = await client.jsm.streams.info(names.changer);
    const events = await client.jsm.streams.info(names.events);
    const deadLetters = await client.jsm.streams.info(names.deadLetters);
    expect(work.config.subjects).toEqual([`pyt.${lib}.work.>`]);
    expect(work.config.retention).toBe(RetentionPolicy.Workqueue);
    expect(changer.config.subjects).toEqual([`pyt.${lib}.changer.move`]);
    expect(changer.config.retention).toBe(RetentionPolicy.Workqueue);
    expect(events.config.subjects).toEqual([`pyt.${lib}.events.>`]);
    expect(events.config.retention).toBe(RetentionPolicy.Limits);
    expect(events.config.max_age).toBe(nanos(30 * 24 * 3600 * 1000));
    expect(deadLetters.config.subjects).toEqual([`pyt.${lib}.dlq.>`]);
    expect(deadLetters.config.max_age).toBe(nanos(90 * 24 * 3600 * 1000));
  });

  it("refuses 3 replicas on a single server in the user's words, and keeps 1", async () => {
    const lib = uniqueLibraryId();
    const refusal = await ensureStreams(client.jsm, lib, { replicas: 3 }).catch(
      (error: unknown) => error,
    );
    expect(refusal).toMatchObject({ code: "NATS_REPLICAS_UNAVAILABLE" });
    expect((refusal as Error).message).toContain("[NATS] replicas = 3");
    expect((refusal as { hint: string }).hint).toContain("[NATS] replicas = 1");
    const kvRefusal = await ensureKv(client.jsm, lib, { replicas: 3 }).catch(
      (error: unknown) => error,
    );
    expect(kvRefusal).toMatchObject({ code: "NATS_REPLICAS_UNAVAILABLE" });
    const streams = await ensureStreams(client.jsm, lib, { replicas: 1 });
    expect(streams.map((info) => info.config.num_replicas)).toEqual([1, 1, 1, 1]);
  });

  it("can run again at every start without touching the streams or their messages", async () => {
    const lib = uniqueLibraryId();
    await ensureStreams(client.jsm, lib);
    await client.js.publish(subjects(lib).event("job.created"), "{}");
    const before = await client.jsm.streams.info(streamNames(lib).events);
    const again = await ensureStreams(client.jsm, lib);
    const after = await client.jsm.streams.info(streamNames(lib).events);
    expect(again.map((info) => info.config.name).sort()).toEqual(
      Object.values(streamNames(lib)).sort(),
    );
    expect(after.created).toBe(before.created);
    expect(after.state.messages).toBe(1);
  });

  it("updates a stream whose settings drifted, keeping its messages", async () => {
    const lib = uniqueLibraryId();
    const name = streamNames(lib).events;
    await client.jsm.streams.add({
      name,
      subjects: [subjects(lib).allEvents],
      retention: RetentionPolicy.Limits,
      max_age: nanos(60_000),
    });
    await client.js.publish(subjects(lib).event("job.created"), "{}");
    await ensureStreams(client.jsm, lib);
    const info = await client.jsm.streams.info(name);
    expect(info.config.max_age).toBe(nanos(30 * 24 * 3600 * 1000));
    expect(info.state.messages).toBe(1);
  });

  it("refuses a stream that exists with another retention, saying how to fix it", async () => {
    const lib = uniqueLibraryId();
    const name = streamNames(lib).work;
    await client.jsm.streams.add({
      name,
      subjects: [subjects(lib).allWork],
      retention: RetentionPolicy.Limits,
    });
    await expect(
      ensureStream(client.jsm, {
        name,
        subjects: [subjects(lib).allWork],
        retention: "workqueue",
        maxAgeMs: 0,
        duplicateWindowMs: 120_000,
        description: "test",
      }),
    ).rejects.toMatchObject({
      code: "NATS_STREAM_CONFLICT",
      message: expect.stringContaining(`stream ${name} exists with limits retention`),
      hint: expect.stringContaining(`nats stream rm ${name}`),
    });
  });
});

describe("ensureConsumer", () => {
  it("creates a durable explicit-ack pull consumer and updates its limits on the next start", async () => {
    const lib = uniqueLibraryId();
    await ensureStreams(client.jsm, lib);
    const spec = {
      stream: streamNames(lib).work,
      durable: "ltfs",
      filterSubject: subjects(lib).workOf("ltfs"),
      ackWaitMs: 2_000,
      maxDeliver: 4,
      maxAckPending: 1,
    };
    const created = await ensureConsumer(client.jsm, spec);
    const same = await ensureConsumer(client.jsm, spec);
    expect(same.created).toBe(created.created);
    expect(created.config.ack_policy).toBe(AckPolicy.Explicit);
    expect(created.config.filter_subject).toBe(`pyt.${lib}.work.ltfs.>`);
    expect(created.config.durable_name).toBe("ltfs");

    const updated = await ensureConsumer(client.jsm, {
      ...spec,
      ackWaitMs: 5_000,
      maxDeliver: 7,
      maxAckPending: 3,
    });
    expect(updated.config.ack_wait).toBe(nanos(5_000));
    expect(updated.config.max_deliver).toBe(7);
    expect(updated.config.max_ack_pending).toBe(3);
    expect(updated.created).toBe(created.created);
  });

  it("refuses to change the filter of an existing consumer, naming the consumer", async () => {
    const lib = uniqueLibraryId();
    await ensureStreams(client.jsm, lib);
    const spec = {
      stream: streamNames(lib).work,
      durable: "ltfs",
      filterSubject: subjects(lib).workOf("ltfs"),
      ackWaitMs: 2_000,
      maxDeliver: 4,
      maxAckPending: 1,
    };
    await ensureConsumer(client.jsm, spec);
    await expect(
      ensureConsumer(client.jsm, { ...spec, filterSubject: subjects(lib).workOf("export") }),
    ).rejects.toMatchObject({
      code: "NATS_CONSUMER_CONFLICT",
      message: expect.stringContaining("consumer ltfs"),
    });
  });
});

describe("ensureKv", () => {
  it("creates the lease bucket once and opens the same bucket afterwards", async () => {
    const lib = uniqueLibraryId();
    const first = await ensureKv(client.jsm, lib);
    await first.put("changer", "x");
    const second = await ensureKv(client.jsm, lib);
    const entry = await second.get("changer");
    expect(entry?.string()).toBe("x");
    const status = await second.status();
    expect(status.bucket).toBe(kvBucketNames(lib).leases);
  });
});
