import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findFolderByPath, getJob, listEvents } from "../../../services/catalog/db/index.ts";
import { createCompressionService } from "../../../services/compression/index.ts";
import { runServices } from "../../../services/runner/index.ts";
import { createSchedulerService } from "../../../services/scheduler/index.ts";
import type { PytarchiveConfig } from "../../../shared/config/types.ts";
import { runCommand } from "../../../shared/exec/index.ts";
import { pgliteDatabaseFactory, type TestCatalogDatabase } from "../../helpers/databases.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import { snapshotTree } from "../compression/tree-snapshot.ts";
import { type CommandClient, connectCommandClient } from "../gateway/support.ts";
import {
  countFilesWithoutCache,
  duKiB,
  listArchiveEntries,
  quietLog,
  schedulerTestConfig,
  schedulerTestConfigText,
  startFrontDoor,
  uniqueLibraryId,
  waitFor,
  waitForJobState,
} from "../scheduler/support.ts";
import { COMPRESSION_TEST_OPTIONS, makeSlowTree, spawnCompression } from "./support.ts";

let server: TestNatsServer;
let root: string;
let database: TestCatalogDatabase;
let frontDoor: Awaited<ReturnType<typeof startFrontDoor>>;
let client: CommandClient;
let config: PytarchiveConfig;
let configFile: string;
let sources: string;

beforeAll(async () => {
  server = await startNatsServer();
  root = await fs.mkdtemp(path.join(os.tmpdir(), "pyt-compression-service-"));
  database = await pgliteDatabaseFactory.open();
  const libraryId = uniqueLibraryId();
  // gzip: one thread, slow on random data, so there is time to abort or kill mid-way.
  const options = { libraryId, natsUrl: server.url, root, program: "gzip" as const };
  config = schedulerTestConfig(options);
  configFile = path.join(root, "pytarchive.conf");
  await fs.writeFile(configFile, schedulerTestConfigText(options));
  sources = path.join(root, "sources");
  await fs.mkdir(sources, { recursive: true });
  frontDoor = await startFrontDoor(config, database.db);
  client = await connectCommandClient(server.url, libraryId);
});

afterAll(async () => {
  await client?.close();
  await frontDoor?.stop();
  await database?.close();
  await server?.dispose();
  if (root) await fs.rm(root, { recursive: true, force: true });
});

const runScheduler = () =>
  runServices({
    services: [createSchedulerService({ pollIntervalMs: 500 })],
    config,
    handleSignals: false,
    logStream: quietLog,
  });
const runCompression = () =>
  runServices({
    services: [createCompressionService(COMPRESSION_TEST_OPTIONS)],
    config,
    handleSignals: false,
    logStream: quietLog,
  });

/** Waits until the job reports packing progress above `percent`. */
const packingPast = (jobId: string, percent: number) =>
  waitFor(`job ${jobId} to be packing past ${percent}%`, async () => {
    const progress = (await getJob(database.db, jobId))?.progress ?? "";
    const match = /^packing \(gzip\): .* \((\d+)%\)$/.exec(progress);
    return match !== null && Number(match[1]) > percent ? progress : undefined;
  });

/** What scratch_path holds for the folder named `name` (archives, partial archives). */
const scratchEntries = async (name: string) =>
  (await fs.readdir(config.general.scratchPath).catch(() => [])).filter((entry) =>
    entry.includes(`_${name}-`),
  );

describe("the compression service with the scheduler", () => {
  it("stops packing when the job is aborted, leaves nothing in scratch_path and forgets the folder", async () => {
    const folder = await makeSlowTree(sources, "Abort Me");
    const before = await snapshotTree(folder);
    const scheduler = await runScheduler();
    const compression = await runCompression();
    try {
      const { jobId } = await client.send("prepare", {
        folder,
        description: "to be aborted",
        compress: true,
      });
      await packingPast(jobId, 5);
      expect((await scratchEntries("Abort Me")).map((entry) => path.extname(entry))).toEqual([
        ".partial",
      ]);

      const requested = Date.now();
      const reply = await client.send("abort", { ids: [jobId] });
      expect(reply).toEqual({ aborted: [], stopRequested: [jobId], tooLate: [] });
      const job = await waitForJobState(database.db, jobId, ["aborted", "done", "failed"]);
      expect(job.state).toBe("aborted");
      // The abort event reaches the step at once; no waiting for a progress report.
      expect(Date.now() - requested).toBeLessThan(5_000);

      expect(await scratchEntries("Abort Me")).toEqual([]);
      expect(await findFolderByPath(database.db, folder)).toBeNull();
      const events = await listEvents(database.db, { jobId });
      expect(events.at(-1)).toMatchObject({
        kind: "job.aborted",
        payload: {
          reason: "aborted by the operator (pytarchive abort); its worker stopped and cleaned up",
        },
      });
      const queue = await client.send("queue", {});
      expect([queue.running, queue.queued, queue.failed]).toEqual([[], [], []]);
    } finally {
      await compression.stop();
      await scheduler.stop();
    }
    expect(await snapshotTree(folder)).toEqual(before);
    // Forgotten, so it can be prepared again.
    const again = await client.send("prepare", { folder, description: "again", compress: false });
    await client.send("abort", { ids: [again.jobId] });
  });

  it("finishes a job whose compression service was killed mid-way, once the service is back", async () => {
    const folder = await makeSlowTree(sources, "Kill Me");
    const before = await snapshotTree(folder);
    const scheduler = await runScheduler();
    const spawned = spawnCompression(configFile);
    let restarted: Awaited<ReturnType<typeof runCompression>> | null = null;
    try {
      await spawned.ready;
      const { jobId } = await client.send("prepare", {
        folder,
        description: "survives a crash",
        compress: true,
      });
      await packingPast(jobId, 10);
      await spawned.kill();
      expect((await getJob(database.db, jobId))?.state).toBe("running");

      restarted = await runCompression();
      const job = await waitForJobState(database.db, jobId, ["done", "failed"], 120_000);
      expect(job.error).toBeNull();
      expect(job).toMatchObject({ state: "done", attempts: 1 });
      // The step was started over: its progress went back to measuring after the crash.
      const texts = (await listEvents(database.db, { jobId }))
        .filter((event) => event.kind === "job.progress")
        .map((event) => (event.payload as { text: string }).text);
      const killedAt = texts.findIndex((text) => /\((1[1-9]|[2-9]\d)%\)$/.test(text));
      expect(texts.slice(killedAt).some((text) => text.startsWith("measuring"))).toBe(true);

      const prepared = await findFolderByPath(database.db, folder);
      const archive = prepared?.archivePath ?? "";
      expect(prepared).toMatchObject({
        state: "prepared",
        compressed: true,
        sizeKib: await duKiB(archive),
        fileCount: await countFilesWithoutCache(folder),
      });
      expect(await scratchEntries("Kill Me")).toEqual([path.basename(archive)]);
      const entries = await listArchiveEntries(archive);
      expect(entries.filter((entry) => entry.startsWith("Kill Me/data/part-"))).toHaveLength(6);
      // The tar the killed service left packing was stopped, not left to run on.
      const packers = await runCommand("pgrep", ["-f", "--", `--file=.*Kill Me.*[.]partial`]);
      expect(packers.stdout).toBe("");
    } finally {
      await spawned.kill();
      await restarted?.stop();
      await scheduler.stop();
    }
    expect(await snapshotTree(folder)).toEqual(before);
  });

  it("hands a step back when the service stops mid-way and finishes it after a restart", async () => {
    const folder = await makeSlowTree(sources, "Restart Me", { files: 4 });
    const scheduler = await runScheduler();
    let compression = await runCompression();
    try {
      const { jobId } = await client.send("prepare", {
        folder,
        description: "survives a restart",
        compress: true,
      });
      await packingPast(jobId, 5);
      await compression.stop();
      expect((await getJob(database.db, jobId))?.state).toBe("running");
      expect(await scratchEntries("Restart Me")).toEqual([]);

      compression = await runCompression();
      const job = await waitForJobState(database.db, jobId, ["done", "failed"], 120_000);
      expect(job).toMatchObject({ state: "done", error: null, attempts: 1 });
      const prepared = await findFolderByPath(database.db, folder);
      expect(prepared?.state).toBe("prepared");
      expect(await scratchEntries("Restart Me")).toEqual([
        path.basename(prepared?.archivePath ?? ""),
      ]);
    } finally {
      await compression.stop();
      await scheduler.stop();
    }
  });
});
