import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { type NatsConnection, PermissionViolationError, RequestError } from "@nats-io/nats-core";
import { Svcm } from "@nats-io/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { echoService } from "../../../services/runner/echo-service.ts";
import { runServices } from "../../../services/runner/index.ts";
import { defaultConfig } from "../../../shared/config/index.ts";
import { createLogger } from "../../../shared/logging/index.ts";
import {
  DeadLetter,
  JOB_EVENTS,
  JobProgress,
  kvBucketNames,
  streamNames,
  subjects,
  WorkItem,
} from "../../../shared/messages/index.ts";
import {
  connectNats,
  ensureConsumer,
  ensureKv,
  ensureStreams,
  PermanentWorkError,
  publishWork,
  request,
  runWorkConsumer,
  tryAcquireLease,
} from "../../../shared/nats/index.ts";
import { writeCredentialsFile } from "../../../shared/nats/write-credentials-file.ts";
import {
  type AuthorisedServer,
  nextPermissionViolation,
  refusalOf,
  startAuthorisedServer,
  takeMoves,
} from "./support.ts";

const lib = "default";
const s = subjects(lib);
const streams = streamNames(lib);
const encoder = new TextEncoder();

let auth: AuthorisedServer;
let scheduler: NatsConnection;

beforeAll(async () => {
  auth = await startAuthorisedServer(lib);
  scheduler = await auth.connectAs("scheduler");
  // A service user may create the library's streams and lease bucket (any service may start first).
  const jsm = await jetstreamManager(scheduler);
  await ensureStreams(jsm, lib);
  await ensureKv(jsm, lib);
});

afterAll(async () => {
  await auth?.dispose();
});

async function messagesIn(stream: string): Promise<number> {
  const jsm = await jetstreamManager(scheduler);
  return (await jsm.streams.info(stream)).state.messages;
}

/** The JetStream API request `subject` (a pull, a consumer creation…) made by `nc`. */
async function jetStreamApiRequest(nc: NatsConnection, subject: string, body: unknown) {
  return await nc.request(subject, encoder.encode(JSON.stringify(body)), { timeout: 2_000 });
}

async function publishMove(barcode: string): Promise<void> {
  await jetstream(scheduler).publish(s.changerMove, encoder.encode(JSON.stringify({ barcode })));
}

async function takeMovesAsChanger(): Promise<string[]> {
  return await takeMoves(await auth.connectAs("changer"), lib);
}

describe("the operator (CLI) user", () => {
  it("sends a command request and gets the gateway's answer", async () => {
    const gateway = await auth.connectAs("gateway");
    const subscription = gateway.subscribe(s.command("queue"), {
      queue: "q",
      callback: (_error, msg) => {
        msg.respond(encoder.encode(JSON.stringify({ jobs: [] })));
      },
    });
    await gateway.flush();
    const operator = await auth.connectAs("operator");

    const reply = await request(operator, s.command("queue"), {}, { service: "gateway" });

    expect(reply).toEqual({ jobs: [] });
    subscription.unsubscribe();
  });

  it("discovers the gateway's micro-service endpoints through $SRV, as `nats micro info` does", async () => {
    const gateway = await auth.connectAs("gateway");
    const service = await new Svcm(gateway).add({ name: "pytarchive-gateway", version: "0.1.0" });
    service.addEndpoint("summary", {
      subject: s.command("summary"),
      handler: (_error, msg) => {
        msg.respond(encoder.encode('{"tapes":[]}'));
      },
    });
    const operator = await auth.connectAs("operator");
    try {
      const infos = [];
      for await (const info of await new Svcm(operator).client().info("pytarchive-gateway")) {
        infos.push(info);
      }
      expect(infos.map((info) => info.endpoints.map((endpoint) => endpoint.subject))).toEqual([
        ["pyt.default.cmd.summary"],
      ]);
      expect(await request(operator, s.command("summary"), {})).toEqual({ tapes: [] });
    } finally {
      await service.stop();
    }
  });

  it("cannot publish a work item: the server refuses it and the work stream stays empty", async () => {
    const operator = await auth.connectAs("operator");
    const before = await messagesIn(streams.work);
    const violation = nextPermissionViolation(operator);

    operator.publish(s.work("scheduler", "run"), encoder.encode('{"jobId":"3fa2b1c0"}'));

    await expect(violation).resolves.toMatchObject({
      operation: "publish",
      subject: "pyt.default.work.scheduler.run",
    });
    expect(await messagesIn(streams.work)).toBe(before);
  });

  it("cannot publish a tape move, not even through JetStream", async () => {
    const operator = await auth.connectAs("operator");
    const before = await messagesIn(streams.changer);

    const published = jetstream(operator).publish(s.changerMove, encoder.encode("{}"));

    // nats.js rejects the publish's request with a RequestError caused by the violation.
    await expect(published).rejects.toBeInstanceOf(RequestError);
    const violation = await refusalOf(published);
    expect(violation).toBeInstanceOf(PermissionViolationError);
    expect(violation).toMatchObject({ operation: "publish", subject: "pyt.default.changer.move" });
    expect(await messagesIn(streams.changer)).toBe(before);
  });

  it("cannot pull a tape move from the changer's consumer", async () => {
    await publishMove("OPR001L9");
    const operator = await auth.connectAs("operator");

    const pull = jetStreamApiRequest(
      operator,
      `$JS.API.CONSUMER.MSG.NEXT.${streams.changer}.changer`,
      { batch: 1, expires: 1_000_000_000 },
    );

    expect(await refusalOf(pull)).toMatchObject({
      operation: "publish",
      subject: "$JS.API.CONSUMER.MSG.NEXT.PYT_default_CHANGER.changer",
    });
    // The move is still there, for the changer.
    expect(await takeMovesAsChanger()).toEqual(["OPR001L9"]);
  });

  it("cannot create a consumer on the changer stream", async () => {
    const operator = await auth.connectAs("operator");
    const jsm = await jetstreamManager(operator, { checkAPI: false });

    const created = jsm.consumers.add(streams.changer, {
      durable_name: "sneaky",
      filter_subject: s.changerMove,
      ack_policy: AckPolicy.Explicit,
    });

    expect(await refusalOf(created)).toMatchObject({
      operation: "publish",
      subject: "$JS.API.CONSUMER.CREATE.PYT_default_CHANGER.sneaky.pyt.default.changer.move",
    });
  });

  it("cannot subscribe to tape moves as they are published", async () => {
    const operator = await auth.connectAs("operator");
    const subscription = operator.subscribe(s.changerMove);

    const ended = (async () => {
      for await (const _message of subscription) {
        // A message here would mean the operator sees tape moves.
        return "received a move";
      }
      return "closed";
    })();

    await expect(ended).rejects.toMatchObject({
      name: "PermissionViolationError",
      operation: "subscription",
      subject: "pyt.default.changer.move",
    });
  });
});

describe("tape moves", () => {
  it("the gateway cannot pull moves from the changer's consumer, nor make a consumer of its own", async () => {
    await publishMove("GWY001L9");
    const gateway = await auth.connectAs("gateway");
    const jsm = await jetstreamManager(gateway);
    const refusals: string[] = [];
    const attempts: [string, unknown][] = [
      [`$JS.API.CONSUMER.MSG.NEXT.${streams.changer}.changer`, { batch: 1 }],
      [`$JS.API.CONSUMER.INFO.${streams.changer}.changer`, {}],
      [
        `$JS.API.CONSUMER.CREATE.${streams.changer}`,
        { stream_name: streams.changer, config: { ack_policy: "explicit" } },
      ],
      [
        `$JS.API.CONSUMER.DURABLE.CREATE.${streams.changer}.gateway`,
        {
          stream_name: streams.changer,
          config: { durable_name: "gateway", ack_policy: "explicit" },
        },
      ],
    ];
    for (const [subject, body] of attempts) {
      refusals.push(
        `refused: ${(await refusalOf(jetStreamApiRequest(gateway, subject, body))).subject}`,
      );
    }
    const created = jsm.consumers.add(streams.changer, {
      durable_name: "changer",
      filter_subject: s.changerMove,
      ack_policy: AckPolicy.Explicit,
    });

    expect(refusals).toEqual([
      "refused: $JS.API.CONSUMER.MSG.NEXT.PYT_default_CHANGER.changer",
      "refused: $JS.API.CONSUMER.INFO.PYT_default_CHANGER.changer",
      "refused: $JS.API.CONSUMER.CREATE.PYT_default_CHANGER",
      "refused: $JS.API.CONSUMER.DURABLE.CREATE.PYT_default_CHANGER.gateway",
    ]);
    expect((await refusalOf(created)).subject).toBe(
      "$JS.API.CONSUMER.CREATE.PYT_default_CHANGER.changer.pyt.default.changer.move",
    );
    expect(await takeMovesAsChanger()).toEqual(["GWY001L9"]);
  });

  it("the changer receives the moves the scheduler publishes, and acknowledging removes them", async () => {
    await publishMove("CHG001L9");
    await publishMove("CHG002L9");

    expect(await takeMovesAsChanger()).toEqual(["CHG001L9", "CHG002L9"]);
    expect(await messagesIn(streams.changer)).toBe(0);
  });

  it("only the scheduler publishes moves: the ltfs service is refused", async () => {
    const ltfs = await auth.connectAs("ltfs");

    const published = jetstream(ltfs).publish(s.changerMove, encoder.encode("{}"));

    expect(await refusalOf(published)).toMatchObject({
      operation: "publish",
      subject: "pyt.default.changer.move",
    });
  });
});

describe("service users", () => {
  it("a worker takes its own work the scheduler published, and not another service's", async () => {
    const js = jetstream(scheduler);
    await js.publish(s.work("ltfs", "copy"), encoder.encode('{"jobId":"3fa2b1c0"}'));
    const ltfs = await auth.connectAs("ltfs");
    const jsm = await jetstreamManager(ltfs);
    await ensureConsumer(jsm, {
      stream: streams.work,
      durable: "ltfs",
      filterSubject: s.workOf("ltfs"),
      ackWaitMs: 30_000,
      maxDeliver: 5,
      maxAckPending: 1,
    });
    const message = await (await jetstream(ltfs).consumers.get(streams.work, "ltfs")).next();
    expect(message?.subject).toBe("pyt.default.work.ltfs.copy");
    expect(await message?.ackAck()).toBe(true);

    const stealing = jsm.consumers.add(streams.work, {
      durable_name: "ltfs",
      filter_subject: s.workOf("compression"),
      ack_policy: AckPolicy.Explicit,
    });
    expect(await refusalOf(stealing)).toMatchObject({
      operation: "publish",
      subject: "$JS.API.CONSUMER.CREATE.PYT_default_WORK.ltfs.pyt.default.work.compression.>",
    });
  });

  it("a worker runs its queue with the shared work consumer: progress events and dead letters are allowed", async () => {
    const js = jetstream(scheduler);
    await publishWork(js, s.work("compression", "measure"), {
      jobId: "0000c0de",
      step: "measure",
      attempt: 1,
    });
    await publishWork(js, s.work("compression", "measure"), {
      jobId: "0000dead",
      step: "measure",
      attempt: 1,
    });
    const compression = await auth.connectAs("compression");
    const handled: string[] = [];
    const consumer = await runWorkConsumer({
      js: jetstream(compression),
      stream: streams.work,
      durable: "compression",
      filterSubject: s.workOf("compression"),
      message: WorkItem,
      deadLetterSubject: s.deadLetter("compression"),
      progressSubject: s.event(JOB_EVENTS.progress),
      log: createLogger({ service: "compression", stream: { write: () => true } }),
      handler: async (item, context) => {
        handled.push(item.jobId);
        if (item.jobId === "0000dead") {
          throw new PermanentWorkError("FOLDER_NOT_FOUND", "/srv/gone does not exist.");
        }
        await context.progress({ jobId: item.jobId, step: item.step, percent: 50 });
      },
    });
    const jsm = await jetstreamManager(scheduler);
    try {
      const deadline = Date.now() + 10_000;
      while ((await jsm.streams.info(streams.deadLetters)).state.messages === 0) {
        if (Date.now() > deadline) throw new Error("no dead letter arrived");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await consumer.stop();
    }

    expect(handled).toEqual(["0000c0de", "0000dead"]);
    expect(await messagesIn(streams.work)).toBe(0);
    const progress = await jsm.streams.getMessage(streams.events, {
      last_by_subj: s.event(JOB_EVENTS.progress),
    });
    expect(JobProgress.decode(progress?.data ?? new Uint8Array())).toMatchObject({
      jobId: "0000c0de",
      percent: 50,
    });
    const letter = await jsm.streams.getMessage(streams.deadLetters, {
      last_by_subj: s.deadLetter("compression"),
    });
    expect(DeadLetter.decode(letter?.data ?? new Uint8Array())).toMatchObject({
      consumer: "compression",
      error: { code: "FOLDER_NOT_FOUND" },
    });
  });

  it("the changer holds the library's lease; the gateway may not touch it", async () => {
    const changer = await auth.connectAs("changer");
    const leases = await ensureKv(await jetstreamManager(changer), lib);
    const lease = await tryAcquireLease(leases, "changer", "test:1", 10_000);
    expect(lease?.holder).toBe("test:1");

    const gateway = await auth.connectAs("gateway");
    const bucket = await new Kvm(gateway).open(kvBucketNames(lib).leases);
    expect(await refusalOf(bucket.put("changer", "{}"))).toMatchObject({
      operation: "publish",
      subject: "$KV.pyt_default_leases.changer",
    });
    expect((await leases.get("changer"))?.json<{ holder: string }>().holder).toBe("test:1");
  });

  it("the gateway reads what /metrics needs: the streams' consumers and the drive states, read-only", async () => {
    await takeMovesAsChanger(); // makes the changer's durable consumer
    const changer = await auth.connectAs("changer");
    const leases = await ensureKv(await jetstreamManager(changer), lib);
    await leases.put("changer.default.drive.0", JSON.stringify({ drive: 0 }));
    const gateway = await auth.connectAs("gateway");
    const jsm = await jetstreamManager(gateway);
    const consumers: string[] = [];
    for (const stream of [streams.work, streams.changer, streams.events, streams.deadLetters]) {
      for await (const info of jsm.consumers.list(stream)) consumers.push(info.name);
    }
    expect(consumers).toContain("changer");
    const bucket = await new Kvm(gateway).open(kvBucketNames(lib).leases);
    expect((await bucket.get("changer.default.drive.0"))?.json()).toEqual({ drive: 0 });
    expect(await refusalOf(bucket.put("changer.default.drive.0", "{}"))).toMatchObject({
      operation: "publish",
      subject: "$KV.pyt_default_leases.changer.default.drive.0",
    });
    expect(await refusalOf(jsm.consumers.delete(streams.changer, "changer"))).toMatchObject({
      operation: "publish",
    });
  });

  it("the runner starts a service under its own user (the echo service runs as gateway)", async () => {
    const config = defaultConfig({ PYTARCHIVE_LIBRARY_ID: lib });
    const running = await runServices({
      services: [echoService],
      config: {
        ...config,
        nats: {
          ...config.nats,
          url: auth.server.url,
          credentialsFile: auth.credentialsFile("gateway"),
        },
      },
      handleSignals: false,
      logStream: { write: () => true },
    });
    try {
      const operator = await auth.connectAs("operator");
      const reply = await request(operator, s.command("echo"), { tape: "AAK788L9" });
      expect(reply).toEqual({ tape: "AAK788L9" });
    } finally {
      await running.stop();
    }
  });
});

describe("connecting", () => {
  it("refuses a user with a wrong password", async () => {
    const wrong = `${auth.credentialsFile("operator")}.wrong`;
    writeCredentialsFile(wrong, { user: "operator", password: `${auth.passwords.operator}x` });

    await expect(
      connectNats({ url: auth.server.url, credentialsFile: wrong, name: "test", reconnect: false }),
    ).rejects.toMatchObject({
      code: "NATS_AUTH_FAILED",
      message: expect.stringContaining('refused user "operator"'),
      hint: expect.stringContaining(wrong),
    });
    // The same user with the right password gets in.
    const right = await auth.connectAs("operator");
    expect(right.isClosed()).toBe(false);
  });

  it("refuses a client without credentials", async () => {
    await expect(
      connectNats({ url: auth.server.url, name: "test-anonymous", reconnect: false }),
    ).rejects.toMatchObject({ code: "NATS_AUTH_FAILED" });
  });
});
