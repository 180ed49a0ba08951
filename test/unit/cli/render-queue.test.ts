import { describe, expect, it } from "vitest";
import { queueLine, renderQueue } from "../../../cli/render/queue.ts";
import { FAILED_RESTORE, QUEUE_REPLY, RUNNING_PREPARE } from "./sample-replies.ts";

describe("renderQueue", () => {
  it("lists failed tasks first with their error, then running with progress, then queued", () => {
    expect(renderQueue(QUEUE_REPLY).split("\n")).toEqual([
      "Queue state: 4 tasks (1 failed, 1 running, 2 queued)",
      "",
      "Failed tasks:",
      "[a1b2c3d4] 100 - Restoring folder: /data/projects/old to /scratch/old",
      "    Tape AAK790L9 could not be mounted: LTFS17168E no index found.",
      "    Format or check it with ltfsck.",
      "",
      "Running:",
      "[0badc0de] 0 - Preparing folder: /data/projects/beta - Beta raw data [counting files: 120000]",
      "",
      "Queued:",
      "[3fa2b1c0] 100 - Archiving folder: /data/projects/alpha to tape AAK788L9",
      "[deadbeef] 200 - Taking inventory of: /data/homes",
      "",
      "Requeue a failed task with `pytarchive requeue ID` (or `--all`), or remove it with `pytarchive abort ID`.",
      "",
    ]);
  });

  it("says so when nothing is running or queued", () => {
    expect(renderQueue({ running: [], queued: [], failed: [] })).toBe(
      "Queue state: 0 tasks (0 failed, 0 running, 0 queued)\n\nNothing is running or queued.\n",
    );
  });

  it("leaves out empty sections and the requeue advice when nothing failed", () => {
    const text = renderQueue({ ...QUEUE_REPLY, failed: [], running: [] });
    expect(text).toBe(
      [
        "Queue state: 2 tasks (0 failed, 0 running, 2 queued)",
        "",
        "Queued:",
        "[3fa2b1c0] 100 - Archiving folder: /data/projects/alpha to tape AAK788L9",
        "[deadbeef] 200 - Taking inventory of: /data/homes",
        "",
      ].join("\n"),
    );
  });

  it("queueLine marks a running task that was asked to stop, and a failed task without error text", () => {
    const running = { ...RUNNING_PREPARE, abortRequested: true };
    expect(queueLine(running, true)).toBe(
      "[0badc0de] 0 - Preparing folder: /data/projects/beta - Beta raw data [counting files: 120000] [abort requested]",
    );
    const failed = { ...FAILED_RESTORE, error: null };
    expect(renderQueue({ running: [], queued: [], failed: [failed] })).toContain(
      "[a1b2c3d4] 100 - Restoring folder: /data/projects/old to /scratch/old\n    (no error recorded)\n",
    );
  });

  it("queueLine names the drive a running or failed tape task holds, not a queued one's", () => {
    const running = { ...RUNNING_PREPARE, kind: "archive", drive: 1 };
    expect(queueLine(running, true)).toBe(
      "[0badc0de] 0 - Preparing folder: /data/projects/beta - Beta raw data [drive 1] [counting files: 120000]",
    );
    const failed = { ...FAILED_RESTORE, drive: 0 };
    expect(queueLine(failed, false)).toBe(
      "[a1b2c3d4] 100 - Restoring folder: /data/projects/old to /scratch/old [drive 0]",
    );
    expect(queueLine({ ...failed, state: "queued" }, false)).not.toContain("drive");
  });
});

describe("queue progress figures", () => {
  const figures = {
    step: "write",
    percent: 41.9,
    bytesDone: 419_000_000,
    bytesTotal: 1_000_000_000,
    filesDone: 40,
    filesTotal: 100,
    bytesPerSecond: 125_829_120,
    filesPerSecond: 12,
    etaSeconds: 190,
    at: "2026-12-07T16:00:00.000Z",
    live: true,
  };

  it("shows a running task's percentage, rate and time left before its words", () => {
    const running = { ...RUNNING_PREPARE, progressFigures: figures };
    expect(queueLine(running, true)).toBe(
      "[0badc0de] 0 - Preparing folder: /data/projects/beta - Beta raw data [41%, 120 MiB/s, 3 min 10 s left] [counting files: 120000]",
    );
  });

  it("shows where a failed task stopped, with no rate or time left", () => {
    const failed = {
      ...FAILED_RESTORE,
      progressFigures: { ...figures, live: false, bytesPerSecond: null, etaSeconds: null },
    };
    expect(renderQueue({ running: [], queued: [], failed: [failed] })).toContain(
      "[a1b2c3d4] 100 - Restoring folder: /data/projects/old to /scratch/old [stopped at 41% of its write step]\n",
    );
  });
});
