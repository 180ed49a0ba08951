import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  DeadLetter,
  JOB_EVENTS,
  JobProgress,
  streamNames,
  subjects,
  type WorkItem,
  WorkItem as WorkItemMessage,
} from "../../../shared/messages/index.ts";
import {
  ensureConsumer,
  ensureStreams,
  PermanentWorkError,
  publishWork,
  RetryWorkError,
  type RunningWorkConsumer,
  runWorkConsumer,
  type WorkContext,
} from "../../../shared/nats/index.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import { type Client, captureLogger, connectClient, uniqueLibraryId, waitFor } from "./support.ts";

let server: TestNatsServer;
let client: Client;
const running: RunningWorkConsumer[] = [];

beforeAll(async () => {
  server = await startNatsServer();
  client = await connectClient(server.url);
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((consumer) => consumer.stop()));
});

afterAll(async () => {
  await client?.nc.drain();
  await server?.dispose();
});

interface Delivery {
  item: WorkItem;
  deliveryCount: number;
  at: number;
}

/** A library with streams, and a consumer for its "ltfs" service whose handler the test supplies. */
async function startConsumer(
  handler: (item: WorkItem, context: WorkContext, deliveries: Delivery[]) => Promise<void>,
  settings: {
    ackWaitMs?: number;
    maxDeliver?: number;
    maxAckPending?: number;
    progress?: boolean;
    /** Runs after the streams exist and before the consumer starts. */
    beforeStart?: (lib: string, s: ReturnType<typeof subjects>) => Promise<void>;
  } = {},
) {
  const lib = uniqueLibraryId();
  await ensureStreams(client.jsm, lib);
  const s = subjects(lib);
  await settings.beforeStart?.(lib, s);
  const deliveries: Delivery[] = [];
  const { log, lines } = captureLogger("ltfs");
  const consumer = await runWorkConsumer({
    js: client.js,
    stream: streamNames(lib).work,
    durable: "ltfs",
    filterSubject: s.workOf("ltfs"),
    message: WorkItemMessage,
    deadLetterSubject: s.deadLetter("ltfs"),
    ...(settings.progress ? { progressSubject: s.event(JOB_EVENTS.progress) } : {}),
    ackWaitMs: settings.ackWaitMs ?? 2_000,
    maxDeliver: settings.maxDeliver ?? 3,
    maxAckPending: settings.maxAckPending ?? 1,
    retryDelayMs: () => 100,
    log,
    handler: async (item, context) => {
      deliveries.push({ item, deliveryCount: context.deliveryCount, at: Date.now() });
      await handler(item, context, deliveries);
    },
  });
  running.push(consumer);
  return { lib, s, deliveries, lines, consumer };
}

async function workStreamMessages(lib: string): Promise<number> {
  return (await client.jsm.streams.info(streamNames(lib).work)).state.messages;
}

async function deadLetters(lib: string): Promise<DeadLetter[]> {
  const info = await client.jsm.streams.info(streamNames(lib).deadLetters);
  const letters: DeadLetter[] = [];
  for (
    let seq = info.state.first_seq;
    seq <= info.state.last_seq && info.state.messages > 0;
    seq++
  ) {
    const stored = await client.jsm.streams.getMessage(streamNames(lib).deadLetters, { seq });
    if (stored) letters.push(DeadLetter.decode(stored.data));
  }
  return letters;
}

describe("runWorkConsumer", () => {
  it("hands the decoded item to the handler and acknowledges it, removing it from the work queue", async () => {
    const { lib, s, deliveries } = await startConsumer(async () => {});
    await publishWork(client.js, s.work("ltfs", "copy"), {
      jobId: "3fa2b1c0",
      step: "copy",
      attempt: 1,
    });
    await waitFor("the delivery", () => deliveries.length === 1);
    await waitFor("the work queue to be empty", async () => (await workStreamMessages(lib)) === 0);
    expect(deliveries[0]?.item).toEqual({ jobId: "3fa2b1c0", step: "copy", attempt: 1 });
    expect(deliveries[0]?.deliveryCount).toBe(1);
  });

  it("retries a step that asked for a delay after that delay, then acknowledges it", async () => {
    const { lib, s, deliveries } = await startConsumer(async (_item, context) => {
      if (context.deliveryCount === 1) {
        throw new RetryWorkError("MTX_DEVICE_BUSY", "The library is busy.", { delayMs: 1_500 });
      }
    });
    await publishWork(client.js, s.work("ltfs", "copy"), {
      jobId: "00000001",
      step: "copy",
      attempt: 1,
    });
    await waitFor("the second delivery", () => deliveries.length === 2);
    const [first, second] = deliveries;
    expect(second?.deliveryCount).toBe(2);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(1_400);
    await waitFor("the work queue to be empty", async () => (await workStreamMessages(lib)) === 0);
    expect(await deadLetters(lib)).toEqual([]);
  });

  it("dead-letters at once a message whose last delivery was never acknowledged (WORK_DELIVERIES_EXHAUSTED)", async () => {
    const item = { jobId: "00000003", step: "mount", attempt: 1 };
    const { lib, deliveries } = await startConsumer(async () => {}, {
      ackWaitMs: 1_000,
      maxDeliver: 1,
      beforeStart: async (library, s) => {
        const stream = streamNames(library).work;
        await ensureConsumer(client.jsm, {
          stream,
          durable: "ltfs",
          filterSubject: s.workOf("ltfs"),
          ackWaitMs: 1_000,
          maxDeliver: 2,
          maxAckPending: 1,
        });
        await publishWork(client.js, s.work("ltfs", "mount"), item);
        // A worker took it and stopped without acknowledging it (a crash, a kill -9).
        const taken = await (await client.js.consumers.get(stream, "ltfs")).next();
        expect(taken?.info.deliveryCount).toBe(1);
      },
    });
    const letters = await waitFor("a dead letter", async () => {
      const found = await deadLetters(lib);
      return found.length > 0 ? found : undefined;
    });
    expect(letters[0]).toMatchObject({
      deliveryCount: 2,
      error: {
        code: "WORK_DELIVERIES_EXHAUSTED",
        message:
          "Gave up after 1 deliveries; the last one was never acknowledged (its worker stopped or hung).",
      },
    });
    expect(JSON.parse(letters[0]?.payload ?? "")).toEqual(item);
    expect(deliveries).toEqual([]);
  });

  it("dead-letters a step that keeps failing after maxDeliver deliveries, with the last error", async () => {
    const { lib, s, deliveries, lines } = await startConsumer(
      async (_item, context) => {
        throw new Error(`mount failed on delivery ${context.deliveryCount}`);
      },
      { maxDeliver: 3 },
    );
    await publishWork(client.js, s.work("ltfs", "mount"), {
      jobId: "00000002",
      step: "mount",
      attempt: 1,
    });
    const letters = await waitFor("a dead letter", async () => {
      const found = await deadLetters(lib);
      return found.length > 0 ? found : undefined;
    });
    expect(deliveries.map((d) => d.deliveryCount)).toEqual([1, 2, 3]);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      stream: streamNames(lib).work,
      consumer: "ltfs",
      subject: `pyt.${lib}.work.ltfs.mount`,
      deliveryCount: 3,
      error: { code: "UNEXPECTED_ERROR", message: "Error: mount failed on delivery 3" },
    });
    expect(JSON.parse(letters[0]?.payload ?? "")).toEqual({
      jobId: "00000002",
      step: "mount",
      attempt: 1,
    });
    // term() removed it from the work queue, and nothing is delivered again.
    await waitFor("the work queue to be empty", async () => (await workStreamMessages(lib)) === 0);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(deliveries).toHaveLength(3);
    expect(
      lines.some(
        (line) =>
          line.level === "error" &&
          line.msg === "gave up on a message; it is in the dead-letter stream",
      ),
    ).toBe(true);
  });

  it("dead-letters at once a step that failed permanently", async () => {
    const { lib, s, deliveries } = await startConsumer(async () => {
      throw new PermanentWorkError("TAPE_NOT_IN_LIBRARY", "Tape ZZZ999L9 is not in the library.", {
        hint: "Run `pytarchive summary` to see the tapes.",
      });
    });
    await publishWork(client.js, s.work("ltfs", "load"), {
      jobId: "00000003",
      step: "load",
      attempt: 1,
    });
    const letters = await waitFor("a dead letter", async () => {
      const found = await deadLetters(lib);
      return found.length > 0 ? found : undefined;
    });
    expect(deliveries).toHaveLength(1);
    expect(letters[0]?.error).toEqual({
      code: "TAPE_NOT_IN_LIBRARY",
      message: "Tape ZZZ999L9 is not in the library.",
      hint: "Run `pytarchive summary` to see the tapes.",
    });
    expect(letters[0]?.deliveryCount).toBe(1);
  });

  it("dead-letters a message that does not fit the schema without calling the handler", async () => {
    const { lib, s, deliveries } = await startConsumer(async () => {});
    await client.js.publish(
      s.work("ltfs", "copy"),
      JSON.stringify({ jobId: "XYZ", step: "copy", attempt: 1 }),
    );
    const letters = await waitFor("a dead letter", async () => {
      const found = await deadLetters(lib);
      return found.length > 0 ? found : undefined;
    });
    expect(deliveries).toHaveLength(0);
    expect(letters[0]?.error.code).toBe("MESSAGE_SCHEMA_INVALID");
    expect(letters[0]?.error.message).toContain('jobId: Expected 8 hex digits (got "XYZ")');
  });

  it("keeps a step that runs longer than ackWait from being redelivered (working heartbeat)", async () => {
    const { lib, s, deliveries } = await startConsumer(
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 3_500));
      },
      { ackWaitMs: 1_000, maxAckPending: 2 },
    );
    await publishWork(client.js, s.work("ltfs", "copy"), {
      jobId: "00000004",
      step: "copy",
      attempt: 1,
    });
    await waitFor(
      "the work queue to be empty",
      async () => (await workStreamMessages(lib)) === 0,
      10_000,
    );
    expect(deliveries).toHaveLength(1);
  });

  it("drops a second publish of the same job step and attempt (message id), but not the next attempt", async () => {
    const { lib, s, deliveries } = await startConsumer(async () => {});
    const item = { jobId: "00000005", step: "copy", attempt: 1 };
    const first = await publishWork(client.js, s.work("ltfs", "copy"), item);
    const again = await publishWork(client.js, s.work("ltfs", "copy"), item);
    const requeued = await publishWork(client.js, s.work("ltfs", "copy"), { ...item, attempt: 2 });
    expect(first.duplicate).toBe(false);
    expect(again.duplicate).toBe(true);
    expect(requeued.duplicate).toBe(false);
    await waitFor("two deliveries", () => deliveries.length === 2);
    await waitFor("the work queue to be empty", async () => (await workStreamMessages(lib)) === 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(deliveries.map((d) => d.item.attempt)).toEqual([1, 2]);
  });

  it("publishes progress as job.progress events", async () => {
    const { s } = await startConsumer(
      async (item, context) => {
        await context.progress({
          jobId: item.jobId,
          step: item.step,
          percent: 50,
          text: "half copied",
        });
      },
      { progress: true },
    );
    const received: JobProgress[] = [];
    const subscription = client.nc.subscribe(s.event(JOB_EVENTS.progress), {
      callback: (_error, msg) => {
        received.push(JobProgress.decode(msg.data));
      },
    });
    await client.nc.flush();
    await publishWork(client.js, s.work("ltfs", "copy"), {
      jobId: "00000006",
      step: "copy",
      attempt: 1,
    });
    await waitFor("a progress event", () => received.length === 1);
    subscription.unsubscribe();
    expect(received[0]).toMatchObject({
      jobId: "00000006",
      step: "copy",
      percent: 50,
      text: "half copied",
    });
  });

  it("runs at most maxAckPending steps at once", async () => {
    let active = 0;
    let maxActive = 0;
    const { s, deliveries } = await startConsumer(
      async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise((resolve) => setTimeout(resolve, 200));
        active--;
      },
      { maxAckPending: 2 },
    );
    for (let index = 0; index < 6; index++) {
      await publishWork(client.js, s.work("ltfs", "copy"), {
        jobId: `0000001${index}`,
        step: "copy",
        attempt: 1,
      });
    }
    await waitFor("six deliveries", () => deliveries.length === 6);
    expect(maxActive).toBe(2);
  });

  it("recreates its durable consumer when someone deletes it, and goes on handling work", async () => {
    const { lib, s, deliveries, lines } = await startConsumer(async () => {});
    await publishWork(client.js, s.work("ltfs", "copy"), {
      jobId: "00000008",
      step: "copy",
      attempt: 1,
    });
    await waitFor("the first delivery", () => deliveries.length === 1);
    // Delete only once the ack has removed the item from the work queue: deleted earlier, the
    // ack is lost and the recreated consumer rightly delivers the item again (at least once).
    await waitFor(
      "the first item to be acknowledged",
      async () => (await client.jsm.streams.info(streamNames(lib).work)).state.messages === 0,
    );
    await client.jsm.consumers.delete(streamNames(lib).work, "ltfs");
    await waitFor(
      "the consumer to be recreated",
      async () => {
        try {
          return (
            (await client.jsm.consumers.info(streamNames(lib).work, "ltfs")).config.durable_name ===
            "ltfs"
          );
        } catch {
          return false;
        }
      },
      20_000,
    );
    await publishWork(client.js, s.work("ltfs", "copy"), {
      jobId: "00000009",
      step: "copy",
      attempt: 1,
    });
    await waitFor("the second delivery", () => deliveries.length === 2, 20_000);
    expect(deliveries.map((d) => d.item.jobId)).toEqual(["00000008", "00000009"]);
    expect(
      lines.some((line) => line.msg === "the durable consumer disappeared; recreating it"),
    ).toBe(true);
  });

  it("on stop, aborts the running step's signal and hands the message back for redelivery", async () => {
    let sawAbort = false;
    const { lib, s, deliveries, consumer } = await startConsumer(async (_item, context) => {
      await new Promise<void>((_resolve, reject) => {
        context.signal.addEventListener("abort", () => {
          sawAbort = true;
          reject(new Error("aborted"));
        });
      });
    });
    await publishWork(client.js, s.work("ltfs", "copy"), {
      jobId: "00000007",
      step: "copy",
      attempt: 1,
    });
    await waitFor("the delivery", () => deliveries.length === 1);
    await consumer.stop();
    expect(sawAbort).toBe(true);
    // nak() without delay: still in the stream, not dead-lettered.
    expect(await workStreamMessages(lib)).toBe(1);
    expect(await deadLetters(lib)).toEqual([]);
  });
});
