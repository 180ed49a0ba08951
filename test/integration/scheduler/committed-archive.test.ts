import { expect, it } from "vitest";
import { findFolderByPath, getJob } from "../../../services/catalog/db/index.ts";
import { createCatalogHandlers } from "../../../services/catalog/index.ts";
import { createScheduler } from "../../../services/scheduler/scheduler.ts";
import { createLogger } from "../../../shared/logging/index.ts";
import type { CatalogClient } from "../../../shared/nats/catalog-client.ts";
import { forEachDatabase } from "../../helpers/databases.ts";
import { seedPrepared, seedTapes } from "../gateway/support.ts";

/*
 * An archive past its point of no return (read back, folder recorded archived) whose unmount
 * then fails: the scheduler ends it, and history must say what is true — archived, done, with
 * the unmount's failure as a warning — not "failed" for a folder that is archived.
 */

const FOLDER = "/srv/alpha";
const TAPE = "AAA001L9";

forEachDatabase("a committed archive", (catalog) => {
  it("whose unmount fails ends failed saying the archive stands: folder archived, abort too late, requeue keeps the commit", async () => {
    const handlers = createCatalogHandlers({
      libraryId: "default",
      db: catalog.db,
      tapeMaxSizeKiB: 1000,
      publish: async () => {},
    });
    const client: CatalogClient = {
      call: (op, payload) =>
        (handlers[op] as unknown as (request: typeof payload) => Promise<never>)(payload),
    };
    await seedTapes(catalog.db);
    await seedPrepared(catalog.db, FOLDER, 30, "alpha");
    const { job } = await handlers["job-create"]({
      kind: "archive",
      args: { folder: FOLDER, tape: TAPE, targetName: "alpha" },
    });
    await handlers["job-start"]({ id: job.id, worker: "scheduler@test", drive: 256 });
    const report = { jobId: job.id, attempt: 1, path: FOLDER, tape: TAPE };
    await handlers["folder-archiving"]({ ...report, targetName: "alpha" });
    await handlers["files-record"]({
      ...report,
      files: [
        {
          path: "a.bin",
          sizeBytes: 1000,
          mtimeNs: "1732600000123456789",
          mode: 0o100640,
          sha256: "a".repeat(64),
          startBlock: 7,
          partition: "b",
        },
      ],
    });
    await handlers["folder-archived"]({
      ...report,
      fileCount: 1,
      verifiedAt: new Date().toISOString(),
    });

    const logged: Record<string, unknown>[] = [];
    const scheduler = createScheduler({
      catalog: client,
      dispatch: async () => {},
      log: createLogger({
        service: "scheduler",
        stream: {
          write: (line: string) => {
            logged.push(JSON.parse(line) as Record<string, unknown>);
            return true;
          },
        },
      }),
      kinds: ["archive"],
      driveFreeConcurrency: 1,
      stallTimeoutMs: 600_000,
      worker: "scheduler@test",
    });
    await scheduler.handleResult({
      jobId: job.id,
      step: "unmount",
      attempt: 1,
      outcome: "failed",
      error: { code: "LTFS_UNMOUNT_FAILED", message: "umount: /mnt/ltfs0: target is busy" },
      worker: "ltfs@test",
      at: new Date().toISOString(),
    });
    await scheduler.close();

    const ended = await getJob(catalog.db, job.id);
    expect(ended?.state).toBe("failed");
    // The truth first: the archive stands; only releasing the drive went wrong.
    expect(ended?.error).toBe(
      `LTFS_UNMOUNT_FAILED: ${FOLDER} is archived on tape ${TAPE}; only its unmount step failed afterwards: umount: /mnt/ltfs0: target is busy`,
    );
    expect((await findFolderByPath(catalog.db, FOLDER))?.state).toBe("archived");
    expect(
      logged.find((line) => line.msg === "job failed after its commit: its result stands"),
    ).toMatchObject({ jobId: job.id, step: "unmount", code: "LTFS_UNMOUNT_FAILED" });
    const { jobs: failed } = await handlers["jobs-history"]({ limit: 10, failedOnly: true });
    expect(failed.map((entry) => entry.id)).toEqual([job.id]);
    // An abort cannot undo an archive: too late, and the job stays to be requeued.
    const aborted = await handlers["jobs-abort"]({ ids: [job.id] });
    expect((aborted.tooLate ?? []).map((entry) => entry.id)).toEqual([job.id]);
    expect((await getJob(catalog.db, job.id))?.state).toBe("failed");
    // Requeue (how the drive gets released) keeps the commit: the copy is never moved aside.
    const committedAt = ended?.committedAt;
    expect(committedAt).toBeInstanceOf(Date);
    await handlers["jobs-requeue"]({ ids: [job.id] });
    expect(await getJob(catalog.db, job.id)).toMatchObject({ state: "queued", committedAt });
  });
});
