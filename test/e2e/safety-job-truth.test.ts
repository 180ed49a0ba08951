import { access, readdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVICE_REGISTRY } from "../../services/runner/registry.ts";
import { manifestPathFor } from "../../shared/manifest/index.ts";
import { makeSampleTree } from "../harness/sample-tree.ts";
import { compareTrees, digestTree } from "../harness/tree-digest.ts";
import {
  type E2eStack,
  mountsBelow,
  type ServiceProcess,
  simulatedMountPoints,
  startE2eStack,
  startServiceProcess,
  withTapeImage,
} from "./support.ts";

/*
 * What pytarchive says about a job is what the catalog holds, through the CLI on the simulated
 * library: an abort answered "abort requested" ends the job aborted with the folder prepared
 * (not archived); an abort after the point of no return answers "too late: archived" and the
 * job ends done; an archive that fails (TAPE_TOO_FULL) or is aborted mid-copy leaves its folder
 * prepared, archivable to another tape at once; `history` lists finished jobs with outcome,
 * times, bytes and files. The ltfs service runs in a process of its own so that one test can
 * hold it still (SIGSTOP) right after the folder was recorded archived.
 */

const SOURCE_FIELDS = ["type", "size", "content", "mtimeUs", "mode", "ctimeNs"] as const;

interface HistoryEntry {
  id: string;
  kind: string;
  outcome: string;
  error: string | null;
  startedAt: string | null;
  finishedAt: string;
  bytes: number | null;
  files: number | null;
}

interface AbortReply {
  aborted: string[];
  stopRequested: string[];
  tooLate?: { id: string; message: string }[];
}

describe("job outcomes are what the user was told", () => {
  let e2e: E2eStack;
  let ltfs: ServiceProcess | null = null;
  let tapes: string[] = [];
  const testStarted = new Date();

  beforeAll(async () => {
    const allButLtfs = SERVICE_REGISTRY.map((service) => service.name).filter(
      (name) => name !== "ltfs",
    );
    e2e = await startE2eStack({ only: allButLtfs });
    ltfs = await startServiceProcess(e2e, ["ltfs"], "ltfs");
    const listed = await e2e.cli.json<{ tapes: { barcode: string; cleaning: boolean }[] }>([
      "tapes",
    ]);
    tapes = listed.tapes.filter((tape) => !tape.cleaning).map((tape) => tape.barcode);
  }, 120_000);

  afterAll(async () => {
    if (ltfs !== null && ltfs.process.pid !== undefined) {
      // Never leave it stopped: a stopped process does not exit on SIGTERM.
      process.kill(ltfs.process.pid, "SIGCONT");
    }
    await ltfs?.stop();
    await e2e?.close();
  });

  const tape = (index: number): string => {
    const barcode = tapes[index];
    if (barcode === undefined) throw new Error(`the simulated library has no data tape #${index}`);
    return barcode;
  };

  async function jobRow(jobId: string) {
    const { rows } = await e2e.db.query<{
      state: string;
      abort_requested: boolean;
      error: string | null;
    }>("select state, abort_requested, error from jobs where id = $1", [jobId]);
    return rows[0];
  }

  async function folderRow(folder: string) {
    const { rows } = await e2e.db.query<{
      state: string;
      tape_barcode: string | null;
      size_kib: string;
    }>("select state, tape_barcode, size_kib from folders where path = $1", [folder]);
    return rows[0];
  }

  async function ended(jobId: string, timeout = 180_000): Promise<string> {
    await expect
      .poll(async () => (await jobRow(jobId))?.state, { timeout, interval: 250 })
      .toMatch(/^(done|failed|aborted)$/);
    return (await jobRow(jobId))?.state ?? "unknown";
  }

  /** Folders `summary` lists on `barcode`, and the prepared ones. */
  async function summary(barcode: string) {
    const reply = await e2e.cli.json<{
      tapes: { barcode: string; folders: { path: string }[] }[];
      prepared: { path: string }[];
    }>(["summary"]);
    return {
      onTape: (reply.tapes.find((entry) => entry.barcode === barcode)?.folders ?? []).map(
        (folder) => folder.path,
      ),
      prepared: reply.prepared.map((folder) => folder.path),
    };
  }

  async function preparedFolder(relative: string, tree: Parameters<typeof makeSampleTree>[1]) {
    const folder = path.join(e2e.home, "srv", "projects", relative);
    await makeSampleTree(folder, tree);
    expect(await e2e.run(["prepare", folder, `job truth: ${relative}`])).toMatchObject({
      state: "done",
    });
    return folder;
  }

  /** Archives `folder` to `barcode` through the CLI and expects it archived there. */
  async function archivedTo(folder: string, barcode: string): Promise<string> {
    const end = await e2e.run(["archive", folder, barcode]);
    expect(end).toMatchObject({ state: "done" });
    expect(await folderRow(folder)).toMatchObject({ state: "archived", tape_barcode: barcode });
    expect((await summary(barcode)).onTape).toContain(folder);
    return end.jobId;
  }

  /**
   * The aborted job's copy on `barcode` (in its slot) was moved aside: the name is free, and
   * `.pytarchive-incomplete/` holds `<name>.<job>.…` (with its manifest when it was complete).
   */
  async function copyMovedAside(barcode: string, name: string, jobId: string) {
    const [top, aside] = await withTapeImage(e2e.simulator, barcode, "ro", async (mounted) => [
      (await readdir(mounted)).filter((entry) => entry !== "lost+found").sort(),
      await readdir(path.join(mounted, ".pytarchive-incomplete")).catch(() => []),
    ]);
    expect(top).toEqual([".pytarchive-incomplete"]);
    expect(aside.some((entry) => entry.startsWith(`${name}.${jobId}.`))).toBe(true);
    expect(aside.every((entry) => entry.startsWith(`${name}.${jobId}.`))).toBe(true);
  }

  async function nothingMounted() {
    const mountPoints = await simulatedMountPoints(e2e.simulator);
    const mounted = (await mountsBelow(e2e.simulator)).filter((mountPoint) =>
      mountPoints.includes(mountPoint),
    );
    expect(mounted).toEqual([]);
  }

  it("an archive aborted during its read-back ends as the abort's answer says", async () => {
    const folder = await preparedFolder("2023/ReadBack", {
      largeFiles: 4,
      largeFileBytes: 20 * 1024 * 1024,
      smallFiles: 2500,
    });
    const before = await digestTree(folder);
    const { jobId } = await e2e.cli.json<{ jobId: string }>(["archive", folder, tape(0)]);
    // The read-back is the verify step: abort as soon as it reports.
    await expect
      .poll(
        async () => {
          const { rows } = await e2e.db.query(
            "select 1 from events where job_id = $1 and kind = 'job.progress' and payload->>'step' = 'verify'",
            [jobId],
          );
          const state = (await jobRow(jobId))?.state ?? "unknown";
          return rows.length > 0 || !["queued", "running"].includes(state);
        },
        { timeout: 180_000, interval: 20 },
      )
      .toBe(true);
    const reply = await e2e.cli.json<AbortReply>(["abort", jobId]);
    const end = await ended(jobId);
    // Which answer the race gave; either way the catalog must agree with it.
    console.info(
      `abort during the read-back answered ${JSON.stringify(reply)}; the job ended ${end}`,
    );
    if (reply.stopRequested.includes(jobId)) {
      // Told "abort requested": it ends aborted, the folder is not archived but prepared.
      expect(end).toBe("aborted");
      expect(await folderRow(folder)).toMatchObject({ state: "prepared" });
      expect((await summary(tape(0))).onTape).toEqual([]);
      expect((await summary(tape(0))).prepared).toContain(folder);
      const { rows } = await e2e.db.query(
        "select count(*)::int as n from files join folders on folders.id = files.folder_id where folders.path = $1",
        [folder],
      );
      expect(rows[0]?.n).toBe(0);
      await copyMovedAside(tape(0), "projects_2023_ReadBack", jobId);
      // And it can be archived again at once, here to another tape.
      await archivedTo(folder, tape(1));
    } else {
      // Told "too late: archived": it ends done, the folder archived.
      expect(reply.tooLate).toEqual([{ id: jobId, message: "too late: archived" }]);
      expect(end).toBe("done");
      expect(await folderRow(folder)).toMatchObject({ state: "archived", tape_barcode: tape(0) });
    }
    await nothingMounted();
    expect(compareTrees(before, await digestTree(folder), SOURCE_FIELDS)).toEqual([]);
  }, 400_000);

  it("an abort after the folder was read back and recorded answers 'too late: archived' and the job ends done", async () => {
    const folder = await preparedFolder("2023/TooLate", {
      largeFiles: 1,
      largeFileBytes: 4 * 1024 * 1024,
      smallFiles: 200,
    });
    const pid = ltfs?.process.pid;
    if (pid === undefined) throw new Error("the ltfs service process has no pid");
    const { jobId } = await e2e.cli.json<{ jobId: string }>(["archive", folder, tape(2)]);
    // The point of no return: the verification service recorded the folder archived. Hold the
    // ltfs service still right then, so the job cannot unmount and end before the abort.
    await expect
      .poll(async () => (await folderRow(folder))?.state, { timeout: 180_000, interval: 10 })
      .toBe("archived");
    process.kill(pid, "SIGSTOP");
    try {
      expect((await jobRow(jobId))?.state).toBe("running");
      const reply = await e2e.cli.json<AbortReply>(["abort", jobId]);
      expect(reply).toEqual({
        aborted: [],
        stopRequested: [],
        tooLate: [{ id: jobId, message: "too late: archived" }],
      });
      const text = await e2e.cli.run(["abort", jobId]);
      expect(text.stdout).toBe(
        `Task ${jobId}: too late: archived; it was not aborted and ends done.\n`,
      );
      expect((await jobRow(jobId))?.abort_requested).toBe(false);
    } finally {
      process.kill(pid, "SIGCONT");
    }
    expect(await ended(jobId)).toBe("done");
    expect(await folderRow(folder)).toMatchObject({ state: "archived", tape_barcode: tape(2) });
    expect((await summary(tape(2))).onTape).toEqual([folder]);
    await nothingMounted();
  }, 400_000);

  it("an archive that fails TAPE_TOO_FULL leaves its folder prepared, archivable to another tape at once", async () => {
    const folder = await preparedFolder("2023/TooBig", {
      largeFiles: 1,
      largeFileBytes: 2 * 1024 * 1024,
      smallFiles: 20,
    });
    const measured = await e2e.db.query<Record<string, unknown>>(
      "select size_kib, apparent_bytes from folders where path = $1",
      [folder],
    );
    const { jobId } = await e2e.cli.json<{ jobId: string }>(["archive", folder, tape(3)]);
    // Past the catalog's own room check (it was queued): the folder now measures 3 GiB, more
    // than the simulated 1 GiB tape, so the write step's check on the mounted tape refuses it.
    await e2e.db.query("update folders set size_kib = $2, apparent_bytes = $3 where path = $1", [
      folder,
      3 * 1024 * 1024,
      3 * 1024 ** 3,
    ]);
    expect(await ended(jobId)).toBe("failed");
    expect((await jobRow(jobId))?.error).toMatch(/^TAPE_TOO_FULL: /);
    // Back to what prepare measured: the fault was ours, the folder did not change.
    await e2e.db.query("update folders set size_kib = $2, apparent_bytes = $3 where path = $1", [
      folder,
      measured.rows[0]?.size_kib,
      measured.rows[0]?.apparent_bytes,
    ]);
    expect(await folderRow(folder)).toMatchObject({ state: "prepared" });
    expect((await summary(tape(3))).prepared).toContain(folder);
    const queue = await e2e.cli.json<{ failed: { id: string; error: string }[] }>(["queue"]);
    expect(queue.failed.map((job) => job.id)).toContain(jobId);
    const failedHistory = await e2e.cli.json<{ jobs: HistoryEntry[] }>(["history", "--failed"]);
    expect(failedHistory.jobs.map((job) => [job.id, job.outcome])).toContainEqual([
      jobId,
      "failed",
    ]);
    await nothingMounted();

    // At once, to another tape: the new archive replaces the failed job.
    await archivedTo(folder, tape(4));
    expect((await jobRow(jobId))?.state).toBe("aborted");
  }, 400_000);

  it("an archive aborted mid-copy ends aborted, its folder prepared and archivable to another tape", async () => {
    const folder = await preparedFolder("2023/MidCopy", {
      largeFiles: 8,
      largeFileBytes: 30 * 1024 * 1024,
      smallFiles: 2000,
    });
    const name = "projects_2023_MidCopy";
    const mountPoints = await simulatedMountPoints(e2e.simulator);
    const { jobId } = await e2e.cli.json<{ jobId: string }>(["archive", folder, tape(5)]);
    await expect
      .poll(
        async () => {
          for (const mountPoint of mountPoints) {
            const copy = path.join(mountPoint, name);
            const started = await access(copy).then(
              () => true,
              () => false,
            );
            const finished = await access(manifestPathFor(copy)).then(
              () => true,
              () => false,
            );
            if (started && !finished) return true;
          }
          return (await jobRow(jobId))?.state !== "running" ? "not copying" : false;
        },
        { timeout: 180_000, interval: 10 },
      )
      .toBe(true);
    const reply = await e2e.cli.json<AbortReply>(["abort", jobId]);
    expect(reply.stopRequested).toEqual([jobId]);
    expect(await ended(jobId)).toBe("aborted");
    expect(await folderRow(folder)).toMatchObject({ state: "prepared" });
    expect((await summary(tape(5))).onTape).toEqual([]);
    await nothingMounted();
    await copyMovedAside(tape(5), name, jobId);
    await archivedTo(folder, tape(6));
  }, 400_000);

  it("history lists finished jobs, newest first, with outcome, times, bytes and files; --failed, --since and --json work", async () => {
    const all = (await e2e.cli.json<{ jobs: HistoryEntry[] }>(["history"])).jobs;
    expect(all.length).toBeGreaterThan(0);
    const ends = all.map((job) => Date.parse(job.finishedAt));
    expect([...ends].sort((a, b) => b - a)).toEqual(ends);
    expect(new Set(all.map((job) => job.outcome))).toEqual(new Set(["done", "aborted"]));
    // Each archive that ended done says what it moved, as the catalog recorded its files.
    const archives = all.filter((job) => job.kind === "archive" && job.outcome === "done");
    expect(archives.length).toBeGreaterThanOrEqual(3);
    for (const job of archives) {
      const { rows } = await e2e.db.query<{ files: number; bytes: string }>(
        `select count(*)::int as files, coalesce(sum(size_bytes), 0)::text as bytes
           from files join folders on folders.id = files.folder_id
          where folders.path = (select args->>'folder' from jobs where id = $1)`,
        [job.id],
      );
      expect([job.files, job.bytes]).toEqual([rows[0]?.files, Number(rows[0]?.bytes)]);
      expect(job.files).toBeGreaterThan(0);
      expect(Date.parse(job.startedAt ?? "")).toBeLessThanOrEqual(Date.parse(job.finishedAt));
      expect(Date.parse(job.startedAt ?? "")).toBeGreaterThanOrEqual(testStarted.getTime() - 1000);
    }
    // The failed TAPE_TOO_FULL job was replaced by a new archive of its folder: aborted, its
    // error kept; nothing failed is left.
    expect((await e2e.cli.json<{ jobs: HistoryEntry[] }>(["history", "--failed"])).jobs).toEqual(
      [],
    );
    expect(
      all.some((job) => job.outcome === "aborted" && /^TAPE_TOO_FULL/.test(job.error ?? "")),
    ).toBe(true);
    const later = new Date(Date.now() + 60_000).toISOString();
    expect(
      (await e2e.cli.json<{ jobs: HistoryEntry[] }>(["history", "--since", later])).jobs,
    ).toEqual([]);
    const since = await e2e.cli.json<{ jobs: HistoryEntry[] }>([
      "history",
      "--since",
      testStarted.toISOString(),
      "--limit",
      "2",
    ]);
    expect(since.jobs.map((job) => job.id)).toEqual(all.slice(0, 2).map((job) => job.id));
    const text = await e2e.cli.run(["history", "--limit", "1"]);
    expect(text.stdout).toMatch(
      new RegExp(
        `^1 finished task, the newest first:\\n\\n\\[${all[0]?.id}\\] ${all[0]?.outcome} - `,
      ),
    );
    const bad = await e2e.cli.run(["history", "--since", "yesterday"]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--since takes a date/);
  }, 120_000);
});
