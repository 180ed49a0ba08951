import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { AckPolicy, type Consumer, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { copyFolderToTape } from "../../../services/ltfs/engine/index.ts";
import { parseConfig } from "../../../shared/config/index.ts";
import type { PytarchiveConfig } from "../../../shared/config/types.ts";
import type { CatalogJob } from "../../../shared/messages/catalog-requests.ts";
import { streamNames, subjects } from "../../../shared/messages/index.ts";
import { StepResult, stepResultSubject } from "../../../shared/messages/job-steps.ts";
import { type CatalogClient, createCatalogClient } from "../../../shared/nats/catalog-client.ts";
import { publishWork } from "../../../shared/nats/index.ts";

/** The configuration of these tests: two drives whose "tapes" are plain folders. */
export function verificationTestConfig(options: {
  libraryId: string;
  natsUrl: string;
  root: string;
  mountPoints: readonly [string, string];
}): PytarchiveConfig {
  const lines = [
    "[Drive 0]",
    "device = /dev/sg0",
    `mount_point = ${options.mountPoints[0]}`,
    "[Drive 1]",
    "device = /dev/sg1",
    `mount_point = ${options.mountPoints[1]}`,
    "[Paths]",
    `state_dir = ${path.join(options.root, "state")}`,
    "[NATS]",
    `url = ${options.natsUrl}`,
    `library_id = ${options.libraryId}`,
  ];
  return parseConfig(`${lines.join("\n")}\n`, "verification-test.conf", {});
}

/** A regular file of a folder as a user would check it: size and SHA-256 of its content. */
export interface SourceFile {
  readonly path: string;
  readonly sizeBytes: number;
  readonly sha256: string;
  readonly mtimeNs: string;
}

/** Every regular file below `folder` (relative paths, sorted), read and hashed. */
export async function sourceFiles(folder: string): Promise<SourceFile[]> {
  const found: SourceFile[] = [];
  const walk = async (relative: string) => {
    const entries = await fs.readdir(path.join(folder, relative), { withFileTypes: true });
    for (const entry of entries) {
      const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) await walk(child);
      else if (entry.isFile()) {
        const absolute = path.join(folder, child);
        const content = await fs.readFile(absolute);
        const stats = await fs.stat(absolute, { bigint: true });
        found.push({
          path: child,
          sizeBytes: content.length,
          sha256: createHash("sha256").update(content).digest("hex"),
          mtimeNs: stats.mtimeNs.toString(),
        });
      }
    }
  };
  await walk("");
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Flips one byte of a file in place: same size, different content. */
export async function flipByte(file: string, offset = 0): Promise<void> {
  const handle = await fs.open(file, "r+");
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, offset);
    byte[0] = (byte[0] ?? 0) ^ 0xff;
    await handle.write(byte, 0, 1, offset);
  } finally {
    await handle.close();
  }
}

/** A small project folder: a larger random file, nested folders, empty files, Unicode names, a link. */
export async function makeSourceFolder(parent: string, name: string): Promise<string> {
  const folder = path.join(parent, name);
  const write = async (relative: string, content: string | Buffer) => {
    const file = path.join(folder, relative);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, content);
  };
  await write("data/large.bin", randomBytes(3 * 1024 * 1024 + 17));
  await write("data/small.bin", randomBytes(4096));
  await write("readme.txt", `The ${name} project.\n`);
  await write("empty.txt", "");
  await write("names with spaces/Résumé — final.txt", "résumé\n");
  await fs.mkdir(path.join(folder, "empty folder"), { recursive: true });
  for (let index = 0; index < 40; index += 1) {
    await write(`many/note-${String(index).padStart(3, "0")}.txt`, `note ${index} of ${name}\n`);
  }
  await fs.symlink("../readme.txt", path.join(folder, "many", "readme link"));
  return folder;
}

/** What a test needs to play the scheduler and the ltfs service around the verification service. */
export interface TapeJobHarness {
  readonly nc: NatsConnection;
  readonly catalog: CatalogClient;
  /** The next result of `step` of `jobId` from the scheduler's result queue. */
  result(jobId: string, step: string, timeoutMs?: number): Promise<StepResult>;
  /** Publishes a work item for the verification service, as the scheduler would. */
  send(job: CatalogJob, step: "verify" | "check"): Promise<void>;
  close(): Promise<void>;
}

/**
 * Connects to NATS as the scheduler's stand-in: publishes work items for the verification
 * service and reads step results from the scheduler's queue with a consumer of its own.
 */
export async function connectHarness(natsUrl: string, libraryId: string): Promise<TapeJobHarness> {
  const nc = await connect({ servers: natsUrl });
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const stream = streamNames(libraryId).work;
  await jsm.consumers.add(stream, {
    durable_name: "test-step-results",
    filter_subject: stepResultSubject(libraryId),
    ack_policy: AckPolicy.Explicit,
  });
  const consumer: Consumer = await js.consumers.get(stream, "test-step-results");
  const received: StepResult[] = [];
  return {
    nc,
    catalog: createCatalogClient(nc, libraryId),
    async result(jobId, step, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const index = received.findIndex((r) => r.jobId === jobId && r.step === step);
        if (index >= 0) return received.splice(index, 1)[0] as StepResult;
        if (Date.now() > deadline) {
          throw new Error(`no result of step ${step} of job ${jobId} within ${timeoutMs} ms`);
        }
        const message = await consumer.next({ expires: 1_000 });
        if (message === null) continue;
        received.push(StepResult.decode(message.data));
        message.ack();
      }
    },
    async send(job, step) {
      await publishWork(js, subjects(libraryId).work("verification", step), {
        jobId: job.id,
        step,
        attempt: job.attempts,
      });
    },
    async close() {
      await nc.drain();
    },
  };
}

/**
 * An archive job as far as the ltfs service takes it before `verify`: the job runs on
 * `drive`, the folder is archiving under `targetName`, and the folder with its manifest is
 * written to the drive's "tape" (its mount point folder).
 */
export async function writeArchiveJob(
  catalog: CatalogClient,
  options: { folder: string; tape: string; targetName: string; drive: number; mountPoint: string },
): Promise<CatalogJob> {
  const { folder, tape, targetName } = options;
  const { job: queued } = await catalog.call("job-create", {
    kind: "archive",
    args: { folder, tape, targetName },
  });
  const { job } = await catalog.call("job-start", {
    id: queued.id,
    worker: "test-scheduler",
    drive: options.drive,
  });
  if (job === null) throw new Error(`job ${queued.id} did not start`);
  await catalog.call("folder-archiving", {
    jobId: job.id,
    attempt: job.attempts,
    path: folder,
    tape,
    targetName,
  });
  await copyFolderToTape({
    source: folder,
    destination: path.join(options.mountPoint, targetName),
    description: `the ${targetName} project`,
    originalPath: folder,
  });
  return job;
}

/** A verify job of `target` (a folder or a barcode), running on `drive`. */
export async function startVerifyJob(
  catalog: CatalogClient,
  target: string,
  drive: number,
): Promise<CatalogJob> {
  const { job: queued } = await catalog.call("job-create", { kind: "verify", args: { target } });
  const { job } = await catalog.call("job-start", {
    id: queued.id,
    worker: "test-scheduler",
    drive,
  });
  if (job === null) throw new Error(`job ${queued.id} did not start`);
  return job;
}

/** Ends a job the way the scheduler would after its step's result. */
export async function endJob(catalog: CatalogClient, job: CatalogJob, result: StepResult) {
  if (result.outcome === "done") {
    await catalog.call("job-finish", { id: job.id, attempt: job.attempts });
  } else if (result.error !== undefined) {
    // An archive's folder first: back to prepared, its recorded files forgotten.
    if (job.kind === "archive") {
      await catalog.call("folder-failed", {
        jobId: job.id,
        path: String(job.args.folder),
        error: result.error,
      });
    }
    await catalog.call("job-fail", {
      id: job.id,
      attempt: job.attempts,
      step: result.step,
      error: result.error,
    });
  }
}
