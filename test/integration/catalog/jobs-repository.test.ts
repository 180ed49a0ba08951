import type { Kysely } from "kysely";
import { describe, expect, it } from "vitest";
import {
  abortJobs,
  type CatalogSchema,
  claimNextJob,
  createJob,
  getJob,
  type JobKind,
  listQueue,
  markJobAborted,
  markJobDone,
  markJobFailed,
  markJobRunning,
  requeueJobs,
  setJobProgress,
} from "../../../services/catalog/db/index.ts";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import { forEachDatabase, postgresDatabaseFactory } from "../../helpers/databases.ts";

async function queue(
  db: Kysely<CatalogSchema>,
  kind: JobKind,
  priority?: number,
  folder = "/data/x",
) {
  return createJob(db, {
    libraryId: "default",
    kind,
    args: { folder },
    ...(priority === undefined ? {} : { priority }),
  });
}

async function expectError(promise: Promise<unknown>, code: string): Promise<PytarchiveError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(PytarchiveError);
  expect((error as PytarchiveError).code).toBe(code);
  return error as PytarchiveError;
}

forEachDatabase("jobs repository", (catalog) => {
  it("createJob queues a job under eight lowercase hex digits with the kind's default priority", async () => {
    const archive = await createJob(catalog.db, {
      libraryId: "default",
      kind: "archive",
      args: {
        folder: "/data/projects/alpha",
        tape: "AAK788L9",
        target_name: "projects_alpha",
        retries: [1, 2],
      },
    });
    expect(archive.id).toMatch(/^[0-9a-f]{8}$/);
    expect(archive).toMatchObject({
      kind: "archive",
      state: "queued",
      priority: 100,
      attempts: 0,
      abortRequested: false,
      error: null,
      progress: null,
      startedAt: null,
      finishedAt: null,
    });
    expect(archive.args).toEqual({
      folder: "/data/projects/alpha",
      tape: "AAK788L9",
      target_name: "projects_alpha",
      retries: [1, 2],
    });
    expect(archive.createdAt).toBeInstanceOf(Date);
    const priorities = await Promise.all(
      (["prepare", "explore", "restore", "inventory", "verify"] as const).map(async (kind) => [
        kind,
        (await createJob(catalog.db, { libraryId: "default", kind, args: {} })).priority,
      ]),
    );
    expect(Object.fromEntries(priorities)).toEqual({
      prepare: 0,
      explore: 20,
      restore: 100,
      inventory: 200,
      verify: 100,
    });
    expect(await getJob(catalog.db, archive.id)).toEqual(archive);
  });

  it("createJob draws a new id when the first one is already taken", async () => {
    const ids = ["0badc0de", "0badc0de", "cafef00d"];
    const first = await createJob(catalog.db, {
      libraryId: "default",
      kind: "inventory",
      args: {},
      id: () => ids.shift() ?? "",
    });
    const second = await createJob(catalog.db, {
      libraryId: "default",
      kind: "inventory",
      args: {},
      id: () => ids.shift() ?? "",
    });
    expect([first.id, second.id]).toEqual(["0badc0de", "cafef00d"]);
  });

  it("createJob gives up with JOB_ID_EXHAUSTED when every id it draws is taken", async () => {
    await createJob(catalog.db, {
      libraryId: "default",
      kind: "inventory",
      args: {},
      id: () => "00000001",
    });
    const error = await expectError(
      createJob(catalog.db, {
        libraryId: "default",
        kind: "inventory",
        args: {},
        id: () => "00000001",
      }),
      "JOB_ID_EXHAUSTED",
    );
    expect(error.message).toBe("Could not find a free job id in 8 tries.");
  });

  it("listQueue lists queued jobs by priority, then age", async () => {
    const archiveA = await queue(catalog.db, "archive", 100, "/a");
    const prepareB = await queue(catalog.db, "prepare", undefined, "/b");
    const archiveC = await queue(catalog.db, "archive", 100, "/c");
    const inventoryD = await queue(catalog.db, "inventory");
    const prepareE = await queue(catalog.db, "prepare", undefined, "/e");
    const urgent = await queue(catalog.db, "restore", -5, "/f");
    const { queued, running, failed } = await listQueue(catalog.db);
    expect(queued.map((job) => job.id)).toEqual([
      urgent.id,
      prepareB.id,
      prepareE.id,
      archiveA.id,
      archiveC.id,
      inventoryD.id,
    ]);
    expect(queued.map((job) => job.priority)).toEqual([-5, 0, 0, 100, 100, 200]);
    expect(running).toEqual([]);
    expect(failed).toEqual([]);
  });

  it("listQueue shows running and failed jobs apart, failed ones with their error, and hides done and aborted ones", async () => {
    const running = await queue(catalog.db, "archive");
    const failing = await queue(catalog.db, "prepare");
    const finishing = await queue(catalog.db, "inventory");
    const aborting = await queue(catalog.db, "explore");
    const waiting = await queue(catalog.db, "restore");
    await markJobRunning(catalog.db, running.id);
    await markJobRunning(catalog.db, failing.id);
    await markJobFailed(catalog.db, failing.id, "Folder /data/x does not exist.");
    await markJobRunning(catalog.db, finishing.id);
    await markJobDone(catalog.db, finishing.id);
    await abortJobs(catalog.db, [aborting.id]);

    const listing = await listQueue(catalog.db);
    expect(listing.running.map((job) => [job.id, job.state])).toEqual([[running.id, "running"]]);
    expect(listing.queued.map((job) => job.id)).toEqual([waiting.id]);
    expect(listing.failed.map((job) => [job.id, job.state, job.error])).toEqual([
      [failing.id, "failed", "Folder /data/x does not exist."],
    ]);
  });

  it("claimNextJob takes queued jobs in queue order, marks each running, and returns null when none is left", async () => {
    const later = await queue(catalog.db, "archive");
    const first = await queue(catalog.db, "prepare");
    const claimed = await claimNextJob(catalog.db);
    expect(claimed).toMatchObject({ id: first.id, state: "running", attempts: 1 });
    expect(claimed?.startedAt).toBeInstanceOf(Date);
    expect((await claimNextJob(catalog.db))?.id).toBe(later.id);
    expect(await claimNextJob(catalog.db)).toBeNull();
    expect((await listQueue(catalog.db)).running.map((job) => job.id)).toEqual([
      first.id,
      later.id,
    ]);
  });

  it("claimNextJob with kinds takes only jobs of those kinds", async () => {
    await queue(catalog.db, "prepare");
    const explore = await queue(catalog.db, "explore");
    expect((await claimNextJob(catalog.db, { kinds: ["explore", "restore"] }))?.id).toBe(
      explore.id,
    );
    expect(await claimNextJob(catalog.db, { kinds: ["explore", "restore"] })).toBeNull();
    expect(await claimNextJob(catalog.db, { kinds: [] })).toBeNull();
  });

  it("concurrent claimNextJob calls each get a different job", async () => {
    const jobs = await Promise.all(
      Array.from({ length: 8 }, (_, index) => queue(catalog.db, "archive", 100, `/data/${index}`)),
    );
    const claims = await Promise.all(jobs.map(() => claimNextJob(catalog.db)));
    const claimedIds = claims.map((job) => job?.id);
    expect(claimedIds).not.toContain(undefined);
    expect(new Set(claimedIds).size).toBe(8);
    expect([...claimedIds].sort()).toEqual(jobs.map((job) => job.id).sort());
    expect(await claimNextJob(catalog.db)).toBeNull();
  });

  it("markJobDone and markJobFailed finish a running job with its end time", async () => {
    const done = await queue(catalog.db, "archive");
    const failed = await queue(catalog.db, "restore");
    await markJobRunning(catalog.db, done.id);
    await markJobRunning(catalog.db, failed.id);
    const finished = await markJobDone(catalog.db, done.id);
    expect(finished.state).toBe("done");
    expect(finished.finishedAt?.getTime()).toBeGreaterThanOrEqual(
      finished.startedAt?.getTime() ?? Infinity,
    );
    const broken = await markJobFailed(catalog.db, failed.id, "Tape AAK788L9 is full.");
    expect(broken).toMatchObject({ state: "failed", error: "Tape AAK788L9 is full." });
    expect(broken.finishedAt).toBeInstanceOf(Date);
  });

  it("markJobDone refuses a job that is not running and names its state", async () => {
    const job = await queue(catalog.db, "archive");
    const error = await expectError(markJobDone(catalog.db, job.id), "JOB_STATE_CONFLICT");
    expect(error.message).toBe(
      `Cannot mark done job ${job.id}: it is queued, and only a running job can be.`,
    );
    expect((await getJob(catalog.db, job.id))?.state).toBe("queued");
  });

  it("changing a job that does not exist fails with UNKNOWN_JOB", async () => {
    const error = await expectError(markJobRunning(catalog.db, "deadbeef"), "UNKNOWN_JOB");
    expect(error.message).toBe("No job with id deadbeef. Nothing was changed.");
    expect(error.hint).toContain("pytarchive queue");
    expect(await getJob(catalog.db, "deadbeef")).toBeNull();
  });

  it("setJobProgress sets a running job's progress and ignores a job that is no longer running", async () => {
    const job = await queue(catalog.db, "archive");
    await markJobRunning(catalog.db, job.id);
    expect((await setJobProgress(catalog.db, job.id, "41% (12 GiB of 30 GiB)"))?.progress).toBe(
      "41% (12 GiB of 30 GiB)",
    );
    expect((await listQueue(catalog.db)).running[0]?.progress).toBe("41% (12 GiB of 30 GiB)");
    await markJobDone(catalog.db, job.id);
    expect(await setJobProgress(catalog.db, job.id, "99%")).toBeNull();
    expect((await getJob(catalog.db, job.id))?.progress).toBe("41% (12 GiB of 30 GiB)");
  });

  it("requeueJobs puts a failed job back in its old place in the queue, without its error", async () => {
    // Jobs of one priority created in the same instant: only the insertion order tells them
    // apart. Their ids fall in the opposite order, so a tie-break by id would show.
    const ids = ["fffffff4", "fffffff3", "fffffff2", "fffffff1", "fffffff0"];
    const inserted = [];
    for (const [index, id] of ids.entries()) {
      inserted.push(
        await createJob(catalog.db, {
          libraryId: "default",
          kind: "archive",
          args: { folder: `/tie/${index}` },
          priority: 100,
          id: () => id,
        }),
      );
    }
    await catalog.db
      .updateTable("jobs")
      .set({ createdAt: new Date("2026-01-01T00:00:00.000Z") })
      .where("id", "in", ids)
      .execute();
    const [failing] = inserted;
    if (failing === undefined) throw new Error("no job inserted");
    expect((await claimNextJob(catalog.db))?.id).toBe(failing.id);
    await markJobFailed(catalog.db, failing.id, "Drive 0 is not ready.");
    const [requeued, ...rest] = await requeueJobs(catalog.db, { ids: [failing.id] });
    expect(rest).toEqual([]);
    expect(requeued).toMatchObject({
      id: failing.id,
      state: "queued",
      error: null,
      startedAt: null,
      finishedAt: null,
      attempts: 1,
    });
    const listing = await listQueue(catalog.db);
    expect(listing.failed).toEqual([]);
    expect(listing.queued.map((job) => job.id)).toEqual(ids);
    const claimed = [];
    for (const _ of ids) claimed.push(await claimNextJob(catalog.db));
    expect(claimed.map((job) => job?.id)).toEqual(ids);
    expect(claimed[0]?.attempts).toBe(2);
  });

  it("requeueJobs with allFailed requeues every failed job and nothing else", async () => {
    const failedIds: string[] = [];
    for (const path of ["/a", "/b", "/c"]) {
      const job = await queue(catalog.db, "restore", 100, path);
      await markJobRunning(catalog.db, job.id);
      await markJobFailed(catalog.db, job.id, `Could not restore ${path}.`);
      failedIds.push(job.id);
    }
    const running = await queue(catalog.db, "archive");
    await markJobRunning(catalog.db, running.id);
    const requeued = await requeueJobs(catalog.db, { allFailed: true });
    expect(requeued.map((job) => job.id).sort()).toEqual([...failedIds].sort());
    const listing = await listQueue(catalog.db);
    expect(listing.failed).toEqual([]);
    expect(listing.queued.map((job) => job.id)).toEqual(failedIds);
    expect(listing.running.map((job) => job.id)).toEqual([running.id]);
    expect(await requeueJobs(catalog.db, { allFailed: true })).toEqual([]);
  });

  it("requeueJobs refuses a job that did not fail, or an unknown id, and changes nothing", async () => {
    const failed = await queue(catalog.db, "archive");
    await markJobRunning(catalog.db, failed.id);
    await markJobFailed(catalog.db, failed.id, "Tape AAK788L9 is full.");
    const waiting = await queue(catalog.db, "prepare");

    const conflict = await expectError(
      requeueJobs(catalog.db, { ids: [failed.id, waiting.id] }),
      "JOB_STATE_CONFLICT",
    );
    expect(conflict.message).toBe(
      `Cannot requeue ${waiting.id} is queued: only failed jobs can be requeued. Nothing was changed.`,
    );
    const unknown = await expectError(
      requeueJobs(catalog.db, { ids: [failed.id, "12345678"] }),
      "UNKNOWN_JOB",
    );
    expect(unknown.message).toBe("No job with id 12345678. Nothing was changed.");
    expect((await getJob(catalog.db, failed.id))?.state).toBe("failed");
  });

  it("abortJobs aborts queued and failed jobs, which then leave the queue listing", async () => {
    const queued = await queue(catalog.db, "archive");
    const failed = await queue(catalog.db, "restore");
    const other = await queue(catalog.db, "prepare");
    await markJobRunning(catalog.db, failed.id);
    await markJobFailed(catalog.db, failed.id, "Target /restore/x is not empty.");
    const result = await abortJobs(catalog.db, [queued.id, failed.id]);
    expect(result.aborted.map((job) => [job.id, job.state])).toEqual([
      [queued.id, "aborted"],
      [failed.id, "aborted"],
    ]);
    expect(result.stopRequested).toEqual([]);
    const listing = await listQueue(catalog.db);
    expect(listing.queued.map((job) => job.id)).toEqual([other.id]);
    expect(listing.failed).toEqual([]);
    expect((await claimNextJob(catalog.db))?.id).toBe(other.id);
    expect(await claimNextJob(catalog.db)).toBeNull();
  });

  it("abortJobs asks a running job to stop; it stays listed until its worker marks it aborted", async () => {
    const job = await queue(catalog.db, "explore");
    await markJobRunning(catalog.db, job.id);
    const result = await abortJobs(catalog.db, [job.id]);
    expect(result.aborted).toEqual([]);
    expect(result.stopRequested.map((row) => [row.id, row.state, row.abortRequested])).toEqual([
      [job.id, "running", true],
    ]);
    expect((await listQueue(catalog.db)).running.map((row) => row.abortRequested)).toEqual([true]);
    const stopped = await markJobAborted(catalog.db, job.id);
    expect(stopped).toMatchObject({ state: "aborted", abortRequested: true });
    expect((await listQueue(catalog.db)).running).toEqual([]);
  });

  it("abortJobs refuses finished jobs and unknown ids, and changes nothing", async () => {
    const waiting = await queue(catalog.db, "archive");
    const done = await queue(catalog.db, "inventory");
    await markJobRunning(catalog.db, done.id);
    await markJobDone(catalog.db, done.id);
    const conflict = await expectError(
      abortJobs(catalog.db, [waiting.id, done.id]),
      "JOB_STATE_CONFLICT",
    );
    expect(conflict.message).toBe(
      `Cannot abort ${done.id} is done: it has already finished; only queued, running or failed jobs can be aborted. Nothing was changed.`,
    );
    const unknown = await expectError(
      abortJobs(catalog.db, ["aaaa0000", "bbbb1111"]),
      "UNKNOWN_JOB",
    );
    expect(unknown.message).toBe("No job with ids aaaa0000, bbbb1111. Nothing was changed.");
    expect((await getJob(catalog.db, waiting.id))?.state).toBe("queued");
  });
});

describe("claimNextJob on PostgreSQL", () => {
  it("skips the job another transaction holds instead of waiting for it", async () => {
    const database = await postgresDatabaseFactory.open();
    try {
      const first = await queue(database.db, "archive", 100, "/first");
      const second = await queue(database.db, "archive", 100, "/second");
      const holder = await database.db.startTransaction().execute();
      try {
        expect((await claimNextJob(holder))?.id).toBe(first.id);
        // A second worker on another connection, while the first one's claim is uncommitted.
        expect((await claimNextJob(database.db))?.id).toBe(second.id);
        expect(await claimNextJob(database.db)).toBeNull();
      } finally {
        await holder.rollback().execute();
      }
      expect((await getJob(database.db, first.id))?.state).toBe("queued");
      expect((await claimNextJob(database.db))?.id).toBe(first.id);
    } finally {
      await database.close();
    }
  });
});
