import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishMove, readDriveState } from "../../../services/changer/index.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import {
  type ChangerHarness,
  doneOf,
  eventually,
  newJobId,
  newMoveId,
  type RunningChanger,
  startChangerHarness,
} from "./support.ts";

/*
 * A library that was left with a tape in drive 1 (loaded from slot 2, not mounted), and a move
 * already queued before the changer starts: the changer records the drive first, leaves the
 * tape where it is, and only then takes the move.
 */

let server: TestNatsServer;
let harness: ChangerHarness;
let changer: RunningChanger;
const jobId = newJobId();
const queuedMove = newMoveId("load");

beforeAll(async () => {
  server = await startNatsServer();
  harness = await startChangerHarness(server, {
    drives: 2,
    slots: 6,
    importExportSlots: 1,
    barcodes: ["DDD001L9", "DDD002L9", "DDD003L9"],
    loaded: [{ drive: 1, slot: 2 }],
  });
  await publishMove(harness.js, harness.libraryId, {
    moveId: queuedMove,
    jobId,
    kind: "load",
    barcode: "DDD001L9",
    drive: 0,
  });
  changer = await harness.startChanger("changer-a");
}, 120_000);

afterAll(async () => {
  await harness?.close();
  await server?.dispose();
});

describe("reconcile on start", () => {
  it("records a pre-loaded drive, leaves its tape loaded, and logs what it found", async () => {
    doneOf(await harness.outcomeOf(queuedMove));
    expect(await readDriveState(harness.kv, harness.libraryId, 1)).toMatchObject({
      drive: 1,
      barcode: "DDD002L9",
      full: true,
      sourceSlot: 2,
      mounted: false,
      ltfsPids: [],
      blocked: null,
    });
    expect(
      changer.logs.find(
        (line) =>
          line.msg ===
          "found a tape in a drive, not mounted; left loaded for the scheduler to decide",
      ),
    ).toMatchObject({ level: "info", drive: 1, barcode: "DDD002L9", sourceSlot: 2, ltfsPids: [] });
    expect(changer.logs.find((line) => line.msg === "found an empty drive")).toMatchObject({
      drive: 0,
    });
    expect(
      changer.logs.find((line) => line.msg === "reconciled the library before taking moves"),
    ).toMatchObject({ drives: 2, loaded: 1, mounted: 0, blocked: [] });
    const status = await harness.mtx.status();
    expect(status.drives[1]).toMatchObject({ full: true, barcode: "DDD002L9", sourceSlot: 2 });
  });

  it("reconciles before it takes the move that was already queued", async () => {
    const reconciled = changer.logs.findIndex(
      (line) => line.msg === "reconciled the library before taking moves",
    );
    const moved = changer.logs.findIndex((line) => line.msg === "moved a tape");
    expect(reconciled).toBeGreaterThanOrEqual(0);
    expect(moved).toBeGreaterThan(reconciled);
    expect(harness.runs.map((run) => [run.operation, ...run.args])).toEqual([["load", 1, 0]]);
    expect(await readDriveState(harness.kv, harness.libraryId, 0)).toMatchObject({
      barcode: "DDD001L9",
      sourceSlot: 1,
    });
  });

  it("sends the pre-loaded tape home when the scheduler asks", async () => {
    const done = doneOf(
      await harness.move({
        moveId: newMoveId("unload"),
        jobId,
        kind: "unload",
        barcode: "DDD002L9",
      }),
    );
    expect(done).toMatchObject({
      from: { kind: "drive", drive: 1 },
      to: { kind: "slot", slot: 2, importExport: false },
    });
    await eventually(async () =>
      expect((await harness.mtx.status()).slots[1]).toMatchObject({ barcode: "DDD002L9" }),
    );
  });
});
