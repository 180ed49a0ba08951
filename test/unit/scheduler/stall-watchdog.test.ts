import { describe, expect, it } from "vitest";
import { JOB_PLANS } from "../../../services/scheduler/job-plans.ts";
import { createStallWatchdog } from "../../../services/scheduler/stall-watchdog.ts";

/* The stall watchdog: which running jobs have said nothing for longer than the stall timeout. */

const TIMEOUT = 60_000;
const job = (id: string) => ({ id });
const write = JOB_PLANS.archive?.steps.find((step) => step.step === "write");

describe("the stall watchdog", () => {
  it("counts a job's silence from when it was first seen, and reports it only past the timeout", () => {
    const watchdog = createStallWatchdog(TIMEOUT);
    expect(watchdog.silent([job("a")], 1_000)).toEqual([]);
    expect(watchdog.silent([job("a")], 1_000 + TIMEOUT)).toEqual([]);
    expect(watchdog.silent([job("a")], 1_001 + TIMEOUT)).toEqual([
      { job: job("a"), silentForMs: TIMEOUT + 1, step: null },
    ]);
  });

  it("a step sent or progress heard starts the silence anew, and the step sent is named", () => {
    if (write === undefined) throw new Error("archive has no write step");
    const watchdog = createStallWatchdog(TIMEOUT);
    watchdog.stepSent("a", 1, write, 0);
    watchdog.heard("a", 50_000);
    expect(watchdog.silent([job("a")], 100_000)).toEqual([]);
    expect(watchdog.silent([job("a")], 120_000)).toEqual([
      { job: job("a"), silentForMs: 70_000, step: write },
    ]);
  });

  it("sending the same step again does not start the silence anew; the next step or attempt does", () => {
    const unmount = JOB_PLANS.archive?.steps.find((step) => step.step === "unmount");
    if (write === undefined || unmount === undefined) throw new Error("archive lacks a step");
    const watchdog = createStallWatchdog(TIMEOUT);
    watchdog.stepSent("a", 1, write, 0);
    watchdog.stepSent("a", 1, write, 50_000);
    expect(watchdog.silent([job("a")], 70_000)).toEqual([
      { job: job("a"), silentForMs: 70_000, step: write },
    ]);
    watchdog.stepSent("a", 1, unmount, 70_000);
    expect(watchdog.silent([job("a")], 100_000)).toEqual([]);
    watchdog.stepSent("a", 2, unmount, 100_000);
    expect(watchdog.silent([job("a")], 140_000)).toEqual([]);
  });

  it("progress of a job not watched yet does not count (the next look starts watching it)", () => {
    const watchdog = createStallWatchdog(TIMEOUT);
    watchdog.heard("a", 0);
    expect(watchdog.silent([job("a")], 500_000)).toEqual([]);
  });

  it("forgets jobs no longer running, so a job running again is watched anew", () => {
    const watchdog = createStallWatchdog(TIMEOUT);
    watchdog.silent([job("a")], 0);
    watchdog.silent([], 10_000);
    expect(watchdog.silent([job("a")], 100_000)).toEqual([]);
    watchdog.forget("a");
    expect(watchdog.silent([job("a")], 200_000)).toEqual([]);
  });
});
