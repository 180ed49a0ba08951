import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  streamNames,
  subjects,
  type WorkItem,
  WorkItem as WorkItemMessage,
} from "../../../shared/messages/index.ts";
import {
  ensureStreams,
  publishWork,
  type RunningWorkConsumer,
  runWorkConsumer,
} from "../../../shared/nats/index.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import {
  type Client,
  captureLogger,
  connectClient,
  nextReconnect,
  uniqueLibraryId,
  waitFor,
} from "./support.ts";

let server: TestNatsServer;
let client: Client;
let consumer: RunningWorkConsumer | null = null;

beforeAll(async () => {
  server = await startNatsServer();
  client = await connectClient(server.url);
});

afterEach(async () => {
  await consumer?.stop();
  consumer = null;
});

afterAll(async () => {
  await client?.nc.close();
  await server?.dispose();
});

async function startConsumer(lib: string, handled: WorkItem[]): Promise<RunningWorkConsumer> {
  const s = subjects(lib);
  return await runWorkConsumer({
    js: client.js,
    stream: streamNames(lib).work,
    durable: "ltfs",
    filterSubject: s.workOf("ltfs"),
    message: WorkItemMessage,
    deadLetterSubject: s.deadLetter("ltfs"),
    ackWaitMs: 2_000,
    log: captureLogger().log,
    handler: async (item) => {
      handled.push(item);
    },
  });
}

describe("durable work across a NATS server restart", () => {
  it("keeps a queued item through a restart and hands it to the consumer started afterwards", async () => {
    const lib = uniqueLibraryId();
    await ensureStreams(client.jsm, lib);
    await publishWork(client.js, subjects(lib).work("ltfs", "copy"), {
      jobId: "aaaa0001",
      step: "copy",
      attempt: 1,
    });

    const reconnected = nextReconnect(client.nc);
    await server.restart();
    await reconnected;
    expect((await client.jsm.streams.info(streamNames(lib).work)).state.messages).toBe(1);

    const handled: WorkItem[] = [];
    consumer = await startConsumer(lib, handled);
    await waitFor("the item to be handled", () => handled.length === 1);
    expect(handled[0]).toEqual({ jobId: "aaaa0001", step: "copy", attempt: 1 });
  });

  it("keeps a running durable consumer working after the server stops and starts again", async () => {
    const lib = uniqueLibraryId();
    await ensureStreams(client.jsm, lib);
    const handled: WorkItem[] = [];
    consumer = await startConsumer(lib, handled);
    await publishWork(client.js, subjects(lib).work("ltfs", "copy"), {
      jobId: "bbbb0001",
      step: "copy",
      attempt: 1,
    });
    await waitFor("the first item", () => handled.length === 1);

    const reconnected = nextReconnect(client.nc);
    await server.stop();
    await server.start();
    await reconnected;
    await publishWork(client.js, subjects(lib).work("ltfs", "copy"), {
      jobId: "bbbb0002",
      step: "copy",
      attempt: 1,
    });
    await waitFor("the second item to be handled", () => handled.length >= 2, 20_000);
    expect(handled.map((item) => item.jobId)).toEqual(["bbbb0001", "bbbb0002"]);
    const info = await client.jsm.consumers.info(streamNames(lib).work, "ltfs");
    expect(info.config.durable_name).toBe("ltfs");
    await waitFor(
      "the queue to be empty",
      async () => (await client.jsm.streams.info(streamNames(lib).work)).state.messages === 0,
    );
  });

  it("keeps a stored item when the server is killed without a clean shutdown", async () => {
    const lib = uniqueLibraryId();
    await ensureStreams(client.jsm, lib);
    await publishWork(client.js, subjects(lib).work("ltfs", "copy"), {
      jobId: "cccc0001",
      step: "copy",
      attempt: 1,
    });
    const reconnected = nextReconnect(client.nc);
    await server.kill();
    await server.start();
    await reconnected;
    const handled: WorkItem[] = [];
    consumer = await startConsumer(lib, handled);
    await waitFor("the item to be handled", () => handled.length === 1);
    expect(handled[0]?.jobId).toBe("cccc0001");
  });
});
