import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDriveState } from "../../../services/changer/index.ts";
import type { LtfsDrive } from "../../../shared/hardware/ltfs/index.ts";
import {
  ClearDriveReply,
  ClearDriveRequest,
  changerSubjects,
} from "../../../shared/messages/changer-moves.ts";
import { request } from "../../../shared/nats/index.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import {
  type ChangerHarness,
  doneOf,
  eventually,
  failedOf,
  ltfsDriveOf,
  newJobId,
  newMoveId,
  type RunningChanger,
  releaseMount,
  startChangerHarness,
} from "./support.ts";

/*
 * Request Sense 53/03 on unload (medium removal prevented), injected in the simulated mtx. The
 * changer reports it with the original's advice; the scheduler's recovery (mount, unmount,
 * unload again once with blockDriveIfRefused) is played here by the test; a second refusal
 * blocks the drive until an operator clears it.
 */

let server: TestNatsServer;
let harness: ChangerHarness;
let changer: RunningChanger;
let drive1: LtfsDrive;
const jobId = newJobId();

async function injectRemovalPrevented(): Promise<void> {
  await harness.simCli("fault", "--state", harness.layout.stateDir, "--mtx-sense", "unload:53/03");
}

async function clearDrive(drive: number) {
  return await request(
    harness.nc,
    changerSubjects(harness.libraryId).clearDrive,
    { drive, by: "test operator" },
    { request: ClearDriveRequest, reply: ClearDriveReply, service: "changer" },
  );
}

beforeAll(async () => {
  server = await startNatsServer();
  harness = await startChangerHarness(server, {
    drives: 2,
    slots: 6,
    importExportSlots: 1,
    barcodes: ["CCC001L9", "CCC002L9"],
    capacityMiB: 64,
  });
  drive1 = ltfsDriveOf(harness, 1);
  changer = await harness.startChanger("changer-a");
  await eventually(async () =>
    expect((await changer.services.health()).changer?.detail).toBe("inventory recorded"),
  );
}, 120_000);

afterAll(async () => {
  await releaseMount(drive1);
  await harness?.close();
  await server?.dispose();
});

describe("an unload refused with medium removal prevented (ASC 53h, ASCQ 03h)", () => {
  it("fails the move with MTX_MEDIUM_REMOVAL_PREVENTED and the original's advice; the tape stays", async () => {
    doneOf(
      await harness.move({
        moveId: newMoveId("load"),
        jobId,
        kind: "load",
        barcode: "CCC001L9",
        drive: 1,
      }),
    );
    await injectRemovalPrevented();
    const failed = failedOf(
      await harness.move({
        moveId: newMoveId("unload"),
        jobId,
        kind: "unload",
        barcode: "CCC001L9",
      }),
    );
    expect(failed).toMatchObject({
      kind: "unload",
      barcode: "CCC001L9",
      drive: 1,
      driveBlocked: false,
      sense: "53/03",
      error: {
        code: "MTX_MEDIUM_REMOVAL_PREVENTED",
        message: expect.stringContaining(
          "Drive 1 would not release its tape into slot 1: medium removal prevented (ASC 53h, ASCQ 03h)",
        ),
        hint: "Mount the tape with LTFS and unmount it again (that releases the drive's lock), then retry. DO NOT POWER CYCLE THE LIBRARY OR YOU MIGHT LOSE DATA.",
      },
    });
    expect(harness.runs.at(-1)).toMatchObject({ operation: "unload", args: [1, 1], ok: false });
    expect((await harness.mtx.status()).drives[1]).toMatchObject({ barcode: "CCC001L9" });
    expect((await readDriveState(harness.kv, harness.libraryId, 1))?.blocked).toBeNull();
  });

  it("after a remount and a second refusal, blocks the drive until an operator clears it", async () => {
    // The scheduler's recovery, as the ltfs service would run it: mount, unmount, unload again once.
    await drive1.format({ volumeSerial: "CCC001" });
    await drive1.mount();
    await drive1.unmount();
    await injectRemovalPrevented();
    const retryId = newMoveId("unload");
    const failed = failedOf(
      await harness.move({
        moveId: retryId,
        jobId,
        kind: "unload",
        barcode: "CCC001L9",
        drive: 1,
        blockDriveIfRefused: true,
      }),
    );
    expect(failed.error.code).toBe("MTX_MEDIUM_REMOVAL_PREVENTED");
    expect(failed.driveBlocked).toBe(true);
    expect(failed.error.hint).toContain("DO NOT POWER CYCLE THE LIBRARY");
    expect(failed.error.hint).toContain(
      `Drive 1 is now blocked and takes no moves until an operator clears it: \`pytarchive clear-drive 1\` (a request on pyt.${harness.libraryId}.changer.clear-drive), then \`pytarchive requeue\` the task.`,
    );
    expect((await readDriveState(harness.kv, harness.libraryId, 1))?.blocked).toMatchObject({
      code: "MTX_MEDIUM_REMOVAL_PREVENTED",
      barcode: "CCC001L9",
      moveId: retryId,
      jobId,
    });
    expect(
      changer.logs.some(
        (line) => line.msg === "drive blocked: it refused to release its tape twice",
      ),
    ).toBe(true);

    const runsBefore = harness.runs.length;
    const intoBlocked = failedOf(
      await harness.move({
        moveId: newMoveId("load"),
        jobId,
        kind: "load",
        barcode: "CCC002L9",
        drive: 1,
      }),
    );
    expect(intoBlocked.error.code).toBe("DRIVE_BLOCKED");
    expect(intoBlocked.error.message).toMatch(
      /^Drive 1 is blocked since .* \(MTX_MEDIUM_REMOVAL_PREVENTED: Drive 1 would not release its tape/,
    );
    const outOfBlocked = failedOf(
      await harness.move({
        moveId: newMoveId("unload"),
        jobId,
        kind: "unload",
        barcode: "CCC001L9",
      }),
    );
    expect(outOfBlocked).toMatchObject({ drive: 1, error: { code: "DRIVE_BLOCKED" } });
    expect(harness.runs.length).toBe(runsBefore);

    // The other drive keeps working.
    doneOf(
      await harness.move({
        moveId: newMoveId("load"),
        jobId,
        kind: "load",
        barcode: "CCC002L9",
        drive: 0,
      }),
    );
  });

  it("takes moves again once cleared: the tape goes home", async () => {
    const cleared = await clearDrive(1);
    expect(cleared).toMatchObject({
      drive: 1,
      wasBlocked: true,
      previousBlock: { code: "MTX_MEDIUM_REMOVAL_PREVENTED", barcode: "CCC001L9" },
    });
    expect(
      changer.logs.find(
        (line) => line.msg === "drive cleared by an operator; it takes moves again",
      ),
    ).toMatchObject({ drive: 1, by: "test operator" });
    expect((await readDriveState(harness.kv, harness.libraryId, 1))?.blocked).toBeNull();
    const done = doneOf(
      await harness.move({
        moveId: newMoveId("unload"),
        jobId,
        kind: "unload",
        barcode: "CCC001L9",
      }),
    );
    expect(done.to).toEqual({ kind: "slot", slot: 1, importExport: false });
    expect(await clearDrive(1)).toEqual({ drive: 1, wasBlocked: false, previousBlock: null });
  });
});
