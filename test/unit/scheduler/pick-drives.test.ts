import { describe, expect, it } from "vitest";
import {
  type DriveView,
  driveViewsOf,
  pickDrives,
} from "../../../services/scheduler/pick-drives.ts";

const drive = (n: number, barcode: string | null, extra: Partial<DriveView> = {}): DriveView => ({
  drive: n,
  barcode,
  busy: false,
  blocked: false,
  ...extra,
});

describe("pickDrives: which queued tape job starts where", () => {
  it("gives a job the drive that already holds its tape, even when it is not the oldest", () => {
    const picks = pickDrives(
      [
        { id: "aaaaaaa1", priority: 100, tape: "T1" },
        { id: "aaaaaaa2", priority: 100, tape: "T2" },
      ],
      [drive(0, "T2")],
    );
    expect(picks).toEqual([{ jobId: "aaaaaaa2", drive: 0 }]);
  });

  it("takes the lowest priority number first, whatever the loaded tapes", () => {
    const picks = pickDrives(
      [
        { id: "aaaaaaa1", priority: 20, tape: "T1" },
        { id: "aaaaaaa2", priority: 100, tape: "T2" },
      ],
      [drive(0, "T2")],
    );
    expect(picks).toEqual([{ jobId: "aaaaaaa1", drive: 0 }]);
  });

  it("uses several drives at once, an empty drive before one holding a tape someone wants", () => {
    const picks = pickDrives(
      [
        { id: "aaaaaaa1", priority: 100, tape: "T1" },
        { id: "aaaaaaa2", priority: 100, tape: "T3" },
      ],
      [drive(0, "T9"), drive(1, null), drive(2, "T3")],
    );
    expect(picks).toEqual([
      { jobId: "aaaaaaa2", drive: 2 },
      { jobId: "aaaaaaa1", drive: 1 },
    ]);
  });

  it("runs one job per tape: a second job for a tape waits, also when its tape is busy elsewhere", () => {
    const picks = pickDrives(
      [
        { id: "aaaaaaa1", priority: 100, tape: "T1" },
        { id: "aaaaaaa2", priority: 100, tape: "T1" },
        { id: "aaaaaaa3", priority: 100, tape: "T5" },
      ],
      [drive(0, null), drive(1, null), drive(2, "T5", { busy: true })],
    );
    expect(picks).toEqual([{ jobId: "aaaaaaa1", drive: 0 }]);
  });

  it("keeps a job waiting whose tape a running job is still bringing to its drive", () => {
    const picks = pickDrives(
      [
        { id: "aaaaaaa2", priority: 100, tape: "T1" },
        { id: "aaaaaaa3", priority: 100, tape: "T2" },
      ],
      [drive(0, null, { busy: true }), drive(1, null)],
      new Set(["T1"]),
    );
    expect(picks).toEqual([{ jobId: "aaaaaaa3", drive: 1 }]);
  });

  it("never picks a blocked or busy drive", () => {
    const picks = pickDrives(
      [{ id: "aaaaaaa1", priority: 100, tape: "T1" }],
      [drive(0, null, { blocked: true }), drive(1, null, { busy: true })],
    );
    expect(picks).toEqual([]);
  });
});

describe("driveViewsOf: the configured drives as the scheduler sees them", () => {
  it("tells what each holds, and whether a running job has it or the changer blocked it", () => {
    const library = [
      { index: 0, full: true, barcode: "T1" },
      { index: 1, full: false, barcode: null },
      { index: 2, full: true, barcode: "T3" },
    ];
    expect(driveViewsOf([0, 1, 2, 3], library, new Set([2]), new Set([1]))).toEqual([
      drive(0, "T1"),
      drive(1, null, { blocked: true }),
      drive(2, "T3", { busy: true }),
      // Configured, but the changer does not list it: nothing known in it.
      drive(3, null),
    ]);
  });
});
