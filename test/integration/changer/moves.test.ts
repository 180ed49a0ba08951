import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getTape } from "../../../services/catalog/db/index.ts";
import { readDriveState } from "../../../services/changer/index.ts";
import type { MtxChanger } from "../../../shared/hardware/mtx/index.ts";
import { MoveRequest } from "../../../shared/messages/changer-moves.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import {
  type ChangerHarness,
  doneOf,
  eventually,
  failedOf,
  newJobId,
  newMoveId,
  type RunningChanger,
  recordingChanger,
  startChangerHarness,
} from "./support.ts";

/*
 * One changer on a simulated 2-drive library with 8 storage slots and one import/export slot
 * (9): data tapes AAA001L9–AAA005L9 in slots 1–5, cleaning tape CLN001L1 in slot 6, slots 7
 * and 8 empty. Moves are published as the scheduler publishes them; outcomes are read from
 * `pyt.<lib>.events.move.done|failed`; every robot command is recorded.
 */

let server: TestNatsServer;
let harness: ChangerHarness;
let changer: RunningChanger;
/** When set, the next load moves the robot and then "crashes" before the move is acknowledged. */
let crashAfterNextLoad = false;
const jobId = newJobId();

function crashingAfterLoad(inner: MtxChanger): MtxChanger {
  return {
    ...inner,
    async load(slot, drive) {
      await inner.load(slot, drive);
      if (crashAfterNextLoad) {
        crashAfterNextLoad = false;
        throw new Error("the changer stopped after the robot moved, before it acknowledged");
      }
    },
  };
}

async function slotOf(barcode: string): Promise<number | null> {
  const status = await harness.mtx.status();
  return status.slots.find((slot) => slot.barcode === barcode)?.index ?? null;
}

async function driveHolding(barcode: string): Promise<number | null> {
  const status = await harness.mtx.status();
  return status.drives.find((drive) => drive.barcode === barcode)?.index ?? null;
}

beforeAll(async () => {
  server = await startNatsServer();
  harness = await startChangerHarness(server, {
    drives: 2,
    slots: 8,
    importExportSlots: 1,
    barcodes: ["AAA001L9", "AAA002L9", "AAA003L9", "AAA004L9", "AAA005L9"],
    cleaning: ["CLN001L1"],
  });
  changer = await harness.startChanger("changer-a", {
    changer: crashingAfterLoad(recordingChanger(harness.mtx, "changer-a", harness.runs)),
  });
  await eventually(async () => {
    expect((await changer.services.health()).changer).toEqual({
      ok: true,
      detail: "inventory recorded",
    });
  });
}, 120_000);

afterAll(async () => {
  await harness?.close();
  await server?.dispose();
});

describe("tape moves on a simulated library", () => {
  it("loads a tape into the drive it was asked for and records the drive's state", async () => {
    const moveId = newMoveId("load");
    const done = doneOf(
      await harness.move({ moveId, jobId, kind: "load", barcode: "AAA003L9", drive: 0 }),
    );
    expect(done).toMatchObject({
      moveId,
      jobId,
      kind: "load",
      barcode: "AAA003L9",
      from: { kind: "slot", slot: 3, importExport: false },
      to: { kind: "drive", drive: 0 },
      alreadyInPlace: false,
      homeSlot: 3,
    });
    const status = await harness.mtx.status();
    expect(status.drives[0]).toMatchObject({ full: true, barcode: "AAA003L9", sourceSlot: 3 });
    expect(status.slots[2]).toMatchObject({ index: 3, full: false });
    expect(harness.runs.map((run) => [run.operation, ...run.args])).toEqual([["load", 3, 0]]);
    expect(await readDriveState(harness.kv, harness.libraryId, 0)).toMatchObject({
      drive: 0,
      barcode: "AAA003L9",
      full: true,
      sourceSlot: 3,
      mounted: false,
      blocked: null,
    });
  });

  it("unloads a tape into its home slot even when lower-numbered slots are empty", async () => {
    doneOf(
      await harness.move({
        moveId: newMoveId("load"),
        jobId,
        kind: "load",
        barcode: "AAA001L9",
        drive: 1,
      }),
    );
    // Slot 1 is empty now, and lower than slot 3.
    expect(await slotOf("AAA001L9")).toBeNull();
    const done = doneOf(
      await harness.move({
        moveId: newMoveId("unload"),
        jobId,
        kind: "unload",
        barcode: "AAA003L9",
      }),
    );
    expect(done).toMatchObject({
      from: { kind: "drive", drive: 0 },
      to: { kind: "slot", slot: 3, importExport: false },
      homeSlot: 3,
    });
    expect(await slotOf("AAA003L9")).toBe(3);
    expect((await harness.mtx.status()).slots[0]?.full).toBe(false);
    expect(await readDriveState(harness.kv, harness.libraryId, 0)).toMatchObject({
      barcode: null,
      full: false,
    });
    doneOf(
      await harness.move({
        moveId: newMoveId("unload"),
        jobId,
        kind: "unload",
        barcode: "AAA001L9",
        drive: 1,
      }),
    );
    expect(await slotOf("AAA001L9")).toBe(1);
  });

  it("returns a tape to the catalog's home slot, not to the slot an operator moved it to", async () => {
    // By hand, behind pytarchive's back: slot 2 → slot 7. The catalog still says home is 2.
    await harness.mtx.transfer(2, 7);
    expect((await getTape(harness.database.db, "AAA002L9"))?.homeSlot).toBe(2);
    const loaded = doneOf(
      await harness.move({
        moveId: newMoveId("load"),
        jobId,
        kind: "load",
        barcode: "AAA002L9",
        drive: 0,
      }),
    );
    expect(loaded).toMatchObject({ from: { kind: "slot", slot: 7 }, homeSlot: 2 });
    expect((await harness.mtx.status()).drives[0]?.sourceSlot).toBe(7);
    const unloaded = doneOf(
      await harness.move({
        moveId: newMoveId("unload"),
        jobId,
        kind: "unload",
        barcode: "AAA002L9",
      }),
    );
    expect(unloaded.to).toEqual({ kind: "slot", slot: 2, importExport: false });
    expect(await slotOf("AAA002L9")).toBe(2);
    expect((await harness.mtx.status()).slots[6]?.full).toBe(false);
  });

  it("repeats nothing when a move is delivered again after the robot already moved", async () => {
    const moveId = newMoveId("load");
    const runsBefore = harness.runs.length;
    crashAfterNextLoad = true;
    const done = doneOf(
      await harness.move({ moveId, jobId, kind: "load", barcode: "AAA004L9", drive: 1 }),
    );
    // The first delivery moved the tape and then failed; the redelivery found it in place.
    expect(done).toMatchObject({
      alreadyInPlace: true,
      from: null,
      to: { kind: "drive", drive: 1 },
    });
    expect(harness.runs.slice(runsBefore).map((run) => [run.operation, ...run.args])).toEqual([
      ["load", 4, 1],
    ]);
    expect(await driveHolding("AAA004L9")).toBe(1);
    expect(
      changer.logs.some(
        (line) => line.msg === "step failed; it will be tried again" && line.deliveryCount === 1,
      ),
    ).toBe(true);
    expect(harness.outcomesSeen(moveId)).toHaveLength(1);

    // The scheduler sending the same move again (same moveId) within the window is one move.
    const again = await harness.js.publish(
      `pyt.${harness.libraryId}.changer.move`,
      MoveRequest.encode({ moveId, jobId, kind: "load", barcode: "AAA004L9", drive: 1 }),
      { msgID: moveId },
    );
    expect(again.duplicate).toBe(true);

    // A later unload of the same tape: unloaded once; the repeat finds it home and moves nothing.
    const unload = { jobId, kind: "unload", barcode: "AAA004L9" } as const;
    doneOf(await harness.move({ ...unload, moveId: newMoveId("unload") }));
    const repeat = doneOf(await harness.move({ ...unload, moveId: newMoveId("unload") }));
    expect(repeat).toMatchObject({
      alreadyInPlace: true,
      to: { kind: "slot", slot: 4, importExport: false },
    });
    expect(harness.runs.slice(runsBefore).map((run) => run.operation)).toEqual(["load", "unload"]);
  });

  it("refuses to load a cleaning tape for a job, and moves nothing", async () => {
    const runsBefore = harness.runs.length;
    const failed = failedOf(
      await harness.move({
        moveId: newMoveId("load"),
        jobId,
        kind: "load",
        barcode: "CLN001L1",
        drive: 0,
      }),
    );
    expect(failed).toMatchObject({
      barcode: "CLN001L1",
      drive: 0,
      driveBlocked: false,
      error: {
        code: "CLEANING_TAPE_NOT_LOADABLE",
        message: "Tape CLN001L1 is a cleaning cartridge: the changer never loads one for a job.",
      },
    });
    expect(harness.runs.length).toBe(runsBefore);
    expect(await slotOf("CLN001L1")).toBe(6);
  });

  it("refuses to load from the import/export slot until the tape is imported to a storage slot", async () => {
    // An operator put AAA005L9 into the mail slot (by hand here).
    await harness.mtx.transfer(5, 9);
    const refused = failedOf(
      await harness.move({
        moveId: newMoveId("load"),
        jobId,
        kind: "load",
        barcode: "AAA005L9",
        drive: 0,
      }),
    );
    expect(refused.error.code).toBe("TAPE_IN_IMPORT_EXPORT_SLOT");
    expect(refused.error.message).toContain("import/export slot 9");

    const imported = doneOf(
      await harness.move({
        moveId: newMoveId("import"),
        jobId,
        kind: "transfer",
        barcode: "AAA005L9",
        toSlot: 8,
      }),
    );
    expect(imported).toMatchObject({
      from: { kind: "slot", slot: 9, importExport: true },
      to: { kind: "slot", slot: 8, importExport: false },
      homeSlot: 8,
    });
    await eventually(async () =>
      expect((await getTape(harness.database.db, "AAA005L9"))?.homeSlot).toBe(8),
    );
    doneOf(
      await harness.move({
        moveId: newMoveId("load"),
        jobId,
        kind: "load",
        barcode: "AAA005L9",
        drive: 0,
      }),
    );
    const home = doneOf(
      await harness.move({
        moveId: newMoveId("unload"),
        jobId,
        kind: "unload",
        barcode: "AAA005L9",
      }),
    );
    expect(home.to).toEqual({ kind: "slot", slot: 8, importExport: false });
  });

  it("refuses an unknown tape, a drive that holds another tape and a drive the library lacks", async () => {
    const runsBefore = harness.runs.length;
    const unknown = failedOf(
      await harness.move({
        moveId: newMoveId("load"),
        jobId,
        kind: "load",
        barcode: "ZZZ999L9",
        drive: 0,
      }),
    );
    expect(unknown.error.code).toBe("TAPE_NOT_IN_LIBRARY");
    doneOf(
      await harness.move({
        moveId: newMoveId("load"),
        jobId,
        kind: "load",
        barcode: "AAA001L9",
        drive: 0,
      }),
    );
    const occupied = failedOf(
      await harness.move({
        moveId: newMoveId("load"),
        jobId,
        kind: "load",
        barcode: "AAA002L9",
        drive: 0,
      }),
    );
    expect(occupied.error.message).toBe(
      "Drive 0 already holds AAA001L9 (loaded from slot 1); it must be unloaded before AAA002L9 can be loaded.",
    );
    const missing = failedOf(
      await harness.move({
        moveId: newMoveId("load"),
        jobId,
        kind: "load",
        barcode: "AAA002L9",
        drive: 5,
      }),
    );
    expect(missing.error.code).toBe("DRIVE_NOT_IN_LIBRARY");
    doneOf(
      await harness.move({
        moveId: newMoveId("unload"),
        jobId,
        kind: "unload",
        barcode: "AAA001L9",
      }),
    );
    expect(harness.runs.slice(runsBefore).map((run) => [run.operation, ...run.args])).toEqual([
      ["load", 1, 0],
      ["unload", 0, 1],
    ]);
  });
});
