import { describe, expect, it } from "vitest";
import { stepResultOfMove, tapeMove } from "../../../services/scheduler/tape-moves.ts";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import { moveIdOf, parseMoveId } from "../../../shared/messages/index.ts";
import { runningJob, TAPE, workerError } from "./decision-support.ts";

/*
 * The changer steps as moves: what `clear`, `load` and `unload` ask the robot to do, when an
 * unload leaves the tape for the next job (batching), and the codes a move cannot be made with.
 */

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof PytarchiveError) return error.code;
    throw error;
  }
  throw new Error("no error thrown");
}

describe("tapeMove: clear", () => {
  const job = runningJob("archive");

  it("needs no move when the drive is empty, holds the job's tape, or is not listed", () => {
    for (const held of [{ full: false, barcode: null }, { full: true, barcode: TAPE }, null]) {
      expect(tapeMove(job, { step: "clear", tape: TAPE, retry: false, held })).toEqual({
        kind: "no-move",
        summary: `drive 0 is ready for tape ${TAPE}`,
      });
    }
  });

  it("unloads another tape left idle in the drive", () => {
    const held = { full: true, barcode: "BBB001L9" };
    expect(tapeMove(job, { step: "clear", tape: TAPE, retry: false, held })).toEqual({
      kind: "move",
      move: {
        moveId: "3fa2b1c0.clear.1",
        jobId: "3fa2b1c0",
        kind: "unload",
        barcode: "BBB001L9",
        drive: 0,
      },
    });
  });

  it("refuses a drive holding a tape without a readable barcode: DRIVE_HOLDS_UNLABELLED_TAPE", () => {
    const held = { full: true, barcode: null };
    expect(codeOf(() => tapeMove(job, { step: "clear", tape: TAPE, retry: false, held }))).toBe(
      "DRIVE_HOLDS_UNLABELLED_TAPE",
    );
  });
});

describe("tapeMove: load and unload", () => {
  it("loads the job's tape into its drive", () => {
    const job = runningJob("restore", { drive: 2, attempts: 3 });
    expect(tapeMove(job, { step: "load", tape: TAPE, retry: false })).toEqual({
      kind: "move",
      move: { moveId: "3fa2b1c0.load.3", jobId: "3fa2b1c0", kind: "load", barcode: TAPE, drive: 2 },
    });
  });

  it("needs no load when `clear` found the job's tape in the drive (left by the job before, batching)", () => {
    const job = runningJob("archive", { drive: 1 });
    const held = { full: true, barcode: TAPE };
    expect(tapeMove(job, { step: "load", tape: TAPE, retry: false, held })).toEqual({
      kind: "no-move",
      summary: `tape ${TAPE} is already in drive 1`,
    });
    for (const other of [
      { full: true, barcode: "BBB001L9" },
      { full: false, barcode: null },
    ]) {
      expect(tapeMove(job, { step: "load", tape: TAPE, retry: false, held: other }).kind).toBe(
        "move",
      );
    }
  });

  it("a job without a drive cannot have a tape moved: JOB_HAS_NO_DRIVE", () => {
    const job = runningJob("restore", { drive: null });
    expect(codeOf(() => tapeMove(job, { step: "load", tape: TAPE, retry: false }))).toBe(
      "JOB_HAS_NO_DRIVE",
    );
  });

  it("takes the tape home when no queued job wants it", () => {
    const job = runningJob("verify");
    expect(tapeMove(job, { step: "unload", tape: TAPE, retry: false, nextJob: null })).toEqual({
      kind: "move",
      move: {
        moveId: "3fa2b1c0.unload.1",
        jobId: "3fa2b1c0",
        kind: "unload",
        barcode: TAPE,
        drive: 0,
      },
    });
  });

  it("leaves the tape in the drive for the queued job that needs it next (batching)", () => {
    const job = runningJob("verify");
    expect(
      tapeMove(job, { step: "unload", tape: TAPE, retry: false, nextJob: "0badcafe" }),
    ).toEqual({
      kind: "no-move",
      summary: `tape ${TAPE} stays in drive 0 for job 0badcafe`,
    });
  });

  it("takes the tape home all the same after a failure, an abort, or for the 53/03 retry", () => {
    for (const [job, retry] of [
      [runningJob("verify", { pendingError: workerError("CHECK_FAILED") }), false],
      [runningJob("verify", { abortRequested: true }), false],
      [runningJob("verify"), true],
    ] as const) {
      const planned = tapeMove(job, { step: "unload", tape: TAPE, retry, nextJob: "0badcafe" });
      expect(planned.kind).toBe("move");
    }
  });

  it("the retry after 53/03 has its own move id and asks the changer to block a refusing drive", () => {
    const job = runningJob("archive");
    expect(tapeMove(job, { step: "unload", tape: TAPE, retry: true })).toEqual({
      kind: "move",
      move: {
        moveId: "3fa2b1c0.unload.1.retry",
        jobId: "3fa2b1c0",
        kind: "unload",
        barcode: TAPE,
        drive: 0,
        blockDriveIfRefused: true,
      },
    });
  });
});

describe("move ids", () => {
  it("name the job, step and attempt, and come back as they went", () => {
    expect(moveIdOf("3fa2b1c0", "load", 2)).toBe("3fa2b1c0.load.2");
    expect(parseMoveId(moveIdOf("3fa2b1c0", "unload", 4, true))).toEqual({
      jobId: "3fa2b1c0",
      step: "unload",
      attempt: 4,
      retry: true,
    });
  });

  it("a move id the scheduler did not make names nothing", () => {
    for (const moveId of [
      "manual-1",
      "3fa2b1c0.load",
      "3FA2B1C0.load.1",
      "3fa2b1c0.load.1.again",
    ]) {
      expect(parseMoveId(moveId)).toBeNull();
    }
  });

  it("a failed move reads as its step failed with the changer's error", () => {
    const error = workerError("TAPE_NOT_IN_LIBRARY");
    const named = parseMoveId("3fa2b1c0.load.1");
    if (named === null) throw new Error("the scheduler's own move id did not parse");
    const result = stepResultOfMove(named, {
      failed: {
        moveId: "3fa2b1c0.load.1",
        jobId: "3fa2b1c0",
        kind: "load",
        barcode: TAPE,
        drive: 0,
        error,
        driveBlocked: false,
        at: "2026-12-07T12:02:00.000Z",
      },
    });
    expect(result).toEqual({
      jobId: "3fa2b1c0",
      step: "load",
      attempt: 1,
      outcome: "failed",
      error,
      worker: "changer (move 3fa2b1c0.load.1)",
      at: "2026-12-07T12:02:00.000Z",
    });
  });
});
