import { type Kysely, sql } from "kysely";
import { expect, it } from "vitest";
import { renderSummary } from "../../../cli/render/summary.ts";
import { ANALYZE_AFTER_FILES } from "../../../services/catalog/archive-outcomes.ts";
import {
  type CatalogSchema,
  FILES_PER_TRANSACTION,
  findFolderByPath,
  getJob,
  getTape,
  insertFiles,
  upsertTape,
} from "../../../services/catalog/db/index.ts";
import { createCatalogHandlers } from "../../../services/catalog/index.ts";
import type { RecordedJobEvent } from "../../../services/catalog/job-events.ts";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import type { CatalogFile } from "../../../shared/messages/catalog-requests.ts";
import { forEachDatabase } from "../../helpers/databases.ts";
import { logQueries } from "../../helpers/query-log.ts";
import { seedArchived, seedPrepared, seedTapes } from "../gateway/support.ts";

const FOLDER = "/srv/alpha";
const TAPE = "AAA001L9";
const SHA = (n: number) => n.toString(16).padStart(64, "0");
const AT = "2026-11-26T10:00:00.000Z";
const ERROR = {
  code: "LTFS_WRITE_FAILED",
  message: "No space left on tape AAA001L9",
  hint: "Archive to another tape.",
};

function catalogFile(
  path: string,
  startBlock: number | null,
  partition: "a" | "b" | null,
): CatalogFile {
  return {
    path,
    sizeBytes: startBlock === null ? 0 : 4096,
    mtimeNs: "1732600000123456789",
    mode: 0o100640,
    sha256: SHA(path.length),
    startBlock,
    partition,
  };
}

/** Everything a refused request must leave as it was. */
async function snapshot(db: Kysely<CatalogSchema>) {
  return {
    jobs: await db.selectFrom("jobs").selectAll().orderBy("id").execute(),
    folders: await db.selectFrom("folders").selectAll().orderBy("id").execute(),
    files: await db
      .selectFrom("files")
      .select(["folderId", "relativePath", "startBlock", "checksum"])
      .orderBy("id")
      .execute(),
    tapes: await db.selectFrom("tapes").selectAll().orderBy("barcode").execute(),
    events: await db.selectFrom("events").select(["id", "kind"]).orderBy("id").execute(),
  };
}

async function refusal(promise: Promise<unknown>): Promise<PytarchiveError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(PytarchiveError);
  return error as PytarchiveError;
}

forEachDatabase("the catalog's tape job operations", (catalog) => {
  function setup() {
    const published: RecordedJobEvent[] = [];
    const handlers = createCatalogHandlers({
      libraryId: "default",
      db: catalog.db,
      tapeMaxSizeKiB: 1000,
      publish: async (events) => {
        published.push(...events);
      },
    });
    /** Expects `promise` to be refused with `code`, and the catalog unchanged by it. */
    const refusedUnchanged = async (promise: () => Promise<unknown>, code: string) => {
      const before = await snapshot(catalog.db);
      const count = published.length;
      const error = await refusal(promise());
      expect(error.code).toBe(code);
      expect(await snapshot(catalog.db)).toEqual(before);
      expect(published).toHaveLength(count);
      return error;
    };
    /** An archive job of FOLDER (prepared, 3 files) to TAPE as "alpha", started on drive 256. */
    const startedArchive = async () => {
      await seedTapes(catalog.db);
      await seedPrepared(catalog.db, FOLDER, 30, "alpha");
      const { job } = await handlers["job-create"]({
        kind: "archive",
        args: { folder: FOLDER, tape: TAPE, targetName: "alpha" },
      });
      await handlers["job-start"]({ id: job.id, worker: "scheduler@test", drive: 256 });
      published.length = 0;
      const report = { jobId: job.id, attempt: 1, path: FOLDER, tape: TAPE };
      return { job, report };
    };
    /** startedArchive, then the folder archived with three files, the job done. */
    const archivedFolder = async () => {
      const { job, report } = await startedArchive();
      await handlers["folder-archiving"]({ ...report, targetName: "alpha" });
      await handlers["files-record"]({
        ...report,
        files: [
          catalogFile("z-empty", null, null),
          catalogFile("data/b.bin", 12, "b"),
          catalogFile("index.xml", 5, "a"),
        ],
      });
      await handlers["folder-archived"]({ ...report, fileCount: 3, verifiedAt: AT });
      await handlers["job-finish"]({ id: job.id, attempt: 1 });
      published.length = 0;
      return { job, report };
    };
    const startedVerify = async (target: string) => {
      const { job } = await handlers["job-create"]({ kind: "verify", args: { target } });
      await handlers["job-start"]({ id: job.id, worker: "scheduler@test", drive: 257 });
      published.length = 0;
      return job;
    };
    return {
      handlers,
      published,
      refusedUnchanged,
      startedArchive,
      archivedFolder,
      startedVerify,
    };
  }

  it("job-start starts the queued job on its drive with a job.started event; null once it runs", async () => {
    const { handlers, published, refusedUnchanged } = setup();
    await seedTapes(catalog.db);
    const { job: queued } = await handlers["job-create"]({ kind: "explore", args: { tape: TAPE } });
    published.length = 0;

    const { job } = await handlers["job-start"]({
      id: queued.id,
      worker: "scheduler@test",
      drive: 256,
    });
    expect(job).toMatchObject({
      id: queued.id,
      state: "running",
      attempts: 1,
      drive: 256,
      pendingError: null,
      startedAt: expect.any(String),
    });
    expect(published.map((event) => [event.kind, event.payload])).toEqual([
      [
        "job.started",
        {
          jobId: queued.id,
          step: "start",
          attempt: 1,
          worker: "scheduler@test",
          at: expect.any(String),
        },
      ],
    ]);

    expect(
      (await handlers["job-start"]({ id: queued.id, worker: "other@test", drive: 257 })).job,
    ).toBeNull();
    expect(published).toHaveLength(1);
    expect(await getJob(catalog.db, queued.id)).toMatchObject({ drive: 256, attempts: 1 });
    await refusedUnchanged(
      () => handlers["job-start"]({ id: "00000000", worker: "scheduler@test", drive: null }),
      "UNKNOWN_JOB",
    );
  });

  it("job-failing keeps the error as the running job's pending error and progress; requeue clears it, the drive stays", async () => {
    const { handlers, published, refusedUnchanged, startedArchive } = setup();
    const { job } = await startedArchive();

    const { job: failing } = await handlers["job-failing"]({
      id: job.id,
      attempt: 1,
      step: "copy",
      error: ERROR,
    });
    expect(failing).toMatchObject({
      state: "running",
      pendingError: ERROR,
      drive: 256,
      progress:
        "failed at copy (LTFS_WRITE_FAILED: No space left on tape AAA001L9); releasing the drive",
    });
    expect(published.map((event) => [event.kind, event.payload])).toEqual([
      [
        "job.progress",
        { jobId: job.id, step: "copy", text: failing.progress, at: expect.any(String) },
      ],
    ]);
    expect((await handlers["job-get"]({ id: job.id })).job?.pendingError).toEqual(ERROR);

    await refusedUnchanged(
      () => handlers["job-failing"]({ id: job.id, attempt: 2, step: "copy", error: ERROR }),
      "JOB_STATE_CONFLICT",
    );

    await handlers["job-fail"]({ id: job.id, attempt: 1, step: "copy", error: ERROR });
    await refusedUnchanged(
      () => handlers["job-failing"]({ id: job.id, step: "copy", error: ERROR }),
      "JOB_STATE_CONFLICT",
    );
    const { requeued } = await handlers["jobs-requeue"]({ ids: [job.id] });
    expect(requeued[0]).toMatchObject({ state: "queued", drive: 256, pendingError: null });

    const restarted = await handlers["job-start"]({
      id: job.id,
      worker: "scheduler@test",
      drive: 257,
    });
    expect(restarted.job).toMatchObject({ attempts: 2, drive: 257, pendingError: null });
    const late = await refusedUnchanged(
      () => handlers["job-failing"]({ id: job.id, attempt: 1, step: "copy", error: ERROR }),
      "JOB_STATE_CONFLICT",
    );
    expect(late.message).toBe(
      `Cannot record the failure of job ${job.id} for its attempt 1: it was requeued and now runs attempt 2.`,
    );
  });

  it("a tape job that failed at its mount and ends after the unload fails at step mount, not unload", async () => {
    const { handlers, published, startedArchive } = setup();
    const { job } = await startedArchive();
    await handlers["job-failing"]({ id: job.id, attempt: 1, step: "mount", error: ERROR });
    // The scheduler ends it once the drive is released, from the unload's result.
    await handlers["job-fail"]({ id: job.id, attempt: 1, step: "unload", error: ERROR });
    expect(published.at(-1)).toMatchObject({ kind: "job.failed", payload: { step: "mount" } });

    // An error of the release itself (not the kept one) is the release's own failure.
    await handlers["jobs-requeue"]({ ids: [job.id] });
    await handlers["job-start"]({ id: job.id, worker: "scheduler@test", drive: 256 });
    const unloadError = { code: "MTX_MEDIUM_REMOVAL_PREVENTED", message: "refused" };
    await handlers["job-fail"]({ id: job.id, attempt: 2, step: "unload", error: unloadError });
    expect(published.at(-1)).toMatchObject({ kind: "job.failed", payload: { step: "unload" } });
  });

  it("queue and job-get give a running job's progress as numbers, and a failed one's where it stopped", async () => {
    const { handlers, startedArchive } = setup();
    const { job } = await startedArchive();
    await handlers["job-progress"]({
      id: job.id,
      attempt: 1,
      step: "write",
      percent: 40,
      text: "writing alpha: 12 of 30 KiB",
      bytesDone: 12_288,
      bytesTotal: 30_720,
      filesDone: 1,
      filesTotal: 3,
      bytesPerSecond: 4_096,
      etaSeconds: 5,
    });
    const running = (await handlers.queue({})).running.find((entry) => entry.id === job.id);
    expect(running?.progressFigures).toEqual({
      step: "write",
      percent: 40,
      bytesDone: 12_288,
      bytesTotal: 30_720,
      filesDone: 1,
      filesTotal: 3,
      bytesPerSecond: 4_096,
      filesPerSecond: null,
      etaSeconds: 5,
      at: expect.any(String),
      live: true,
    });
    // Words without numbers (the scheduler waiting for a step) replace the numbers of a running job.
    await handlers["job-progress"]({ id: job.id, attempt: 1, step: "unmount", text: "unmounting" });
    expect((await handlers["job-get"]({ id: job.id })).job?.progressFigures).toMatchObject({
      step: "unmount",
      percent: null,
      bytesDone: null,
      live: true,
    });

    await handlers["job-fail"]({ id: job.id, attempt: 1, step: "unmount", error: ERROR });
    const failed = (await handlers.queue({})).failed.find((entry) => entry.id === job.id);
    expect(failed?.progressFigures).toMatchObject({
      step: "write",
      percent: 40,
      bytesDone: 12_288,
      bytesPerSecond: null,
      etaSeconds: null,
      live: false,
    });
    // Requeued, it has no figures until its new run reports.
    await handlers["jobs-requeue"]({ ids: [job.id] });
    await handlers["job-start"]({ id: job.id, worker: "scheduler@test", drive: 256 });
    expect((await handlers["job-get"]({ id: job.id })).job?.progressFigures).toBeNull();
  });

  it("folder-archiving turns the prepared folder archiving under its name, with a folder.archiving event", async () => {
    const { handlers, published, startedArchive } = setup();
    const { job, report } = await startedArchive();
    const { folder } = await handlers["folder-archiving"]({ ...report, targetName: "alpha" });
    expect(folder).toMatchObject({
      path: FOLDER,
      state: "archiving",
      targetName: "alpha",
      tapeBarcode: null,
    });
    expect(published.map((event) => [event.kind, event.payload])).toEqual([
      [
        "folder.archiving",
        {
          jobId: job.id,
          attempt: 1,
          path: FOLDER,
          tape: TAPE,
          targetName: "alpha",
          at: expect.any(String),
        },
      ],
    ]);
  });

  it("folder-archiving again (this job, or a later attempt after a failure) starts a fresh file list", async () => {
    const { handlers, startedArchive } = setup();
    const { job, report } = await startedArchive();
    await handlers["folder-archiving"]({ ...report, targetName: "alpha" });
    await handlers["files-record"]({ ...report, files: [catalogFile("old.bin", 3, "b")] });

    expect(
      (await handlers["folder-archiving"]({ ...report, targetName: "alpha" })).folder.state,
    ).toBe("archiving");
    expect(await catalog.db.selectFrom("files").selectAll().execute()).toEqual([]);

    await handlers["files-record"]({ ...report, files: [catalogFile("old.bin", 3, "b")] });
    await handlers["folder-failed"]({ jobId: job.id, path: FOLDER, error: ERROR });
    // A failed (or aborted) write leaves no file rows: the catalog lists only what is on tape.
    expect(await catalog.db.selectFrom("files").selectAll().execute()).toEqual([]);
    await handlers["job-fail"]({ id: job.id, attempt: 1, step: "copy", error: ERROR });
    await handlers["jobs-requeue"]({ ids: [job.id] });
    await handlers["job-start"]({ id: job.id, worker: "scheduler@test", drive: 256 });
    const { folder } = await handlers["folder-archiving"]({
      ...report,
      attempt: 2,
      targetName: "alpha",
    });
    expect(folder).toMatchObject({ state: "archiving", error: null });
    expect(await catalog.db.selectFrom("files").selectAll().execute()).toEqual([]);
  });

  it("folder-archiving refuses another job's folder, tape or name, an old attempt and an archived folder, changing nothing", async () => {
    const { handlers, refusedUnchanged, startedArchive } = setup();
    const { job, report } = await startedArchive();
    await seedPrepared(catalog.db, "/srv/beta", 10);
    const other = await refusedUnchanged(
      () => handlers["folder-archiving"]({ ...report, path: "/srv/beta", targetName: "alpha" }),
      "INVALID_ARGUMENT",
    );
    expect(other.message).toBe(
      `Job ${job.id} (archive of ${FOLDER} to tape ${TAPE}) does not archive /srv/beta to tape ${TAPE}. Nothing was changed.`,
    );
    await refusedUnchanged(
      () => handlers["folder-archiving"]({ ...report, tape: "AAA002L9", targetName: "alpha" }),
      "INVALID_ARGUMENT",
    );
    const renamed = await refusedUnchanged(
      () => handlers["folder-archiving"]({ ...report, targetName: "beta" }),
      "INVALID_ARGUMENT",
    );
    expect(renamed.message).toBe(`Job ${job.id} archives ${FOLDER} as alpha, not as beta.`);
    await refusedUnchanged(
      () => handlers["folder-archiving"]({ ...report, attempt: 2, targetName: "alpha" }),
      "JOB_STATE_CONFLICT",
    );

    // Once archived, the folder cannot go back to archiving.
    await handlers["folder-archiving"]({ ...report, targetName: "alpha" });
    await handlers["folder-archived"]({ ...report, fileCount: 0, verifiedAt: AT });
    const archived = await refusedUnchanged(
      () => handlers["folder-archiving"]({ ...report, targetName: "alpha" }),
      "FOLDER_STATE_TRANSITION",
    );
    expect(archived.message).toBe(
      `Folder ${FOLDER} cannot go from archived to archiving: only a folder that is prepared or failed can.`,
    );
  });

  it("files-record records a batch once however often it comes, and only while the folder is archiving", async () => {
    const { handlers, published, refusedUnchanged, startedArchive } = setup();
    const { report } = await startedArchive();
    const batch = [catalogFile("a.txt", 7, "b"), catalogFile("empty", null, null)];
    const early = await refusedUnchanged(
      () => handlers["files-record"]({ ...report, files: batch }),
      "FOLDER_NOT_ARCHIVING",
    );
    expect(early.message).toBe(
      `Files of ${FOLDER} cannot be recorded: the folder is prepared, not archiving. Nothing was recorded.`,
    );

    await handlers["folder-archiving"]({ ...report, targetName: "alpha" });
    published.length = 0;
    expect(await handlers["files-record"]({ ...report, files: batch })).toEqual({ recorded: 2 });
    expect(await handlers["files-record"]({ ...report, files: batch })).toEqual({ recorded: 2 });
    const rows = await catalog.db
      .selectFrom("files")
      .select(["relativePath", "checksum", "tapeBarcode", "startBlock", "partition"])
      .orderBy("relativePath")
      .execute();
    expect(rows).toEqual([
      {
        relativePath: "a.txt",
        checksum: SHA(5),
        tapeBarcode: TAPE,
        startBlock: 7,
        partition: "b",
      },
      {
        relativePath: "empty",
        checksum: SHA(5),
        tapeBarcode: TAPE,
        startBlock: null,
        partition: null,
      },
    ]);
    expect(published).toEqual([]);
    await refusedUnchanged(
      () => handlers["files-record"]({ ...report, attempt: 2, files: batch }),
      "JOB_STATE_CONFLICT",
    );
  });

  it("files-record and folder-files take more files than one short transaction holds, all of them, in tape order", async () => {
    const { handlers, startedArchive } = setup();
    const { report } = await startedArchive();
    await handlers["folder-archiving"]({ ...report, targetName: "alpha" });
    const count = FILES_PER_TRANSACTION * 2 + 17;
    // Sent in reverse: the listing gives them back by block.
    const files = Array.from({ length: count }, (_, index) =>
      catalogFile(`f${String(index).padStart(4, "0")}`, 100 + index, "b"),
    ).reverse();
    expect(await handlers["files-record"]({ ...report, files })).toEqual({ recorded: count });
    await handlers["folder-archived"]({ ...report, fileCount: count, verifiedAt: AT });

    const limit = FILES_PER_TRANSACTION + 40;
    const first = await handlers["folder-files"]({ path: FOLDER, limit });
    expect(first.total).toBe(count);
    expect(first.files).toHaveLength(limit);
    const rest = await handlers["folder-files"]({
      path: FOLDER,
      limit,
      after: first.next ?? undefined,
    });
    expect(rest.next).toBeNull();
    expect([...first.files, ...rest.files].map((file) => file.startBlock)).toEqual(
      Array.from({ length: count }, (_, index) => 100 + index),
    );
  });

  it("files-record refuses a path that could leave the folder, or one given twice, writing none of the batch", async () => {
    const { handlers, refusedUnchanged, startedArchive } = setup();
    const { report } = await startedArchive();
    await handlers["folder-archiving"]({ ...report, targetName: "alpha" });
    for (const bad of ["../etc/passwd", "/abs", "a//b", "a/./b", "dir/", "a\0b"]) {
      const error = await refusedUnchanged(
        () =>
          handlers["files-record"]({
            ...report,
            files: [catalogFile("good.txt", 1, "b"), catalogFile(bad, 2, "b")],
          }),
        "INVALID_ARGUMENT",
      );
      expect(error.message).toContain(JSON.stringify(bad));
    }
    const twice = await refusedUnchanged(
      () =>
        handlers["files-record"]({
          ...report,
          files: [catalogFile("same", 1, "b"), catalogFile("same", 2, "b")],
        }),
      "INVALID_ARGUMENT",
    );
    expect(twice.message).toBe(
      `The file same of ${FOLDER} appears twice in one batch. Nothing was recorded.`,
    );
    await refusedUnchanged(
      () =>
        handlers["files-record"]({
          ...report,
          files: [{ ...catalogFile("huge-mtime", 1, "b"), mtimeNs: "99999999999999999999" }],
        }),
      "INVALID_ARGUMENT",
    );
  });

  it("folder-archived refuses with FILES_INCOMPLETE until exactly fileCount files are recorded, then archives with a folder.archived event", async () => {
    const { handlers, published, refusedUnchanged, startedArchive } = setup();
    const { job, report } = await startedArchive();
    await handlers["folder-archiving"]({ ...report, targetName: "alpha" });
    await handlers["files-record"]({
      ...report,
      files: [catalogFile("a", 1, "b"), catalogFile("b", 2, "b")],
    });
    published.length = 0;
    const incomplete = await refusedUnchanged(
      () => handlers["folder-archived"]({ ...report, fileCount: 3, verifiedAt: AT }),
      "FILES_INCOMPLETE",
    );
    expect(incomplete.message).toBe(
      `${FOLDER} was not marked archived: the catalog has 2 of its files recorded, and job ${job.id} wrote 3. Nothing was changed.`,
    );
    expect((await findFolderByPath(catalog.db, FOLDER))?.state).toBe("archiving");
    await refusedUnchanged(
      () => handlers["folder-archived"]({ ...report, fileCount: 1, verifiedAt: AT }),
      "FILES_INCOMPLETE",
    );

    await handlers["files-record"]({ ...report, files: [catalogFile("c", 3, "b")] });
    await refusedUnchanged(
      () => handlers["folder-archived"]({ ...report, attempt: 2, fileCount: 3, verifiedAt: AT }),
      "JOB_STATE_CONFLICT",
    );
    const { folder } = await handlers["folder-archived"]({
      ...report,
      fileCount: 3,
      verifiedAt: AT,
    });
    expect(folder).toMatchObject({
      state: "archived",
      tapeBarcode: TAPE,
      targetName: "alpha",
      verifiedAt: AT,
      archivedAt: expect.any(String),
    });
    expect(published.map((event) => [event.kind, event.payload])).toEqual([
      [
        "folder.archived",
        {
          jobId: job.id,
          attempt: 1,
          path: FOLDER,
          tape: TAPE,
          targetName: "alpha",
          fileCount: 3,
          verifiedAt: AT,
          at: expect.any(String),
        },
      ],
    ]);

    // The same report again (its reply was lost): the same answer, nothing new.
    expect(
      (await handlers["folder-archived"]({ ...report, fileCount: 3, verifiedAt: AT })).folder,
    ).toEqual(folder);
    expect(published).toHaveLength(1);
    expect((await handlers.summary({})).tapes[0]).toMatchObject({
      barcode: TAPE,
      usedKiB: 30,
    });
  });

  it("folder-archived refuses a name another folder took on the tape meanwhile", async () => {
    const { handlers, refusedUnchanged, startedArchive } = setup();
    const { report } = await startedArchive();
    await handlers["folder-archiving"]({ ...report, targetName: "alpha" });
    await seedArchived(catalog.db, "/srv/other", { tape: TAPE, name: "alpha", sizeKib: 1 });
    const taken = await refusedUnchanged(
      () => handlers["folder-archived"]({ ...report, fileCount: 0, verifiedAt: AT }),
      "NAME_TAKEN_ON_TAPE",
    );
    expect(taken.message).toBe(
      `Tape ${TAPE} already holds an archived folder named alpha (from /srv/other); ${FOLDER} was not marked archived.`,
    );
  });

  it("folder-files pages through an archived folder in tape order: partition a, then b by block, empty files last", async () => {
    const { handlers, archivedFolder } = setup();
    await archivedFolder();
    const first = await handlers["folder-files"]({ path: FOLDER, limit: 2 });
    expect(first.next).toEqual({ path: "data/b.bin", startBlock: 12, partition: "b" });
    const second = await handlers["folder-files"]({
      path: FOLDER,
      after: first.next ?? undefined,
      limit: 2,
    });
    // Counted once, on the first page; the last page says there is no next one.
    expect(first.total).toBe(3);
    expect(second.total).toBeUndefined();
    expect(second.next).toBeNull();
    expect([...first.files, ...second.files].map((file) => file.path)).toEqual([
      "index.xml",
      "data/b.bin",
      "z-empty",
    ]);
    expect(first.files[0]).toEqual(catalogFile("index.xml", 5, "a"));
    const afterEmpty = { path: "z-empty", startBlock: null, partition: null };
    expect(await handlers["folder-files"]({ path: FOLDER, after: afterEmpty })).toEqual({
      files: [],
      next: null,
    });
    const whole = await handlers["folder-files"]({ path: FOLDER });
    expect(whole.files).toHaveLength(3);
    expect(whole.next).toBeNull();
  });

  it("folder-files refuses a folder that is not archived, and one with a file without checksum, naming it", async () => {
    const { handlers, refusedUnchanged, archivedFolder } = setup();
    await archivedFolder();
    await seedPrepared(catalog.db, "/srv/prepared", 10);
    const notArchived = await refusedUnchanged(
      () => handlers["folder-files"]({ path: "/srv/prepared" }),
      "FOLDER_NOT_ARCHIVED",
    );
    expect(notArchived.message).toBe(
      "/srv/prepared is not archived (it is prepared), so the catalog has no file list to give.",
    );
    await refusedUnchanged(
      () => handlers["folder-files"]({ path: "/srv/nope" }),
      "FOLDER_NOT_FOUND",
    );

    const folder = await findFolderByPath(catalog.db, FOLDER);
    await insertFiles(catalog.db, [
      {
        folderId: folder?.id ?? 0,
        relativePath: "legacy/no-sum.dat",
        sizeBytes: 1,
        mtimeNs: 1n,
        mode: 0o100644,
        checksum: null,
        tapeBarcode: TAPE,
        startBlock: 40,
        partition: "b",
      },
    ]);
    const missing = await refusedUnchanged(
      () => handlers["folder-files"]({ path: FOLDER }),
      "FILE_CHECKSUM_MISSING",
    );
    expect(missing.message).toBe(
      `The catalog has no checksum for legacy/no-sum.dat in the archive of ${FOLDER}, so it cannot be restored or verified safely.`,
    );
  });

  it("folder-files pages by key, not OFFSET, and counts and checks checksums once per listing, on the first page", async () => {
    const { archivedFolder } = setup();
    await archivedFolder();
    const log = logQueries(catalog.db);
    const logged = createCatalogHandlers({
      libraryId: "default",
      db: log.db,
      tapeMaxSizeKiB: 1000,
      publish: async () => {},
    });
    const first = await logged["folder-files"]({ path: FOLDER, limit: 1 });
    const firstPageQueries = log.queries.length;
    const pages = [first];
    for (let page = first; page.next !== null; ) {
      page = await logged["folder-files"]({ path: FOLDER, after: page.next, limit: 1 });
      pages.push(page);
    }
    expect(pages.flatMap((page) => page.files.map((file) => file.path))).toEqual([
      "index.xml",
      "data/b.bin",
      "z-empty",
    ]);
    const statements = log.queries.map((query) => query.sql.toLowerCase());
    expect(statements.filter((sql) => /\boffset\b/.test(sql))).toEqual([]);
    const aggregates = statements
      .map((sql, index) => ({ sql, index }))
      .filter(({ sql }) => sql.includes("count("));
    // The folder's count and its files without checksum, in one pass, on the first page only.
    expect(aggregates).toHaveLength(1);
    expect(aggregates.every(({ index }) => index < firstPageQueries)).toBe(true);
  });

  it("folder-archived refreshes the files table's statistics (ANALYZE) after a large folder only", async () => {
    const { handlers, startedArchive } = setup();
    const analyzed = async () => {
      const result = await sql<{ analyzeCount: number; estimate: number }>`
        select s.analyze_count::integer as "analyzeCount", c.reltuples::integer as estimate
        from pg_stat_user_tables s join pg_class c on c.oid = s.relid
        where s.relname = 'files'`.execute(catalog.db);
      return result.rows[0] ?? { analyzeCount: -1, estimate: -1 };
    };
    const { report } = await startedArchive();
    await handlers["folder-archiving"]({ ...report, targetName: "alpha" });
    const files = Array.from({ length: ANALYZE_AFTER_FILES }, (_, index) =>
      catalogFile(`f${index}`, 100 + index, "b"),
    );
    await handlers["files-record"]({ ...report, files });
    const before = await analyzed();
    await handlers["folder-archived"]({ ...report, fileCount: files.length, verifiedAt: AT });
    const after = await analyzed();
    expect(after.analyzeCount).toBe(before.analyzeCount + 1);
    expect(after.estimate).toBe(ANALYZE_AFTER_FILES);

    // A folder below the threshold is one page: no ANALYZE for it.
    await seedPrepared(catalog.db, "/srv/small", 1, "small");
    const { job } = await handlers["job-create"]({
      kind: "archive",
      args: { folder: "/srv/small", tape: TAPE, targetName: "small" },
    });
    await handlers["job-start"]({ id: job.id, worker: "scheduler@test", drive: 257 });
    const small = { jobId: job.id, attempt: 1, path: "/srv/small", tape: TAPE };
    await handlers["folder-archiving"]({ ...small, targetName: "small" });
    await handlers["files-record"]({ ...small, files: [catalogFile("one", 7, "b")] });
    await handlers["folder-archived"]({ ...small, fileCount: 1, verifiedAt: AT });
    expect((await analyzed()).analyzeCount).toBe(after.analyzeCount);
  });

  it("tape-contents gives the tape and its archived folders by name, or a null tape when unknown", async () => {
    const { handlers } = setup();
    await seedTapes(catalog.db);
    await seedArchived(catalog.db, "/srv/z", { tape: TAPE, name: "zulu", sizeKib: 5 });
    await seedArchived(catalog.db, "/srv/a", { tape: TAPE, name: "alpha", sizeKib: 7 });
    await seedArchived(catalog.db, "/srv/o", { tape: "AAA002L9", name: "other", sizeKib: 1 });
    await seedPrepared(catalog.db, "/srv/p", 9);
    const { tape, folders } = await handlers["tape-contents"]({ barcode: TAPE });
    expect(tape).toMatchObject({ barcode: TAPE, usedKiB: 12, capacityKiB: 1000 });
    expect(folders.map((folder) => [folder.targetName, folder.path, folder.state])).toEqual([
      ["alpha", "/srv/a", "archived"],
      ["zulu", "/srv/z", "archived"],
    ]);
    expect(await handlers["tape-contents"]({ barcode: "NOPE01L9" })).toEqual({
      tape: null,
      folders: [],
    });
  });

  it("tape-update records a blank tape formatted (with formattedAt), LTFS's space and full; fields left out stay", async () => {
    const { handlers } = setup();
    await seedTapes(catalog.db);
    const { tape } = await handlers["tape-update"]({
      barcode: TAPE,
      state: "formatted",
      volumeSerial: "AAA001",
      capacityKiB: 2000,
      usedKiB: 0,
    });
    // LTFS's 2000 KiB, capped by tape_max_size (1000 here): the admin's cap stays a cap.
    expect(tape).toMatchObject({ barcode: TAPE, state: "formatted", capacityKiB: 1000 });
    const formatted = await getTape(catalog.db, TAPE);
    expect(formatted).toMatchObject({
      volumeSerial: "AAA001",
      usedKib: 0,
      capacityKib: 2000,
      homeSlot: 1,
    });
    expect(formatted?.formattedAt).toBeInstanceOf(Date);

    await handlers["tape-update"]({ barcode: TAPE, usedKiB: 1500, state: "formatted" });
    expect(await getTape(catalog.db, TAPE)).toMatchObject({
      usedKib: 1500,
      capacityKib: 2000,
      volumeSerial: "AAA001",
      formattedAt: formatted?.formattedAt,
    });
    expect((await handlers["tape-update"]({ barcode: TAPE, state: "full" })).tape.state).toBe(
      "full",
    );
  });

  it("tape-update refuses unknown, cleaning and blank-but-full tapes, and blank while folders are on it", async () => {
    const { handlers, refusedUnchanged } = setup();
    await seedTapes(catalog.db);
    await upsertTape(catalog.db, { libraryId: "default", barcode: "AAA003L9", state: "formatted" });
    await seedArchived(catalog.db, "/srv/a", { tape: "AAA003L9", name: "alpha", sizeKib: 7 });
    await refusedUnchanged(
      () => handlers["tape-update"]({ barcode: "NEW001L9", state: "formatted" }),
      "UNKNOWN_TAPE",
    );
    await refusedUnchanged(
      () => handlers["tape-update"]({ barcode: "CLN001L1", state: "formatted" }),
      "CLEANING_TAPE",
    );
    await refusedUnchanged(
      () => handlers["tape-update"]({ barcode: TAPE, state: "full" }),
      "TAPE_STATE_CONFLICT",
    );
    const withFolders = await refusedUnchanged(
      () => handlers["tape-update"]({ barcode: "AAA003L9", state: "blank" }),
      "TAPE_STATE_CONFLICT",
    );
    expect(withFolders.message).toBe(
      "Tape AAA003L9 cannot become blank: the catalog has 1 folder archived on it (alpha). Nothing was recorded.",
    );
    await refusedUnchanged(
      () => handlers["tape-update"]({ barcode: TAPE, capacityKiB: 0 }),
      "INVALID_ARGUMENT",
    );
  });

  it("tape-update turns a tape without archived folders back to blank, forgetting its LTFS volume", async () => {
    const { handlers } = setup();
    await seedTapes(catalog.db);
    await handlers["tape-update"]({ barcode: TAPE, state: "formatted", volumeSerial: "AAA001" });
    const { tape } = await handlers["tape-update"]({ barcode: TAPE, state: "blank" });
    expect(tape.state).toBe("blank");
    expect(await getTape(catalog.db, TAPE)).toMatchObject({
      state: "blank",
      formattedAt: null,
      volumeSerial: null,
    });
  });

  it("folder-verified: a passed check sets verifiedAt, a failed one clears it and records the problems", async () => {
    const { handlers, published, archivedFolder, startedVerify } = setup();
    await archivedFolder();
    const job = await startedVerify(FOLDER);
    const later = "2026-12-01T08:30:00.000Z";
    const { folder } = await handlers["folder-verified"]({
      jobId: job.id,
      path: FOLDER,
      ok: true,
      at: later,
    });
    expect(folder).toMatchObject({ state: "archived", verifiedAt: later });

    const problems = ["data/b.bin: checksum differs", "index.xml: missing on tape"];
    const failed = await handlers["folder-verified"]({
      jobId: job.id,
      path: FOLDER,
      ok: false,
      at: "2026-12-02T08:30:00.000Z",
      problems,
    });
    expect(failed.folder).toMatchObject({ state: "archived", verifiedAt: null });
    expect(published.map((event) => [event.kind, event.payload])).toEqual([
      ["folder.verified", { jobId: job.id, path: FOLDER, tape: TAPE, at: later }],
      [
        "folder.verify-failed",
        {
          jobId: job.id,
          path: FOLDER,
          tape: TAPE,
          problems,
          at: "2026-12-02T08:30:00.000Z",
        },
      ],
    ]);
    expect((await handlers["deleteable-candidates"]({})).folders).toEqual([]);
  });

  it("summary tells a folder whose last verification failed from one not verified yet, until a check passes", async () => {
    const { handlers, archivedFolder, startedVerify } = setup();
    await archivedFolder();
    const summaryFolder = async () =>
      (await handlers.summary({})).tapes
        .flatMap((tape) => tape.folders)
        .find((f) => f.path === FOLDER);
    expect(await summaryFolder()).toMatchObject({ verified: true });
    expect(await summaryFolder()).not.toHaveProperty("verifyFailed");
    const job = await startedVerify(FOLDER);
    await handlers["folder-verified"]({
      jobId: job.id,
      path: FOLDER,
      ok: false,
      at: "2026-12-02T08:30:00.000Z",
      problems: ["data/b.bin: checksum differs"],
    });
    const failed = await summaryFolder();
    expect(failed).toMatchObject({ verified: false, verifyFailed: true });
    expect(renderSummary(await handlers.summary({}))).toContain(
      `${FOLDER} -> alpha (30 KiB) alpha [VERIFICATION FAILED: keep the original; \`pytarchive history --failed\` shows what differs, then \`pytarchive verify ${FOLDER}\` again]`,
    );
    await handlers["folder-verified"]({
      jobId: job.id,
      path: FOLDER,
      ok: true,
      at: "2026-12-02T09:30:00.000Z",
    });
    expect(await summaryFolder()).toMatchObject({ verified: true });
    expect(await summaryFolder()).not.toHaveProperty("verifyFailed");
  });

  it("folder-verified takes a verify job of the folder's tape; refuses other jobs, ended jobs and folders not archived", async () => {
    const { handlers, refusedUnchanged, archivedFolder, startedVerify } = setup();
    const { job: archiveJob } = await archivedFolder();
    const tapeJob = await startedVerify(TAPE);
    expect(
      (await handlers["folder-verified"]({ jobId: tapeJob.id, path: FOLDER, ok: true, at: AT }))
        .folder.verifiedAt,
    ).toBe(AT);

    await refusedUnchanged(
      () => handlers["folder-verified"]({ jobId: archiveJob.id, path: FOLDER, ok: true, at: AT }),
      "JOB_STATE_CONFLICT",
    );
    await seedPrepared(catalog.db, "/srv/prepared", 10);
    await refusedUnchanged(
      () =>
        handlers["folder-verified"]({ jobId: tapeJob.id, path: "/srv/prepared", ok: true, at: AT }),
      "FOLDER_NOT_ARCHIVED",
    );
    await seedArchived(catalog.db, "/srv/elsewhere", { tape: "AAA002L9", name: "x", sizeKib: 1 });
    const wrongTape = await refusedUnchanged(
      () =>
        handlers["folder-verified"]({
          jobId: tapeJob.id,
          path: "/srv/elsewhere",
          ok: false,
          at: AT,
        }),
      "INVALID_ARGUMENT",
    );
    expect(wrongTape.message).toBe(
      `Job ${tapeJob.id} (verify of ${TAPE}) does not verify /srv/elsewhere. Nothing was changed.`,
    );
  });
});
