import { jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MtxChanger } from "../../../shared/hardware/mtx/index.ts";
import {
  ClearDriveReply,
  ClearDriveRequest,
  changerSubjects,
  kvBucketNames,
} from "../../../shared/messages/index.ts";
import { request } from "../../../shared/nats/index.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import {
  type ChangerHarness,
  eventually,
  failedOf,
  newJobId,
  newMoveId,
  recordingChanger,
  startChangerHarness,
} from "./support.ts";

/*
 * What the changer answers when something it does not expect goes wrong: an error of the mtx
 * adapter that is none of pytarchive's (a bug, say), and a lease bucket deleted under it.
 */

let server: TestNatsServer;
let harness: ChangerHarness;

/** The simulated library's mtx, except that a load fails with a plain TypeError. */
function loadFailsUnexpectedly(inner: MtxChanger): MtxChanger {
  return {
    ...inner,
    load: async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'index')");
    },
  };
}

beforeAll(async () => {
  server = await startNatsServer();
  harness = await startChangerHarness(server, {
    drives: 1,
    slots: 4,
    barcodes: ["AAB001L9", "AAB002L9"],
  });
  const changer = await harness.startChanger("changer-f", {
    changer: loadFailsUnexpectedly(recordingChanger(harness.mtx, "changer-f", harness.runs)),
    // Reported at the first delivery: no waiting for redeliveries of a failure that stays.
    maxDeliver: 1,
  });
  await eventually(async () =>
    expect((await changer.services.health()).changer?.detail).toBe("inventory recorded"),
  );
}, 120_000);

afterAll(async () => {
  await harness?.close();
  await server?.dispose();
});

describe("the changer, on errors it does not know", () => {
  it("fails a move with MOVE_NOT_COMPLETED, quoting the error and saying where to look", async () => {
    const moveId = newMoveId("load");

    const failed = failedOf(
      await harness.move({
        moveId,
        jobId: newJobId(),
        kind: "load",
        barcode: "AAB002L9",
        drive: 0,
      }),
    );

    expect(failed.error).toEqual({
      code: "MOVE_NOT_COMPLETED",
      message:
        "The move could not be completed: Cannot read properties of undefined (reading 'index').",
      hint: "Check the changer's log and `pytarchive library`, then retry the job.",
    });
    const status = await harness.mtx.status();
    expect(status.drives[0]).toMatchObject({ full: false });
    expect(status.slots.find((slot) => slot.barcode === "AAB002L9")?.index).toBe(2);
  });

  it("answers clear-drive with CLEAR_DRIVE_FAILED when its lease bucket is gone, within the gateway's wait", async () => {
    const jsm = await jetstreamManager(harness.nc);
    await jsm.streams.delete(`KV_${kvBucketNames(harness.libraryId).leases}`);
    // As the gateway asks it for `pytarchive clear-drive 0`: the same request, 10 s to answer.
    const clearDrive = request(
      harness.nc,
      changerSubjects(harness.libraryId).clearDrive,
      { drive: 0, by: "pytarchive clear-drive" },
      { request: ClearDriveRequest, reply: ClearDriveReply, timeoutMs: 10_000, service: "changer" },
    );

    await expect(clearDrive).rejects.toMatchObject({
      code: "CLEAR_DRIVE_FAILED",
      message: expect.stringMatching(
        new RegExp(
          `^Drive 0 was not cleared: the changer could not read the drive states in its NATS key-value bucket ${kvBucketNames(harness.libraryId).leases} \\(.+\\)\\.$`,
        ),
      ),
      hint: "Check that the NATS server runs with JetStream and that pytarchive runs (`npm start`), then try `pytarchive clear-drive 0` again; `pytarchive library` shows which drives are blocked.",
    });
  });
});
