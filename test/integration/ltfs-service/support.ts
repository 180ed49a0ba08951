import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { AckPolicy, type Consumer, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { createSimulatedLibrary } from "../../../infra/simulator/create-library.ts";
import type { SimulatorLayout } from "../../../infra/simulator/layout.ts";
import { upsertPreparedFolder, upsertTape } from "../../../services/catalog/db/index.ts";
import { createCatalogService } from "../../../services/catalog/index.ts";
import { createLtfsService, type LtfsServiceOptions } from "../../../services/ltfs/index.ts";
import { type RunningServices, runServices } from "../../../services/runner/index.ts";
import { parseConfig } from "../../../shared/config/index.ts";
import type { PytarchiveConfig } from "../../../shared/config/types.ts";
import { expectExit, runCommand } from "../../../shared/exec/index.ts";
import {
  createLtfsDrive,
  findLtfsProcesses,
  type LtfsDrive,
} from "../../../shared/hardware/ltfs/index.ts";
import { manifestPathFor, readManifest } from "../../../shared/manifest/index.ts";
import {
  type CatalogJob,
  type CatalogJobKind,
  MAX_FILES_PER_REQUEST,
} from "../../../shared/messages/catalog-requests.ts";
import { streamNames, subjects } from "../../../shared/messages/index.ts";
import { StepResult, stepResultSubject } from "../../../shared/messages/job-steps.ts";
import { type CatalogClient, createCatalogClient } from "../../../shared/nats/catalog-client.ts";
import { ensureStreams, publishWork } from "../../../shared/nats/index.ts";
import { pgliteDatabaseFactory, type TestCatalogDatabase } from "../../helpers/databases.ts";
import type { TestNatsServer } from "../../helpers/nats-server.ts";

/*
 * A simulated library (tapes are loop-mounted images, so these tests need root), a real
 * nats-server, the catalog service on PGlite and the ltfs service. The test plays the
 * scheduler: it starts jobs in the catalog, publishes their steps and reads the results from
 * the scheduler's queue with a consumer of its own.
 */

const SIM_CLI = path.resolve(import.meta.dirname, "../../../bin/pytarchive-sim.mjs");

/** How the ltfs service runs in these tests: a step no longer worked on is redelivered after 5 s. */
export const LTFS_TEST_OPTIONS: LtfsServiceOptions = {
  ackWaitMs: 5_000,
  progressIntervalMs: 100,
  exitTimeoutMs: 60_000,
};

export interface LtfsHarness {
  readonly root: string;
  readonly sources: string;
  readonly layout: SimulatorLayout;
  readonly config: PytarchiveConfig;
  /** `[NATS] library_id` of the services (and of the seeded tapes). */
  readonly libraryId: string;
  readonly database: TestCatalogDatabase;
  readonly catalog: CatalogClient;
  /** The ltfs service's log lines. */
  readonly logs: Record<string, unknown>[];
  /** The LTFS adapter of drive `n`, for the test's own looking and arranging. */
  drive(element: number): LtfsDrive;
  /** `mtx load SLOT DRIVE` with the library's own mtx. */
  loadTape(slot: number, drive: number): Promise<void>;
  /** `mtx unload SLOT DRIVE`. */
  unloadTape(slot: number, drive: number): Promise<void>;
  /** A source folder the catalog knows as prepared (as a finished prepare job leaves it). */
  preparedFolder(
    name: string,
    options?: { compressed?: boolean; archivePath?: string; sizeKiB?: number },
  ): Promise<string>;
  /** Queues a job and starts it on `drive`, as the scheduler does. */
  startJob(kind: CatalogJobKind, args: Record<string, unknown>, drive: number): Promise<CatalogJob>;
  /** Publishes the step as the scheduler would and waits for its result. */
  runStep(job: CatalogJob, step: string, timeoutMs?: number): Promise<StepResult>;
  /** Publishes the step without waiting. */
  sendStep(job: CatalogJob, step: string): Promise<void>;
  /** The result of a step sent earlier. */
  resultOf(job: CatalogJob, step: string, timeoutMs?: number): Promise<StepResult>;
  /** Fails the job at `step` and requeues and starts it again: its next attempt. */
  retry(job: CatalogJob, step: string, drive: number): Promise<CatalogJob>;
  /** The progress texts the job's steps reported, oldest first. */
  progressTexts(job: CatalogJob): Promise<string[]>;
  /** Ends a job as the scheduler would after its last step. */
  finish(job: CatalogJob): Promise<void>;
  close(): Promise<void>;
}

export async function startLtfsHarness(
  server: TestNatsServer,
  options: { barcodes: readonly string[]; drives?: number; capacityMiB?: number },
): Promise<LtfsHarness> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "pyt-ltfs-service-"));
  const sources = path.join(root, "sources");
  await fs.mkdir(sources, { recursive: true });
  const layout = await createSimulatedLibrary({
    stateDir: path.join(root, "library"),
    drives: options.drives ?? 2,
    slots: Math.max(4, options.barcodes.length),
    importExportSlots: 0,
    barcodes: options.barcodes,
    capacityMiB: options.capacityMiB ?? 256,
    moveDelayMs: 0,
  });
  const simulatorLines = expectExit(
    await runCommand(process.execPath, [SIM_CLI, "env", "--state", layout.stateDir]),
  ).stdout;
  const libraryId = `l${randomBytes(4).toString("hex")}`;
  const config = parseConfig(
    [
      simulatorLines,
      "[General]",
      "exclude_folders = .cache",
      "[Paths]",
      `state_dir = ${path.join(root, "state")}`,
      "[NATS]",
      `url = ${server.url}`,
      `library_id = ${libraryId}`,
      "",
    ].join("\n"),
    "ltfs-service-test.conf",
    {},
  );

  const database = await pgliteDatabaseFactory.open();
  for (const [index, barcode] of options.barcodes.entries()) {
    await upsertTape(database.db, { libraryId, barcode, homeSlot: index + 1 });
  }
  const nc: NatsConnection = await connect({ servers: server.url });
  const jsm = await jetstreamManager(nc);
  await ensureStreams(jsm, libraryId);
  const js = jetstream(nc);
  const work = streamNames(libraryId).work;
  await jsm.consumers.add(work, {
    durable_name: "test-step-results",
    filter_subject: stepResultSubject(libraryId),
    ack_policy: AckPolicy.Explicit,
  });
  const results: Consumer = await js.consumers.get(work, "test-step-results");
  const received: StepResult[] = [];

  const logs: Record<string, unknown>[] = [];
  const services: RunningServices = await runServices({
    services: [
      createCatalogService({ database: database.db }),
      createLtfsService(LTFS_TEST_OPTIONS),
    ],
    config,
    handleSignals: false,
    logStream: {
      write: (line: string) => {
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (entry.service === "ltfs") logs.push(entry);
        return true;
      },
    },
  });
  const catalog = createCatalogClient(nc, libraryId);

  const drive = (element: number) => {
    const driveConfig = config.device.drives.find((candidate) => candidate.element === element);
    if (driveConfig === undefined) throw new Error(`no drive ${element}`);
    return createLtfsDrive({
      tools: config.tools,
      device: driveConfig.device,
      mountPoint: driveConfig.mountPoint,
      mountTable: config.paths.mountTable,
    });
  };

  const sendStep = async (job: CatalogJob, step: string) => {
    await publishWork(js, subjects(libraryId).work("ltfs", step), {
      jobId: job.id,
      step,
      attempt: job.attempts,
    });
  };
  const resultOf = async (job: CatalogJob, step: string, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = received.findIndex(
        (result) =>
          result.jobId === job.id && result.step === step && result.attempt === job.attempts,
      );
      if (index >= 0) return received.splice(index, 1)[0] as StepResult;
      if (Date.now() > deadline) {
        throw new Error(`no result of step ${step} of job ${job.id} within ${timeoutMs} ms`);
      }
      const message = await results.next({ expires: 1_000 });
      if (message === null) continue;
      received.push(StepResult.decode(message.data));
      message.ack();
    }
  };

  return {
    root,
    sources,
    layout,
    config,
    libraryId,
    database,
    catalog,
    logs,
    drive,
    async loadTape(slot, driveElement) {
      expectExit(
        await runCommand(config.tools.mtx, [
          "-f",
          config.device.library,
          "load",
          String(slot),
          String(driveElement),
        ]),
      );
    },
    async unloadTape(slot, driveElement) {
      expectExit(
        await runCommand(config.tools.mtx, [
          "-f",
          config.device.library,
          "unload",
          String(slot),
          String(driveElement),
        ]),
      );
    },
    async preparedFolder(name, folderOptions = {}) {
      const folder = path.join(sources, name);
      await upsertPreparedFolder(database.db, {
        path: folder,
        description: `the ${name} project`,
        sizeKib: folderOptions.sizeKiB ?? (await sizeKiB(folderOptions.archivePath ?? folder)),
        fileCount: await countFiles(folder),
        compressed: folderOptions.compressed ?? false,
        archivePath: folderOptions.archivePath ?? null,
      });
      return folder;
    },
    async startJob(kind, args, driveElement) {
      const { job: queued } = await catalog.call("job-create", { kind, args });
      const { job } = await catalog.call("job-start", {
        id: queued.id,
        worker: "test-scheduler",
        drive: driveElement,
      });
      if (job === null) throw new Error(`job ${queued.id} did not start`);
      return job;
    },
    async runStep(job, step, timeoutMs) {
      await sendStep(job, step);
      return await resultOf(job, step, timeoutMs);
    },
    sendStep,
    resultOf,
    async retry(job, step, driveElement) {
      await catalog.call("job-fail", {
        id: job.id,
        attempt: job.attempts,
        step,
        error: { code: "TEST_RETRY", message: "retried by the test" },
      });
      await catalog.call("jobs-requeue", { ids: [job.id] });
      const { job: started } = await catalog.call("job-start", {
        id: job.id,
        worker: "test-scheduler",
        drive: driveElement,
      });
      if (started === null) throw new Error(`job ${job.id} did not start again`);
      return started;
    },
    async progressTexts(job) {
      const { events } = await catalog.call("events-list", { jobId: job.id, limit: 1000 });
      return events
        .filter((event) => event.kind === "job.progress")
        .map((event) => String((event.payload as { text?: unknown }).text));
    },
    async finish(job) {
      await catalog.call("job-finish", { id: job.id, attempt: job.attempts });
    },
    async close() {
      await services.stop();
      for (const element of config.device.drives.map((d) => d.element)) {
        const ltfs = drive(element);
        try {
          if (await ltfs.isMounted()) await ltfs.unmount();
        } catch {
          await runCommand("umount", ["-l", ltfs.mountPoint]);
        }
      }
      await nc.drain();
      await database.close();
      await fs.rm(root, { recursive: true, force: true });
    },
  };
}

/** Size in KiB as `du -s` counts it. */
export async function sizeKiB(target: string): Promise<number> {
  const { stdout } = expectExit(await runCommand("du", ["-s", "-k", target]));
  return Number(stdout.split("\t")[0]);
}

/** Regular files below `folder`, `.cache` left out (as the excludes do). */
export async function countFiles(folder: string): Promise<number> {
  let count = 0;
  const walk = async (relative: string) => {
    for (const entry of await fs.readdir(path.join(folder, relative), { withFileTypes: true })) {
      const child = path.join(relative, entry.name);
      if (entry.isDirectory() && child !== ".cache") await walk(child);
      else if (entry.isFile()) count += 1;
    }
  };
  await walk("");
  return count;
}

/** A small project: a larger random file, nested folders, an empty file and folder, a link, a `.cache`. */
export async function makeProject(parent: string, name: string): Promise<string> {
  const folder = path.join(parent, name);
  const write = async (relative: string, content: string | Buffer) => {
    const file = path.join(folder, relative);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, content);
  };
  await write("data/large.bin", randomBytes(2 * 1024 * 1024 + 17));
  await write("data/small.bin", randomBytes(4096));
  await write("readme.txt", `The ${name} project.\n`);
  await write("empty.txt", "");
  await write("names with spaces/Résumé — final.txt", "résumé\n");
  await write(".cache/skip.bin", randomBytes(1024));
  await fs.mkdir(path.join(folder, "empty folder"), { recursive: true });
  for (let index = 0; index < 20; index += 1) {
    await write(`many/note-${String(index).padStart(3, "0")}.txt`, `note ${index} of ${name}\n`);
  }
  await fs.symlink("../readme.txt", path.join(folder, "many", "readme link"));
  await fs.chmod(path.join(folder, "data"), 0o750);
  await fs.utimes(
    path.join(folder, "data"),
    new Date("2021-03-04T05:06:07Z"),
    new Date("2021-03-04T05:06:07Z"),
  );
  return folder;
}

/**
 * What a user compares after a restore: every entry's type, size, content hash and link target,
 * with `metadata` also modes and modification times (LTFS itself keeps no modes).
 */
export async function treeOf(
  folder: string,
  options: { skip?: readonly string[]; metadata?: boolean } = {},
): Promise<string[]> {
  const skip = options.skip ?? [];
  const lines: string[] = [];
  const walk = async (relative: string) => {
    const entries = await fs.readdir(path.join(folder, relative), { withFileTypes: true });
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (skip.includes(child)) continue;
      const absolute = path.join(folder, child);
      const stats = await fs.lstat(absolute);
      const meta = options.metadata
        ? ` ${(stats.mode & 0o7777).toString(8)} ${Math.floor(stats.mtimeMs)}`
        : "";
      if (entry.isSymbolicLink()) {
        lines.push(`link ${child} -> ${await fs.readlink(absolute)}`);
      } else if (entry.isDirectory()) {
        lines.push(`dir ${child}${meta}`);
        await walk(child);
      } else {
        const content = await fs.readFile(absolute);
        const sha = createHash("sha256").update(content).digest("hex");
        lines.push(`file ${child} ${stats.size} ${sha}${meta}`);
      }
    }
  };
  await walk("");
  return lines;
}

/** The ltfs processes serving drive `element` (none once an unmount is complete). */
export async function ltfsProcessesOf(drive: LtfsDrive): Promise<number[]> {
  return (await findLtfsProcesses({ device: drive.device, mountPoint: drive.mountPoint })).map(
    (process) => process.pid,
  );
}

/**
 * What the verification service does after the read-back: records the written files (from the
 * manifest on the tape) and marks the folder archived.
 */
export async function recordArchived(
  catalog: CatalogClient,
  job: CatalogJob,
  options: { folder: string; tape: string; folderOnTape: string },
): Promise<void> {
  const fileCount = await recordWrittenFiles(catalog, job, options);
  await catalog.call("folder-archived", {
    jobId: job.id,
    attempt: job.attempts,
    path: options.folder,
    tape: options.tape,
    fileCount,
    verifiedAt: new Date().toISOString(),
  });
}

/**
 * What the verification service records during the read-back: the written files, from the
 * manifest on the tape (`files-record`). Returns how many.
 */
export async function recordWrittenFiles(
  catalog: CatalogClient,
  job: CatalogJob,
  options: { folder: string; tape: string; folderOnTape: string },
): Promise<number> {
  const manifest = await readManifest(manifestPathFor(options.folderOnTape));
  const files = manifest.entries
    .filter((entry) => entry.type === "file")
    .map((entry) => ({
      path: entry.path,
      sizeBytes: entry.size,
      mtimeNs: entry.mtimeNs,
      mode: entry.mode,
      sha256: entry.sha256 as string,
      startBlock: null,
      partition: null,
    }));
  for (let offset = 0; offset < files.length; offset += MAX_FILES_PER_REQUEST) {
    await catalog.call("files-record", {
      jobId: job.id,
      attempt: job.attempts,
      path: options.folder,
      tape: options.tape,
      files: files.slice(offset, offset + MAX_FILES_PER_REQUEST),
    });
  }
  return files.length;
}
