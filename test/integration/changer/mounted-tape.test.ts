import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDriveState } from "../../../services/changer/index.ts";
import type { LtfsDrive } from "../../../shared/hardware/ltfs/index.ts";
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
 * A tape mounted with LTFS (the simulator's ltfs: a real mount in /proc/mounts and a daemon that
 * writes the index after umount) must not leave its drive: the changer refuses, moves nothing,
 * and a changer starting meanwhile records the drive as loaded and mounted.
 */

let server: TestNatsServer;
let harness: ChangerHarness;
let first: RunningChanger;
let drive0: LtfsDrive;
const jobId = newJobId();

beforeAll(async () => {
  server = await startNatsServer();
  harness = await startChangerHarness(server, {
    drives: 2,
    slots: 6,
    importExportSlots: 1,
    barcodes: ["BBB001L9", "BBB002L9", "BBB003L9"],
    capacityMiB: 64,
  });
  drive0 = ltfsDriveOf(harness, 0);
  first = await harness.startChanger("changer-a");
  await eventually(async () =>
    expect((await first.services.health()).changer?.detail).toBe("inventory recorded"),
  );
}, 120_000);

afterAll(async () => {
  await releaseMount(drive0);
  await harness?.close();
  await server?.dispose();
});

describe("a tape mounted with LTFS", () => {
  it("is not unloaded while mounted: TAPE_STILL_MOUNTED, and the robot is not asked", async () => {
    doneOf(
      await harness.move({
        moveId: newMoveId("load"),
        jobId,
        kind: "load",
        barcode: "BBB002L9",
        drive: 0,
      }),
    );
    await drive0.format({ volumeSerial: "BBB002" });
    await drive0.mount();
    const runsBefore = harness.runs.length;

    const failed = failedOf(
      await harness.move({
        moveId: newMoveId("unload"),
        jobId,
        kind: "unload",
        barcode: "BBB002L9",
      }),
    );
    expect(failed).toMatchObject({
      barcode: "BBB002L9",
      drive: 0,
      driveBlocked: false,
      error: {
        code: "TAPE_STILL_MOUNTED",
        message: expect.stringMatching(
          /^Tape BBB002L9 in drive 0 is still mounted at .*\/mnt\/0 \(ltfs:.*\); it is not unloaded while mounted\.$/,
        ),
        hint: expect.stringContaining("waits until LTFS has written the index"),
      },
    });
    expect(harness.runs.length).toBe(runsBefore);
    expect((await harness.mtx.status()).drives[0]).toMatchObject({ barcode: "BBB002L9" });
  });

  it("is recorded as loaded and mounted by a changer that starts meanwhile", async () => {
    await first.stop();
    const second = await harness.startChanger("changer-b");
    await eventually(async () =>
      expect((await second.services.health()).changer?.detail).toBe("inventory recorded"),
    );
    const state = await readDriveState(harness.kv, harness.libraryId, 0);
    expect(state).toMatchObject({
      drive: 0,
      barcode: "BBB002L9",
      full: true,
      sourceSlot: 2,
      mounted: true,
      blocked: null,
    });
    expect(state?.ltfsPids.length).toBeGreaterThan(0);
    const found = second.logs.find(
      (line) =>
        line.msg === "found a tape in a drive, still mounted or held by LTFS; left as it is",
    );
    expect(found).toMatchObject({ level: "warn", drive: 0, barcode: "BBB002L9", sourceSlot: 2 });
    expect(await readDriveState(harness.kv, harness.libraryId, 1)).toMatchObject({
      barcode: null,
      full: false,
      mounted: false,
    });
  });

  it("goes home once unmounted and LTFS has exited", async () => {
    const unmounted = await drive0.unmount();
    expect(unmounted.wasMounted).toBe(true);
    const done = doneOf(
      await harness.move({
        moveId: newMoveId("unload"),
        jobId,
        kind: "unload",
        barcode: "BBB002L9",
      }),
    );
    expect(done.to).toEqual({ kind: "slot", slot: 2, importExport: false });
    expect((await harness.mtx.status()).slots[1]).toMatchObject({
      full: true,
      barcode: "BBB002L9",
    });
    expect(harness.runs.filter((run) => run.operation === "unload")).toMatchObject([
      { instance: "changer-b", args: [0, 2], ok: true },
    ]);
  });
});
