import { describe, expect, it } from "vitest";
import type { SchedulerEvent } from "../../../services/scheduler/decide.ts";
import { JOB_PLANS } from "../../../services/scheduler/job-plans.ts";
import type { MoveDone, MoveFailed } from "../../../shared/messages/changer-moves.ts";
import { type NamedMove, parseMoveId } from "../../../shared/messages/index.ts";
import {
  actionOf,
  decideFor,
  reported,
  runningJob,
  TAPE,
  told,
  workerError,
} from "./decision-support.ts";

/*
 * Moves, the 53/03 recovery (an unload refused with "medium removal prevented" is retried once
 * after mounting and unmounting the tape), a restart resuming what a crash left unsent, and the
 * stall watchdog's silences.
 */

const AT = "2026-12-07T12:02:00.000Z";

function named(moveId: string): NamedMove {
  const parsed = parseMoveId(moveId);
  if (parsed === null) throw new Error(`not a move id: ${moveId}`);
  return parsed;
}

function moveDone(moveId: string, drive: number | null): SchedulerEvent {
  const done: MoveDone = {
    moveId,
    jobId: "3fa2b1c0",
    kind: drive === null ? "unload" : "load",
    barcode: TAPE,
    from: null,
    to: drive === null ? { kind: "slot", slot: 1, importExport: false } : { kind: "drive", drive },
    alreadyInPlace: false,
    homeSlot: 1,
    at: AT,
  };
  return { kind: "move-outcome", named: named(moveId), outcome: { done } };
}

function moveFailed(moveId: string, code: string): SchedulerEvent {
  const failed: MoveFailed = {
    moveId,
    jobId: "3fa2b1c0",
    kind: "unload",
    barcode: TAPE,
    drive: 0,
    error: workerError(code, `mtx says ${code}`),
    driveBlocked: false,
    at: AT,
  };
  return { kind: "move-outcome", named: named(moveId), outcome: { failed } };
}

describe("decide: tape moves and the 53/03 recovery", () => {
  it("a move done counts as its step done, saying where the tape went", () => {
    const actions = decideFor(runningJob("archive"), moveDone("3fa2b1c0.load.1", 0));
    expect(told(actions)).toEqual(["wait mount", "send ltfs/mount", "look"]);
    expect(actionOf(actions, "note").fields).toMatchObject({
      step: "load",
      summary: `moved to drive 0: tape ${TAPE}`,
    });
  });

  it("a failed load ends the job with the changer's error", () => {
    const actions = decideFor(
      runningJob("verify"),
      moveFailed("3fa2b1c0.load.1", "TAPE_IN_OTHER_DRIVE"),
    );
    expect(told(actions)).toEqual(["fail load TAPE_IN_OTHER_DRIVE", "look"]);
  });

  it("an unload refused with 53/03 mounts and unmounts the tape (cycle) instead of failing", () => {
    const actions = decideFor(
      runningJob("archive"),
      moveFailed("3fa2b1c0.unload.1", "MTX_MEDIUM_REMOVAL_PREVENTED"),
    );
    expect(told(actions)).toEqual(["wait cycle", "send ltfs/cycle"]);
    expect(actionOf(actions, "note")).toMatchObject({
      level: "warn",
      fields: { drive: 0, barcode: TAPE },
    });
  });

  it("after the cycle the unload is sent once more, as the retry", () => {
    const actions = decideFor(runningJob("archive"), {
      kind: "step-result",
      result: reported("cycle", "done"),
    });
    expect(told(actions)).toEqual(["wait unload (retry)", "send changer/unload (retry)", "look"]);
    expect(actionOf(actions, "record-waiting").text).toBe(
      "waiting for the changer service (step unload), again after mounting and unmounting the tape",
    );
  });

  it("a retried unload refused with 53/03 again fails the job (no second cycle)", () => {
    const actions = decideFor(
      runningJob("archive"),
      moveFailed("3fa2b1c0.unload.1.retry", "MTX_MEDIUM_REMOVAL_PREVENTED"),
    );
    expect(told(actions)).toEqual(["fail unload MTX_MEDIUM_REMOVAL_PREVENTED", "look"]);
  });

  it("a cycle that fails ends the job with its error, or with the error kept before", () => {
    const failed = {
      kind: "step-result",
      result: reported("cycle", "failed", { error: workerError("LTFS_MOUNT_FAILED") }),
    } as const;
    expect(told(decideFor(runningJob("restore"), failed))).toEqual([
      "fail cycle LTFS_MOUNT_FAILED",
      "look",
    ]);
    const kept = workerError("LTFS_BROKE");
    const actions = decideFor(runningJob("restore", { pendingError: kept }), failed);
    expect(actionOf(actions, "fail").error).toEqual(kept);
  });

  it("a 53/03 for an attempt that no longer runs is ignored", () => {
    const actions = decideFor(
      runningJob("archive", { attempts: 2 }),
      moveFailed("3fa2b1c0.unload.1", "MTX_MEDIUM_REMOVAL_PREVENTED"),
    );
    expect(told(actions)).toEqual([]);
  });

  it("a job that needs no drive has no cycle step: a report of one is UNKNOWN_STEP", () => {
    const actions = decideFor(runningJob("prepare"), {
      kind: "step-result",
      result: reported("cycle", "done"),
    });
    expect(told(actions)).toEqual(["fail cycle UNKNOWN_STEP", "look"]);
  });
});

describe("decide: a look resumes a step a crash may have left unsent", () => {
  it("sends again exactly the step the catalog says the job waits on", () => {
    const job = runningJob("archive", { waitingOn: "remount", progress: "waiting" });
    expect(told(decideFor(job, { kind: "look", sentHere: null }))).toEqual([
      "wait remount",
      "send ltfs/remount",
    ]);
  });

  it("leaves alone a step this process sent, and a step a worker took up", () => {
    const sent = runningJob("archive", { waitingOn: "remount", progress: "waiting" });
    expect(decideFor(sent, { kind: "look", sentHere: "remount" })).toEqual([]);
    const takenUp = runningJob("archive", { waitingOn: null, progress: "writing 40 %" });
    expect(decideFor(takenUp, { kind: "look", sentHere: null })).toEqual([]);
  });

  it("a job claimed but never reported on starts with its first step", () => {
    expect(told(decideFor(runningJob("explore"), { kind: "look", sentHere: null }))).toEqual([
      "wait clear",
      "send changer/clear",
    ]);
  });

  it("the unload retried after 53/03 is sent again as that retry, its waiting already recorded", () => {
    const job = runningJob("archive", { waitingOn: "unload", waitingRetry: true, progress: "x" });
    expect(told(decideFor(job, { kind: "look", sentHere: null }))).toEqual([
      "send changer/unload (retry)",
    ]);
  });

  it("a job waiting on the cycle sends the cycle again", () => {
    const job = runningJob("verify", { waitingOn: "cycle", progress: "x" });
    expect(told(decideFor(job, { kind: "look", sentHere: null }))).toEqual([
      "wait cycle",
      "send ltfs/cycle",
    ]);
  });
});

describe("decide: a worker that went silent", () => {
  const TEN_MINUTES = 600_001;
  const write = JOB_PLANS.archive?.steps.find((step) => step.step === "write") ?? null;

  it("fails a prepare naming the service and how long it said nothing, its folder failed", () => {
    const actions = decideFor(runningJob("prepare"), {
      kind: "silent",
      silentForMs: TEN_MINUTES,
      step: null,
    });
    expect(told(actions)).toEqual(["fail prepare WORKER_SILENT"]);
    const fail = actionOf(actions, "fail");
    expect(fail.error.code).toBe("WORKER_SILENT");
    expect(fail.error.message).toBe(
      "The compression service has said nothing about job 3fa2b1c0 for 10 min: it is not running, or it hangs.",
    );
    expect(fail.error.hint).toContain("--only compression");
    expect(fail.folderFailed).toBe("/srv/alpha");
  });

  it("a tape job silent during its work keeps the error and releases the drive", () => {
    const actions = decideFor(runningJob("archive"), {
      kind: "silent",
      silentForMs: 2 * 3_600_000 + 60_000,
      step: write,
    });
    expect(told(actions)).toEqual([
      "keep-error write WORKER_SILENT",
      "wait unmount",
      "send ltfs/unmount",
    ]);
    expect(actionOf(actions, "keep-error").error.message).toContain("for 2 h 1 min");
  });

  it("a tape job silent in its release (or already failing) fails at once", () => {
    const unload = JOB_PLANS.archive?.steps.find((step) => step.step === "unload") ?? null;
    expect(
      told(
        decideFor(runningJob("archive"), {
          kind: "silent",
          silentForMs: TEN_MINUTES,
          step: unload,
        }),
      ),
    ).toEqual(["fail unload WORKER_SILENT"]);
    const kept = workerError("LTFS_BROKE");
    const failing = decideFor(runningJob("archive", { pendingError: kept }), {
      kind: "silent",
      silentForMs: TEN_MINUTES,
      step: write,
    });
    expect(actionOf(failing, "fail")).toMatchObject({ step: "write", error: kept });
  });

  it("a tape job first seen after a restart, silent in a worker's step, releases the drive and blames no guessed service", () => {
    // No step sent by this process and none waited on: a worker had taken up a step of the work.
    const job = runningJob("explore", { progress: "exporting /srv/alpha", waitingOn: null });
    const actions = decideFor(job, { kind: "silent", silentForMs: 660_000, step: null });
    expect(told(actions)).toEqual([
      "keep-error work WORKER_SILENT",
      "wait unmount",
      "send ltfs/unmount",
    ]);
    const kept = actionOf(actions, "keep-error").error;
    expect(kept.message).toBe(
      "The worker of job 3fa2b1c0 has said nothing for 11 min: it is not running, or it hangs.",
    );
    expect(kept.message).not.toContain("changer");
    expect(kept.hint).not.toContain("--only");
  });

  it("a tape job first seen after a restart, waiting on a step, is judged by that step", () => {
    const job = runningJob("explore", { progress: "waiting", waitingOn: "export" });
    const actions = decideFor(job, { kind: "silent", silentForMs: TEN_MINUTES, step: null });
    expect(told(actions)).toEqual([
      "keep-error export WORKER_SILENT",
      "wait unmount",
      "send ltfs/unmount",
    ]);
    expect(actionOf(actions, "keep-error").error.message).toContain("The export service");
  });

  it("a step that could not be sent until the stall timeout fails the job with why, and for how long", () => {
    const load = JOB_PLANS.explore?.steps.find((step) => step.step === "load") ?? null;
    const refusal = {
      code: "CHANGER_UNAVAILABLE",
      message: "The tape library cannot be read: mtx: cannot open /dev/sch9",
      hint: "Check [Device] library.",
    };
    const actions = decideFor(runningJob("explore", { waitingOn: "load" }), {
      kind: "silent",
      silentForMs: TEN_MINUTES,
      step: load,
      unsentBecause: refusal,
    });
    expect(told(actions)).toEqual(["fail load CHANGER_UNAVAILABLE"]);
    const { error } = actionOf(actions, "fail");
    expect(error.message).toBe(
      "Step load of job 3fa2b1c0 could not be sent for 10 min: The tape library cannot be read: mtx: cannot open /dev/sch9",
    );
    expect(error.hint).toBe("Check [Device] library. Then `pytarchive requeue 3fa2b1c0`.");
  });

  it("a silent job whose abort was asked ends aborted, saying why nothing was stopped", () => {
    const actions = decideFor(runningJob("inventory", { abortRequested: true }), {
      kind: "silent",
      silentForMs: 90_000,
      step: null,
    });
    expect(told(actions)).toEqual(["abort"]);
    expect(actionOf(actions, "abort").reason).toBe(
      "aborted by the operator; the inventory service had said nothing about it for 1 min 30 s, so nothing was left to stop",
    );
  });
});
