import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSimulatedLibrary } from "../../../infra/simulator/create-library.ts";
import { createCatalogService } from "../../../services/catalog/index.ts";
import { createChangerService, publishMove } from "../../../services/changer/index.ts";
import { type RunningServices, runServices } from "../../../services/runner/index.ts";
import { parseConfig } from "../../../shared/config/index.ts";
import { expectExit, runCommand } from "../../../shared/exec/index.ts";
import {
  ClearDriveReply,
  ClearDriveRequest,
  changerSubjects,
  MOVE_EVENTS,
  MoveDone,
} from "../../../shared/messages/changer-moves.ts";
import { streamNames, subjects } from "../../../shared/messages/index.ts";
import { ensureConsumer } from "../../../shared/nats/index.ts";
import type { NatsUser } from "../../../shared/nats/nats-users.ts";
import { pgliteDatabaseFactory, type TestCatalogDatabase } from "../../helpers/databases.ts";
import { type AuthorisedServer, refusalOf, startAuthorisedServer } from "../auth/support.ts";
import { eventually, newJobId, newMoveId } from "./support.ts";

/*
 * The changer under the NATS users and permissions of infra/nats-server.conf: it takes the lease,
 * consumes moves and publishes outcomes as the `changer` user; the scheduler user publishes a
 * move and reads its outcome through its own durable consumer on the event stream, as the real
 * scheduler will.
 */

const lib = "permlib";
let auth: AuthorisedServer;
let root: string;
let database: TestCatalogDatabase;
let catalog: RunningServices;
let changer: RunningServices;
let scheduler: NatsConnection;
const changerLogs: Record<string, unknown>[] = [];

async function configFor(user: NatsUser, stateDir: string) {
  const env = expectExit(
    await runCommand(process.execPath, [
      path.resolve("bin/pytarchive-sim.mjs"),
      "env",
      "--state",
      path.join(root, "library"),
    ]),
  ).stdout;
  return parseConfig(
    [
      env,
      "[Paths]",
      `state_dir = ${stateDir}`,
      "[NATS]",
      `url = ${auth.server.url}`,
      `library_id = ${lib}`,
      `credentials_file = ${auth.credentialsFile(user)}`,
      "",
    ].join("\n"),
    `${user}.conf`,
    {},
  );
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-changer-auth-"));
  auth = await startAuthorisedServer(lib);
  await createSimulatedLibrary({
    stateDir: path.join(root, "library"),
    drives: 1,
    slots: 4,
    importExportSlots: 1,
    barcodes: ["FFF001L9", "FFF002L9"],
    moveDelayMs: 0,
  });
  database = await pgliteDatabaseFactory.open();
  catalog = await runServices({
    services: [createCatalogService({ database: database.db })],
    config: await configFor("catalog", path.join(root, "catalog-state")),
    handleSignals: false,
    logStream: { write: () => true },
  });
  changer = await runServices({
    services: [createChangerService({ retryMs: 200, leaseTtlMs: 3_000, ackWaitMs: 3_000 })],
    config: await configFor("changer", path.join(root, "changer-state")),
    handleSignals: false,
    logStream: {
      write: (line: string) => {
        changerLogs.push(JSON.parse(line) as Record<string, unknown>);
        return true;
      },
    },
  });
  scheduler = await auth.connectAs("scheduler");
}, 120_000);

afterAll(async () => {
  await changer?.stop();
  await catalog?.stop();
  await database?.close();
  await auth?.dispose();
  fs.rmSync(root, { recursive: true, force: true });
});

describe("the changer under the NATS permissions", () => {
  it("takes the lease, reconciles and reports healthy as the changer user", async () => {
    await eventually(async () =>
      expect((await changer.health()).changer).toEqual({ ok: true, detail: "inventory recorded" }),
    );
    expect(
      changerLogs.some((line) => line.msg === "reconciled the library before taking moves"),
    ).toBe(true);
  });

  it("performs a move the scheduler publishes; the scheduler reads the outcome from its event consumer", async () => {
    const s = subjects(lib);
    const jsm = await jetstreamManager(scheduler);
    await ensureConsumer(jsm, {
      stream: streamNames(lib).events,
      durable: "scheduler",
      filterSubject: s.allEvents,
      ackWaitMs: 30_000,
      maxDeliver: 5,
      maxAckPending: 100,
    });
    const moveId = newMoveId("load");
    await publishMove(jetstream(scheduler), lib, {
      moveId,
      jobId: newJobId(),
      kind: "load",
      barcode: "FFF002L9",
      drive: 0,
    });
    const events = await jetstream(scheduler).consumers.get(streamNames(lib).events, "scheduler");
    let done: MoveDone | null = null;
    const deadline = Date.now() + 20_000;
    while (done === null && Date.now() < deadline) {
      const message = await events.next({ expires: 1_000 });
      if (message === null) continue;
      if (message.subject === changerSubjects(lib).moveDone) {
        const event = MoveDone.decode(message.data);
        if (event.moveId === moveId) done = event;
      }
      await message.ackAck();
    }
    expect(done).toMatchObject({
      moveId,
      from: { kind: "slot", slot: 2 },
      to: { kind: "drive", drive: 0 },
    });
    expect(s.event(MOVE_EVENTS.done)).toBe(changerSubjects(lib).moveDone);
  });

  it("answers the gateway's clear-drive request, and nobody else's", async () => {
    expect(
      changerLogs.find((line) => line.msg === "cannot answer clear-drive requests"),
    ).toBeUndefined();
    const gateway = await auth.connectAs("gateway");
    const reply = ClearDriveReply.decode(
      (
        await gateway.request(
          changerSubjects(lib).clearDrive,
          ClearDriveRequest.encode({ drive: 0 }),
          {
            timeout: 5_000,
          },
        )
      ).data,
    );
    expect(reply).toMatchObject({ drive: 0, wasBlocked: false, previousBlock: null });
    const scheduler = await auth.connectAs("scheduler");
    const violation = await refusalOf(
      scheduler.request(changerSubjects(lib).clearDrive, ClearDriveRequest.encode({ drive: 0 }), {
        timeout: 2_000,
      }),
    );
    expect(violation).toMatchObject({
      operation: "publish",
      subject: changerSubjects(lib).clearDrive,
    });
    expect((await changer.health()).changer?.ok).toBe(true);
  });
});
