import { describe, expect, it } from "vitest";
import type { JobKind } from "../../../shared/messages/index.ts";
import { actionOf, decideFor, FOLDER, reported, runningJob, told } from "./decision-support.ts";

/*
 * An abort at every point of a job: before the tape is taken it simply ends; once it is taken
 * the drive is released first; after an archive's commit (its folder archived) it is too late.
 */

const COMMITTED = "2026-12-07T12:05:00.000Z";

describe("decide: abort at every point of an archive", () => {
  it.each<[string, string[]]>([
    // Before the load: nothing taken, the job ends aborted at once.
    ["clear", ["abort", "look"]],
    // The tape is (or may be) in the drive: release it, no more work on it.
    ["load", ["wait unmount", "send ltfs/unmount", "look"]],
    ["mount", ["wait unmount", "send ltfs/unmount", "look"]],
    ["write", ["wait unmount", "send ltfs/unmount", "look"]],
    ["remount", ["wait unmount", "send ltfs/unmount", "look"]],
    // The release goes on as planned.
    ["unmount", ["wait unload", "send changer/unload", "look"]],
  ])("asked while %s ran: once it is done, %j", (step, expected) => {
    const job = runningJob("archive", { abortRequested: true });
    expect(told(decideFor(job, { kind: "step-result", result: reported(step, "done") }))).toEqual(
      expected,
    );
  });

  it("ends aborted when the tape is home, the folder prepared again", () => {
    const actions = decideFor(runningJob("archive", { abortRequested: true }), {
      kind: "step-result",
      result: reported("unload", "done"),
    });
    expect(told(actions)).toEqual(["abort", "look"]);
    expect(actionOf(actions, "abort").preparedAgain).toEqual({
      path: FOLDER,
      error: {
        code: "ARCHIVE_ABORTED",
        message: `Archiving ${FOLDER} was aborted (job 3fa2b1c0); it is not archived and stays prepared.`,
        hint: `Archive it again when wanted: \`pytarchive archive ${FOLDER} TAPE\`.`,
      },
    });
  });

  it.each(["mount", "write", "remount", "verify"])(
    "a %s stopped for the abort releases the drive without a kept error",
    (step) => {
      const job = runningJob("archive", { abortRequested: true });
      expect(
        told(decideFor(job, { kind: "step-result", result: reported(step, "aborted") })),
      ).toEqual(["wait unmount", "send ltfs/unmount"]);
    },
  );

  it("an abort that beat the commit (the catalog refused it: JOB_ABORT_REQUESTED) ends aborted, not failed", () => {
    const job = runningJob("archive", { abortRequested: true });
    const refused = reported("verify", "failed", {
      error: { code: "JOB_ABORT_REQUESTED", message: "job 3fa2b1c0 was asked to abort" },
    });
    expect(told(decideFor(job, { kind: "step-result", result: refused }))).toEqual([
      "wait unmount",
      "send ltfs/unmount",
    ]);
  });

  it("after the commit an abort is too late: the release runs and the job ends done", () => {
    const job = runningJob("archive", { abortRequested: true, committedAt: COMMITTED });
    expect(
      told(decideFor(job, { kind: "step-result", result: reported("verify", "done") })),
    ).toEqual(["wait unmount", "send ltfs/unmount", "look"]);
    expect(
      told(decideFor(job, { kind: "step-result", result: reported("unload", "done") })),
    ).toEqual(["finish", "look"]);
  });

  it("a committed archive whose unmount failed ends failed (its error says the archive stands)", () => {
    const job = runningJob("archive", { abortRequested: true, committedAt: COMMITTED });
    const failed = reported("unmount", "failed", {
      error: { code: "LTFS_UNMOUNT_FAILED", message: "target is busy" },
    });
    expect(told(decideFor(job, { kind: "step-result", result: failed }))).toEqual([
      "fail unmount LTFS_UNMOUNT_FAILED",
      "look",
    ]);
  });

  it("a stopped changer or release step of an aborted job ends it aborted", () => {
    const job = runningJob("restore", { abortRequested: true });
    for (const step of ["clear", "load", "unmount", "unload"]) {
      expect(
        told(decideFor(job, { kind: "step-result", result: reported(step, "aborted") })),
      ).toEqual(["abort", "look"]);
    }
    // A restore has no folder to prepare again.
    const actions = decideFor(job, { kind: "step-result", result: reported("unload", "done") });
    expect(actionOf(actions, "abort").preparedAgain).toBeNull();
  });
});

describe("decide: abort of jobs without a drive", () => {
  it.each<[JobKind, string]>([
    ["prepare", "prepare"],
    ["inventory", "report"],
  ])("a %s stopped for the abort ends aborted", (kind, step) => {
    const job = runningJob(kind, { abortRequested: true });
    const actions = decideFor(job, { kind: "step-result", result: reported(step, "aborted") });
    expect(told(actions)).toEqual(["abort", "look"]);
    expect(actionOf(actions, "abort")).toEqual({
      kind: "abort",
      reason: null,
      preparedAgain: null,
    });
  });

  it("a prepare done although an abort was asked ends aborted (nothing was committed)", () => {
    const job = runningJob("prepare", { abortRequested: true });
    expect(
      told(decideFor(job, { kind: "step-result", result: reported("prepare", "done") })),
    ).toEqual(["abort", "look"]);
  });
});
