import { expect, it } from "vitest";
import { findFolderByPath, getJob, requeueJobs } from "../../../services/catalog/db/index.ts";
import { createCatalogHandlers } from "../../../services/catalog/index.ts";
import type { RecordedJobEvent } from "../../../services/catalog/job-events.ts";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import { forEachDatabase } from "../../helpers/databases.ts";

forEachDatabase("the catalog's operations on running jobs", (catalog) => {
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
    const queuePrepare = async (folder: string) =>
      (
        await handlers["job-create"]({
          kind: "prepare",
          args: { folder, description: `the ${folder} project`, compress: false },
        })
      ).job;
    return { handlers, published, queuePrepare };
  }

  async function refusal(promise: Promise<unknown>): Promise<PytarchiveError> {
    const error = await promise.then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(PytarchiveError);
    return error as PytarchiveError;
  }

  it("job-claim takes the queued job of the given kinds by priority, then age, and records job.started", async () => {
    const { handlers, published, queuePrepare } = setup();
    const inventory = (
      await handlers["job-create"]({ kind: "inventory", args: { folders: ["/srv"] } })
    ).job;
    const first = await queuePrepare("/srv/a");
    const second = await queuePrepare("/srv/b");
    published.length = 0;

    const claimed = [];
    for (let round = 0; round < 4; round += 1) {
      const { job } = await handlers["job-claim"]({
        kinds: ["prepare", "inventory"],
        worker: "scheduler@test",
      });
      claimed.push(job?.id ?? null);
    }
    expect(claimed).toEqual([first.id, second.id, inventory.id, null]);
    expect(published.map((event) => [event.kind, event.jobId, event.payload])).toEqual(
      [first, second, inventory].map((job) => [
        "job.started",
        job.id,
        {
          jobId: job.id,
          step: "start",
          attempt: 1,
          worker: "scheduler@test",
          at: expect.any(String),
        },
      ]),
    );
  });

  it("job-claim claims nothing while `limit` jobs of those kinds run, and nothing of other kinds", async () => {
    const { handlers, queuePrepare } = setup();
    const running = await queuePrepare("/srv/a");
    const waiting = await queuePrepare("/srv/b");
    const claim = (kinds: ("prepare" | "inventory" | "archive")[]) =>
      handlers["job-claim"]({ kinds, worker: "scheduler@test", limit: 1 });
    expect((await claim(["prepare"])).job?.id).toBe(running.id);
    expect((await claim(["prepare"])).job).toBeNull();
    expect((await claim(["archive"])).job).toBeNull();
    expect((await getJob(catalog.db, waiting.id))?.state).toBe("queued");

    await handlers["job-finish"]({ id: running.id, attempt: 1 });
    expect((await claim(["prepare"])).job?.id).toBe(waiting.id);
  });

  it("job-progress records the text of the running attempt only, and answers null for any other", async () => {
    const { handlers, published, queuePrepare } = setup();
    const job = await queuePrepare("/srv/a");
    const progress = (attempt: number) =>
      handlers["job-progress"]({
        id: job.id,
        attempt,
        step: "prepare",
        percent: 40,
        text: "packing: 40%",
      });
    expect((await progress(1)).job).toBeNull();

    await handlers["job-claim"]({ kinds: ["prepare"], worker: "scheduler@test" });
    published.length = 0;
    expect((await progress(1)).job).toMatchObject({ progress: "packing: 40%", state: "running" });
    expect(published.map((event) => event.payload)).toEqual([
      { jobId: job.id, step: "prepare", percent: 40, text: "packing: 40%", at: expect.any(String) },
    ]);
    expect((await progress(2)).job).toBeNull();
    expect(published).toHaveLength(1);
  });

  it("folder-prepared records what the running prepare job measured, and refuses another job's folder", async () => {
    const { handlers, published, queuePrepare } = setup();
    const job = await queuePrepare("/srv/a");
    await handlers["job-claim"]({ kinds: ["prepare"], worker: "scheduler@test" });
    const report = {
      jobId: job.id,
      attempt: 1,
      path: "/srv/a",
      sizeKiB: 3600,
      fileCount: 127,
      compressed: true,
      archivePath: "/scratch/srv_a-12345678.tar.zst",
    };

    const wrong = await refusal(handlers["folder-prepared"]({ ...report, path: "/srv/b" }));
    expect(wrong.code).toBe("INVALID_ARGUMENT");
    expect(wrong.message).toBe(`Job ${job.id} (prepare of /srv/a) does not prepare /srv/b.`);

    published.length = 0;
    const { folder } = await handlers["folder-prepared"](report);
    expect(folder).toMatchObject({
      path: "/srv/a",
      state: "prepared",
      description: "the /srv/a project",
      sizeKiB: 3600,
      fileCount: 127,
      compressed: true,
    });
    expect((await findFolderByPath(catalog.db, "/srv/a"))?.archivePath).toBe(report.archivePath);
    expect(published.map((event) => event.kind)).toEqual(["folder.prepared"]);
  });

  it("job-fail keeps the worker's error for `pytarchive queue`; folder-failed marks the folder", async () => {
    const { handlers, published, queuePrepare } = setup();
    const job = await queuePrepare("/srv/a");
    await handlers["job-claim"]({ kinds: ["prepare"], worker: "scheduler@test" });
    const error = {
      code: "FOLDER_NOT_FOUND",
      message: "/srv/a does not exist",
      hint: "Check the path.",
    };
    published.length = 0;
    expect(await handlers["folder-failed"]({ jobId: job.id, path: "/srv/a", error })).toMatchObject(
      {
        changed: true,
        folder: {
          state: "failed",
          error: "FOLDER_NOT_FOUND: /srv/a does not exist\nWhat to do: Check the path.",
        },
      },
    );
    const { job: failed } = await handlers["job-fail"]({
      id: job.id,
      attempt: 1,
      step: "prepare",
      error,
    });
    expect(failed).toMatchObject({
      state: "failed",
      error: "FOLDER_NOT_FOUND: /srv/a does not exist\nWhat to do: Check the path.",
    });
    expect(published.map((event) => [event.kind, event.payload])).toEqual([
      ["folder.failed", { jobId: job.id, path: "/srv/a", error, at: expect.any(String) }],
      ["job.failed", { jobId: job.id, step: "prepare", attempt: 1, error, at: expect.any(String) }],
    ]);
    // Asking again changes nothing: the folder is no longer being prepared.
    expect(
      (await handlers["folder-failed"]({ jobId: job.id, path: "/srv/a", error })).changed,
    ).toBe(false);
  });

  it("refuses to end a job for an attempt a requeue replaced", async () => {
    const { handlers, queuePrepare } = setup();
    const job = await queuePrepare("/srv/a");
    await handlers["job-claim"]({ kinds: ["prepare"], worker: "scheduler@test" });
    await handlers["job-fail"]({
      id: job.id,
      attempt: 1,
      step: "prepare",
      error: { code: "X", message: "first try failed" },
    });
    await requeueJobs(catalog.db, { ids: [job.id] });
    await handlers["job-claim"]({ kinds: ["prepare"], worker: "scheduler@test" });

    const late = await refusal(handlers["job-finish"]({ id: job.id, attempt: 1 }));
    expect(late.code).toBe("JOB_STATE_CONFLICT");
    expect(late.message).toBe(
      `Cannot finish job ${job.id} for its attempt 1: it was requeued and now runs attempt 2.`,
    );
    expect(
      (await handlers["job-finish"]({ id: job.id, attempt: 2, summary: "127 files" })).job,
    ).toMatchObject({
      state: "done",
      progress: "127 files",
    });
  });

  it("job-abort-ack ends a running job only when its abort was asked for, and forgets its folder", async () => {
    const { handlers, published, queuePrepare } = setup();
    const job = await queuePrepare("/srv/a");
    await handlers["job-claim"]({ kinds: ["prepare"], worker: "scheduler@test" });

    const unasked = await refusal(handlers["job-abort-ack"]({ id: job.id, attempt: 1 }));
    expect(unasked.code).toBe("JOB_STATE_CONFLICT");
    expect(unasked.message).toBe(
      `Job ${job.id} cannot be marked aborted: nobody asked to abort it.`,
    );

    await handlers["jobs-abort"]({ ids: [job.id] });
    published.length = 0;
    expect((await handlers["job-abort-ack"]({ id: job.id, attempt: 1 })).job.state).toBe("aborted");
    expect(await findFolderByPath(catalog.db, "/srv/a")).toBeNull();
    expect(published.map((event) => event.kind)).toEqual(["job.aborted"]);

    const ended = await refusal(handlers["job-abort-ack"]({ id: job.id }));
    expect(ended.message).toBe(`Cannot mark aborted job ${job.id}: it is aborted, not running.`);
    const unknown = await refusal(handlers["job-finish"]({ id: "00000000" }));
    expect(unknown.code).toBe("UNKNOWN_JOB");
  });
});
