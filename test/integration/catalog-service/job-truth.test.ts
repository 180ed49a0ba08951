import { expect, it } from "vitest";
import { findFolderByPath, getJob } from "../../../services/catalog/db/index.ts";
import { createCatalogHandlers } from "../../../services/catalog/index.ts";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import type { CatalogFile } from "../../../shared/messages/catalog-requests.ts";
import { forEachDatabase } from "../../helpers/databases.ts";
import { seedPrepared, seedTapes } from "../gateway/support.ts";

const FOLDER = "/srv/alpha";
const TAPE = "AAA001L9";
const ERROR = { code: "TAPE_TOO_FULL", message: "No space left on tape AAA001L9" };

function file(path: string, sizeBytes: number): CatalogFile {
  return {
    path,
    sizeBytes,
    mtimeNs: "1732600000123456789",
    mode: 0o100640,
    sha256: "a".repeat(64),
    startBlock: 7,
    partition: "b",
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

forEachDatabase("the catalog tells the truth about jobs", (catalog) => {
  const handlers = () =>
    createCatalogHandlers({
      libraryId: "default",
      db: catalog.db,
      tapeMaxSizeKiB: 1000,
      publish: async () => {},
    });

  /** An archive of FOLDER to TAPE, started, its folder archiving with two files recorded. */
  async function archiving() {
    const h = handlers();
    await seedTapes(catalog.db);
    await seedPrepared(catalog.db, FOLDER, 30, "alpha");
    const { job } = await h["job-create"]({
      kind: "archive",
      args: { folder: FOLDER, tape: TAPE, targetName: "alpha" },
    });
    await h["job-start"]({ id: job.id, worker: "scheduler@test", drive: 256 });
    const report = { jobId: job.id, attempt: 1, path: FOLDER, tape: TAPE };
    await h["folder-archiving"]({ ...report, targetName: "alpha" });
    await h["files-record"]({ ...report, files: [file("a.bin", 1000), file("b.bin", 24)] });
    return { h, job, report };
  }

  it("an abort before the read-back is recorded wins: the folder is not archived and goes back to prepared", async () => {
    const { h, job, report } = await archiving();
    const asked = await h["jobs-abort"]({ ids: [job.id] });
    expect(asked.stopRequested.map((j) => j.id)).toEqual([job.id]);
    const refused = await refusal(
      h["folder-archived"]({ ...report, fileCount: 2, verifiedAt: new Date().toISOString() }),
    );
    expect(refused.code).toBe("JOB_ABORT_REQUESTED");
    expect((await findFolderByPath(catalog.db, FOLDER))?.state).toBe("archiving");
    await h["folder-failed"]({
      jobId: job.id,
      path: FOLDER,
      error: { code: "ARCHIVE_ABORTED", message: "aborted" },
    });
    await h["job-abort-ack"]({ id: job.id, attempt: 1 });
    expect((await findFolderByPath(catalog.db, FOLDER))?.state).toBe("prepared");
    expect((await getJob(catalog.db, job.id))?.state).toBe("aborted");
  });

  it("an abort after the point of no return is too late: nothing is asked to stop and the job ends done", async () => {
    const { h, job, report } = await archiving();
    await h["folder-archived"]({ ...report, fileCount: 2, verifiedAt: new Date().toISOString() });
    const asked = await h["jobs-abort"]({ ids: [job.id] });
    expect(asked.stopRequested).toEqual([]);
    expect(asked.aborted).toEqual([]);
    expect(asked.tooLate?.map((j) => j.id)).toEqual([job.id]);
    expect((await getJob(catalog.db, job.id))?.abortRequested).toBe(false);
    const { job: done } = await h["job-finish"]({ id: job.id, attempt: 1 });
    expect(done).toMatchObject({ state: "done", bytesMoved: 1024, filesMoved: 2 });
    expect((await findFolderByPath(catalog.db, FOLDER))?.state).toBe("archived");
  });

  it("a failed archive leaves its folder prepared; only a missing packed archive sends it back to prepare", async () => {
    const { h, job } = await archiving();
    const { folder, changed } = await h["folder-failed"]({
      jobId: job.id,
      path: FOLDER,
      error: ERROR,
    });
    expect(changed).toBe(true);
    expect(folder).toMatchObject({ state: "prepared", sizeKiB: 30 });
    await h["job-fail"]({ id: job.id, attempt: 1, step: "write", error: ERROR });
    // Archivable to another tape at once.
    const { job: again } = await h["job-create"]({
      kind: "archive",
      args: { folder: FOLDER, tape: "AAA002L9", targetName: "alpha" },
    });
    expect(again.state).toBe("queued");
    // It replaces the failed job, which could only fail again or archive the folder twice.
    expect((await getJob(catalog.db, job.id))?.state).toBe("aborted");

    await h["job-start"]({ id: again.id, worker: "scheduler@test", drive: 256 });
    const second = { jobId: again.id, attempt: 1, path: FOLDER, tape: "AAA002L9" };
    await h["folder-archiving"]({ ...second, targetName: "alpha" });
    // An unreachable original (its NFS server down) is not a missing packed archive.
    const unreachable = await h["folder-failed"]({
      jobId: again.id,
      path: FOLDER,
      error: {
        code: "ARCHIVE_SOURCE_MISSING",
        message: "Cannot archive /srv/alpha: it does not exist",
      },
    });
    expect(unreachable.folder?.state).toBe("prepared");
    await h["folder-archiving"]({ ...second, targetName: "alpha" });
    const missing = await h["folder-failed"]({
      jobId: again.id,
      path: FOLDER,
      error: { code: "ARCHIVE_PACK_MISSING", message: "The packed archive is gone" },
    });
    expect(missing.folder?.state).toBe("failed");
  });

  it("a step failing after the commit fails the job saying first that the archive stands; requeue keeps the commit", async () => {
    const { h, job, report } = await archiving();
    await h["folder-archived"]({ ...report, fileCount: 2, verifiedAt: new Date().toISOString() });
    const unmountError = { code: "LTFS_UNMOUNT_FAILED", message: "umount: target is busy" };
    // As the scheduler ends it: the folder first (left alone: archived), then the job.
    const folder = await h["folder-failed"]({ jobId: job.id, path: FOLDER, error: unmountError });
    expect(folder.changed).toBe(false);
    const { job: ended } = await h["job-fail"]({
      id: job.id,
      attempt: 1,
      step: "unmount",
      error: unmountError,
    });
    // Failed, so the admins hear of it and a requeue releases the drive; the truth comes first.
    expect(ended).toMatchObject({ state: "failed", bytesMoved: 1024, filesMoved: 2 });
    expect(ended.error).toBe(
      `LTFS_UNMOUNT_FAILED: ${FOLDER} is archived on tape ${TAPE}; only its unmount step failed afterwards: umount: target is busy`,
    );
    expect((await findFolderByPath(catalog.db, FOLDER))?.state).toBe("archived");
    const history = (await h["jobs-history"]({ limit: 50, failedOnly: true })).jobs;
    expect(history.map((entry) => entry.id)).toEqual([job.id]);
    const requeued = await h["jobs-requeue"]({ ids: [job.id] });
    expect(requeued.requeued.map((entry) => entry.id)).toEqual([job.id]);
    expect((await getJob(catalog.db, job.id))?.committedAt).toBeInstanceOf(Date);
  });

  it("a commit is sticky: a committed job left failed is requeued and restarted still committed, and an abort stays too late", async () => {
    const { h, job, report } = await archiving();
    await h["folder-archived"]({ ...report, fileCount: 2, verifiedAt: new Date().toISOString() });
    // A committed job left failed after its unmount failed.
    await catalog.db
      .updateTable("jobs")
      .set({ state: "failed", finishedAt: new Date(), error: "LTFS_UNMOUNT_FAILED: busy" })
      .where("id", "=", job.id)
      .execute();
    const committedAt = (await getJob(catalog.db, job.id))?.committedAt?.toISOString();
    expect(committedAt).toEqual(expect.any(String));

    const failedAbort = await h["jobs-abort"]({ ids: [job.id] });
    expect(failedAbort.aborted).toEqual([]);
    expect(failedAbort.tooLate?.map((j) => j.id)).toEqual([job.id]);

    const { requeued } = await h["jobs-requeue"]({ ids: [job.id] });
    expect(requeued[0]?.committedAt).toEqual(committedAt);
    const queuedAbort = await h["jobs-abort"]({ ids: [job.id] });
    expect(queuedAbort.aborted).toEqual([]);
    expect(queuedAbort.tooLate?.map((j) => j.id)).toEqual([job.id]);

    const { job: started } = await h["job-start"]({ id: job.id, worker: "s", drive: 256 });
    expect(started?.committedAt).toEqual(committedAt);
    const runningAbort = await h["jobs-abort"]({ ids: [job.id] });
    expect(runningAbort.stopRequested).toEqual([]);
    expect(runningAbort.tooLate?.map((j) => j.id)).toEqual([job.id]);
    expect((await getJob(catalog.db, job.id))?.abortRequested).toBe(false);
    const { job: done } = await h["job-finish"]({ id: job.id, attempt: 2 });
    expect(done.state).toBe("done");
    expect((await findFolderByPath(catalog.db, FOLDER))?.state).toBe("archived");
  });

  it("a job that finds its folder already archived by it is marked committed when it was not", async () => {
    const { h, job, report } = await archiving();
    await h["folder-archived"]({ ...report, fileCount: 2, verifiedAt: new Date().toISOString() });
    // A job row whose commit was lost (cleared by the version before this one).
    await catalog.db
      .updateTable("jobs")
      .set({ committedAt: null })
      .where("id", "=", job.id)
      .execute();
    const again = await h["folder-archived"]({
      ...report,
      fileCount: 2,
      verifiedAt: new Date().toISOString(),
    });
    expect(again.folder.state).toBe("archived");
    expect((await getJob(catalog.db, job.id))?.committedAt).toBeInstanceOf(Date);
    const asked = await h["jobs-abort"]({ ids: [job.id] });
    expect(asked.tooLate?.map((j) => j.id)).toEqual([job.id]);
  });

  it("records the step a job waits on, and forgets it once a worker reports on that step; the step it is in stays", async () => {
    const { h, job } = await archiving();
    const sent = await h["job-progress"]({
      id: job.id,
      attempt: 1,
      step: "unload",
      text: "waiting",
      waitingOn: "unload",
      waitingRetry: true,
    });
    expect(sent.job).toMatchObject({
      waitingOn: "unload",
      waitingRetry: true,
      currentStep: "unload",
    });
    const other = await h["job-progress"]({ id: job.id, attempt: 1, step: "write", text: "x" });
    expect(other.job).toMatchObject({ waitingOn: "unload", currentStep: "unload" });
    const taken = await h["job-progress"]({ id: job.id, attempt: 1, step: "unload", text: "y" });
    expect(taken.job).toMatchObject({ waitingOn: null, currentStep: "unload" });
    // The next attempt starts with no step.
    await h["job-fail"]({ id: job.id, attempt: 1, step: "unload", error: ERROR });
    await h["jobs-requeue"]({ ids: [job.id] });
    const again = await h["job-start"]({ id: job.id, worker: "s", drive: 256 });
    expect(again.job).toMatchObject({ attempts: 2, currentStep: null });
  });

  it("history lists finished jobs, newest first, by outcome, time and count; queue shows recent outcomes", async () => {
    const h = handlers();
    const ids: string[] = [];
    for (const [index, end] of ["done", "failed", "aborted", "done"].entries()) {
      const { job } = await h["job-create"]({
        kind: "inventory",
        args: { folders: [`/srv/${index}`] },
      });
      ids.push(job.id);
      if (end === "aborted") {
        await h["jobs-abort"]({ ids: [job.id] });
        continue;
      }
      await h["job-start"]({ id: job.id, worker: "s", drive: null });
      if (end === "done") await h["job-finish"]({ id: job.id, attempt: 1 });
      else await h["job-fail"]({ id: job.id, attempt: 1, step: "report", error: ERROR });
    }
    const { jobs } = await h["jobs-history"]({ limit: 50 });
    expect(jobs.map((j) => j.id)).toEqual([...ids].reverse());
    expect(jobs.map((j) => j.state)).toEqual(["done", "aborted", "failed", "done"]);
    expect(jobs.every((j) => j.finishedAt !== null)).toBe(true);
    expect((await h["jobs-history"]({ limit: 2 })).jobs.map((j) => j.id)).toEqual(
      [...ids].reverse().slice(0, 2),
    );
    expect(
      (await h["jobs-history"]({ limit: 50, failedOnly: true })).jobs.map((j) => j.id),
    ).toEqual([ids[1]]);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await h["jobs-history"]({ limit: 50, since: future })).jobs).toEqual([]);
    const queue = await h.queue({});
    expect(queue.recent?.map((j) => j.id)).toEqual([ids[3], ids[2], ids[0]]);
    expect(queue.failed.map((j) => j.id)).toEqual([ids[1]]);
  });
});
