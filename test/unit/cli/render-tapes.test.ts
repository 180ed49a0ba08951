import { describe, expect, it } from "vitest";
import { renderAborted, renderRequeued } from "../../../cli/render/queue-changes.ts";
import { renderTapes } from "../../../cli/render/tapes.ts";
import { TAPES_REPLY } from "./sample-replies.ts";

describe("renderTapes", () => {
  it("shows where each tape is, its state and fill, and marks cleaning tapes", () => {
    expect(renderTapes(TAPES_REPLY).split("\n")).toEqual([
      "BARCODE   WHERE    STATE     USED      CAPACITY   FILL  NOTE",
      "AAK788L9  slot 1   in use    1.50 TiB  15.96 TiB  9.4%",
      "AAK789L9  drive 0  blank     0 KiB     15.96 TiB  0.0%",
      "CLN001L1  slot 10  cleaning  -         -          -     cleaning tape",
      "3 tapes.",
      "",
    ]);
  });

  it("says when no tape is known", () => {
    expect(renderTapes({ tapes: [] })).toMatch(/^No tapes known\./);
  });
});

describe("renderRequeued and renderAborted", () => {
  it("names each requeued task, or says there was none", () => {
    expect(renderRequeued({ requeued: ["a1b2c3d4", "deadbeef"] })).toBe(
      "Task a1b2c3d4: error state reset; it is back in the queue.\nTask deadbeef: error state reset; it is back in the queue.\n",
    );
    expect(renderRequeued({ requeued: [] })).toBe("No failed tasks to requeue.\n");
  });

  it("tells removed tasks from running tasks asked to stop", () => {
    expect(renderAborted({ aborted: ["3fa2b1c0"], stopRequested: ["0badc0de"] })).toBe(
      "Task 3fa2b1c0 removed from the queue.\nTask 0badc0de: abort requested; it is cleaning up and stops soon.\n",
    );
  });

  it("reports each id that was not acted on, in the original's words, after those that were", () => {
    expect(
      renderRequeued({
        requeued: ["a1b2c3d4"],
        skipped: [
          { id: "deadbeef", code: "UNKNOWN_JOB", message: "not found" },
          { id: "0badc0de", code: "JOB_STATE_CONFLICT", message: "was already queued" },
        ],
      }),
    ).toBe(
      "Task a1b2c3d4: error state reset; it is back in the queue.\nTask deadbeef not found.\nTask 0badc0de was already queued.\n",
    );
    expect(
      renderAborted({
        aborted: ["3fa2b1c0"],
        stopRequested: [],
        skipped: [{ id: "deadbeef", code: "UNKNOWN_JOB", message: "not found" }],
      }),
    ).toBe("Task 3fa2b1c0 removed from the queue.\nTask deadbeef not found.\n");
  });
});
