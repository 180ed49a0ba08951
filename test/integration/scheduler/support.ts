import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import type { Kysely } from "kysely";
import {
  type CatalogSchema,
  getJob,
  type JobRow,
  listEvents,
} from "../../../services/catalog/db/index.ts";
import { createCatalogService } from "../../../services/catalog/index.ts";
import {
  type CompressionServiceOptions,
  createCompressionService,
} from "../../../services/compression/index.ts";
import { createGatewayService } from "../../../services/gateway/index.ts";
import { type RunningServices, runServices } from "../../../services/runner/index.ts";
import {
  createSchedulerService,
  type SchedulerServiceOptions,
} from "../../../services/scheduler/index.ts";
import { parseConfig } from "../../../shared/config/index.ts";
import type { PytarchiveConfig } from "../../../shared/config/types.ts";
import { expectExit, runCommand } from "../../../shared/exec/index.ts";
import { streamNames, subjects, WorkItem } from "../../../shared/messages/index.ts";
import {
  StepResult,
  stepResultMessageId,
  stepResultSubject,
} from "../../../shared/messages/job-steps.ts";
import { runWorkConsumer, type ServiceDefinition } from "../../../shared/nats/index.ts";

/** Swallows the services' log lines (JSON on stderr otherwise). */
export const quietLog = { write: () => true };

/** A library id no other test uses, so tests sharing a NATS server never see each other. */
export function uniqueLibraryId(): string {
  return `s${randomBytes(4).toString("hex")}`;
}

export interface SchedulerTestConfigOptions {
  readonly libraryId: string;
  readonly natsUrl: string;
  /** Holds the state folder (and so the default scratch_path, `<root>/state/scratch`). */
  readonly root: string;
  readonly program?: "zstd" | "gzip";
  readonly concurrency?: number;
}

/** The pytarchive.conf of these tests: state in `root`, `.cache` excluded. */
export function schedulerTestConfigText(options: SchedulerTestConfigOptions): string {
  const lines = [
    "[General]",
    "exclude_folders = .cache",
    "[Compression]",
    `program = ${options.program ?? "zstd"}`,
    `concurrency = ${options.concurrency ?? 1}`,
    "[Paths]",
    `state_dir = ${path.join(options.root, "state")}`,
    "[NATS]",
    `url = ${options.natsUrl}`,
    `library_id = ${options.libraryId}`,
  ];
  return `${lines.join("\n")}\n`;
}

/** {@link schedulerTestConfigText}, read. */
export function schedulerTestConfig(options: SchedulerTestConfigOptions): PytarchiveConfig {
  return parseConfig(schedulerTestConfigText(options), "scheduler-test.conf", {});
}

/** The catalog on `db` and the gateway (no HTTP): what accepts commands. */
export function startFrontDoor(
  config: PytarchiveConfig,
  db: Kysely<CatalogSchema>,
): Promise<RunningServices> {
  return runServices({
    services: [
      createCatalogService({ database: db }),
      createGatewayService({ httpPort: null, pathTimeoutMs: 2_000 }),
    ],
    config,
    handleSignals: false,
    logStream: quietLog,
  });
}

/** What runs jobs: the compression service and the scheduler (plus any extra worker). */
export function startWorkers(
  config: PytarchiveConfig,
  options: {
    scheduler?: SchedulerServiceOptions;
    compression?: CompressionServiceOptions | null;
    extra?: readonly ServiceDefinition[];
  } = {},
): Promise<RunningServices> {
  return runServices({
    services: [
      ...(options.extra ?? []),
      ...(options.compression === null
        ? []
        : [createCompressionService({ progressIntervalMs: 200, ...options.compression })]),
      createSchedulerService({ pollIntervalMs: 500, ...options.scheduler }),
    ],
    config,
    handleSignals: false,
    logStream: quietLog,
  });
}

/**
 * A stand-in inventory worker: takes `report` steps from `pyt.<lib>.work.inventory.>` and
 * reports them done at once, so that these tests do not measure folders.
 */
export const instantInventoryWorker: ServiceDefinition = {
  name: "inventory",
  async start({ config, js, log, signal }) {
    const libraryId = config.nats.libraryId;
    const s = subjects(libraryId);
    const consumer = await runWorkConsumer({
      js,
      stream: streamNames(libraryId).work,
      durable: "inventory",
      filterSubject: s.workOf("inventory"),
      message: WorkItem,
      deadLetterSubject: s.deadLetter("inventory"),
      log,
      signal,
      handler: async (item) => {
        const result = {
          ...item,
          outcome: "done" as const,
          summary: "nothing to report",
          worker: "test-inventory",
          at: new Date().toISOString(),
        };
        await js.publish(stepResultSubject(libraryId), StepResult.encode(result), {
          msgID: stepResultMessageId(result),
        });
      },
    });
    return { health: async () => ({ ok: true }), stop: () => consumer.stop() };
  },
};

/** Polls `check` until it returns something other than undefined/false, or fails. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until the job is in one of `states` and returns it. */
export function waitForJobState(
  db: Kysely<CatalogSchema>,
  jobId: string,
  states: readonly JobRow["state"][],
  timeoutMs = 60_000,
): Promise<JobRow> {
  return waitFor(
    `job ${jobId} to be ${states.join(" or ")}`,
    async () => {
      const job = await getJob(db, jobId);
      return job !== null && states.includes(job.state) ? job : undefined;
    },
    timeoutMs,
  );
}

/** Ids of jobs in the order the catalog recorded them as started. */
export async function startOrder(db: Kysely<CatalogSchema>): Promise<string[]> {
  const events = await listEvents(db, {});
  return events.flatMap((event) =>
    event.kind === "job.started" && event.jobId !== null ? [event.jobId] : [],
  );
}

/**
 * A project folder like those archived: nested folders, a few larger and many small files,
 * empty files, names with spaces and Unicode, and a `.cache` that exclude_folders leaves out.
 */
export async function makeProjectTree(
  parent: string,
  name: string,
  options: { largeMiB?: number; smallFiles?: number } = {},
): Promise<string> {
  const folder = path.join(parent, name);
  const write = async (relative: string, content: string | Buffer) => {
    const file = path.join(folder, relative);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, content);
  };
  const largeMiB = options.largeMiB ?? 2;
  await write("data/large-1.bin", randomBytes(largeMiB * 1024 * 1024));
  await write("data/large-2.bin", randomBytes(largeMiB * 512 * 1024));
  await write("readme.txt", "A project folder for the scheduler tests.\n");
  await write("empty.txt", "");
  await write("nested/a/b/c/empty too.txt", "");
  await write("names with spaces/Résumé — final.txt", "résumé\n");
  await write("names with spaces/日本語.txt", "こんにちは\n");
  await fs.mkdir(path.join(folder, "empty folder"), { recursive: true });
  for (let index = 0; index < (options.smallFiles ?? 120); index += 1) {
    await write(`many/note-${String(index).padStart(4, "0")}.txt`, `note ${index}\n`);
  }
  await write(".cache/blob.bin", randomBytes(256 * 1024));
  await write(".cache/nested/more.txt", "cached\n");
  return folder;
}

/** `du -s --exclude=.cache FOLDER` in KiB: the reference for the size `prepare` records. */
export async function duKiBWithoutCache(folder: string): Promise<number> {
  const result = expectExit(await runCommand("du", ["-s", "--exclude=.cache", folder]));
  return Number(/^(\d+)\t/.exec(result.stdout)?.[1]);
}

/** `du -s FILE` in KiB. */
export async function duKiB(file: string): Promise<number> {
  const result = expectExit(await runCommand("du", ["-s", file]));
  return Number(/^(\d+)\t/.exec(result.stdout)?.[1]);
}

/** Regular files outside `.cache`, counted by `find`. */
export async function countFilesWithoutCache(folder: string): Promise<number> {
  const result = expectExit(
    await runCommand("find", [
      folder,
      "-path",
      path.join(folder, ".cache"),
      "-prune",
      "-o",
      "-type",
      "f",
      "-print",
    ]),
  );
  return result.stdout.split("\n").filter((line) => line !== "").length;
}

/** Entries of `tar --list` of an archive (tar recognises gzip and zstd itself). */
export async function listArchiveEntries(archive: string): Promise<string[]> {
  const result = expectExit(await runCommand("tar", ["--list", `--file=${archive}`]));
  return result.stdout.split("\n").filter((line) => line !== "");
}
