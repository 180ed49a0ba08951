import { describe, expect, it } from "vitest";
import { type Action, decide } from "../../../services/scheduler/decide.ts";
import type { CatalogJob } from "../../../shared/messages/catalog-requests.ts";
import type { JobKind } from "../../../shared/messages/index.ts";
import {
  actionOf,
  decideFor,
  FOLDER,
  reported,
  runningJob,
  told,
  workerError,
} from "./decision-support.ts";

/*
 * The scheduler's decisions along a job's plan: each step done sends the next, the last ends the
 * job; a failure ends it at once, or first releases the drive when the tape may be mounted.
 */

/** Runs a job from its start, every step done, and tells the steps sent and how it ended. */
function walk(job: CatalogJob): { sent: string[]; end: string[] } {
  const sent: string[] = [];
  let actions: Action[] = decideFor(job, { kind: "started" });
  for (;;) {
    const send = actions.find((action) => action.kind === "send");
    if (send === undefined) return { sent, end: told(actions) };
    sent.push(`${send.step.service}/${send.step.step}`);
    actions = decideFor(job, { kind: "step-result", result: reported(send.step.step, "done") });
  }
}

describe("decide: every step of every kind of job", () => {
  it.each<[JobKind, string[]]>([
    [
      "archive",
      [
        "changer/clear",
        "changer/load",
        "ltfs/mount",
        "ltfs/write",
        "ltfs/remount",
        "verification/verify",
        "ltfs/unmount",
        "changer/unload",
      ],
    ],
    [
      "restore",
      [
        "changer/clear",
        "changer/load",
        "ltfs/mount",
        "ltfs/restore",
        "ltfs/unmount",
        "changer/unload",
      ],
    ],
    [
      "verify",
      [
        "changer/clear",
        "changer/load",
        "ltfs/mount",
        "verification/check",
        "ltfs/unmount",
        "changer/unload",
      ],
    ],
    [
      "explore",
      [
        "changer/clear",
        "changer/load",
        "ltfs/mount",
        "export/export",
        "ltfs/unmount",
        "changer/unload",
      ],
    ],
    ["prepare", ["compression/prepare"]],
    ["inventory", ["inventory/report"]],
  ])("a %s job sends its steps in order, then ends done", (kind, steps) => {
    expect(walk(runningJob(kind))).toEqual({ sent: steps, end: ["finish", "look"] });
  });

  it("records the step waited on before sending it, so a restart sends it again", () => {
    const actions = decideFor(runningJob("archive"), {
      kind: "step-result",
      result: reported("mount", "done"),
    });
    expect(told(actions)).toEqual(["wait write", "send ltfs/write", "look"]);
    expect(actionOf(actions, "record-waiting").text).toBe(
      "waiting for the ltfs service (step write)",
    );
  });

  it("ends the job with the last step's summary", () => {
    const actions = decideFor(runningJob("prepare"), {
      kind: "step-result",
      result: reported("prepare", "done", { summary: "3 files, 12 KiB" }),
    });
    expect(actionOf(actions, "finish").summary).toBe("3 files, 12 KiB");
  });

  it("ignores a result for a job that ended, was requeued (another attempt), or is unknown", () => {
    const event = { kind: "step-result", result: reported("write", "done") } as const;
    for (const actions of [
      decideFor(runningJob("archive", { state: "done" }), event),
      decideFor(runningJob("archive", { attempts: 2 }), event),
      decide({ job: null, plan: null, event }),
    ]) {
      expect(told(actions)).toEqual([]);
      expect(actionOf(actions, "note").message).toMatch(/no longer runs this attempt; ignored/);
    }
  });

  it("ignores a result of a step the job has moved on from (handed over again), and acts on the step it is in", () => {
    const reading = runningJob("archive", { currentStep: "verify" });
    const late = decideFor(reading, { kind: "step-result", result: reported("write", "done") });
    expect(told(late)).toEqual([]);
    expect(actionOf(late, "note").message).toMatch(/moved on from; ignored/);
    const failedLate = decideFor(reading, {
      kind: "step-result",
      result: reported("write", "failed", { error: workerError("TAPE_READ_ONLY") }),
    });
    expect(told(failedLate)).toEqual([]);

    const read = decideFor(reading, { kind: "step-result", result: reported("verify", "done") });
    expect(actionOf(read, "send").step.step).toBe("unmount");
  });
});

describe("decide: failures", () => {
  it.each(["mount", "write", "remount", "verify"])(
    "an archive whose %s fails keeps the error and releases the drive first (no look: the drive is taken)",
    (step) => {
      const actions = decideFor(runningJob("archive"), {
        kind: "step-result",
        result: reported(step, "failed", { error: workerError("LTFS_BROKE") }),
      });
      expect(told(actions)).toEqual([
        `keep-error ${step} LTFS_BROKE`,
        "wait unmount",
        "send ltfs/unmount",
      ]);
    },
  );

  it.each<[JobKind, string]>([
    ["restore", "restore"],
    ["verify", "check"],
    ["explore", "export"],
  ])("a %s job whose work (%s) fails releases its drive too", (kind, step) => {
    const actions = decideFor(runningJob(kind), {
      kind: "step-result",
      result: reported(step, "failed", { error: workerError("WORK_BROKE") }),
    });
    expect(told(actions)).toEqual([
      `keep-error ${step} WORK_BROKE`,
      "wait unmount",
      "send ltfs/unmount",
    ]);
  });

  it("once the released tape is home, the job ends failed with the kept error", () => {
    const kept = workerError("LTFS_BROKE", "the write broke");
    const actions = decideFor(runningJob("archive", { pendingError: kept }), {
      kind: "step-result",
      result: reported("unload", "done"),
    });
    expect(told(actions)).toEqual(["fail unload LTFS_BROKE", "look"]);
    expect(actionOf(actions, "fail")).toMatchObject({ error: kept, folderFailed: FOLDER });
  });

  it.each(["clear", "load"])(
    "a failed %s ends the job at once, the archive's folder failed",
    (step) => {
      const actions = decideFor(runningJob("archive"), {
        kind: "step-result",
        result: reported(step, "failed", { error: workerError("TAPE_NOT_IN_LIBRARY") }),
      });
      expect(told(actions)).toEqual([`fail ${step} TAPE_NOT_IN_LIBRARY`, "look"]);
      expect(actionOf(actions, "fail").folderFailed).toBe(FOLDER);
    },
  );

  it("a failed restore marks no folder failed (only prepare and archive do)", () => {
    const actions = decideFor(runningJob("restore"), {
      kind: "step-result",
      result: reported("load", "failed", { error: workerError("TAPE_NOT_IN_LIBRARY") }),
    });
    expect(actionOf(actions, "fail").folderFailed).toBeNull();
  });

  it.each(["unmount", "unload"])(
    "a failed %s during the release says what failed before it too",
    (step) => {
      const actions = decideFor(
        runningJob("archive", { pendingError: workerError("LTFS_BROKE", "the write broke") }),
        {
          kind: "step-result",
          result: reported(step, "failed", { error: workerError("STUCK", "the tape is stuck") }),
        },
      );
      expect(told(actions)).toEqual([`fail ${step} STUCK`, "look"]);
      expect(actionOf(actions, "fail").error.message).toBe(
        "the tape is stuck (Before that, the job had failed: the write broke)",
      );
    },
  );

  it("a prepare that fails marks its folder failed; an inventory has none", () => {
    const prepare = decideFor(runningJob("prepare"), {
      kind: "step-result",
      result: reported("prepare", "failed", { error: workerError("FOLDER_NOT_FOUND") }),
    });
    expect(told(prepare)).toEqual(["fail prepare FOLDER_NOT_FOUND", "look"]);
    expect(actionOf(prepare, "fail").folderFailed).toBe(FOLDER);
    const inventory = decideFor(runningJob("inventory"), {
      kind: "step-result",
      result: reported("report", "failed", { error: workerError("DU_FAILED") }),
    });
    expect(actionOf(inventory, "fail").folderFailed).toBeNull();
  });

  it("a step that failed without saying why fails with STEP_FAILED naming the worker", () => {
    const actions = decideFor(runningJob("inventory"), {
      kind: "step-result",
      result: reported("report", "failed"),
    });
    expect(actionOf(actions, "fail").error).toEqual({
      code: "STEP_FAILED",
      message: "Step report failed without saying why (ltfs@host:1).",
    });
  });

  it("a step the job's plan does not have fails the job with UNKNOWN_STEP", () => {
    const actions = decideFor(runningJob("archive"), {
      kind: "step-result",
      result: reported("rewind", "done"),
    });
    expect(told(actions)).toEqual(["fail rewind UNKNOWN_STEP", "look"]);
    expect(actionOf(actions, "fail").error).toEqual({
      code: "UNKNOWN_STEP",
      message: 'The ltfs@host:1 reported a step "rewind" that a archive job does not have.',
      hint: "Check that every pytarchive service runs the same version, then requeue the job.",
    });
  });

  it.each<[JobKind, string, string[]]>([
    ["prepare", "prepare", ["fail prepare STEP_STOPPED", "look"]],
    ["archive", "unmount", ["fail unmount STEP_STOPPED", "look"]],
    ["archive", "write", ["keep-error write STEP_STOPPED", "wait unmount", "send ltfs/unmount"]],
  ])(
    "a %s whose %s step stopped although nobody asked to abort fails with STEP_STOPPED",
    (kind, step, expected) => {
      const actions = decideFor(runningJob(kind), {
        kind: "step-result",
        result: reported(step, "aborted"),
      });
      expect(told(actions)).toEqual(expected);
      const error = actions.find(
        (action) => action.kind === "fail" || action.kind === "keep-error",
      );
      expect(error !== undefined && "error" in error ? error.error : null).toEqual({
        code: "STEP_STOPPED",
        message: `The ltfs@host:1 stopped step ${step} of job 3fa2b1c0 although nobody asked to abort it.`,
        hint: "Requeue it: `pytarchive requeue 3fa2b1c0`.",
      });
    },
  );

  it("a move the changer refuses for good fails the job, with the kept error if there is one", () => {
    const refused = workerError("DRIVE_BLOCKED");
    expect(
      told(
        decideFor(runningJob("archive"), { kind: "move-refused", step: "load", error: refused }),
      ),
    ).toEqual(["fail load DRIVE_BLOCKED"]);
    const kept = workerError("LTFS_BROKE");
    const actions = decideFor(runningJob("archive", { pendingError: kept }), {
      kind: "move-refused",
      step: "unload",
      error: refused,
    });
    expect(actionOf(actions, "fail").error).toEqual(kept);
  });

  it("a job whose tape cannot be told fails at its start", () => {
    const actions = decideFor(runningJob("verify", { drive: null }), {
      kind: "cannot-start",
      error: workerError("FOLDER_NOT_ARCHIVED"),
    });
    expect(told(actions)).toEqual(["fail start FOLDER_NOT_ARCHIVED"]);
  });
});
