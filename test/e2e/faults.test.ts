import { mkdir, readdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVICE_REGISTRY } from "../../services/runner/registry.ts";
import { manifestPathFor } from "../../shared/manifest/index.ts";
import { waitForJob } from "../harness/stack.ts";
import { compareTrees, digestTree } from "../harness/tree-digest.ts";
import {
  type E2eStack,
  mountsBelow,
  type ServiceProcess,
  simulatedMountPoints,
  simulatorCli,
  startE2eStack,
  startServiceProcess,
  withTapeImage,
} from "./support.ts";
import {
  dataTapes,
  foldersOnTape,
  preparedFolder,
  tapeLine,
  waitForCopyUnderWay,
} from "./tape-checks.ts";

/*
 * Faults of the library and crashes of a service, through the CLI on the simulated library, as
 * an operator meets them: a drive that will not release its tape (Request Sense 53/03) once is
 * recovered by pytarchive; twice it blocks the drive until `clear-drive`, and `requeue` then
 * finishes the job without a second copy; the ltfs service killed in the middle of a copy never
 * leaves a folder "archived" with files missing, nor a tape mounted. The source folder is never
 * touched.
 */

const SOURCE_FIELDS = ["type", "size", "content", "mtimeUs", "mode", "ctimeNs"] as const;
const INCOMPLETE_FOLDER = ".pytarchive-incomplete";

interface QueueLine {
  id: string;
  progress: string | null;
  error: string | null;
}

interface Queue {
  running: QueueLine[];
  queued: QueueLine[];
  failed: QueueLine[];
}

/** The catalog's events of a job, oldest first. */
async function eventsOf(
  e2e: E2eStack,
  jobId: string,
): Promise<{ kind: string; payload: Record<string, unknown> }[]> {
  const rows = await e2e.db.query<{ kind: string; payload: unknown }>(
    "select kind, payload from events where job_id = $1 order by id",
    [jobId],
  );
  return rows.rows.map((row) => ({
    kind: row.kind,
    payload: (typeof row.payload === "string" ? JSON.parse(row.payload) : row.payload) as Record<
      string,
      unknown
    >,
  }));
}

/** The names at the top of a tape's LTFS image (the file system's own lost+found left out). */
async function topOfTape(e2e: E2eStack, tape: string): Promise<string[]> {
  return await withTapeImage(e2e.simulator, tape, "ro", async (mounted) =>
    (await readdir(mounted)).filter((name) => name !== "lost+found").sort(),
  );
}

const SMALL_TREE = { largeFiles: 1, largeFileBytes: 2 * 1024 * 1024, smallFiles: 30 };

describe("a drive that refuses to release its tape (Request Sense 53/03)", () => {
  let e2e: E2eStack;

  beforeAll(async () => {
    e2e = await startE2eStack();
  }, 120_000);

  afterAll(async () => {
    await e2e?.close();
  }, 60_000);

  it("recovers a refusal once by mounting and unmounting the tape, then unloading again", async () => {
    const [tape] = (await dataTapes(e2e)) as [string];
    const home = await tapeLine(e2e, tape);
    expect(home.location).toBe("slot");
    const source = await preparedFolder(e2e, "2024/Once Refused", SMALL_TREE);
    const before = await digestTree(source);

    await simulatorCli(e2e.simulator, "fault", ["--mtx-sense", "unload:53/03:1"]);
    const archived = await e2e.run(["archive", source, tape]);
    expect(archived).toMatchObject({ state: "done" });

    // The fault fired: nothing is left waiting.
    expect(await simulatorCli(e2e.simulator, "fault", ["--list"])).not.toMatch(/53\/03/);
    expect(await tapeLine(e2e, tape)).toMatchObject({ location: "slot", slot: home.slot });
    expect(await foldersOnTape(e2e, tape)).toEqual([[source, "projects_2024_Once Refused"]]);

    const events = await eventsOf(e2e, archived.jobId);
    const progress = events.filter((event) => event.kind === "job.progress");
    // The scheduler sent the ltfs service's `cycle` step, the ltfs service worked on it, and
    // the unload was asked for again afterwards.
    expect(progress.some((event) => event.payload.step === "cycle")).toBe(true);
    expect(
      progress.some(
        (event) =>
          event.payload.step === "cycle" && /unmounting tape/.test(String(event.payload.text)),
      ),
    ).toBe(true);
    expect(
      progress.some((event) =>
        String(event.payload.text).includes("again after mounting and unmounting"),
      ),
    ).toBe(true);
    expect(events.at(-1)?.kind).toBe("job.finished");
    expect(compareTrees(before, await digestTree(source), SOURCE_FIELDS)).toEqual([]);
  }, 180_000);

  it("blocks the drive after a second refusal; clear-drive and requeue finish the job with one copy", async () => {
    const [, tape, otherA, otherB] = (await dataTapes(e2e)) as [string, string, string, string];
    const home = await tapeLine(e2e, tape);
    const source = await preparedFolder(e2e, "2024/Twice Refused", SMALL_TREE);
    const others = [
      await preparedFolder(e2e, "2024/Meanwhile A", SMALL_TREE),
      await preparedFolder(e2e, "2024/Meanwhile B", SMALL_TREE),
    ] as const;
    const before = await digestTree(source);

    await simulatorCli(e2e.simulator, "fault", ["--mtx-sense", "unload:53/03:2"]);
    const first = await e2e.run(["archive", source, tape]);
    expect(first.state).toBe("failed");
    const queue = await e2e.cli.json<Queue>(["queue"]);
    const failed = queue.failed.find((job) => job.id === first.jobId);
    expect(failed?.error).toMatch(/do not power cycle/i);

    const held = await tapeLine(e2e, tape);
    expect(held.location).toBe("drive");
    const blocked = held.drive as number;

    // Two more archive jobs at once: without the block one of them would take the blocked
    // drive (it holds a tape no job waits for); with it both run on the other drive.
    const queued = [
      await e2e.cli.json<{ jobId: string }>(["archive", others[0], otherA]),
      await e2e.cli.json<{ jobId: string }>(["archive", others[1], otherB]),
    ];
    for (const { jobId } of queued) {
      expect(await waitForJob(e2e.cli, jobId, { timeoutMs: 120_000 })).toEqual({ state: "done" });
    }
    const drives = await e2e.db.query<{ id: string; drive: number }>(
      "select id, drive from jobs where id = any($1)",
      [queued.map((job) => job.jobId)],
    );
    expect(drives.rows).toHaveLength(2);
    for (const row of drives.rows) expect(row.drive).not.toBe(blocked);
    expect(await tapeLine(e2e, tape)).toMatchObject({ location: "drive", drive: blocked });

    const cleared = await e2e.cli.run(["clear-drive", String(blocked)]);
    expect(cleared.exitCode).toBe(0);
    expect(cleared.stdout).toMatch(new RegExp(`drive ${blocked} cleared.*was blocked since`));

    const requeued = await e2e.cli.json<{ requeued: string[] }>(["requeue", first.jobId]);
    expect(requeued.requeued).toEqual([first.jobId]);
    expect(await waitForJob(e2e.cli, first.jobId, { timeoutMs: 120_000 })).toEqual({
      state: "done",
    });
    expect(await tapeLine(e2e, tape)).toMatchObject({ location: "slot", slot: home.slot });
    const name = "projects_2024_Twice Refused";
    expect(await foldersOnTape(e2e, tape)).toEqual([[source, name]]);
    expect(await topOfTape(e2e, tape)).toEqual([name, path.basename(manifestPathFor(name))]);
    expect(compareTrees(before, await digestTree(source), SOURCE_FIELDS)).toEqual([]);
  }, 240_000);
});

describe("the ltfs service killed in the middle of a copy", () => {
  let e2e: E2eStack;
  let ltfs: ServiceProcess | null = null;

  beforeAll(async () => {
    const allButLtfs = SERVICE_REGISTRY.map((service) => service.name).filter(
      (name) => name !== "ltfs",
    );
    e2e = await startE2eStack({ only: allButLtfs });
    ltfs = await startServiceProcess(e2e, ["ltfs"], "ltfs");
  }, 120_000);

  afterAll(async () => {
    await ltfs?.stop();
    await e2e?.close();
  }, 90_000);

  it("ends archived with every file, or failed with the reason; never a tape left mounted", async () => {
    const [tape] = (await dataTapes(e2e)) as [string];
    const home = await tapeLine(e2e, tape);
    // 300 MiB of large files and 3,000 small ones (written first): about 1 to 3 s of copying
    // on this machine.
    const source = await preparedFolder(e2e, "2023/Big Scans", {
      largeFiles: 10,
      largeFileBytes: 30 * 1024 * 1024,
      smallFiles: 3000,
    });
    const before = await digestTree(source);

    const name = "projects_2023_Big Scans";
    const mountPoints = await simulatedMountPoints(e2e.simulator);
    const { jobId } = await e2e.cli.json<{ jobId: string }>(["archive", source, tape]);
    await waitForCopyUnderWay(e2e, jobId, mountPoints, name);
    await ltfs?.kill();
    // Killed in the middle of the write step: the job still runs and says it was writing (the
    // poll leaves time for the catalog to record the last report the service sent).
    await expect
      .poll(
        async () =>
          (await e2e.cli.json<Queue>(["queue"])).running.find((line) => line.id === jobId)
            ?.progress,
        { timeout: 10_000, interval: 500 },
      )
      .toMatch(new RegExp(`^writing ${name} to tape ${tape}`));
    ltfs = await startServiceProcess(e2e, ["ltfs"], "ltfs");

    const end = await waitForJob(e2e.cli, jobId, { timeoutMs: 200_000 });
    const stillMounted = (await mountsBelow(e2e.simulator)).filter((mountPoint) =>
      mountPoints.includes(mountPoint),
    );
    expect(stillMounted).toEqual([]);
    expect(await tapeLine(e2e, tape)).toMatchObject({ location: "slot", slot: home.slot });

    if (end.state === "done") {
      expect(await foldersOnTape(e2e, tape)).toEqual([[source, name]]);
      await mkdir(path.join(e2e.home, "restored"), { recursive: true });
      const target = path.join(e2e.home, "restored", "big scans");
      expect(await e2e.run(["restore", source, target])).toMatchObject({ state: "done" });
      expect(
        compareTrees(await digestTree(source, { exclude: [".cache"] }), await digestTree(target)),
      ).toEqual([]);
      // One complete copy; the interrupted one (files were being written when the service was
      // killed) is set aside, where no listing of the tape's folders takes it for one.
      const [top, aside] = await withTapeImage(e2e.simulator, tape, "ro", async (mounted) => [
        (await readdir(mounted)).filter((entry) => entry !== "lost+found").sort(),
        await readdir(path.join(mounted, INCOMPLETE_FOLDER)),
      ]);
      expect(top).toEqual([INCOMPLETE_FOLDER, name, path.basename(manifestPathFor(name))].sort());
      expect(aside).toHaveLength(1);
      expect(aside[0]?.startsWith(`${name}.${jobId}.`)).toBe(true);
    } else {
      if (end.state !== "failed") throw new Error(`job ${jobId} ended ${end.state}`);
      // Failed: it says why, and the folder is not recorded as archived anywhere.
      expect(end.error.length).toBeGreaterThan(20);
      expect(end.error).not.toMatch(/^\(no error text\)$/);
      expect(await foldersOnTape(e2e, tape)).toEqual([]);
    }
    expect(compareTrees(before, await digestTree(source), SOURCE_FIELDS)).toEqual([]);
  }, 300_000);
});

describe("pytarchive stopped in the middle of a copy and started again", () => {
  let e2e: E2eStack;

  beforeAll(async () => {
    e2e = await startE2eStack();
  }, 120_000);

  afterAll(async () => {
    await e2e?.close();
  }, 90_000);

  it("finishes the job after the restart: archived, one complete copy, tape home", async () => {
    const [tape] = (await dataTapes(e2e)) as [string];
    const home = await tapeLine(e2e, tape);
    const source = await preparedFolder(e2e, "2022/Restarted", {
      largeFiles: 10,
      largeFileBytes: 30 * 1024 * 1024,
      smallFiles: 3000,
    });
    const before = await digestTree(source);
    const name = "projects_2022_Restarted";
    const mountPoints = await simulatedMountPoints(e2e.simulator);
    const { jobId } = await e2e.cli.json<{ jobId: string }>(["archive", source, tape]);
    await waitForCopyUnderWay(e2e, jobId, mountPoints, name);
    // SIGTERM, as `systemctl stop` or Ctrl-C sends it: the services stop, the copy stops between
    // files and its step goes back to JetStream; the tape is unmounted and mounted again at start.
    await e2e.restart();

    expect(await waitForJob(e2e.cli, jobId, { timeoutMs: 200_000 })).toEqual({ state: "done" });
    expect(await foldersOnTape(e2e, tape)).toEqual([[source, name]]);
    expect(await tapeLine(e2e, tape)).toMatchObject({ location: "slot", slot: home.slot });
    const stillMounted = (await mountsBelow(e2e.simulator)).filter((mountPoint) =>
      mountPoints.includes(mountPoint),
    );
    expect(stillMounted).toEqual([]);
    const { rows } = await e2e.db.query<{ count: string }>(
      "select count(*) from files f join folders d on d.id = f.folder_id where d.path = $1",
      [source],
    );
    const sourceFiles = [...(await digestTree(source, { exclude: [".cache"] }))].filter(
      ([, entry]) => entry.type === "file",
    );
    expect(Number(rows[0]?.count)).toBe(sourceFiles.length);
    const top = await topOfTape(e2e, tape);
    expect(top.filter((entry) => entry !== INCOMPLETE_FOLDER)).toEqual(
      [name, path.basename(manifestPathFor(name))].sort(),
    );
    expect(compareTrees(before, await digestTree(source), SOURCE_FIELDS)).toEqual([]);
  }, 300_000);

  it("aborts an archive in the middle of the copy: tape unmounted and home, folder prepared again", async () => {
    const tape = (await dataTapes(e2e))[1] as string;
    const home = await tapeLine(e2e, tape);
    const source = await preparedFolder(e2e, "2022/Aborted", {
      largeFiles: 10,
      largeFileBytes: 30 * 1024 * 1024,
      smallFiles: 3000,
    });
    const before = await digestTree(source);
    const name = "projects_2022_Aborted";
    const mountPoints = await simulatedMountPoints(e2e.simulator);
    const { jobId } = await e2e.cli.json<{ jobId: string }>(["archive", source, tape]);
    await waitForCopyUnderWay(e2e, jobId, mountPoints, name);
    const aborted = await e2e.cli.json<{ stopRequested: string[] }>(["abort", jobId]);
    expect(aborted.stopRequested).toEqual([jobId]);

    await expect
      .poll(
        async () =>
          (await e2e.db.query<{ state: string }>("select state from jobs where id = $1", [jobId]))
            .rows[0]?.state,
        { timeout: 60_000, interval: 500 },
      )
      .toBe("aborted");
    expect(await tapeLine(e2e, tape)).toMatchObject({ location: "slot", slot: home.slot });
    const stillMounted = (await mountsBelow(e2e.simulator)).filter((mountPoint) =>
      mountPoints.includes(mountPoint),
    );
    expect(stillMounted).toEqual([]);
    const { rows } = await e2e.db.query<{ state: string }>(
      "select state from folders where path = $1",
      [source],
    );
    // Not archived, and prepared again: it can be archived at once (safety-job-truth tests that).
    expect(rows[0]?.state).toBe("prepared");
    expect(await foldersOnTape(e2e, tape)).toEqual([]);
    expect(compareTrees(before, await digestTree(source), SOURCE_FIELDS)).toEqual([]);
  }, 300_000);
});
