import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimNextJob, findFolderByPath, getJob } from "../../../services/catalog/db/index.ts";
import type { PytarchiveConfig } from "../../../shared/config/types.ts";
import { catalogDatabaseFactories, type TestCatalogDatabase } from "../../helpers/databases.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import { snapshotTree } from "../compression/tree-snapshot.ts";
import { type CommandClient, connectCommandClient } from "../gateway/support.ts";
import {
  countFilesWithoutCache,
  duKiB,
  duKiBWithoutCache,
  instantInventoryWorker,
  listArchiveEntries,
  makeProjectTree,
  schedulerTestConfig,
  startFrontDoor,
  startOrder,
  startWorkers,
  uniqueLibraryId,
  waitForJobState,
} from "./support.ts";

let server: TestNatsServer;
let root: string;

beforeAll(async () => {
  server = await startNatsServer();
  root = await fs.mkdtemp(path.join(os.tmpdir(), "pyt-scheduler-"));
});

afterAll(async () => {
  await server?.dispose();
  if (root) await fs.rm(root, { recursive: true, force: true });
});

describe.each(catalogDatabaseFactories)(
  "prepare jobs run by the scheduler on $dialect",
  (factory) => {
    let database: TestCatalogDatabase;
    let frontDoor: Awaited<ReturnType<typeof startFrontDoor>>;
    let client: CommandClient;
    let config: PytarchiveConfig;
    let sources: string;

    beforeAll(async () => {
      database = await factory.open();
      const libraryId = uniqueLibraryId();
      const home = path.join(root, libraryId);
      sources = path.join(home, "sources");
      await fs.mkdir(sources, { recursive: true });
      config = schedulerTestConfig({ libraryId, natsUrl: server.url, root: home });
      frontDoor = await startFrontDoor(config, database.db);
      client = await connectCommandClient(server.url, libraryId);
    });

    afterAll(async () => {
      await client?.close();
      await frontDoor?.stop();
      await database?.close();
    });

    it("prepares a folder queued through the gateway: du -s size, file count, job done, queue empty", async () => {
      const folder = await makeProjectTree(sources, "Projekt Alpha 2021");
      const before = await snapshotTree(folder);
      const workers = await startWorkers(config);
      try {
        const { jobId } = await client.send("prepare", {
          folder,
          description: "Alpha, ended 2021",
          compress: false,
        });
        const job = await waitForJobState(database.db, jobId, ["done", "failed"]);
        expect(job.error).toBeNull();
        expect(job.state).toBe("done");
        expect(job.attempts).toBe(1);

        const prepared = await findFolderByPath(database.db, folder);
        expect(prepared).toMatchObject({
          state: "prepared",
          description: "Alpha, ended 2021",
          sizeKib: await duKiBWithoutCache(folder),
          fileCount: await countFilesWithoutCache(folder),
          compressed: false,
          archivePath: null,
        });
        // 2 large, readme, 2 empty, 2 with Unicode names, 120 notes; .cache left out.
        expect(prepared?.fileCount).toBe(127);
        expect(job.progress).toMatch(/^127 files, \d/);

        const queue = await client.send("queue", {});
        expect([queue.running, queue.queued, queue.failed]).toEqual([[], [], []]);
        const summary = await client.send("summary", {});
        expect(
          summary.prepared.map((entry) => [entry.path, entry.sizeKiB, entry.fileCount]),
        ).toEqual([[folder, prepared?.sizeKib, 127]]);
      } finally {
        await workers.stop();
      }
      expect(await snapshotTree(folder)).toEqual(before);
    });

    it("packs a folder prepared with --compress into scratch_path and records the archive's size", async () => {
      const folder = await makeProjectTree(sources, "Projekt Beta");
      const before = await snapshotTree(folder);
      const workers = await startWorkers(config);
      try {
        const { jobId } = await client.send("prepare", {
          folder,
          description: "Beta",
          compress: true,
        });
        const job = await waitForJobState(database.db, jobId, ["done", "failed"]);
        expect(job.error).toBeNull();
        expect(job.state).toBe("done");

        const prepared = await findFolderByPath(database.db, folder);
        const archive = prepared?.archivePath ?? "";
        expect(path.dirname(archive)).toBe(config.general.scratchPath);
        expect(path.basename(archive)).toMatch(
          /^s[0-9a-f]{8}_sources_Projekt Beta-[0-9a-f]{8}\.tar\.zst$/,
        );
        expect(prepared).toMatchObject({
          state: "prepared",
          compressed: true,
          sizeKib: await duKiB(archive),
          fileCount: await countFilesWithoutCache(folder),
        });
        // The archive is smaller than the folder: random data does not compress, but blocks do.
        expect(prepared?.sizeKib).toBeLessThan(await duKiBWithoutCache(folder));
        const entries = await listArchiveEntries(archive);
        expect(entries).toContain("Projekt Beta/names with spaces/日本語.txt");
        expect(entries).toContain("Projekt Beta/nested/a/b/c/empty too.txt");
        expect(entries.filter((entry) => entry.includes(".cache"))).toEqual([]);
        expect(await fs.readdir(config.general.scratchPath)).toEqual([path.basename(archive)]);
        expect(job.progress).toContain(`packed into ${archive}`);
      } finally {
        await workers.stop();
      }
      expect(await snapshotTree(folder)).toEqual(before);
    });

    it("starts a queued job at once on its job.queued event, without waiting for the next poll", async () => {
      const folder = await makeProjectTree(sources, "Projekt Eile", { largeMiB: 1 });
      const workers = await startWorkers(config, { scheduler: { pollIntervalMs: 600_000 } });
      try {
        // Let the scheduler's first look (at start) pass, so only the event can start the job.
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        const { jobId } = await client.send("prepare", {
          folder,
          description: "now",
          compress: false,
        });
        const job = await waitForJobState(database.db, jobId, ["done", "failed"], 10_000);
        expect(job.state).toBe("done");
      } finally {
        await workers.stop();
      }
    });

    it("starts jobs by priority, then age: two prepares before an older inventory", async () => {
      const first = await makeProjectTree(sources, "Priority One", { largeMiB: 1 });
      const second = await makeProjectTree(sources, "Priority Two", { largeMiB: 1 });
      // Queued while no scheduler runs, so the order of starts is the scheduler's choice alone.
      const inventory = await client.send("inventory", { folders: [sources] });
      const prepareOne = await client.send("prepare", {
        folder: first,
        description: "one",
        compress: false,
      });
      const prepareTwo = await client.send("prepare", {
        folder: second,
        description: "two",
        compress: false,
      });
      const workers = await startWorkers(config, {
        scheduler: { kinds: ["prepare", "inventory"] },
        extra: [instantInventoryWorker],
      });
      try {
        const ids = [prepareOne.jobId, prepareTwo.jobId, inventory.jobId];
        for (const id of ids) {
          expect((await waitForJobState(database.db, id, ["done", "failed"])).state).toBe("done");
        }
        const order = (await startOrder(database.db)).filter((id) => ids.includes(id));
        expect(order).toEqual([prepareOne.jobId, prepareTwo.jobId, inventory.jobId]);
        // One job that needs no drive at a time ([Compression] concurrency = 1).
        const [one, two, report] = await Promise.all(ids.map((id) => getJob(database.db, id)));
        expect(one?.finishedAt?.getTime()).toBeLessThanOrEqual(two?.startedAt?.getTime() ?? 0);
        expect(two?.finishedAt?.getTime()).toBeLessThanOrEqual(report?.startedAt?.getTime() ?? 0);
        expect(report?.progress).toBe("nothing to report");
      } finally {
        await workers.stop();
      }
    });

    it("fails a prepare whose folder vanished after queuing, lists the error, and runs it again on requeue", async () => {
      const folder = await makeProjectTree(sources, "Projekt Gamma", { largeMiB: 1 });
      const { jobId } = await client.send("prepare", {
        folder,
        description: "Gamma",
        compress: false,
      });
      const moved = `${folder} (moved away)`;
      await fs.rename(folder, moved);
      const workers = await startWorkers(config);
      try {
        const failed = await waitForJobState(database.db, jobId, ["failed", "done"]);
        expect(failed.state).toBe("failed");
        expect(failed.error).toBe(
          `FOLDER_NOT_FOUND: ${folder} does not exist\nWhat to do: Check the path; on a network share, check that it is mounted.`,
        );
        const queue = await client.send("queue", {});
        expect(queue.failed.map((job) => [job.id, job.error])).toEqual([[jobId, failed.error]]);
        expect(queue.running).toEqual([]);
        expect(await findFolderByPath(database.db, folder)).toMatchObject({
          state: "failed",
          error: failed.error,
        });

        await fs.rename(moved, folder);
        expect(await client.send("requeue", { ids: [jobId] })).toEqual({ requeued: [jobId] });
        const done = await waitForJobState(database.db, jobId, ["done", "failed"]);
        expect(done).toMatchObject({ state: "done", error: null, attempts: 2 });
        expect(await findFolderByPath(database.db, folder)).toMatchObject({
          state: "prepared",
          error: null,
          sizeKib: await duKiBWithoutCache(folder),
        });
      } finally {
        await workers.stop();
      }
    });

    it("sends the step of a job a crashed scheduler claimed but never sent, when it starts again", async () => {
      const folder = await makeProjectTree(sources, "Projekt Epsilon", { largeMiB: 1 });
      const { jobId } = await client.send("prepare", {
        folder,
        description: "orphan",
        compress: false,
      });
      // What a scheduler that died right after its claim leaves: running, no step sent.
      const claimed = await claimNextJob(database.db, { kinds: ["prepare"] });
      expect(claimed).toMatchObject({ id: jobId, state: "running", progress: null });
      const workers = await startWorkers(config);
      try {
        const job = await waitForJobState(database.db, jobId, ["done", "failed"]);
        expect(job).toMatchObject({ state: "done", attempts: 1, error: null });
        expect((await findFolderByPath(database.db, folder))?.state).toBe("prepared");
      } finally {
        await workers.stop();
      }
    });

    it("fails a job whose worker never answers, naming the service, and runs it once the worker is back", async () => {
      const folder = await makeProjectTree(sources, "Projekt Delta", { largeMiB: 1 });
      const silent = await startWorkers(config, {
        compression: null,
        scheduler: { stallTimeoutMs: 1_500 },
      });
      const { jobId } = await client.send("prepare", {
        folder,
        description: "Delta",
        compress: false,
      });
      try {
        const failed = await waitForJobState(database.db, jobId, ["failed", "done"]);
        expect(failed.error).toMatch(
          new RegExp(
            `^WORKER_SILENT: The compression service has said nothing about job ${jobId} for \\d+(\\.\\d)? s: it is not running, or it hangs\\.\\nWhat to do: Start it`,
          ),
        );
        expect((await findFolderByPath(database.db, folder))?.state).toBe("failed");
      } finally {
        await silent.stop();
      }
      const workers = await startWorkers(config);
      try {
        await client.send("requeue", { ids: [jobId] });
        // The first attempt's step still waits in the queue: it is skipped, the second one runs.
        const done = await waitForJobState(database.db, jobId, ["done", "failed"]);
        expect(done).toMatchObject({ state: "done", attempts: 2 });
        expect((await findFolderByPath(database.db, folder))?.state).toBe("prepared");
      } finally {
        await workers.stop();
      }
    });
  },
);
