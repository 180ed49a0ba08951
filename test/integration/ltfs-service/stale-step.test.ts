import path from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countFiles as countRecordedFiles } from "../../../services/catalog/db/index.ts";
import type { CatalogJob } from "../../../shared/messages/catalog-requests.ts";
import { streamNames, subjects, WorkItem } from "../../../shared/messages/index.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import {
  countFiles,
  type LtfsHarness,
  makeProject,
  recordWrittenFiles,
  startLtfsHarness,
} from "./support.ts";

/*
 * A step JetStream delivers again after the job has moved on. Its ack was lost (in the cluster
 * e2e, the NATS node the ltfs service used was killed just as the write ended: "no responders"
 * for the ack), so it came back after the ack wait, while the folder was being read back. Run
 * again, the write reported the folder archiving once more, which made the catalog forget the
 * files the read-back had recorded, and the read-back's folder-archived was refused with
 * FILES_INCOMPLETE (the write's own second result, TAPE_READ_ONLY on the read-only mount, had the
 * message id of its first and was dropped by JetStream as a duplicate, so nothing said why).
 */

const TAPE = "LTS101L9";
const TARGET = "projects_stale";

let server: TestNatsServer;
let harness: LtfsHarness;
let nc: NatsConnection;

beforeAll(async () => {
  server = await startNatsServer();
  harness = await startLtfsHarness(server, { barcodes: [TAPE] });
  nc = await connect({ servers: server.url });
  await harness.loadTape(1, 0);
});

afterAll(async () => {
  await nc?.drain();
  await harness?.close();
  await server?.dispose();
});

/** What the scheduler records before it sends a step: the job waits on it, its current step. */
async function schedulerSends(job: CatalogJob, step: string): Promise<void> {
  await harness.catalog.call("job-progress", {
    id: job.id,
    attempt: job.attempts,
    step,
    text: `waiting for the service (step ${step})`,
    waitingOn: step,
  });
}

async function runAsScheduler(job: CatalogJob, step: string): Promise<void> {
  await schedulerSends(job, step);
  const result = await harness.runStep(job, step);
  expect(result.error, step).toBeUndefined();
  expect(result.outcome, step).toBe("done");
}

/** Delivers `step` to the ltfs service once more, as JetStream redelivers one not acknowledged. */
async function deliverAgain(job: CatalogJob, step: string): Promise<void> {
  const js = jetstream(nc);
  const work = streamNames(harness.libraryId).work;
  const item = WorkItem.encode({ jobId: job.id, step, attempt: job.attempts });
  // No message id: the scheduler's copy is in the duplicate window, a redelivery is not a publish.
  const { seq } = await js.publish(subjects(harness.libraryId).work("ltfs", step), item);
  const jsm = await jetstreamManager(nc);
  // Handled (run or dropped) once the ltfs consumer has acknowledged it.
  await expect
    .poll(async () => (await jsm.consumers.info(work, "ltfs")).ack_floor.stream_seq, {
      timeout: 30_000,
      interval: 100,
    })
    .toBeGreaterThanOrEqual(seq);
}

describe("a step delivered again after its job moved on", () => {
  it("leaves the files the read-back recorded alone: a write delivered again during the read-back is dropped, and the folder is archived", async () => {
    const folder = await makeProject(harness.sources, "stale");
    await harness.preparedFolder("stale");
    const job = await harness.startJob("archive", { folder, tape: TAPE, targetName: TARGET }, 0);
    for (const step of ["mount", "write", "remount"]) await runAsScheduler(job, step);

    // The scheduler sent the read-back, which records the files as it reads them.
    await schedulerSends(job, "verify");
    const target = {
      folder,
      tape: TAPE,
      folderOnTape: path.join(harness.drive(0).mountPoint, TARGET),
    };
    const fileCount = await recordWrittenFiles(harness.catalog, job, target);
    expect(fileCount).toBe(await countFiles(folder));

    await deliverAgain(job, "write");

    const { folder: recorded } = await harness.catalog.call("folder-get", { path: folder });
    expect(recorded?.state).toBe("archiving");
    expect(await countRecordedFiles(harness.database.db, await folderId(folder))).toBe(fileCount);
    // The read-back ends: every file it counted is in the catalog, so the folder is archived.
    const { folder: archived } = await harness.catalog.call("folder-archived", {
      jobId: job.id,
      attempt: job.attempts,
      path: folder,
      tape: TAPE,
      fileCount,
      verifiedAt: new Date().toISOString(),
    });
    expect(archived).toMatchObject({ state: "archived", tapeBarcode: TAPE });
    // The ltfs service said why it did not write again.
    expect(
      harness.logs.find(
        (entry) =>
          entry.jobId === job.id &&
          entry.step === "write" &&
          entry.msg ===
            "the job has moved on to another step; this delivery of an earlier one is dropped",
      ),
    ).toMatchObject({ currentStep: "verify", level: "warn" });

    // The tape was left as the remount left it: read-only, the copy whole.
    expect(await harness.drive(0).currentMount()).toMatchObject({ readOnly: true });
    await runAsScheduler(job, "unmount");
    await harness.finish(job);
  }, 120_000);
});

async function folderId(folderPath: string): Promise<number> {
  const row = await harness.database.db
    .selectFrom("folders")
    .select("id")
    .where("path", "=", folderPath)
    .executeTakeFirstOrThrow();
  return row.id;
}
