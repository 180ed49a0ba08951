import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeSampleTree } from "../harness/sample-tree.ts";
import { waitForJob } from "../harness/stack.ts";
import { type E2eStack, mountsBelow, startE2eStack } from "./support.ts";

/*
 * How the scheduler uses the drives, seen from outside: two tape jobs for two tapes run at once
 * on the library's two drives; a job queued for the tape a running job holds runs next on that
 * drive, without taking the tape home and back.
 */

let e2e: E2eStack;
let tapes: string[];

beforeAll(async () => {
  e2e = await startE2eStack();
  const listed = await e2e.cli.json<{ tapes: { barcode: string; cleaning: boolean }[] }>(["tapes"]);
  tapes = listed.tapes.filter((tape) => !tape.cleaning).map((tape) => tape.barcode);
}, 120_000);

afterAll(async () => {
  await e2e?.close();
}, 60_000);

async function prepared(name: string): Promise<string> {
  const folder = path.join(e2e.home, "projects", name);
  await makeSampleTree(folder, { largeFiles: 2, largeFileBytes: 6 * 1024 * 1024, smallFiles: 30 });
  expect(await e2e.run(["prepare", folder, `${name} data`])).toMatchObject({ state: "done" });
  return folder;
}

interface JobRow {
  id: string;
  drive: number | null;
  started_at: Date;
  finished_at: Date;
  progress: string | null;
}

async function jobRow(id: string): Promise<JobRow> {
  const { rows } = await e2e.db.query<JobRow>(
    "select id, drive, started_at, finished_at, progress from jobs where id = $1",
    [id],
  );
  return rows[0] as JobRow;
}

describe("drives", () => {
  it("runs two archive jobs for two tapes at once, one on each drive", async () => {
    const first = await prepared("first");
    const second = await prepared("second");
    const [tapeA, tapeB] = tapes as [string, string];
    const a = await e2e.cli.json<{ jobId: string }>(["archive", first, tapeA]);
    const b = await e2e.cli.json<{ jobId: string }>(["archive", second, tapeB]);
    expect(await waitForJob(e2e.cli, a.jobId)).toEqual({ state: "done" });
    expect(await waitForJob(e2e.cli, b.jobId)).toEqual({ state: "done" });
    const [rowA, rowB] = [await jobRow(a.jobId), await jobRow(b.jobId)];
    expect(new Set([rowA.drive, rowB.drive])).toEqual(new Set([0, 1]));
    // They overlapped in time: each started before the other finished.
    expect(rowA.started_at.getTime()).toBeLessThan(rowB.finished_at.getTime());
    expect(rowB.started_at.getTime()).toBeLessThan(rowA.finished_at.getTime());
    const listed = await e2e.cli.json<{ tapes: { barcode: string; location: string }[] }>([
      "tapes",
    ]);
    expect(await mountsBelow(path.join(e2e.simulator, "mnt"))).toEqual([]);
    for (const tape of [tapeA, tapeB]) {
      expect(listed.tapes.find((entry) => entry.barcode === tape)?.location).toBe("slot");
    }
  }, 240_000);

  it("keeps a tape in its drive for the job queued for it next: one load and one unload for both", async () => {
    const third = await prepared("third");
    const fourth = await prepared("fourth");
    const tape = tapes[2] as string;
    const logFrom = e2e.stack.output.length;
    const archive = await e2e.cli.json<{ jobId: string }>(["archive", third, tape]);
    // Queued while the first runs: it needs the same tape, so it waits for it.
    const next = await e2e.cli.json<{ jobId: string }>(["archive", fourth, tape]);
    expect(await waitForJob(e2e.cli, archive.jobId)).toEqual({ state: "done" });
    expect(await waitForJob(e2e.cli, next.jobId)).toEqual({ state: "done" });
    const archiveRow = await jobRow(archive.jobId);
    const nextRow = await jobRow(next.jobId);
    expect(archiveRow.progress).toBe(
      `tape ${tape} stays in drive ${archiveRow.drive} for job ${next.jobId}`,
    );
    expect(nextRow.drive).toBe(archiveRow.drive);
    const { rows } = await e2e.db.query<{ payload: { summary?: string } }>(
      "select payload from events where job_id = $1 and kind = 'job.finished'",
      [next.jobId],
    );
    expect(rows).toHaveLength(1);
    const listed = await e2e.cli.json<{ tapes: { barcode: string; location: string }[] }>([
      "tapes",
    ]);
    expect(listed.tapes.find((entry) => entry.barcode === tape)?.location).toBe("slot");
    expect(await mountsBelow(path.join(e2e.simulator, "mnt"))).toEqual([]);
    // What the changer did with the tape, from its log: the robot moved it twice in all, and
    // the second job's load did not even ask it (the tape was in the drive).
    const changerLines = e2e.stack.output
      .slice(logFrom)
      .flatMap((line) => (line.startsWith("{") ? [JSON.parse(line) as ChangerLogLine] : []))
      .filter((line) => line.service === "changer" && line.barcode === tape);
    expect(
      changerLines.filter((line) => line.msg === "moved a tape").map((line) => line.plan?.action),
    ).toEqual(["load", "unload"]);
    expect(changerLines.filter((line) => line.msg !== "moved a tape")).toEqual([]);
  }, 240_000);
});

interface ChangerLogLine {
  service?: string;
  msg?: string;
  barcode?: string;
  plan?: { action?: string };
}
