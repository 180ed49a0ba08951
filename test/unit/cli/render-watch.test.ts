import { describe, expect, it } from "vitest";
import { progressBar, watchLine, watchOutcome } from "../../../cli/render/watch.ts";
import { FAILED_RESTORE, RUNNING_PREPARE } from "./sample-replies.ts";

const FIGURES = {
  step: "write",
  percent: 50,
  bytesDone: 512 * 1024 * 1024,
  bytesTotal: 1024 * 1024 * 1024,
  filesDone: 3,
  filesTotal: 6,
  bytesPerSecond: 64 * 1024 * 1024,
  filesPerSecond: 0.5,
  etaSeconds: 8,
  at: "2026-12-07T16:00:00.000Z",
  live: true,
};

describe("pytarchive watch's lines", () => {
  it("progressBar fills its width by the percentage, and shows ? without one", () => {
    expect(progressBar(50, 8)).toBe("[####----]");
    expect(progressBar(100, 4)).toBe("[####]");
    expect(progressBar(null, 8)).toBe("[   ?    ]");
  });

  it("watchLine shows bar, percent, amounts, rate, time left and the step's words, cut to the width", () => {
    const job = { ...RUNNING_PREPARE, progressFigures: FIGURES, progress: "packing\u001b[2J" };
    expect(watchLine(job, 200)).toBe(
      "0badc0de  prepare  [############------------]   50%  512 MiB of 1.0 GiB  64.0 MiB/s  8 s left  packing\\u001b[2J",
    );
    expect(watchLine(job, 40)).toHaveLength(40);
    expect(watchLine(job, 40).endsWith("…")).toBe(true);
  });

  it("watchOutcome gives a failed task's error and the commands to run", () => {
    expect(watchOutcome(FAILED_RESTORE)).toBe(
      [
        "a1b2c3d4 failed: Restoring folder: /data/projects/old to /scratch/old",
        "    Tape AAK790L9 could not be mounted: LTFS17168E no index found.",
        "    Format or check it with ltfsck.",
        "Requeue it with `pytarchive requeue a1b2c3d4` once the cause is fixed, or drop it with `pytarchive abort a1b2c3d4`.",
        "",
      ].join("\n"),
    );
  });
});
