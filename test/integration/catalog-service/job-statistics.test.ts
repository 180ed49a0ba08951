import { expect, it } from "vitest";
import { createCatalogHandlers } from "../../../services/catalog/index.ts";
import { JOB_DURATION_BUCKETS_SECONDS } from "../../../shared/messages/index.ts";
import { forEachDatabase } from "../../helpers/databases.ts";

/*
 * The numbers behind /metrics: counted from the catalog's rows, so a requeue does not take back
 * the failure it followed and nothing is lost when a service restarts.
 */
forEachDatabase("the catalog's job statistics", (catalog) => {
  const handlers = () =>
    createCatalogHandlers({
      libraryId: "default",
      db: catalog.db,
      tapeMaxSizeKiB: 1000,
      publish: async () => {},
    });
  const failure = { code: "PATH_UNREACHABLE", message: "/srv hangs", hint: "Mount /srv." };

  it("counts every ended run by kind and outcome, the queue by state, and the last success", async () => {
    const catalogHandlers = handlers();
    const claim = async () => {
      const { job } = await catalogHandlers["job-claim"]({ kinds: ["inventory"], worker: "test" });
      if (job === null) throw new Error("nothing to claim");
      return job;
    };
    const create = () =>
      catalogHandlers["job-create"]({ kind: "inventory", args: { folders: ["/srv"] } });
    const { job: first } = await create();
    await claim();
    await catalogHandlers["job-fail"]({ id: first.id, step: "inventory", error: failure });
    await catalogHandlers["jobs-requeue"]({ ids: [first.id] });
    await claim();
    const { job: done } = await catalogHandlers["job-finish"]({ id: first.id });
    await create();
    const running = await claim();
    const { job: queued } = await create();

    const statistics = await catalogHandlers["job-statistics"]({});
    const runs = (outcome: string) =>
      statistics.runs.find((run) => run.kind === "inventory" && run.outcome === outcome);
    expect(runs("failed")).toMatchObject({ count: 1 });
    expect(runs("done")).toMatchObject({ count: 1 });
    expect(runs("aborted")).toBeUndefined();
    // Runs of a test take well under the first bound: every bucket holds each run.
    expect(runs("done")?.buckets).toEqual(JOB_DURATION_BUCKETS_SECONDS.map(() => 1));
    expect(runs("done")?.sumSeconds).toBeLessThan(JOB_DURATION_BUCKETS_SECONDS[0]);
    expect(statistics.states).toEqual(
      expect.arrayContaining([
        { state: "running", kind: "inventory", jobs: 1 },
        { state: "queued", kind: "inventory", jobs: 1 },
      ]),
    );
    expect(statistics.states).toHaveLength(2);
    expect(statistics.lastSuccess).toEqual([{ kind: "inventory", at: done.finishedAt }]);
    expect(statistics.running).toEqual([
      { id: running.id, kind: "inventory", drive: null, progressedAt: expect.any(String) },
    ]);
    expect(statistics.running.map((job) => job.id)).not.toContain(queued.id);
    expect(statistics.moved).toEqual([]);
  });

  it("counts a failed job aborted afterwards as one failed run, and a job aborted while queued as none", async () => {
    const catalogHandlers = handlers();
    const create = () =>
      catalogHandlers["job-create"]({ kind: "inventory", args: { folders: ["/srv"] } });
    const { job } = await create();
    await catalogHandlers["job-claim"]({ kinds: ["inventory"], worker: "test" });
    await catalogHandlers["job-fail"]({ id: job.id, step: "inventory", error: failure });
    await catalogHandlers["jobs-abort"]({ ids: [job.id] });
    const { job: waiting } = await create();
    await catalogHandlers["jobs-abort"]({ ids: [waiting.id] });

    const { runs, states } = await catalogHandlers["job-statistics"]({});
    expect(runs).toEqual([
      expect.objectContaining({ kind: "inventory", outcome: "failed", count: 1 }),
    ]);
    expect(states).toEqual([]);
  });

  it("dates a running job's progress by its last change, not by a repeated report", async () => {
    const catalogHandlers = handlers();
    const { job } = await catalogHandlers["job-create"]({
      kind: "inventory",
      args: { folders: ["/srv"] },
    });
    await catalogHandlers["job-claim"]({ kinds: ["inventory"], worker: "test" });
    const report = (text: string) =>
      catalogHandlers["job-progress"]({ id: job.id, step: "inventory", text });
    const progressedAt = async () =>
      (await catalogHandlers["job-statistics"]({})).running.find((entry) => entry.id === job.id)
        ?.progressedAt;
    await report("1 of 3 folders");
    const first = await progressedAt();
    expect(first).toEqual(expect.any(String));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await report("1 of 3 folders");
    expect(await progressedAt()).toBe(first);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await report("2 of 3 folders");
    expect(Date.parse((await progressedAt()) as string)).toBeGreaterThan(
      Date.parse(first as string),
    );
  });
});
