import { describe, expect, it } from "vitest";
import { historyVerb } from "../../../cli/commands/history.ts";
import { renderHistory } from "../../../cli/render/history.ts";
import { renderQueue } from "../../../cli/render/queue.ts";
import { renderAborted } from "../../../cli/render/queue-changes.ts";
import { CliUsageError } from "../../../cli/usage-error.ts";
import type { HistoryJob, QueueJob } from "../../../shared/messages/commands.ts";

/** A local time as ISO text, so the rendered times read the same in any time zone. */
function local(year: number, month: number, day: number, h: number, m: number, s: number) {
  return new Date(year, month - 1, day, h, m, s).toISOString();
}

const DONE: HistoryJob = {
  id: "3fa2b1c0",
  kind: "archive",
  outcome: "done",
  description: "Archiving folder: /srv/p/alpha to tape AAK788L9",
  error: null,
  summary: "moved to slot 3: tape AAK788L9",
  createdAt: local(2026, 12, 7, 9, 11, 0),
  startedAt: local(2026, 12, 7, 9, 12, 3),
  finishedAt: local(2026, 12, 7, 9, 14, 40),
  bytes: 1_288_490_189,
  files: 1204,
  attempts: 1,
  args: { folder: "/srv/p/alpha", tape: "AAK788L9" },
};

const FAILED: HistoryJob = {
  ...DONE,
  id: "deadbeef",
  outcome: "failed",
  error: "TAPE_TOO_FULL: Tape AAK789L9 has 1.0 GiB free\nWhat to do: Archive it onto another tape.",
  summary: "failed at write",
  bytes: null,
  files: null,
};

describe("pytarchive history", () => {
  it("parses --failed, --since and --limit into the request", () => {
    expect(historyVerb.parse(["--failed", "--since", "2026-12-01", "--limit", "7"], "/")).toEqual({
      json: false,
      request: { failed: true, since: "2026-12-01", limit: 7 },
    });
    expect(historyVerb.parse(["--json"], "/")).toEqual({ json: true, request: {} });
  });

  it.each([
    [["--limit", "0"], /--limit must be a whole number from 1 to 1000/],
    [["--limit", "1001"], /--limit must be a whole number from 1 to 1000/],
    [["--limit", "ten"], /--limit must be a whole number/],
    [["--since", "yesterday"], /--since takes a date such as 2026-12-01/],
    [["extra"], /Unexpected argument 'extra'/],
  ])("refuses %j before anything is sent", (argv, message) => {
    expect(() => historyVerb.parse(argv, "/")).toThrow(CliUsageError);
    expect(() => historyVerb.parse(argv, "/")).toThrow(message);
  });

  it("shows each finished task with its outcome, times, bytes and files, and a failure's error", () => {
    expect(renderHistory({ jobs: [DONE, FAILED] }, {}).split("\n")).toEqual([
      "2 finished tasks, the newest first:",
      "",
      "[3fa2b1c0] done - Archiving folder: /srv/p/alpha to tape AAK788L9",
      "    2026-12-07 09:12:03 → 09:14:40 (2 min 37 s), 1.2 GiB in 1204 files",
      "    moved to slot 3: tape AAK788L9",
      "",
      "[deadbeef] failed - Archiving folder: /srv/p/alpha to tape AAK788L9",
      "    2026-12-07 09:12:03 → 09:14:40 (2 min 37 s)",
      "    TAPE_TOO_FULL: Tape AAK789L9 has 1.0 GiB free",
      "    What to do: Archive it onto another tape.",
      "",
    ]);
    expect(renderHistory({ jobs: [] }, { failed: true, since: "2026-12-01" })).toBe(
      "No failed tasks since 2026-12-01.\n",
    );
  });
});

describe("queue and abort tell what happened", () => {
  const ended: QueueJob = {
    id: "3fa2b1c0",
    kind: "archive",
    priority: 100,
    state: "aborted",
    description: "Archiving folder: /srv/p/alpha to tape AAK788L9",
    progress: "moved to slot 3: tape AAK788L9",
    error: null,
    attempts: 1,
    createdAt: DONE.createdAt,
    args: {},
    finishedAt: DONE.finishedAt,
  };

  it("queue lists tasks that ended lately with their outcome", () => {
    expect(renderQueue({ running: [], queued: [], failed: [], recent: [ended] })).toBe(
      [
        "Queue state: 0 tasks (0 failed, 0 running, 0 queued)",
        "",
        "Nothing is running or queued.",
        "",
        "Ended in the last 10 minutes (all: `pytarchive history`):",
        "[3fa2b1c0] aborted - Archiving folder: /srv/p/alpha to tape AAK788L9 [moved to slot 3: tape AAK788L9]",
        "",
      ].join("\n"),
    );
  });

  it("abort says 'too late: archived' for a job past its point of no return", () => {
    expect(
      renderAborted({
        aborted: [],
        stopRequested: [],
        tooLate: [{ id: "3fa2b1c0", message: "too late: archived" }],
      }),
    ).toBe("Task 3fa2b1c0: too late: archived; it was not aborted and ends done.\n");
  });
});
